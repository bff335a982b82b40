#ifndef OTLPD_OTLP_HTTP_H
#define OTLPD_OTLP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_request.h"
#include "otlp_decode.h"
#include "otlp_signal.h"
#include "stats.h"

/* OTLP/HTTP (opentelemetry-proto docs/specification.md, "OTLP/HTTP") as an
 * http_handler: POST /v1/traces, /v1/metrics, /v1/logs with
 * application/x-protobuf or application/json, optionally gzip; each request
 * is decoded once, rejected items are dropped, and the canonical protobuf
 * goes to the writer's queue (and the forwarder's when forwarding is on).
 * The client hears 200 only once the writer has taken the data. */

enum otlp_dest {
	OTLP_DEST_WRITER,
	OTLP_DEST_FORWARDER,
};

/* The queues, abstract so that tests and the fuzzer can stand in. */
struct otlp_sink {
	/* Queues one request (copied). A writer message is acknowledged later
	 * through otlp_http_acked(token); a forwarder message is fire and
	 * forget. Returns 0, -EAGAIN (no credit), -ENOTCONN (peer away),
	 * -EMSGSIZE or another negative errno. */
	int (*send)(void *ctx, enum otlp_dest dest, enum otlp_signal signal, const uint8_t *buf,
		    size_t len, void *token);
	/* Whether a message of len bytes could be queued now (len 0: any
	 * message): 0, -EAGAIN or -ENOTCONN. */
	int (*check)(void *ctx, enum otlp_dest dest, uint64_t len);
	void *ctx;
};

struct otlp_http_config {
	uint64_t max_request_bytes; /* body before and after decompression */
	struct otlp_codec_limits codec;
	bool forwarding;
};

/* Why a request was refused, for the counters. */
enum otlp_reject {
	OTLP_REJECT_TOO_LARGE,
	OTLP_REJECT_UNSUPPORTED_TYPE,
	OTLP_REJECT_BAD_REQUEST,
	OTLP_REJECT_NO_CREDIT,
	OTLP_REJECT_WRITER_DOWN,
	OTLP_REJECT_TIMEOUT,
	OTLP_REJECT_TOO_MANY_CONNECTIONS,
	OTLP_REJECT_HEADER_TOO_LARGE,
	OTLP_REJECT_SLOW_CLIENT,
	OTLP_REJECT_NOT_FOUND,
	OTLP_REJECT_METHOD_NOT_ALLOWED,
	OTLP_REJECT_OVERLOADED,
	OTLP_REJECT_COUNT,
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
	struct otlp_http_config cfg;
	struct otlp_sink sink;
	struct otlp_http_stats stats;
};

void otlp_http_init(struct otlp_http *h, const struct otlp_http_config *cfg,
		    const struct otlp_sink *sink);

/* The handler; its ctx is the struct otlp_http. */
extern const struct http_handler otlp_http_handler;

/* The writer took (status 0) or lost (status < 0) the message sent with
 * token. NULL tokens (forwarder messages) are ignored. */
void otlp_http_acked(struct otlp_http *h, void *token, int status);

/* Appends the counters as "http_*" lines. */
int otlp_http_add_stats(const struct otlp_http *h, struct stats_buf *b);

const char *otlp_reject_name(enum otlp_reject r);

#endif
