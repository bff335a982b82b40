#include "grpc_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct grpc_conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	struct grpc_server *srv;
	struct grpc_session session;
	bool session_up;
	struct grpc_conn *prev, *next; /* srv->conns */
	bool overflow; /* refused or evicted with GOAWAY; not counted in srv->open */
	bool reading;
	bool paused;   /* reading stopped until the client reads what we wrote */
	bool closing;
	bool lingering;
	size_t write_bytes; /* handed to libuv, not yet written */
	uint64_t write_progress_ms;
	uint64_t linger_until_ms;
	unsigned handles; /* libuv handles not yet closed */
	uv_shutdown_t shutdown_req;
};

struct conn_write {
	uv_write_t req;
	struct grpc_conn *conn;
	uint8_t *buf; /* owned */
	size_t len;
};

/* One buffer for every read: each read is fed to its session before the next. */
static char read_buffer[GRPC_READ_BYTES];

static uint64_t now_ms(const struct grpc_conn *c)
{
	return uv_now(c->srv->loop);
}

/* ---- closing ---- */

static void on_handle_closed(uv_handle_t *h)
{
	struct grpc_conn *c = h->data;
	if (--c->handles > 0)
		return;
	struct grpc_server *srv = c->srv;
	if (c->prev)
		c->prev->next = c->next;
	else if (srv->conns == c)
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
	grpc_server_conn_gone(srv);
}

void grpc_conn_close(struct grpc_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->session_up)
		grpc_session_close(&c->session);
	if (c->overflow)
		c->srv->overflow--;
	else
		c->srv->open--;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
	uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	(void)suggested;
	buf->base = read_buffer;
	buf->len = sizeof read_buffer;
}

static void on_linger_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	if (nread < 0)
		grpc_conn_close(s->data);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	if (status < 0)
		grpc_conn_close(req->data);
}

static void read_stop(struct grpc_conn *c)
{
	if (c->reading)
		uv_read_stop((uv_stream_t *)&c->tcp);
	c->reading = false;
}

static void conn_arm(struct grpc_conn *c);

/* Everything is written: FIN, then the client's bytes are dropped until it
 * closes or the linger time is over, so that it reads our GOAWAY. */
static void conn_linger(struct grpc_conn *c)
{
	if (c->closing || c->lingering)
		return;
	c->lingering = true;
	read_stop(c);
	c->shutdown_req.data = c;
	if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) != 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_linger_read) != 0) {
		grpc_conn_close(c);
		return;
	}
	c->reading = true;
	c->linger_until_ms = now_ms(c) + GRPC_LINGER_MS;
	conn_arm(c);
}

/* ---- timers ---- */

static void on_timer(uv_timer_t *t);

static void conn_arm(struct grpc_conn *c)
{
	if (c->closing)
		return;
	uint64_t wake = c->lingering ? c->linger_until_ms : grpc_session_next_wake(&c->session);
	if (c->write_bytes > 0 && c->write_progress_ms + c->srv->cfg.write_timeout_ms < wake)
		wake = c->write_progress_ms + c->srv->cfg.write_timeout_ms;
	uv_timer_stop(&c->timer);
	if (wake == UINT64_MAX)
		return;
	uint64_t now = now_ms(c);
	uv_timer_start(&c->timer, on_timer, wake > now ? wake - now : 0, 0);
}

/* After anything the session did: end it when it is done. */
static void conn_check(struct grpc_conn *c)
{
	if (c->closing || c->lingering)
		return;
	if (grpc_session_done(&c->session)) {
		read_stop(c);
		if (c->write_bytes == 0) {
			conn_linger(c);
			return;
		}
	}
	conn_arm(c);
}

static void on_timer(uv_timer_t *t)
{
	struct grpc_conn *c = t->data;
	uint64_t now = now_ms(c);
	if (c->lingering) {
		grpc_conn_close(c);
		return;
	}
	if (c->write_bytes > 0 && now >= c->write_progress_ms + c->srv->cfg.write_timeout_ms) {
		c->srv->stats.write_timeouts++;
		grpc_conn_close(c);
		return;
	}
	grpc_session_tick(&c->session, now);
	conn_check(c);
}

