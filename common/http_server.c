#include "http_server.h"

#include <errno.h>
#include <string.h>

#include "http_conn.h"
#include "log.h"
#include "tcp_listener.h"

void http_server_conn_gone(struct http_server *srv)
{
	if (srv->stopping && srv->conns == NULL && !srv->listener_open && srv->on_stopped) {
		void (*cb)(struct http_server *) = srv->on_stopped;
		srv->on_stopped = NULL;
		cb(srv);
	}
}

/* ---- accepting ---- */

static void on_connection(uv_stream_t *listener, int status)
{
	struct http_server *srv = listener->data;
	if (status < 0) {
		log_warn("accept: %s", uv_strerror(status));
		return;
	}
	/* Full: the longest idle keep-alive connection makes room; with none
	 * idle, the newcomer hears 503 (within a quota) or is closed. */
	if (srv->open >= srv->cfg.max_connections && srv->idle_head != NULL) {
		srv->stats.evicted_idle++;
		http_conn_close(srv->idle_head);
	}
	bool overflow = srv->open >= srv->cfg.max_connections;
	if ((overflow && srv->overflow >= HTTP_OVERFLOW_MAX) || http_conn_accept(srv, overflow) != 0)
		srv->stats.dropped += tcp_drop_connection(srv->loop, &srv->listener);
}

/* ---- the server ---- */

int http_server_init(struct http_server *srv, uv_loop_t *loop, int listen_fd,
		     const struct http_server_config *cfg, uint64_t budget_bytes,
		     const struct http_handler *handler, void *handler_ctx)
{
	memset(srv, 0, sizeof *srv);
	srv->loop = loop;
	srv->cfg = *cfg;
	srv->cfg.max_connections = tcp_fit_descriptor_limit(
		cfg->max_connections, HTTP_OVERFLOW_MAX + HTTP_RESERVED_FDS, "HTTP");
	srv->budget.max = budget_bytes;
	srv->cfg.limits.budget = &srv->budget;
	srv->handler = handler;
	srv->handler_ctx = handler_ctx;
	return tcp_listener_open(loop, &srv->listener, listen_fd, srv, &srv->listener_open);
}

int http_server_start(struct http_server *srv)
{
	return uv_listen((uv_stream_t *)&srv->listener, SOMAXCONN, on_connection);
}

static void on_listener_closed(uv_handle_t *h)
{
	struct http_server *srv = h->data;
	srv->listener_open = false;
	http_server_conn_gone(srv);
}

void http_server_stop(struct http_server *srv, void (*on_stopped)(struct http_server *srv))
{
	srv->stopping = true;
	srv->on_stopped = on_stopped;
	if (srv->listener_open && !uv_is_closing((uv_handle_t *)&srv->listener))
		uv_close((uv_handle_t *)&srv->listener, on_listener_closed);
	struct http_conn *next;
	for (struct http_conn *c = srv->conns; c != NULL; c = next) {
		next = http_conn_next(c);
		http_conn_stop(c);
	}
	http_server_conn_gone(srv);
}

uint32_t http_server_open_connections(const struct http_server *srv)
{
	return srv->open + srv->overflow;
}
