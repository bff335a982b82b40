/* The forwarding loop when otlpd stops: what is queued is still sent until
 * the stop deadline (FWD_STOP_GRACE_MS), what is left then is dropped and
 * counted in forward_dropped. The endpoint is a small HTTP server on the
 * same libuv loop that answers each request with a chosen status after a
 * chosen delay, or never. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "log.h"
#include "messages.h"
#include "../../forwarder/forward.h"
#include "../../forwarder/fwd_limits.h"

#define BODY_LEN 64
#define CONN_BUF 8192

struct backend {
	uv_tcp_t server;
	unsigned requests;
	int status;        /* 0: never answers */
	uint64_t delay_ms; /* before each answer */
};

struct conn {
	uv_tcp_t tcp;
	uv_timer_t delay;
	struct backend *b;
	char buf[CONN_BUF];
	size_t len;
	unsigned closing;
};

static void on_conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	if (--c->closing == 0)
		free(c);
}

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = 2;
	uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
	uv_close((uv_handle_t *)&c->delay, on_conn_closed);
}

static void on_written(uv_write_t *w, int status)
{
	(void)status;
	free(w);
}

static void answer(uv_timer_t *t)
{
	struct conn *c = t->data;
	static char text[128];
	int n = snprintf(text, sizeof text,
			 "HTTP/1.1 %d X\r\nContent-Type: application/x-protobuf\r\n"
			 "Content-Length: 0\r\n\r\n",
			 c->b->status);
	uv_write_t *w = malloc(sizeof *w);
	ck_assert_ptr_nonnull(w);
	uv_buf_t buf = uv_buf_init(text, (unsigned)n);
	ck_assert_int_eq(uv_write(w, (uv_stream_t *)&c->tcp, &buf, 1, on_written), 0);
}

/* One whole request (head and Content-Length bytes of body) at the start
 * of the buffer is counted, taken off and answered. */
