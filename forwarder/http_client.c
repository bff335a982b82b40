#include "http_client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ssl.h>

#include "fwd_limits.h"
#include "log.h"
#include "scrub.h"

enum conn_state {
	CONN_CLOSED,
	CONN_CONNECTING,
	CONN_HANDSHAKE,
	CONN_ACTIVE, /* a request is being sent and its answer read */
	CONN_IDLE,   /* kept alive, no request */
	CONN_CLOSING,
};

struct fwd_conn {
	struct fwd_client *client;
	enum conn_state state;
	bool tcp_open; /* tcp was initialised and must be closed */
	uv_tcp_t tcp;
	uv_connect_t connect_req;
	uv_write_t write_req;
	bool writing;
	uv_timer_t timer; /* the request's deadline, or the idle timeout */

	bool tls_on;
	mbedtls_ssl_context ssl;
	const uint8_t *in; /* encrypted bytes of the read being handled */
	size_t in_len;
	uint8_t *out; /* encrypted bytes waiting for the socket; owned */
	size_t out_len;
	size_t out_cap;
	uint8_t *out_writing; /* owned; in flight with uv_write */

	uint32_t attempt; /* which address of the endpoint */
	char addr_text[64];
	char last_error[160];

	bool busy; /* a request is assigned */
	void *token;
	uint64_t tag;
	char *head; /* owned while busy; holds the credential */
	size_t head_len;
	const uint8_t *body;
	size_t body_len;
	size_t sent;    /* TLS: plaintext bytes handed to mbedTLS */
	bool sent_all;  /* every byte is on the socket */
	bool answered;  /* the answer is complete */
	bool extra;     /* bytes followed the answer: do not reuse */
	struct fwd_response resp;
};

struct fwd_client {
	struct fwd_client_params p;
	struct fwd_conn *conns; /* p.max_conns, owned */
	bool closing;
	unsigned pending_closes;
	void (*closed)(void *ctx);
	void *closed_ctx;
};

/* Reads are handled synchronously, one at a time: one buffer each. */
static char read_buf[64 * 1024];
static unsigned char plain_buf[16 * 1024];

static void conn_close(struct fwd_conn *conn);
static void tls_send_more(struct fwd_conn *conn);
static void handshake(struct fwd_conn *conn);
static void connect_next(struct fwd_conn *conn);

/* head_len stays: it is the request's, and TLS offsets count from it. */
static void drop_head(struct fwd_conn *conn)
{
	if (conn->head) {
		explicit_bzero(conn->head, conn->head_len);
		free(conn->head);
		/* Copying the head (into a TLS record) went through them. */
		scrub_vector_registers();
	}
	conn->head = NULL;
}

static void fail_request(struct fwd_conn *conn, int err, bool connect_failed, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The request ends without an answer; the connection is not reused. */
static void fail_request(struct fwd_conn *conn, int err, bool connect_failed, const char *fmt, ...)
{
	if (!conn->busy) {
		conn_close(conn);
		return;
	}
	struct fwd_result r = { .err = err, .connect_failed = connect_failed };
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r.detail, sizeof r.detail, fmt, ap);
	va_end(ap);
	void *token = conn->token;
	uint64_t tag = conn->tag;
	conn->busy = false;
	drop_head(conn);
	uv_timer_stop(&conn->timer);
	/* Closing cancels a write in flight before anyone frees its buffers. */
	conn_close(conn);
	conn->client->p.done(conn->client->p.ctx, token, tag, &r);
}

static void on_idle_timeout(uv_timer_t *t)
{
	struct fwd_conn *conn = t->data;
	if (conn->state == CONN_IDLE)
		conn_close(conn);
}

static void finish_request(struct fwd_conn *conn)
{
	void *token = conn->token;
	uint64_t tag = conn->tag;
	conn->busy = false;
	drop_head(conn);
	uv_timer_stop(&conn->timer);
	bool keep = !conn->extra && conn->sent_all && fwd_response_keep_alive(&conn->resp) &&
		    !conn->client->closing;
	if (keep) {
		conn->state = CONN_IDLE;
		uv_timer_start(&conn->timer, on_idle_timeout, FWD_IDLE_TIMEOUT_MS, 0);
	} else {
		conn_close(conn);
	}
	struct fwd_result r = { .err = 0, .resp = &conn->resp };
	conn->client->p.done(conn->client->p.ctx, token, tag, &r);
}

/* The answer usually comes before libuv reports the write done (its write
 * callbacks run a loop turn later): then the callback finishes the
 * request. An answer while bytes still wait to be written (an early 413,
 * say) ends it now: the rest is not sent, the connection not reused. */
