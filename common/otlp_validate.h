#ifndef OTLPD_OTLP_VALIDATE_H
#define OTLPD_OTLP_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "otlp_signal.h"

/* Checks the wire bytes of an Export*ServiceRequest in one pass, without
 * building the message: the receiver runs it on every request (so protobuf
 * input that passes is forwarded as it came, with no second decode), and the
 * writer runs it again before unpacking, so that not even a compromised
 * receiver can make protobuf-c recurse without bound.
 *
 * A request that passes (0) unpacks with protobuf_c_message_unpack().
 *
 * Undecodable (-EBADMSG): a tag, varint or length that is malformed or runs
 * past its message; a wire type that does not match the field's type (an
 * unknown field number is skipped, but its wire type must be 0, 1, 2 or 5);
 * a malformed packed array; a string that is not UTF-8 or holds a NUL byte
 * (protobuf-c would cut the C string there); a profiles-only field
 * (AnyValue.string_value_strindex, KeyValue.key_strindex), which refers to a
 * string table that traces, metrics and logs do not have.
 *
 * Past a limit (-E2BIG): AnyValues nested deeper than limits->max_depth (a
 * value directly in an attribute has depth 1; each array_value or
 * kvlist_value level adds one), more than limits->max_attributes entries in
 * one attributes list (of a resource, scope, span, event, link, data point,
 * exemplar, log record, or a metric's metadata).
 *
 * Rejected items (counted, request still 0): a span whose trace_id is not 16
 * bytes or all zero, whose span_id is not 8 bytes or all zero, whose
 * parent_span_id is neither empty nor 8 bytes, or that has a link like that
 * (link trace_id 16 bytes and span_id 8 bytes, neither all zero); a log
 * record whose trace_id is neither empty nor 16 bytes or whose span_id is
 * neither empty nor 8 bytes; a data point with such an exemplar; a histogram
 * data point whose bucket_counts is neither empty nor one longer than
 * explicit_bounds; every data point of a metric with an empty name; a metric
 * without data (none of gauge, sum, histogram, exponential_histogram,
 * summary), which counts as one rejected data point because it carries
 * nothing that could be stored. */

/* AnyValue depth accepted at most (config receiver.max_anyvalue_depth). */
#define OTLP_MAX_ANYVALUE_DEPTH 128
/* Messages on the deepest path of a request whose AnyValues nest `depth`
 * levels: 9 to the first AnyValue (request, resource metrics, scope
 * metrics, metric, histogram, data point, exemplar, key-value, value), and
 * at most 3 more per further level (kvlist_value, key-value, value), with
 * room to spare. */
#define OTLP_MESSAGE_DEPTH(depth) (16 + 3 * (depth))

struct otlp_limits {
	uint32_t max_depth;      /* nesting of AnyValue, 1..OTLP_MAX_ANYVALUE_DEPTH */
	uint32_t max_attributes; /* key-values per attributes list, >= 1 */
};

struct otlp_check {
	uint64_t items;    /* spans, metric data points or log records */
	uint64_t rejected; /* items whose contents are invalid (e.g. a trace id that
			    * is not 16 bytes); the rest of the request is good */
	char message[256]; /* the first problem, in words; never payload bytes */
};

/* Returns 0 when the request is well formed (check->rejected may still be
 * non-zero), -EBADMSG when it is undecodable, -E2BIG when a limit was
 * passed, -EINVAL for bad arguments (limits out of range). check->message
 * says what and where (field path, e.g.
 * "resource_spans[0].scope_spans[1].spans[7].trace_id: 3 bytes, must be 16"),
 * in every case but a clean pass, where it is empty. */
int otlp_validate(enum otlp_signal signal, const uint8_t *buf, size_t len,
		  const struct otlp_limits *limits, struct otlp_check *check);

#endif
