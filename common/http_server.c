#include "http_server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "http_conn.h"
#include "log.h"

void http_server_conn_gone(struct http_server *srv)
{
	if (srv->stopping && srv->conns == NULL && !srv->listener_open && srv->on_stopped) {
		void (*cb)(struct http_server *) = srv->on_stopped;
		srv->on_stopped = NULL;
		cb(srv);
	}
}

/* ---- accepting ---- */

static void on_dropped_closed(uv_handle_t *h)
{
	free(h);
}

/* Over every quota: accept so the backlog does not fill, then close. */
static void drop_connection(struct http_server *srv)
{
	uv_tcp_t *t = malloc(sizeof *t);
	if (t == NULL || uv_tcp_init(srv->loop, t) != 0) {
		free(t);
		return;
	}
	uv_accept((uv_stream_t *)&srv->listener, (uv_stream_t *)t);
	uv_close((uv_handle_t *)t, on_dropped_closed);
	srv->stats.dropped++;
}

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
		drop_connection(srv);
}

/* ---- the server ---- */

/* Every connection is a descriptor: make sure the process may hold them all,
 * since running out would make libuv reopen /dev/null, which the sandbox
 * forbids. */
static uint32_t fit_descriptor_limit(uint32_t max_connections)
{
	uint64_t need = (uint64_t)max_connections + HTTP_OVERFLOW_MAX + HTTP_RESERVED_FDS;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return max_connections;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
		struct rlimit nrl = {.rlim_cur = want, .rlim_max = rl.rlim_max};
		if (setrlimit(RLIMIT_NOFILE, &nrl) == 0)
			rl.rlim_cur = want;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return max_connections;
	uint64_t fit = rl.rlim_cur > HTTP_OVERFLOW_MAX + HTTP_RESERVED_FDS
			       ? rl.rlim_cur - HTTP_OVERFLOW_MAX - HTTP_RESERVED_FDS
			       : 1;
	log_warn("max_connections %u lowered to %u: the descriptor limit is %llu",
		 max_connections, (unsigned)fit, (unsigned long long)rl.rlim_cur);
	return (uint32_t)fit;
}

int http_server_init(struct http_server *srv, uv_loop_t *loop, int listen_fd,
		     const struct http_server_config *cfg, uint64_t budget_bytes,
		     const struct http_handler *handler, void *handler_ctx)
{
	memset(srv, 0, sizeof *srv);
	srv->loop = loop;
	srv->cfg = *cfg;
	srv->cfg.max_connections = fit_descriptor_limit(cfg->max_connections);
	srv->budget.max = budget_bytes;
	srv->cfg.limits.budget = &srv->budget;
	srv->handler = handler;
	srv->handler_ctx = handler_ctx;
	int err = uv_tcp_init(loop, &srv->listener);
	if (err) {
		close(listen_fd);
		return err;
	}
	srv->listener.data = srv;
	srv->listener_open = true;
	err = uv_tcp_open(&srv->listener, listen_fd);
	if (err) {
		close(listen_fd);
		uv_close((uv_handle_t *)&srv->listener, NULL);
		srv->listener_open = false;
	}
	return err;
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
