#include "http_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What the connection's one timer is measuring. */
enum conn_timer {
	T_NONE,
	T_FIRST_BYTE, /* a new connection waits for its first request */
	T_IDLE,       /* keep-alive, between requests */
	T_HEADERS,
	T_BODY,
	T_BUSY,
	T_WRITE,
	T_LINGER,
};

struct http_conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	struct http_server *srv;
	struct http_session session;
	struct http_conn *prev, *next;           /* srv->conns */
	struct http_conn *idle_prev, *idle_next; /* srv->idle_head.. */
	bool in_idle;
	bool overflow; /* refused with 503; not counted in srv->open */
	bool reading;
	bool closing;
	bool lingering;
	bool last_queued;
	unsigned writes; /* final responses in flight */
	unsigned handles; /* libuv handles not yet closed */
	enum conn_timer timer_kind;
	uint8_t *pending; /* owned: bytes read but not yet parsed (pipelining) */
	size_t pending_len, pending_off;
	/* A streamed body being written: one chunk in flight at a time, so a
	 * slow reader holds at most HTTP_STREAM_CHUNK_BYTES of it here. */
	bool streaming;
	struct http_stream stream; /* ctx owned while streaming */
	uint64_t stream_off;
	enum http_send_kind stream_kind;
	uv_shutdown_t shutdown_req;
};

struct conn_write {
	uv_write_t req;
	struct http_conn *conn;
	uint8_t *buf; /* owned */
	enum http_send_kind kind;
	bool stream_part; /* the head or a chunk of a streamed body */
};

/* One buffer for every read: each read is parsed before the next begins. */
static char read_buffer[HTTP_READ_BYTES];

static void conn_handle(struct http_conn *c, enum http_feed_result res);

/* ---- lists ---- */

static void idle_remove(struct http_conn *c)
{
	struct http_server *srv = c->srv;
	if (!c->in_idle)
		return;
	if (c->idle_prev)
		c->idle_prev->idle_next = c->idle_next;
	else
		srv->idle_head = c->idle_next;
	if (c->idle_next)
		c->idle_next->idle_prev = c->idle_prev;
	else
		srv->idle_tail = c->idle_prev;
	c->idle_prev = c->idle_next = NULL;
	c->in_idle = false;
}

static void idle_add(struct http_conn *c)
{
	struct http_server *srv = c->srv;
	if (c->in_idle || c->overflow)
		return;
	c->idle_prev = srv->idle_tail;
	c->idle_next = NULL;
	if (srv->idle_tail)
		srv->idle_tail->idle_next = c;
	else
		srv->idle_head = c;
	srv->idle_tail = c;
	c->in_idle = true;
}

