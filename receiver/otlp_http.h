#ifndef OTLPD_OTLP_HTTP_H
#define OTLPD_OTLP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_request.h"
#include "otlp_decode.h"
#include "otlp_pipeline.h"
#include "otlp_signal.h"
#include "stats.h"

/* OTLP/HTTP (opentelemetry-proto docs/specification.md, "OTLP/HTTP") as an
 * http_handler: POST /v1/traces, /v1/metrics, /v1/logs with
 * application/x-protobuf or application/json, optionally gzip; each request
 * is decoded once, rejected items are dropped, and the canonical protobuf
 * goes to the writer's queue (and the forwarder's when forwarding is on).
 * The client hears 200 only once the writer has taken the data. */

struct otlp_http_config {
	uint64_t max_request_bytes; /* body before and after decompression */
	struct otlp_codec_limits codec;
	bool forwarding;
};

struct otlp_http_stats {
	uint64_t requests[OTLP_SIGNAL_COUNT]; /* complete requests on each path */
	uint64_t items_accepted[OTLP_SIGNAL_COUNT];
	uint64_t items_rejected[OTLP_SIGNAL_COUNT]; /* dropped with partial_success */
	uint64_t bytes_in;      /* request bodies as received */
	uint64_t responses[6];  /* by class: [2] is 2xx, [4] 4xx, [5] 5xx */
	uint64_t rejects[OTLP_REJECT_COUNT];
	uint64_t forward_dropped; /* not forwarded: the forwarder's queue was full or away */
	uint64_t in_flight;       /* sent to the writer, not yet acknowledged */
};

struct otlp_http {
	struct otlp_pipeline pipe;
	struct otlp_http_stats stats;
};

void otlp_http_init(struct otlp_http *h, const struct otlp_http_config *cfg,
		    const struct otlp_sink *sink);

/* The handler; its ctx is the struct otlp_http. */
extern const struct http_handler otlp_http_handler;

/* The writer took (status 0) or lost (status < 0) the message sent with
 * token. NULL tokens (forwarder messages) are ignored. The same as
 * otlp_pending_acked(token, status): a token knows its transport. */
void otlp_http_acked(struct otlp_http *h, void *token, int status);

/* Appends the counters as "http_*" lines. */
int otlp_http_add_stats(const struct otlp_http *h, struct stats_buf *b);

#endif