static void maybe_finish(struct fwd_conn *conn)
{
	if (!conn->busy || !conn->answered)
		return;
	if (!conn->sent_all) {
		bool all_out = conn->sent >= conn->head_len + conn->body_len || !conn->tls_on;
		all_out = all_out && conn->out_len == 0 &&
			  uv_stream_get_write_queue_size((uv_stream_t *)&conn->tcp) == 0;
		if (conn->writing && all_out)
			return;
		conn->extra = true;
	}
	finish_request(conn);
}

static void on_tcp_closed(uv_handle_t *h)
{
	struct fwd_conn *conn = h->data;
	struct fwd_client *c = conn->client;
	if (conn->tls_on)
		mbedtls_ssl_free(&conn->ssl);
	conn->tls_on = false;
	free(conn->out);
	conn->out = NULL;
	conn->out_len = conn->out_cap = 0;
	conn->in = NULL;
	conn->in_len = 0;
	conn->tcp_open = false;
	conn->state = CONN_CLOSED;
	if (c->closing) {
		if (--c->pending_closes == 0) {
			c->closed(c->closed_ctx);
			free(c->conns);
			free(c);
		}
		return;
	}
	if (conn->busy) {
		/* The request waits for a connection to the next address. */
		connect_next(conn);
		return;
	}
	if (c->p.on_free)
		c->p.on_free(c->p.ctx);
}

static void conn_close(struct fwd_conn *conn)
{
	if (conn->state == CONN_CLOSED || conn->state == CONN_CLOSING)
		return;
	uv_timer_stop(&conn->timer);
	if (!conn->tcp_open) {
		conn->state = CONN_CLOSED;
		return;
	}
	conn->state = CONN_CLOSING;
	if (conn->client->closing)
		conn->client->pending_closes++;
	uv_close((uv_handle_t *)&conn->tcp, on_tcp_closed);
}

/* ---- writing ---- */

static void on_write(uv_write_t *req, int status)
{
	struct fwd_conn *conn = req->data;
	conn->writing = false;
	free(conn->out_writing);
	conn->out_writing = NULL;
	if (conn->state != CONN_ACTIVE && conn->state != CONN_HANDSHAKE)
		return;
	if (status < 0) {
		fail_request(conn, status, false, "sending to %s: %s", conn->addr_text,
			     uv_strerror(status));
		return;
	}
	if (!conn->tls_on) {
		drop_head(conn);
		conn->sent_all = true;
		maybe_finish(conn);
		return;
	}
	if (conn->state == CONN_HANDSHAKE)
		handshake(conn);
	else
		tls_send_more(conn);
}

static void flush_out(struct fwd_conn *conn)
{
	if (conn->writing || conn->out_len == 0)
		return;
	conn->out_writing = conn->out;
	uv_buf_t buf = uv_buf_init((char *)conn->out, (unsigned)conn->out_len);
	conn->out = NULL;
	conn->out_len = conn->out_cap = 0;
	conn->write_req.data = conn;
	int err = uv_write(&conn->write_req, (uv_stream_t *)&conn->tcp, &buf, 1, on_write);
	if (err) {
		free(conn->out_writing);
		conn->out_writing = NULL;
		fail_request(conn, err, false, "sending to %s: %s", conn->addr_text,
			     uv_strerror(err));
		return;
	}
	conn->writing = true;
}

static void send_plain(struct fwd_conn *conn)
{
	uv_buf_t bufs[2] = {
		uv_buf_init(conn->head, (unsigned)conn->head_len),
		uv_buf_init((char *)(uintptr_t)conn->body, (unsigned)conn->body_len),
	};
	conn->write_req.data = conn;
	int err = uv_write(&conn->write_req, (uv_stream_t *)&conn->tcp, bufs, 2, on_write);
	if (err) {
		fail_request(conn, err, false, "sending to %s: %s", conn->addr_text,
			     uv_strerror(err));
		return;
	}
	conn->writing = true;
}

