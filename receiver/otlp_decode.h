#ifndef OTLPD_OTLP_DECODE_H
#define OTLPD_OTLP_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "otlp_signal.h"
#include "otlp_validate.h"

/* The one call the transports (OTLP/HTTP, OTLP/gRPC) make for a request
 * body (already decompressed): JSON is converted to protobuf
 * (otlp_json.h), the protobuf is checked (otlp_validate.h) and, when items
 * were rejected, rewritten without them (otlp_filter.h). What comes out is
 * the canonical Export*ServiceRequest for the writer and forwarder queues. */

struct otlp_codec_limits {
	struct otlp_limits items;  /* receiver.max_anyvalue_depth, receiver.max_attributes */
	uint32_t max_json_depth;   /* receiver.max_json_depth */
	size_t max_memory;         /* per decode step (JSON tree, filter); 0: 8-16 x body + 1 MiB */
	size_t max_output;         /* largest protobuf from JSON; 0: no limit */
};

struct otlp_request {
	const uint8_t *data; /* protobuf to queue: the body itself (protobuf, nothing
			      * rejected) or `owned` */
	size_t len;
	uint8_t *owned;      /* malloc'd result, freed by otlp_request_release() */
	struct otlp_check check; /* items, rejected (all removed from data), message */
};

/* Returns 0 with req filled in: accept with HTTP 200; check.rejected > 0
 * means partial success (otlp_export_response() with check.rejected and
 * check.message); check.items == check.rejected means nothing is left to
 * queue. -EBADMSG (undecodable, 400) or -E2BIG (a limit, 400) with
 * check.message for the google.rpc.Status body; -ENOMEM; -EINVAL.
 * req->data may point into body: keep body until data has been queued.
 * Call otlp_request_release() in every case. */
int otlp_request_decode(enum otlp_signal signal, enum otlp_encoding encoding,
			const uint8_t *body, size_t len, const struct otlp_codec_limits *limits,
			struct otlp_request *req);
void otlp_request_release(struct otlp_request *req);

#endif