static void conns_remove(struct http_conn *c)
{
	struct http_server *srv = c->srv;
	if (c->prev)
		c->prev->next = c->next;
	else if (srv->conns == c)
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

/* ---- timers ---- */

static uint64_t timer_ms(const struct http_server *srv, enum conn_timer k)
{
	switch (k) {
	case T_FIRST_BYTE:
	case T_HEADERS:
		return srv->cfg.header_timeout_ms;
	case T_IDLE:
		return srv->cfg.idle_timeout_ms;
	case T_BODY:
	case T_WRITE:
		return srv->cfg.body_timeout_ms;
	case T_BUSY:
		return srv->cfg.busy_timeout_ms;
	case T_LINGER:
		return HTTP_LINGER_MS;
	default:
		return 0;
	}
}

static enum conn_timer wanted_timer(const struct http_conn *c)
{
	if (c->lingering)
		return T_LINGER;
	if (c->writes > 0)
		return T_WRITE;
	switch (http_session_phase(&c->session)) {
	case HTTP_PHASE_IDLE:
		return c->session.served_one ? T_IDLE : T_FIRST_BYTE;
	case HTTP_PHASE_HEADERS:
		return T_HEADERS;
	case HTTP_PHASE_BODY:
		return T_BODY;
	case HTTP_PHASE_BUSY:
		return T_BUSY;
	default:
		return T_NONE;
	}
}

static void on_timer(uv_timer_t *t);

/* Starts the timer for the connection's state when that state is new;
 * restart also counts progress within the same state (body bytes). */
static void conn_arm(struct http_conn *c, bool restart)
{
	if (c->closing)
		return;
	enum conn_timer k = wanted_timer(c);
	if (k == c->timer_kind && !restart)
		return;
	c->timer_kind = k;
	uv_timer_stop(&c->timer);
	if (k != T_NONE)
		uv_timer_start(&c->timer, on_timer, timer_ms(c->srv, k), 0);
}

/* ---- closing ---- */

static void stream_end(struct http_conn *c)
{
	if (!c->streaming)
		return;
	c->streaming = false;
	if (c->stream.release)
		c->stream.release(c->stream.ctx);
}

static void on_conn_handle_closed(uv_handle_t *h)
{
	struct http_conn *c = h->data;
	if (--c->handles > 0)
		return;
	struct http_server *srv = c->srv;
	conns_remove(c);
	free(c);
	http_server_conn_gone(srv);
}

void http_conn_close(struct http_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	struct http_server *srv = c->srv;
	http_session_close(&c->session);
	idle_remove(c);
	if (c->overflow)
		srv->overflow--;
	else
		srv->open--;
	free(c->pending);
	c->pending = NULL;
	stream_end(c);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
	uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
	/* Removed from the list only once both handles are gone, so that
	 * stopping waits for them; see on_conn_handle_closed. */
}

static void on_linger_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	(void)buf;
	if (nread < 0)
		http_conn_close(s->data);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	(void)suggested;
	buf->base = read_buffer;
	buf->len = sizeof read_buffer;
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	struct http_conn *c = req->data;
	if (status < 0)
		http_conn_close(c);
}

/* The last response is out: send FIN, then read and drop what the client
 * still sends until it closes or the linger time is over. */
static void conn_linger(struct http_conn *c)
{
	if (c->closing || c->lingering)
		return;
	c->lingering = true;
	idle_remove(c);
	c->shutdown_req.data = c;
	if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
		http_conn_close(c);
		return;
	}
	uv_read_stop((uv_stream_t *)&c->tcp);
	c->reading = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_linger_read) == 0;
	conn_arm(c, true);
}

/* ---- reading ---- */

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void read_start(struct http_conn *c)
{
	if (c->reading || c->closing)
		return;
	int err = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	if (err) {
		http_conn_close(c);
		return;
	}
	c->reading = true;
}

static void read_stop(struct http_conn *c)
{
	if (!c->reading)
		return;
	uv_read_stop((uv_stream_t *)&c->tcp);
	c->reading = false;
}

/* Keeps data[used..len) for after the current response. Bounded by one read. */
static int keep_pending(struct http_conn *c, const uint8_t *data, size_t len, size_t used)
{
	size_t rest = len - used;
	if (c->pending != NULL) {
		/* data is the pending buffer itself. */
		c->pending_off += used;
		return 0;
	}
	if (rest == 0)
		return 0;
	c->pending = malloc(rest);
	if (c->pending == NULL)
		return -ENOMEM;
	memcpy(c->pending, data + used, rest);
	c->pending_len = rest;
	c->pending_off = 0;
	return 0;
}

static void conn_feed(struct http_conn *c, const uint8_t *data, size_t len)
{
	bool from_pending = c->pending != NULL && data == c->pending + c->pending_off;
	size_t used = 0;
	enum http_feed_result res = http_session_feed(&c->session, data, len, &used);
	if (c->closing)
		return;
	if (http_session_started(&c->session))
		idle_remove(c);
	if (res == HTTP_FEED_WAIT) {
		if (keep_pending(c, data, len, used) != 0) {
			http_conn_close(c);
			return;
		}
	} else if (from_pending) {
		free(c->pending);
		c->pending = NULL;
		c->pending_len = c->pending_off = 0;
	}
	conn_handle(c, res);
	if (!c->closing && res == HTTP_FEED_MORE && http_session_phase(&c->session) == HTTP_PHASE_BODY)
		conn_arm(c, true); /* progress in the body */
}