/* Hands plaintext to mbedTLS while the encrypted backlog is small. */
static void tls_send_more(struct fwd_conn *conn)
{
	size_t total = conn->head_len + conn->body_len;
	while (conn->sent < total && conn->out_len < FWD_TLS_OUT_MAX) {
		const uint8_t *p;
		size_t n;
		if (conn->sent < conn->head_len) {
			p = (const uint8_t *)conn->head + conn->sent;
			n = conn->head_len - conn->sent;
		} else {
			p = conn->body + (conn->sent - conn->head_len);
			n = total - conn->sent;
		}
		if (n > FWD_TLS_WRITE_CHUNK)
			n = FWD_TLS_WRITE_CHUNK;
		int ret = mbedtls_ssl_write(&conn->ssl, p, n);
		if (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ)
			break;
		if (ret <= 0) {
			char why[200];
			fwd_tls_describe(&conn->ssl, ret, why, sizeof why);
			fail_request(conn, -EPROTO, false, "TLS to %s: %s", conn->addr_text, why);
			return;
		}
		conn->sent += (size_t)ret;
	}
	/* mbedTLS has encrypted the head: the plaintext credential can go. */
	if (conn->sent >= conn->head_len)
		drop_head(conn);
	flush_out(conn);
	if (conn->state == CONN_ACTIVE && conn->sent >= total && !conn->writing &&
	    conn->out_len == 0 && !conn->sent_all) {
		conn->sent_all = true;
		maybe_finish(conn);
	}
}

/* ---- TLS memory BIO ---- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct fwd_conn *conn = ctx;
	size_t cap_max = FWD_TLS_OUT_MAX + 2 * FWD_TLS_WRITE_CHUNK + 4096;
	if (conn->out_len + len > cap_max)
		return conn->out_len > 0 ? MBEDTLS_ERR_SSL_WANT_WRITE : MBEDTLS_ERR_SSL_ALLOC_FAILED;
	if (conn->out_len + len > conn->out_cap) {
		size_t cap = conn->out_cap ? conn->out_cap * 2 : 16384;
		while (cap < conn->out_len + len)
			cap *= 2;
		if (cap > cap_max)
			cap = cap_max;
		uint8_t *p = realloc(conn->out, cap);
		if (!p)
			return MBEDTLS_ERR_SSL_ALLOC_FAILED;
		conn->out = p;
		conn->out_cap = cap;
	}
	memcpy(conn->out + conn->out_len, buf, len);
	conn->out_len += len;
	return (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct fwd_conn *conn = ctx;
	if (conn->in_len == 0)
		return MBEDTLS_ERR_SSL_WANT_READ;
	size_t n = len < conn->in_len ? len : conn->in_len;
	memcpy(buf, conn->in, n);
	conn->in += n;
	conn->in_len -= n;
	return (int)n;
}

static void handshake(struct fwd_conn *conn)
{
	int ret = mbedtls_ssl_handshake(&conn->ssl);
	flush_out(conn);
	if (conn->state != CONN_HANDSHAKE)
		return;
	if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
		return;
	if (ret != 0) {
		char why[200];
		fwd_tls_describe(&conn->ssl, ret, why, sizeof why);
		fail_request(conn, -ECONNABORTED, false, "TLS handshake with %s (%s): %s",
			     conn->addr_text, conn->client->p.host, why);
		return;
	}
	log_debug("TLS to %s: %s, %s", conn->addr_text, mbedtls_ssl_get_version(&conn->ssl),
		  mbedtls_ssl_get_ciphersuite(&conn->ssl));
	conn->state = CONN_ACTIVE;
	tls_send_more(conn);
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	(void)suggested;
	*buf = uv_buf_init(read_buf, sizeof read_buf);
}

static void feed(struct fwd_conn *conn, const char *data, size_t len)
{
	if (!conn->busy || conn->answered) {
		/* Nothing was asked: a broken or hostile peer. */
		conn_close(conn);
		return;
	}
	size_t consumed = 0;
	int r = fwd_response_feed(&conn->resp, data, len, &consumed);
	if (r < 0) {
		fail_request(conn, r, false, "the answer from %s: %s", conn->addr_text,
			     conn->resp.refused ? conn->resp.refused : "not HTTP");
		return;
	}
	if (r == 1) {
		conn->answered = true;
		if (consumed < len)
			conn->extra = true;
		maybe_finish(conn);
	}
}

static void on_eof(struct fwd_conn *conn, ssize_t nread)
{
	if (conn->state == CONN_ACTIVE && conn->busy && fwd_response_eof(&conn->resp) == 1) {
		conn->answered = true;
		conn->extra = true;
		maybe_finish(conn);
		return;
	}
	if (!conn->busy) {
		conn_close(conn);
		return;
	}
	int err = nread == UV_EOF ? -ECONNRESET : (int)nread;
	fail_request(conn, err, false, "%s %s before a complete answer%s", conn->addr_text,
		     nread == UV_EOF ? "closed the connection" : uv_strerror((int)nread),
		     conn->state == CONN_HANDSHAKE ? " (during the TLS handshake: is it https?)"
						   : "");
}