static void take_request(struct conn *c)
{
	char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
	if (!end)
		return;
	size_t head = (size_t)(end - c->buf) + 4;
	const char *cl = memmem(c->buf, head, "Content-Length: ", 16);
	ck_assert_ptr_nonnull(cl);
	size_t body = strtoul(cl + 16, NULL, 10);
	if (c->len < head + body)
		return;
	c->b->requests++;
	memmove(c->buf, c->buf + head + body, c->len - head - body);
	c->len -= head + body;
	if (c->b->status != 0)
		uv_timer_start(&c->delay, answer, c->b->delay_ms, 0);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	struct conn *c = h->data;
	*buf = uv_buf_init(c->buf + c->len, (unsigned)(CONN_BUF - c->len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	(void)buf;
	struct conn *c = s->data;
	if (n < 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	ck_assert_uint_lt(c->len, CONN_BUF);
	take_request(c);
}

static void on_connection(uv_stream_t *server, int status)
{
	ck_assert_int_eq(status, 0);
	struct conn *c = calloc(1, sizeof *c);
	ck_assert_ptr_nonnull(c);
	c->b = server->data;
	uv_tcp_init(server->loop, &c->tcp);
	uv_timer_init(server->loop, &c->delay);
	c->tcp.data = c->delay.data = c;
	ck_assert_int_eq(uv_accept(server, (uv_stream_t *)&c->tcp), 0);
	ck_assert_int_eq(uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read), 0);
}

/* arg is the listening handle; every other TCP handle is a connection. */
static void on_walk_close(uv_handle_t *h, void *arg)
{
	if (uv_is_closing(h))
		return;
	if (h->type == UV_TCP && h != arg) {
		conn_close(h->data);
		return;
	}
	if (h->type == UV_TIMER)
		return; /* a connection's, closed with it */
	uv_close(h, NULL);
}

static uint16_t backend_start(uv_loop_t *loop, struct backend *b)
{
	struct sockaddr_in sin;
	uv_ip4_addr("127.0.0.1", 0, &sin);
	uv_tcp_init(loop, &b->server);
	b->server.data = b;
	ck_assert_int_eq(uv_tcp_bind(&b->server, (const struct sockaddr *)&sin, 0), 0);
	ck_assert_int_eq(uv_listen((uv_stream_t *)&b->server, 16, on_connection), 0);
	int len = sizeof sin;
	ck_assert_int_eq(uv_tcp_getsockname(&b->server, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

struct run {
	uv_loop_t loop;
	struct backend b;
	struct config cfg;
	struct fwd_core core;
	bool stopped;
	uint64_t stop_at_ms;
	uint64_t stopped_at_ms;
};

static int no_resolve(void *ctx)
{
	(void)ctx;
	return 0;
}

static void set(struct config *cfg, const char *key, const char *value)
{
	struct config_error err;
	ck_assert_msg(config_set(cfg, key, value, "test", &err) == 0, "%s: %s", key, err.msg);
}

/* A forwarder over one connection to the test endpoint, with n messages
 * queued and the endpoint's address known. */
static void run_init(struct run *r, int status, uint64_t delay_ms, const char *threshold,
		     unsigned n)
{
	memset(r, 0, sizeof *r);
	ck_assert_int_eq(uv_loop_init(&r->loop), 0);
	r->b.status = status;
	r->b.delay_ms = delay_ms;
	uint16_t port = backend_start(&r->loop, &r->b);
	config_defaults(&r->cfg);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)port);
	set(&r->cfg, "forwarding.enabled", "true");
	set(&r->cfg, "forwarding.endpoint_url", url);
	set(&r->cfg, "forwarding.max_connections", "1");
	set(&r->cfg, "forwarding.circuit_breaker.failure_threshold", threshold);
	struct fwd_core_params p = {
		.loop = &r->loop,
		.cfg = &r->cfg,
		.ask_resolve = no_resolve,
	};
	char why[256] = "";
	ck_assert_msg(fwd_core_init(&r->core, &p, why, sizeof why) == 0, "%s", why);
	struct msg_endpoint_addrs a = {.count = 1};
	a.addrs[0].family = AF_INET;
	memcpy(a.addrs[0].addr, "\x7f\x00\x00\x01", 4);
	fwd_core_set_addrs(&r->core, &a);
	uint8_t body[BODY_LEN];
	memset(body, 0x0a, sizeof body);
	for (unsigned i = 0; i < n; i++)
		fwd_core_take(&r->core, MSG_EXPORT_TRACES, body, sizeof body);
	ck_assert_uint_eq(r->core.queue.items, n);
}

static void on_stopped(void *ctx)
{
	struct run *r = ctx;
	r->stopped = true;
	r->stopped_at_ms = uv_now(&r->loop);
}

/* Stops at once and runs the loop until the core has stopped. */
static void run_stop(struct run *r)
{
	r->stop_at_ms = uv_now(&r->loop);
	fwd_core_stop(&r->core, on_stopped, r);
	while (!r->stopped) {
		int alive = uv_run(&r->loop, UV_RUN_ONCE);
		ck_assert(alive || r->stopped);
	}
	ck_assert_uint_eq(r->core.queue.items, 0);
	uv_walk(&r->loop, on_walk_close, &r->b.server);
	uv_run(&r->loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&r->loop), 0);
}

static uint64_t stop_took_ms(const struct run *r)
{
	return r->stopped_at_ms - r->stop_at_ms;
}

START_TEST(test_stop_sends_the_queue)
{
	static struct run r;
	run_init(&r, 200, 0, "5", 6);
	run_stop(&r);
	ck_assert_uint_eq(r.b.requests, 6);
	ck_assert_uint_eq(r.core.stats.forwarded, 6);
	ck_assert_uint_eq(r.core.stats.forward_dropped, 0);
	ck_assert_uint_lt(stop_took_ms(&r), FWD_STOP_GRACE_MS);
}
END_TEST

/* Answers take 1.2 s each: two or so are delivered within the deadline,
 * the one in flight then and those still waiting are dropped. */
START_TEST(test_stop_drops_what_is_left_at_the_deadline)
{
	static struct run r;
	run_init(&r, 200, 1200, "5", 6);
	run_stop(&r);
	uint64_t fwd = r.core.stats.forwarded;
	ck_assert_uint_ge(fwd, 1);
	ck_assert_uint_le(fwd, 3);
	ck_assert_uint_eq(r.core.stats.forward_dropped, 6 - fwd);
	ck_assert_uint_eq(r.b.requests, fwd + 1); /* the one cancelled */
	ck_assert_uint_ge(stop_took_ms(&r), FWD_STOP_GRACE_MS - 50);
	ck_assert_uint_lt(stop_took_ms(&r), FWD_STOP_GRACE_MS + 1500);
}
END_TEST

START_TEST(test_stop_endpoint_silent)
{
	static struct run r;
	run_init(&r, 0, 0, "5", 4);
	run_stop(&r);
	ck_assert_uint_eq(r.b.requests, 1);
	ck_assert_uint_eq(r.core.stats.forwarded, 0);
	ck_assert_uint_eq(r.core.stats.forward_dropped, 4);
	ck_assert_uint_ge(stop_took_ms(&r), FWD_STOP_GRACE_MS - 50);
}
END_TEST

/* A 503 opens the breaker (threshold 1) for 30 s: nothing could go before
 * the deadline, so stopping does not wait for it. */
START_TEST(test_stop_breaker_open_ends_early)
{
	static struct run r;
	run_init(&r, 503, 0, "1", 4);
	run_stop(&r);
	ck_assert_uint_eq(r.b.requests, 1);
	ck_assert_uint_eq(r.core.stats.forwarded, 0);
	ck_assert_uint_eq(r.core.stats.forward_dropped, 4);
	ck_assert_uint_lt(stop_took_ms(&r), FWD_STOP_GRACE_MS / 2);
}
END_TEST

static void on_enough(uv_timer_t *t)
{
	uv_stop(t->loop);
}

/* An endpoint that answers 500 to everything: each batch is dropped (500
 * is not retryable) and counts as a failure, so after the threshold the
 * breaker opens and leaves the endpoint alone. */
START_TEST(test_server_errors_open_the_breaker)
{
	static struct run r;
	static uv_timer_t t;
	run_init(&r, 500, 0, "3", 8);
	uint64_t deadline = uv_now(&r.loop) + 5000;
	while (r.core.breaker.state != BREAKER_OPEN && uv_now(&r.loop) < deadline)
		uv_run(&r.loop, UV_RUN_ONCE);
	/* A while longer: nothing more may go while it is open. */
	uv_timer_init(&r.loop, &t);
	uv_timer_start(&t, on_enough, 200, 0);
	uv_run(&r.loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&t, NULL);
	ck_assert_uint_eq(r.b.requests, 3);
	ck_assert_uint_eq(r.core.stats.forward_failed, 3);
	ck_assert_int_eq(r.core.breaker.state, BREAKER_OPEN);
	ck_assert_uint_eq(r.core.queue.items, 5);
	run_stop(&r);
	ck_assert_uint_eq(r.core.stats.forward_dropped, 5);
}
END_TEST

START_TEST(test_stop_empty_and_disabled)
{
	static struct run r;
	run_init(&r, 200, 0, "5", 0);
	run_stop(&r);
	ck_assert_uint_eq(r.b.requests, 0);
	ck_assert_uint_eq(r.core.stats.forward_dropped, 0);
	ck_assert_uint_lt(stop_took_ms(&r), 100);
	/* Forwarding off: messages are counted as dropped, stop is at once. */
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(uv_loop_init(&r.loop), 0);
	config_defaults(&r.cfg);
	struct fwd_core_params p = {.loop = &r.loop, .cfg = &r.cfg};
	char why[64];
	ck_assert_int_eq(fwd_core_init(&r.core, &p, why, sizeof why), 0);
	fwd_core_take(&r.core, MSG_EXPORT_TRACES, (const uint8_t *)"x", 1);
	ck_assert_uint_eq(r.core.stats.forward_dropped, 1);
	run_stop(&r);
}
END_TEST

int main(void)
{
	log_init("test", LOG_LEVEL_ERROR);
	Suite *s = suite_create("forwarder_core");
	TCase *tc = tcase_create("stop");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_stop_sends_the_queue);
	tcase_add_test(tc, test_stop_drops_what_is_left_at_the_deadline);
	tcase_add_test(tc, test_stop_endpoint_silent);
	tcase_add_test(tc, test_stop_breaker_open_ends_early);
	tcase_add_test(tc, test_stop_empty_and_disabled);
	tcase_add_test(tc, test_server_errors_open_the_breaker);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