static void conn_handle(struct http_conn *c, enum http_feed_result res)
{
	if (c->closing)
		return;
	switch (res) {
	case HTTP_FEED_MORE:
		read_start(c);
		break;
	case HTTP_FEED_WAIT:
		read_stop(c);
		break;
	case HTTP_FEED_CLOSE:
		read_stop(c);
		/* With the last response still being written, on_write lingers. */
		if (!c->last_queued)
			http_conn_close(c);
		break;
	}
	conn_arm(c, false);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct http_conn *c = s->data;
	if (nread == 0 || c->closing)
		return;
	if (nread < 0) {
		if (nread != UV_EOF)
			c->srv->stats.read_errors++;
		http_conn_close(c);
		return;
	}
	conn_feed(c, (const uint8_t *)buf->base, (size_t)nread);
}

/* After a response (keep-alive): parse what the client already sent, or
 * read on. */
static void conn_resume(struct http_conn *c)
{
	if (c->srv->stopping) {
		http_conn_close(c);
		return;
	}
	if (c->pending != NULL) {
		conn_feed(c, c->pending + c->pending_off, c->pending_len - c->pending_off);
	} else {
		read_start(c);
		conn_arm(c, false);
	}
	if (!c->closing && http_session_phase(&c->session) == HTTP_PHASE_IDLE)
		idle_add(c);
}

/* ---- writing ---- */

static int stream_next(struct http_conn *c);

static void on_write(uv_write_t *req, int status)
{
	struct conn_write *w = req->data;
	struct http_conn *c = w->conn;
	enum http_send_kind kind = w->kind;
	bool stream_part = w->stream_part;
	free(w->buf);
	free(w);
	if (c->closing)
		return;
	if (status < 0) {
		http_conn_close(c);
		return;
	}
	if (stream_part && c->streaming) {
		if (c->stream_off < c->stream.length) {
			if (stream_next(c) != 0)
				http_conn_close(c);
			return;
		}
		stream_end(c);
		kind = c->stream_kind;
	}
	if (kind != HTTP_SEND_INTERIM)
		c->writes--;
	if (kind == HTTP_SEND_LAST)
		conn_linger(c);
	else if (kind == HTTP_SEND_FINAL && http_session_phase(&c->session) == HTTP_PHASE_IDLE)
		conn_resume(c);
}

static int conn_send(void *io_ctx, uint8_t *buf, size_t len, enum http_send_kind kind)
{
	struct http_conn *c = io_ctx;
	struct conn_write *w = c->closing ? NULL : malloc(sizeof *w);
	if (w == NULL) {
		free(buf);
		return c->closing ? -EPIPE : -ENOMEM;
	}
	*w = (struct conn_write){.conn = c, .buf = buf, .kind = kind, .stream_part = false};
	w->req.data = w;
	uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
	int err = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write);
	if (err) {
		free(buf);
		free(w);
		return err;
	}
	if (kind != HTTP_SEND_INTERIM)
		c->writes++;
	if (kind == HTTP_SEND_LAST)
		c->last_queued = true;
	conn_arm(c, false);
	return 0;
}

static int write_part(struct http_conn *c, uint8_t *buf, size_t len)
{
	struct conn_write *w = malloc(sizeof *w);
	if (w == NULL) {
		free(buf);
		return -ENOMEM;
	}
	*w = (struct conn_write){.conn = c, .buf = buf, .kind = c->stream_kind, .stream_part = true};
	w->req.data = w;
	uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
	int err = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write);
	if (err) {
		free(buf);
		free(w);
	}
	return err;
}