static void tls_read(struct fwd_conn *conn)
{
	while (conn->state == CONN_ACTIVE || conn->state == CONN_IDLE) {
		int ret = mbedtls_ssl_read(&conn->ssl, plain_buf, sizeof plain_buf);
		if (ret > 0) {
			feed(conn, (const char *)plain_buf, (size_t)ret);
			continue;
		}
		if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
			flush_out(conn);
			return;
		}
		if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
			on_eof(conn, UV_EOF);
			return;
		}
		char why[200];
		fwd_tls_describe(&conn->ssl, ret, why, sizeof why);
		fail_request(conn, -EPROTO, false, "TLS from %s: %s", conn->addr_text, why);
		return;
	}
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct fwd_conn *conn = s->data;
	if (nread == 0 || conn->state == CONN_CLOSING || conn->state == CONN_CLOSED)
		return;
	if (nread < 0) {
		on_eof(conn, nread);
		return;
	}
	if (!conn->tls_on) {
		feed(conn, buf->base, (size_t)nread);
		return;
	}
	conn->in = (const uint8_t *)buf->base;
	conn->in_len = (size_t)nread;
	if (conn->state == CONN_HANDSHAKE)
		handshake(conn);
	if (conn->state == CONN_ACTIVE || conn->state == CONN_IDLE)
		tls_read(conn);
	conn->in = NULL;
	conn->in_len = 0;
}

/* ---- connecting ---- */

static void on_connect(uv_connect_t *req, int status)
{
	struct fwd_conn *conn = req->data;
	if (conn->state != CONN_CONNECTING)
		return;
	if (status < 0) {
		snprintf(conn->last_error, sizeof conn->last_error, "%s: %s", conn->addr_text,
			 uv_strerror(status));
		conn->attempt++;
		conn_close(conn);
		return;
	}
	struct fwd_client *c = conn->client;
	fwd_endpoint_worked(c->p.endpoint, conn->attempt);
	uv_tcp_nodelay(&conn->tcp, 1);
	int err = uv_read_start((uv_stream_t *)&conn->tcp, on_alloc, on_read);
	if (err) {
		fail_request(conn, err, false, "reading from %s: %s", conn->addr_text,
			     uv_strerror(err));
		return;
	}
	log_debug("connected to %s", conn->addr_text);
	if (!c->p.tls) {
		conn->state = CONN_ACTIVE;
		send_plain(conn);
		return;
	}
	err = fwd_tls_session_init(c->p.tls, &conn->ssl, c->p.host, conn, bio_send, bio_recv);
	if (err) {
		fail_request(conn, err, false, "TLS to %s: cannot set up a session",
			     conn->addr_text);
		return;
	}
	conn->tls_on = true;
	conn->state = CONN_HANDSHAKE;
	handshake(conn);
}

static void connect_next(struct fwd_conn *conn)
{
	struct fwd_client *c = conn->client;
	struct sockaddr_storage ss;
	if (fwd_endpoint_addr(c->p.endpoint, conn->attempt, &ss, conn->addr_text,
			      sizeof conn->addr_text) != 0) {
		bool none = fwd_endpoint_count(c->p.endpoint) == 0;
		fwd_endpoint_failed(c->p.endpoint, uv_now(c->p.loop));
		if (none)
			fail_request(conn, -EHOSTUNREACH, true,
				     "no address of %s is known (resolving failed?)", c->p.host);
		else
			fail_request(conn, -ECONNREFUSED, true,
				     "cannot connect to any address of %s (last: %s)", c->p.host,
				     conn->last_error);
		return;
	}
	int err = uv_tcp_init(c->p.loop, &conn->tcp);
	if (err) {
		fail_request(conn, err, true, "cannot make a socket: %s", uv_strerror(err));
		return;
	}
	conn->tcp.data = conn;
	conn->tcp_open = true;
	conn->state = CONN_CONNECTING;
	conn->connect_req.data = conn;
	err = uv_tcp_connect(&conn->connect_req, &conn->tcp, (const struct sockaddr *)&ss,
			     on_connect);
	if (err) {
		snprintf(conn->last_error, sizeof conn->last_error, "%s: %s", conn->addr_text,
			 uv_strerror(err));
		conn->attempt++;
		conn_close(conn);
	}
}

