#ifndef OTLPD_GRPC_SERVER_H
#define OTLPD_GRPC_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "grpc_session.h"
#include "http_request.h"

/* HTTP/2 (h2c, prior knowledge) connections on a listening socket passed by
 * the supervisor: accept within max_connections, feed each connection's
 * bytes to its grpc_session, write what it sends, one timer per connection
 * for the session's deadlines and for writes, a short lingering close. */

struct grpc_server_config {
	uint32_t max_connections;   /* receiver.max_connections, beside HTTP's own */
	uint64_t write_timeout_ms;  /* bytes waiting for the client without progress */
	struct grpc_limits limits;  /* limits.budget: shared with HTTP, or NULL for our own */
};

struct grpc_server_stats {
	uint64_t accepted;
	uint64_t refused;      /* over max_connections: GOAWAY, then closed */
	uint64_t dropped;      /* over max_connections and the GOAWAY quota: closed at once */
	uint64_t evicted_idle; /* connections without a call closed to make room */
	uint64_t read_errors;
	uint64_t write_timeouts;
	uint64_t write_pauses; /* reading stopped because the client did not read */
};

struct grpc_conn;

struct grpc_server {
	uv_loop_t *loop;
	uv_tcp_t listener;
	bool listener_open;
	struct grpc_server_config cfg;
	const struct grpc_handler *handler;
	void *handler_ctx;
	struct grpc_conn *conns; /* every open connection */
	uint32_t open;           /* counted against max_connections */
	uint32_t overflow;       /* being refused, or evicted (GRPC_OVERFLOW_MAX) */
	bool stopping;
	void (*on_stopped)(struct grpc_server *srv);
	struct grpc_server_stats stats;
	struct grpc_session_stats session_stats;
	struct http_budget own_budget; /* when cfg.limits.budget was NULL */
};

/* Before the sandbox: the first stream handle on a loop opens /dev/null
 * (libuv's reserve descriptor), which the sandbox forbids later. Takes
 * listen_fd. budget_bytes sizes our own budget when cfg->limits.budget is
 * NULL. other_fds: descriptors other listeners may hold (HTTP's
 * connections), for the descriptor limit. */
int grpc_server_init(struct grpc_server *srv, uv_loop_t *loop, int listen_fd,
		     const struct grpc_server_config *cfg, uint64_t budget_bytes,
		     uint32_t other_fds, const struct grpc_handler *handler, void *handler_ctx);
/* Inside the sandbox: starts accepting. */
int grpc_server_start(struct grpc_server *srv);
/* Stops accepting, sends GOAWAY on every connection, lets calls in hand be
 * answered (bounded by their deadlines), then calls on_stopped. */
void grpc_server_stop(struct grpc_server *srv, void (*on_stopped)(struct grpc_server *srv));

uint32_t grpc_server_open_connections(const struct grpc_server *srv);

#endif
