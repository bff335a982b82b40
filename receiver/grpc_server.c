#include "grpc_server.h"

#include <string.h>

#include "grpc_conn.h"
#include "http_limits.h"
#include "log.h"
#include "tcp_listener.h"

void grpc_server_conn_gone(struct grpc_server *srv)
{
	if (srv->stopping && srv->conns == NULL && !srv->listener_open && srv->on_stopped) {
		void (*cb)(struct grpc_server *) = srv->on_stopped;
		srv->on_stopped = NULL;
		cb(srv);
	}
}

/* ---- accepting ---- */

/* The connection without a call that has been idle longest (as HTTP's
 * eviction does): one that just connected is about to make its call. */
static struct grpc_conn *find_idle(const struct grpc_server *srv)
{
	struct grpc_conn *oldest = NULL;
	uint64_t oldest_since = UINT64_MAX;
	for (struct grpc_conn *c = srv->conns; c != NULL; c = grpc_conn_next(c)) {
		uint64_t since;
		/* <=: the list is newest first, so a tie goes to the older one. */
		if (grpc_conn_idle(c, &since) && since <= oldest_since) {
			oldest = c;
			oldest_since = since;
		}
	}
	return oldest;
}

static void on_connection(uv_stream_t *listener, int status)
{
	struct grpc_server *srv = listener->data;
	if (status < 0) {
		log_warn("grpc accept: %s", uv_strerror(status));
		return;
	}
	/* Full: a connection without a call in hand makes room (it hears
	 * GOAWAY, as HTTP/2 clients expect); with none, the newcomer does.
	 * The evicted one lingers among the refused, so eviction waits while
	 * their quota is spent: descriptors stay within max_connections +
	 * GRPC_OVERFLOW_MAX. */
	if (srv->open >= srv->cfg.max_connections && srv->overflow < GRPC_OVERFLOW_MAX) {
		struct grpc_conn *idle = find_idle(srv);
		if (idle != NULL) {
			srv->stats.evicted_idle++;
			grpc_conn_evict(idle);
		}
	}
	bool overflow = srv->open >= srv->cfg.max_connections;
	if ((overflow && srv->overflow >= GRPC_OVERFLOW_MAX) || grpc_conn_accept(srv, overflow) != 0)
		srv->stats.dropped += tcp_drop_connection(srv->loop, &srv->listener);
}

/* ---- the server ---- */

int grpc_server_init(struct grpc_server *srv, uv_loop_t *loop, int listen_fd,
		     const struct grpc_server_config *cfg, uint64_t budget_bytes,
		     uint32_t other_fds, const struct grpc_handler *handler, void *handler_ctx)
{
	memset(srv, 0, sizeof *srv);
	srv->loop = loop;
	srv->cfg = *cfg;
	srv->cfg.max_connections = tcp_fit_descriptor_limit(
		cfg->max_connections, (uint64_t)other_fds + GRPC_OVERFLOW_MAX + HTTP_RESERVED_FDS,
		"OTLP/gRPC");
	if (srv->cfg.limits.budget == NULL) {
		srv->own_budget.max = budget_bytes;
		srv->cfg.limits.budget = &srv->own_budget;
	}
	srv->handler = handler;
	srv->handler_ctx = handler_ctx;
	return tcp_listener_open(loop, &srv->listener, listen_fd, srv, &srv->listener_open);
}

int grpc_server_start(struct grpc_server *srv)
{
	return uv_listen((uv_stream_t *)&srv->listener, SOMAXCONN, on_connection);
}

static void on_listener_closed(uv_handle_t *h)
{
	struct grpc_server *srv = h->data;
	srv->listener_open = false;
	grpc_server_conn_gone(srv);
}

void grpc_server_stop(struct grpc_server *srv, void (*on_stopped)(struct grpc_server *srv))
{
	srv->stopping = true;
	srv->on_stopped = on_stopped;
	if (srv->listener_open && !uv_is_closing((uv_handle_t *)&srv->listener))
		uv_close((uv_handle_t *)&srv->listener, on_listener_closed);
	struct grpc_conn *next;
	for (struct grpc_conn *c = srv->conns; c != NULL; c = next) {
		next = grpc_conn_next(c);
		grpc_conn_goaway(c);
	}
	grpc_server_conn_gone(srv);
}

uint32_t grpc_server_open_connections(const struct grpc_server *srv)
{
	return srv->open + srv->overflow;
}