static void on_request_timeout(uv_timer_t *t)
{
	struct fwd_conn *conn = t->data;
	struct fwd_client *c = conn->client;
	const char *phase = conn->state == CONN_CONNECTING  ? "connecting"
			    : conn->state == CONN_HANDSHAKE ? "in the TLS handshake"
			    : !conn->sent_all		    ? "sending"
							    : "waiting for the answer";
	fail_request(conn, -ETIMEDOUT, conn->state == CONN_CONNECTING,
		     "no answer from %s within %llu ms (%s)",
		     conn->addr_text[0] ? conn->addr_text : c->p.host,
		     (unsigned long long)c->p.timeout_ms, phase);
}

/* ---- the pool ---- */

int fwd_client_new(const struct fwd_client_params *p, struct fwd_client **out)
{
	*out = NULL;
	if (p->max_conns == 0 || !p->done || !p->endpoint)
		return -EINVAL;
	struct fwd_client *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->conns = calloc(p->max_conns, sizeof *c->conns);
	if (!c->conns) {
		free(c);
		return -ENOMEM;
	}
	c->p = *p;
	for (unsigned i = 0; i < p->max_conns; i++) {
		struct fwd_conn *conn = &c->conns[i];
		conn->client = c;
		conn->state = CONN_CLOSED;
		uv_timer_init(p->loop, &conn->timer);
		conn->timer.data = conn;
	}
	*out = c;
	return 0;
}

static struct fwd_conn *free_conn(const struct fwd_client *c)
{
	struct fwd_conn *closed = NULL;
	for (unsigned i = 0; i < c->p.max_conns; i++) {
		struct fwd_conn *conn = &c->conns[i];
		if (conn->state == CONN_IDLE)
			return conn;
		if (conn->state == CONN_CLOSED && !conn->busy && !closed)
			closed = conn;
	}
	return closed;
}

bool fwd_client_has_free(const struct fwd_client *c)
{
	return !c->closing && free_conn(c) != NULL;
}

int fwd_client_send(struct fwd_client *c, char *head, size_t head_len, const uint8_t *body,
		    size_t body_len, void *token, uint64_t tag)
{
	struct fwd_conn *conn = c->closing ? NULL : free_conn(c);
	if (!conn || head_len > UINT32_MAX || body_len > UINT32_MAX) {
		explicit_bzero(head, head_len);
		free(head);
		return conn ? -EMSGSIZE : -EBUSY;
	}
	conn->busy = true;
	conn->token = token;
	conn->tag = tag;
	conn->head = head;
	conn->head_len = head_len;
	conn->body = body;
	conn->body_len = body_len;
	conn->sent = 0;
	conn->sent_all = conn->answered = conn->extra = false;
	fwd_response_reset(&conn->resp);
	uv_timer_start(&conn->timer, on_request_timeout, c->p.timeout_ms, 0);
	if (conn->state == CONN_IDLE) {
		conn->state = CONN_ACTIVE;
		if (conn->tls_on)
			tls_send_more(conn);
		else
			send_plain(conn);
		return 0;
	}
	conn->attempt = 0;
	conn->last_error[0] = '\0';
	connect_next(conn);
	return 0;
}

unsigned fwd_client_in_flight(const struct fwd_client *c)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->p.max_conns; i++)
		n += c->conns[i].busy;
	return n;
}

unsigned fwd_client_open_connections(const struct fwd_client *c)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->p.max_conns; i++)
		n += c->conns[i].state != CONN_CLOSED;
	return n;
}

static void on_timer_closed(uv_handle_t *h)
{
	struct fwd_conn *conn = h->data;
	struct fwd_client *c = conn->client;
	fwd_response_free(&conn->resp);
	if (--c->pending_closes == 0) {
		c->closed(c->closed_ctx);
		free(c->conns);
		free(c);
	}
}

void fwd_client_close(struct fwd_client *c, void (*closed)(void *ctx), void *ctx)
{
	c->closing = true;
	c->closed = closed;
	c->closed_ctx = ctx;
	/* One for the loop below, so nothing completes while it runs. */
	c->pending_closes = 1;
	for (unsigned i = 0; i < c->p.max_conns; i++) {
		struct fwd_conn *conn = &c->conns[i];
		/* A connection already closing is counted here; conn_close
		 * counts the ones it starts closing. */
		if (conn->state == CONN_CLOSING)
			c->pending_closes++;
		if (conn->busy)
			fail_request(conn, -ECANCELED, false, "otlpd is stopping");
		conn_close(conn);
		c->pending_closes++;
		uv_close((uv_handle_t *)&conn->timer, on_timer_closed);
	}
	if (--c->pending_closes == 0) {
		closed(ctx);
		free(c->conns);
		free(c);
	}
}
