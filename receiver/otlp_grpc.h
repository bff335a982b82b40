#ifndef OTLPD_OTLP_GRPC_H
#define OTLPD_OTLP_GRPC_H

#include <stdbool.h>
#include <stdint.h>

#include "grpc_session.h"
#include "otlp_pipeline.h"
#include "stats.h"

/* OTLP/gRPC (opentelemetry-proto docs/specification.md, "OTLP/gRPC") as a
 * grpc_handler: unary Export of TraceService, MetricsService and
 * LogsService; any other method is UNIMPLEMENTED. Requests go through the
 * same pipeline as OTLP/HTTP (otlp_pipeline.h); the client hears OK only
 * once the writer has taken the data. Status codes follow the spec:
 * INVALID_ARGUMENT for what cannot be decoded, RESOURCE_EXHAUSTED (no
 * RetryInfo: do not retry) past max_request_bytes, UNAVAILABLE with a
 * google.rpc.RetryInfo in grpc-status-details-bin while storage has no room,
 * DEADLINE_EXCEEDED when the ack does not come within grpc-timeout or
 * ack_timeout_ms. */

struct otlp_grpc_config {
	uint64_t max_request_bytes; /* a message before and after decompression */
	struct otlp_codec_limits codec;
	bool forwarding;
	uint64_t ack_timeout_ms;    /* the writer's time to take a request */
};

struct otlp_grpc_stats {
	uint64_t requests[OTLP_SIGNAL_COUNT]; /* complete Export messages */
	uint64_t items_accepted[OTLP_SIGNAL_COUNT];
	uint64_t items_rejected[OTLP_SIGNAL_COUNT]; /* dropped with partial_success */
	uint64_t bytes_in;                     /* messages as received */
	uint64_t responses[GRPC_STATUS_COUNT]; /* by grpc-status */
	uint64_t rejects[OTLP_REJECT_COUNT];
	uint64_t forward_dropped;
	uint64_t in_flight;
};

struct otlp_grpc {
	struct otlp_pipeline pipe;
	uint64_t ack_timeout_ms;
	struct otlp_grpc_stats stats;
};

void otlp_grpc_init(struct otlp_grpc *g, const struct otlp_grpc_config *cfg,
		    const struct otlp_sink *sink);

/* The handler; its ctx is the struct otlp_grpc. Writer acks reach it
 * through otlp_pending_acked(). */
extern const struct grpc_handler otlp_grpc_handler;

/* Appends the counters as "grpc_*" lines. */
int otlp_grpc_add_stats(const struct otlp_grpc *g, struct stats_buf *b);

#endif
