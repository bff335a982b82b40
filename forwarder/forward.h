#ifndef OTLPD_FORWARDER_FORWARD_H
#define OTLPD_FORWARDER_FORWARD_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "breaker.h"
#include "config.h"
#include "endpoint.h"
#include "endpoint_url.h"
#include "http_client.h"
#include "queue.h"
#include "secret.h"
#include "stats.h"
#include "tls.h"

/* The forwarding loop: messages from the receiver go into the bounded
 * queue; whenever a connection is free, the backoff has passed and the
 * circuit breaker allows, the oldest item is sent as OTLP/HTTP protobuf to
 * <endpoint>/v1/<signal>. Delivered and permanently refused items leave the
 * queue; retryable failures go back to its front. */

struct fwd_stats {
	uint64_t received;        /* messages from the receiver */
	uint64_t received_bytes;
	uint64_t forwarded;       /* messages the endpoint accepted */
	uint64_t forward_failed;  /* given up: permanent error or retried too long */
	uint64_t forward_dropped; /* not delivered: the queue was full, the stop deadline
				   * passed, or forwarding is off in this forwarder */
	uint64_t retries;
	uint64_t partial_rejected; /* items an endpoint reported as rejected */
	uint64_t requests;
};

struct fwd_core {
	uv_loop_t *loop;
	bool enabled;
	struct endpoint_url url;
	char paths[3][CONFIG_URL_MAX + 16]; /* traces, metrics, logs */
	char authority[ENDPOINT_HOST_MAX + 16];
	char *extra_headers; /* "Name: value\r\n"... from forwarding.headers; owned */
	size_t extra_headers_len;
	const struct secret *auth; /* the auth header line; borrowed, may be NULL */
	bool gzip;
	uint64_t timeout_ms;
	struct fwd_queue queue;
	struct breaker breaker;
	enum breaker_state logged_state;
	struct fwd_endpoint endpoint;
	struct fwd_client *client;
	uv_timer_t wake; /* when the backoff, the breaker or a resolve permits */
	uv_timer_t soon; /* the next loop turn, after a callback */
	uv_timer_t grace;
	uint64_t backoff_until_ms;     /* while the breaker is closed */
	uint64_t retry_after_until_ms; /* the endpoint's Retry-After, always */
	uint32_t failures; /* in a row, for the backoff */
	bool dropping;     /* the queue is full; logged once per episode */
	uint64_t dropped_in_episode;
	bool stopping;
	uint64_t stop_deadline_ms; /* what is still queued then is dropped */
	uint64_t stop_dropped;     /* for the one log line at the end */
	bool client_closing;
	unsigned closing_handles;
	void (*stopped)(void *ctx);
	void *stopped_ctx;
	struct fwd_stats stats;
};

struct fwd_core_params {
	uv_loop_t *loop;
	const struct config *cfg;
	struct fwd_tls *tls;       /* NULL for http */
	const struct secret *auth; /* NULL for auth_type none */
	fwd_resolve_ask_cb ask_resolve;
	void *ask_ctx;
};

/* Returns 0, or a negative errno with why set. */
int fwd_core_init(struct fwd_core *core, const struct fwd_core_params *p, char *why, size_t cap);
/* One message from the receiver: copied into the queue (compressed when so
 * configured) or dropped and counted when the queue is full. Never waits. */
void fwd_core_take(struct fwd_core *core, uint32_t msg_type, const uint8_t *data, size_t len);
void fwd_core_set_addrs(struct fwd_core *core, const struct msg_endpoint_addrs *m);
int fwd_core_stats(const struct fwd_core *core, struct stats_buf *b);
/* Goes on sending what is queued (with the usual backoff and breaker) for
 * up to FWD_STOP_GRACE_MS, then drops what is left, counted in
 * forward_dropped and logged in one line; closes every handle, then calls
 * stopped(ctx). New messages are dropped from the call on. */
void fwd_core_stop(struct fwd_core *core, void (*stopped)(void *ctx), void *ctx);

#endif
