#ifndef OTLPD_OTLP_RESPONSE_H
#define OTLPD_OTLP_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include "otlp_signal.h"

/* Response bodies of OTLP/HTTP (and the messages OTLP/gRPC sends), in the
 * request's encoding. The JSON forms follow the proto3 JSON mapping: int64
 * as a decimal string, default values left out, strings escaped exactly
 * (control bytes as \u00XX, bytes that are not UTF-8 as \ufffd). */

/* Room that always suffices for a message of up to OTLP_RESPONSE_MESSAGE_MAX bytes. */
#define OTLP_RESPONSE_MAX 2048
#define OTLP_RESPONSE_MESSAGE_MAX 300

/* Export{Trace,Metrics,Logs}ServiceResponse. With rejected == 0 and no
 * message, partial_success is left out: protobuf "" (0 bytes), JSON "{}".
 * Otherwise partial_success carries rejected_spans / rejected_data_points /
 * rejected_log_records (left out when 0) and error_message (message, may be
 * NULL or empty when rejected > 0), e.g. JSON
 * {"partialSuccess":{"rejectedSpans":"3","errorMessage":"..."}}.
 * Writes to out (cap bytes); returns 0 with *len, -ENOBUFS when it does not
 * fit (never with cap >= OTLP_RESPONSE_MAX and a message of at most
 * OTLP_RESPONSE_MESSAGE_MAX bytes), -EINVAL for a bad signal. */
int otlp_export_response(enum otlp_signal signal, enum otlp_encoding encoding, uint64_t rejected,
			 const char *message, uint8_t *out, size_t cap, size_t *len);

/* google.rpc.Status for an error response, e.g. JSON
 * {"code":3,"message":"..."}. When retry_after_s > 0, details holds one
 * google.rpc.RetryInfo with that retry_delay (what OTLP/gRPC clients read;
 * OTLP/HTTP uses the Retry-After header instead). grpc_code: e.g. 3
 * INVALID_ARGUMENT for bad data, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE.
 * Same returns as above. */
int otlp_status_body(enum otlp_encoding encoding, int32_t grpc_code, const char *message,
		     uint32_t retry_after_s, uint8_t *out, size_t cap, size_t *len);

#endif
