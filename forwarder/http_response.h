#ifndef OTLPD_FORWARDER_HTTP_RESPONSE_H
#define OTLPD_FORWARDER_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llhttp.h>

/* One HTTP/1.1 response from the endpoint, parsed by llhttp. Only what the
 * forwarder acts on is kept: the status, Retry-After, whether the body is
 * protobuf, and the first FWD_RESPONSE_BODY_KEEP bytes of the body (for a
 * partial_success or an error message). The status line and headers are
 * bounded by FWD_RESPONSE_HEADER_MAX and the body by FWD_RESPONSE_BODY_MAX;
 * 1xx interim responses are skipped. */

enum fwd_response_header {
	RESP_HEADER_OTHER,
	RESP_HEADER_RETRY_AFTER,
	RESP_HEADER_CONTENT_TYPE,
};

struct fwd_response {
	llhttp_t parser;
	int status;
	bool complete;
	bool protobuf;
	char retry_after[64];
	size_t retry_after_len;
	bool has_retry_after;
	uint8_t *body; /* owned; FWD_RESPONSE_BODY_KEEP bytes, allocated on first use */
	size_t body_len;
	uint64_t body_total;
	size_t header_bytes;
	enum fwd_response_header header;
	char field[32];
	size_t field_len;
	bool field_too_long;
	char content_type[64];
	size_t content_type_len;
	const char *refused; /* why the response was refused, for logs */
	bool out_of_memory;
};

/* Ready for a new response; keeps the body buffer. */
void fwd_response_reset(struct fwd_response *r);
void fwd_response_free(struct fwd_response *r);

/* Parses len bytes. Returns 0 (more is needed; all consumed), 1 (complete;
 * *consumed bytes belonged to it) or -EPROTO / -EMSGSIZE / -ENOMEM with
 * r->refused set. */
int fwd_response_feed(struct fwd_response *r, const char *data, size_t len, size_t *consumed);
/* The peer closed the connection: 1 when that ends the response (a body
 * delimited by the close), -ECONNRESET when it was cut short. */
int fwd_response_eof(struct fwd_response *r);
/* After a complete response: may the connection carry another request? */
bool fwd_response_keep_alive(const struct fwd_response *r);

#endif
