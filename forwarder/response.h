#ifndef OTLPD_FORWARDER_RESPONSE_H
#define OTLPD_FORWARDER_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the endpoint's answer bodies say, made safe for a log line. */

/* A 2xx answer's Export*ServiceResponse: the items the endpoint rejected
 * and its message (escaped, at most FWD_ERROR_SNIPPET_MAX bytes of it).
 * An empty or non-protobuf body means no partial success. Returns 0, or
 * -EBADMSG when the body does not decode. */
int fwd_partial_success(uint32_t msg_type, const uint8_t *body, size_t len, uint64_t *rejected,
			char *message, size_t cap);

/* An error answer's message: google.rpc.Status.message for a protobuf
 * body, else the body's first bytes; escaped and cut to
 * FWD_ERROR_SNIPPET_MAX bytes of the original. */
void fwd_error_message(const uint8_t *body, size_t len, bool protobuf, char *out, size_t cap);

/* Printable ASCII kept (but '\' and '"'), anything else as \xNN; at most
 * max input bytes, "..." when cut. out is always NUL-terminated. */
void fwd_escape(const uint8_t *p, size_t len, size_t max, char *out, size_t cap);

#endif
