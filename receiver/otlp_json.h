#ifndef OTLPD_OTLP_JSON_H
#define OTLPD_OTLP_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "otlp_signal.h"

/* OTLP/JSON (opentelemetry-proto docs/specification.md, "JSON Protobuf
 * Encoding") to the protobuf bytes of the same Export*ServiceRequest.
 *
 * What is accepted: the proto3 JSON mapping with OTLP's deviations.
 * Keys in lowerCamelCase, and also the proto field names (snake_case), as
 * protobuf JSON parsers and the Collector accept them although the OTLP
 * spec calls them not valid. Unknown keys are skipped (their values are
 * still checked as JSON, within the depth limit). null means the default.
 * trace_id, span_id and parent_span_id (in spans, links, log records,
 * exemplars) are hex, either case; other bytes (AnyValue bytes_value) are
 * base64, standard or URL-safe, padding optional. Enums only as integers:
 * a name string (e.g. "STATUS_CODE_ERROR") is refused, as the spec says.
 * Integers as JSON numbers or decimal strings, exactly (no fraction, no
 * exponent, no overflow). Floating point as numbers or strings, with
 * "NaN", "Infinity", "-Infinity"; out of range is refused. A key given
 * twice, or two members of one oneof, is refused. The JSON itself must be
 * valid (json_lexer.h), including UTF-8 and no \u0000.
 *
 * The output is what protobuf_c_message_pack() writes: fields in number
 * order, repeated scalars packed, defaults left out, which is also what
 * the reference protobuf encoders write. Run otlp_validate() on it next:
 * AnyValue depth, attribute counts and item rules are checked there, for
 * JSON and protobuf input alike. */

struct otlp_json_limits {
	uint32_t max_depth; /* JSON nesting, 1..256 (receiver.max_json_depth) */
	size_t max_memory;  /* bytes for the decoded message tree; 0: 16 x input + 1 MiB */
	size_t max_output;  /* largest protobuf result; 0: no limit */
};

/* Returns 0 with *out (malloc'd, the caller frees it) and *out_len;
 * -EBADMSG when the body is not a valid OTLP/JSON request, -E2BIG when a
 * limit was passed, -ENOMEM, -EINVAL for bad arguments. On error, err
 * (when err_cap > 0) says what and where, as a JSON path and byte offset,
 * e.g. "resourceSpans[0].scopeSpans[0].spans[3].status.code: enum value
 * given as a string; OTLP/JSON requires an integer at byte 1234"; it never
 * quotes the body. */
int otlp_json_to_protobuf(enum otlp_signal signal, const uint8_t *json, size_t len,
			  const struct otlp_json_limits *limits, uint8_t **out, size_t *out_len,
			  char *err, size_t err_cap);

#endif