/* ---- reading ---- */

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void read_start(struct grpc_conn *c)
{
	if (c->reading || c->closing || c->lingering)
		return;
	if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
		grpc_conn_close(c);
		return;
	}
	c->reading = true;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct grpc_conn *c = s->data;
	if (nread == 0 || c->closing)
		return;
	if (nread < 0) {
		if (nread != UV_EOF)
			c->srv->stats.read_errors++;
		grpc_conn_close(c);
		return;
	}
	enum grpc_feed_result res = grpc_session_feed(&c->session, (const uint8_t *)buf->base,
						      (size_t)nread, now_ms(c));
	if (c->closing)
		return;
	if (res == GRPC_FEED_CLOSE) {
		read_stop(c);
	} else if (c->write_bytes > GRPC_WRITE_QUEUE_MAX) {
		/* The client sends but does not read: no more answers pile up. */
		read_stop(c);
		c->paused = true;
		c->srv->stats.write_pauses++;
	}
	conn_check(c);
}

/* ---- writing ---- */

static void on_write(uv_write_t *req, int status)
{
	struct conn_write *w = req->data;
	struct grpc_conn *c = w->conn;
	c->write_bytes -= w->len;
	free(w->buf);
	free(w);
	if (c->closing)
		return;
	if (status < 0) {
		grpc_conn_close(c);
		return;
	}
	c->write_progress_ms = now_ms(c);
	if (c->paused && c->write_bytes <= GRPC_WRITE_QUEUE_MAX / 2 &&
	    !grpc_session_done(&c->session)) {
		c->paused = false;
		read_start(c);
	}
	conn_check(c);
}

static int conn_send(void *io_ctx, uint8_t *buf, size_t len)
{
	struct grpc_conn *c = io_ctx;
	struct conn_write *w = c->closing || c->lingering ? NULL : malloc(sizeof *w);
	if (w == NULL || len > UINT32_MAX) {
		free(w);
		free(buf);
		return c->closing || c->lingering ? -EPIPE : -ENOMEM;
	}
	*w = (struct conn_write){.conn = c, .buf = buf, .len = len};
	w->req.data = w;
	uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
	int err = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write);
	if (err) {
		free(buf);
		free(w);
		return err;
	}
	if (c->write_bytes == 0)
		c->write_progress_ms = now_ms(c);
	c->write_bytes += len;
	return 0;
}

static void conn_changed(void *io_ctx)
{
	conn_check(io_ctx);
}

static const struct grpc_io conn_io = {.send = conn_send, .changed = conn_changed};

/* ---- accepting ---- */

static struct grpc_conn *conn_new(struct grpc_server *srv)
{
	struct grpc_conn *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->srv = srv;
	if (uv_tcp_init(srv->loop, &c->tcp) != 0) {
		free(c);
		return NULL;
	}
	c->handles = 1;
	c->tcp.data = c;
	if (uv_accept((uv_stream_t *)&srv->listener, (uv_stream_t *)&c->tcp) != 0 ||
	    uv_timer_init(srv->loop, &c->timer) != 0) {
		c->closing = true;
		uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
		return NULL;
	}
	c->handles = 2;
	c->timer.data = c;
	uv_tcp_nodelay(&c->tcp, 1);
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	return c;
}

int grpc_conn_accept(struct grpc_server *srv, bool overflow)
{
	struct grpc_conn *c = conn_new(srv);
	if (c == NULL)
		return -ENOMEM;
	srv->stats.accepted++;
	c->overflow = overflow;
	if (overflow) {
		srv->overflow++;
		srv->stats.refused++;
	} else {
		srv->open++;
	}
	if (grpc_session_init(&c->session, &srv->cfg.limits, srv->handler, srv->handler_ctx,
			      &conn_io, c, &srv->session_stats, now_ms(c)) != 0) {
		grpc_conn_close(c);
		return 0;
	}
	c->session_up = true;
	if (overflow)
		grpc_session_goaway(&c->session, true);
	else
		read_start(c);
	conn_check(c);
	return 0;
}

void grpc_conn_goaway(struct grpc_conn *c)
{
	if (c->closing || c->lingering)
		return;
	grpc_session_goaway(&c->session, false);
	conn_check(c);
}

void grpc_conn_evict(struct grpc_conn *c)
{
	/* Only for a connection grpc_conn_idle() picked. Moved before the
	 * GOAWAY: sending may close it, which counts it down where it is
	 * counted. */
	c->overflow = true;
	c->srv->open--;
	c->srv->overflow++;
	grpc_conn_goaway(c);
}

bool grpc_conn_idle(const struct grpc_conn *c, uint64_t *since)
{
	*since = c->session.idle_since_ms;
	return !c->closing && !c->lingering && !c->overflow && c->session_up &&
	       c->session.open_calls == 0;
}

struct grpc_conn *grpc_conn_next(const struct grpc_conn *c)
{
	return c->next;
}