/* Reads the next chunk and writes it; called when the previous one is out. */
static int stream_next(struct http_conn *c)
{
	uint64_t left = c->stream.length - c->stream_off;
	size_t want = left < HTTP_STREAM_CHUNK_BYTES ? (size_t)left : HTTP_STREAM_CHUNK_BYTES;
	uint8_t *chunk = malloc(want);
	if (chunk == NULL)
		return -ENOMEM;
	int64_t got = c->stream.read(c->stream.ctx, chunk, want, c->stream_off);
	if (got <= 0 || (uint64_t)got > want) {
		free(chunk);
		return got < 0 ? (int)got : -EIO;
	}
	c->stream_off += (uint64_t)got;
	conn_arm(c, true); /* progress in writing */
	return write_part(c, chunk, (size_t)got);
}

static int conn_send_stream(void *io_ctx, uint8_t *buf, size_t len, const struct http_stream *st,
			    enum http_send_kind kind)
{
	struct http_conn *c = io_ctx;
	if (c->closing || c->streaming || st->read == NULL) {
		free(buf);
		if (st->release)
			st->release(st->ctx);
		return -EPIPE;
	}
	c->streaming = true;
	c->stream = *st;
	c->stream_off = 0;
	c->stream_kind = kind;
	c->writes++;
	if (kind == HTTP_SEND_LAST)
		c->last_queued = true;
	int err = write_part(c, buf, len);
	if (err) {
		stream_end(c);
		return err;
	}
	conn_arm(c, false);
	return 0;
}

static const struct http_io conn_io = {.send = conn_send, .send_stream = conn_send_stream};

/* ---- timeouts ---- */

static void on_timer(uv_timer_t *t)
{
	struct http_conn *c = t->data;
	struct http_server_stats *st = &c->srv->stats;
	enum conn_timer k = c->timer_kind;
	c->timer_kind = T_NONE;
	switch (k) {
	case T_FIRST_BYTE:
	case T_IDLE:
		st->idle_timeouts++;
		http_conn_close(c);
		return;
	case T_HEADERS:
	case T_BODY:
	case T_BUSY:
		if (k == T_HEADERS)
			st->header_timeouts++;
		else if (k == T_BODY)
			st->body_timeouts++;
		else
			st->busy_timeouts++;
		conn_handle(c, http_session_timeout(&c->session));
		return;
	default:
		if (k == T_WRITE)
			st->write_timeouts++;
		http_conn_close(c);
		return;
	}
}

static struct http_conn *conn_new(struct http_server *srv)
{
	struct http_conn *c = calloc(1, sizeof *c);
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
		uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
		return NULL;
	}
	c->handles = 2;
	c->timer.data = c;
	uv_tcp_nodelay(&c->tcp, 1);
	http_session_init(&c->session, &srv->cfg.limits, srv->handler, srv->handler_ctx, &conn_io, c);
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	return c;
}

int http_conn_accept(struct http_server *srv, bool overflow)
{
	struct http_conn *c = conn_new(srv);
	if (c == NULL)
		return -ENOMEM;
	srv->stats.accepted++;
	if (overflow) {
		c->overflow = true;
		srv->overflow++;
		srv->stats.refused++;
		http_session_refuse(&c->session, HTTP_ERR_TOO_MANY_CONNECTIONS);
		if (!c->last_queued)
			http_conn_close(c);
		return 0;
	}
	srv->open++;
	idle_add(c);
	read_start(c);
	conn_arm(c, false);
	return 0;
}

void http_conn_stop(struct http_conn *c)
{
	if (c->closing || c->lingering || c->overflow)
		return;
	/* A request in hand is answered, with Connection: close. */
	c->session.closing = true;
	if (http_session_phase(&c->session) != HTTP_PHASE_BUSY && c->writes == 0)
		http_conn_close(c);
}

struct http_conn *http_conn_next(const struct http_conn *c)
{
	return c->next;
}
