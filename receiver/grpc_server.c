#include "grpc_server.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "grpc_conn.h"
#include "http_limits.h"
#include "log.h"

void grpc_server_conn_gone(struct grpc_server *srv)
{
	if (srv->stopping && srv->conns == NULL && !srv->listener_open && srv->on_stopped) {
		void (*cb)(struct grpc_server *) = srv->on_stopped;
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
static void drop_connection(struct grpc_server *srv)
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

static struct grpc_conn *find_idle(const struct grpc_server *srv)
{
	for (struct grpc_conn *c = srv->conns; c != NULL; c = grpc_conn_next(c))
		if (grpc_conn_idle(c))
			return c;
	return NULL;
}

static void on_connection(uv_stream_t *listener, int status)
{
	struct grpc_server *srv = listener->data;
	if (status < 0) {
		log_warn("grpc accept: %s", uv_strerror(status));
		return;
	}
	/* Full: a connection without a call in hand makes room (it hears
	 * GOAWAY, as HTTP/2 clients expect); with none, the newcomer does. */
	if (srv->open >= srv->cfg.max_connections) {
		struct grpc_conn *idle = find_idle(srv);
		if (idle != NULL) {
			srv->stats.evicted_idle++;
			grpc_conn_goaway(idle);
		}
	}
	bool overflow = srv->open >= srv->cfg.max_connections;
	if ((overflow && srv->overflow >= GRPC_OVERFLOW_MAX) || grpc_conn_accept(srv, overflow) != 0)
		drop_connection(srv);
}

/* ---- the server ---- */

/* Every connection is a descriptor: make sure the process may hold ours
 * beside the other listeners', since running out would make libuv reopen
 * /dev/null, which the sandbox forbids. */
static uint32_t fit_descriptor_limit(uint32_t max_connections, uint32_t other_fds)
{
	uint64_t reserve = (uint64_t)other_fds + GRPC_OVERFLOW_MAX + HTTP_RESERVED_FDS;
	uint64_t need = max_connections + reserve;
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
	uint64_t fit = rl.rlim_cur > reserve ? rl.rlim_cur - reserve : 1;
	log_warn("OTLP/gRPC connections lowered from %u to %u: the descriptor limit is %llu",
		 max_connections, (unsigned)fit, (unsigned long long)rl.rlim_cur);
	return (uint32_t)fit;
}

int grpc_server_init(struct grpc_server *srv, uv_loop_t *loop, int listen_fd,
		     const struct grpc_server_config *cfg, uint64_t budget_bytes,
		     uint32_t other_fds, const struct grpc_handler *handler, void *handler_ctx)
{
	memset(srv, 0, sizeof *srv);
	srv->loop = loop;
	srv->cfg = *cfg;
	srv->cfg.max_connections = fit_descriptor_limit(cfg->max_connections, other_fds);
	if (srv->cfg.limits.budget == NULL) {
		srv->own_budget.max = budget_bytes;
		srv->cfg.limits.budget = &srv->own_budget;
	}
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
