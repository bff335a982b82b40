#ifndef OTLPD_OTLP_VALIDATE_H
#define OTLPD_OTLP_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "otlp_signal.h"

/* Checks the wire bytes of an Export*ServiceRequest in one pass, without
 * building the message: the receiver runs it on every request (so protobuf
 * input that passes is forwarded as it came, with no second decode), and the
 * writer runs it again before unpacking, so that not even a compromised
 * receiver can make protobuf-c recurse without bound. */

struct otlp_limits {
	uint32_t max_depth;      /* nesting of AnyValue / KeyValueList / ArrayValue */
	uint32_t max_attributes; /* key-values per resource, scope, item, event, link */
};

struct otlp_check {
	uint64_t items;    /* spans, metric data points or log records */
	uint64_t rejected; /* items whose contents are invalid (e.g. a trace id that
			    * is not 16 bytes); the rest of the request is good */
	char message[256]; /* the first problem, in words; never payload bytes */
};

/* Returns 0 when the request is well formed (check->rejected may still be
 * non-zero), -EBADMSG when it is undecodable (wrong wire type, length past
 * the end, invalid UTF-8 or a NUL in a string, ...), -E2BIG when a limit was
 * passed. check->message says what and where (field path), in every case. */
int otlp_validate(enum otlp_signal signal, const uint8_t *buf, size_t len,
		  const struct otlp_limits *limits, struct otlp_check *check);

#endif
