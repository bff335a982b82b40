/* OTLP/HTTP requests through the sans-IO session and the OTLP handler, with
 * fake queues: what reaches the writer and what the client hears. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "otlp_http.h"

#ifndef OTLPD_SHARED_BENCH_DIR
#error "OTLPD_SHARED_BENCH_DIR must name the shared bench folder"
#endif

struct sent {
	enum otlp_dest dest;
	enum otlp_signal signal;
	uint8_t *buf;
	size_t len;
	void *token;
};

struct rig {
	struct http_session s;
	struct http_limits limits;
	struct otlp_http h;
	char *out; /* every response byte */
	size_t out_len;
	int last;
	int check_result[2];
	int send_result[2];
	struct sent sent[8];
	int n_sent;
};

static int rig_send(void *ctx, uint8_t *buf, size_t len, enum http_send_kind kind)
{
	struct rig *g = ctx;
	g->out = realloc(g->out, g->out_len + len + 1);
	memcpy(g->out + g->out_len, buf, len);
	g->out_len += len;
	g->out[g->out_len] = '\0';
	g->last += kind == HTTP_SEND_LAST;
	free(buf);
	return 0;
}

static const struct http_io rig_io = {.send = rig_send};

static int sink_send(void *ctx, enum otlp_dest dest, enum otlp_signal signal, const uint8_t *buf,
		     size_t len, void *token)
{
	struct rig *g = ctx;
	if (g->send_result[dest])
		return g->send_result[dest];
	ck_assert_int_lt(g->n_sent, 8);
	struct sent *m = &g->sent[g->n_sent++];
	*m = (struct sent){.dest = dest, .signal = signal, .buf = malloc(len ? len : 1), .len = len,
			   .token = token};
	memcpy(m->buf, buf, len);
	return 0;
}

static int sink_check(void *ctx, enum otlp_dest dest, uint64_t len)
{
	(void)len;
	return ((struct rig *)ctx)->check_result[dest];
}

static struct rig *rig_new(bool forwarding)
{
	struct rig *g = calloc(1, sizeof *g);
	g->limits = (struct http_limits){.max_header_bytes = 16384, .max_headers = 100,
					 .max_body_bytes = 4u << 20};
	struct otlp_http_config cfg = {
		.max_request_bytes = 4u << 20,
		.codec = {.items = {.max_depth = 32, .max_attributes = 1024}, .max_json_depth = 64},
		.forwarding = forwarding,
	};
	struct otlp_sink sink = {.send = sink_send, .check = sink_check, .ctx = g};
	otlp_http_init(&g->h, &cfg, &sink);
	http_session_init(&g->s, &g->limits, &otlp_http_handler, &g->h, &rig_io, g);
	return g;
}

static void rig_free(struct rig *g)
{
	http_session_close(&g->s);
	for (int i = 0; i < g->n_sent; i++) {
		if (g->sent[i].dest == OTLP_DEST_WRITER)
			otlp_http_acked(&g->h, g->sent[i].token, -EPIPE);
		free(g->sent[i].buf);
	}
	free(g->out);
	free(g);
}

static uint8_t *read_bench(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", OTLPD_SHARED_BENCH_DIR, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Sends one request with the given headers and body. */
static enum http_feed_result post(struct rig *g, const char *path, const char *headers,
				  const uint8_t *body, size_t len)
{
	char head[1024];
	int n = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: t\r\n%sContent-Length: %zu\r\n\r\n",
			 path, headers, len);
	size_t used;
	enum http_feed_result r = http_session_feed(&g->s, (const uint8_t *)head, (size_t)n, &used);
	if (r != HTTP_FEED_MORE || len == 0)
		return r;
	return http_session_feed(&g->s, body, len, &used);
}

static bool said(const struct rig *g, const char *text)
{
	return g->out != NULL && memmem(g->out, g->out_len, text, strlen(text)) != NULL;
}

#define PB "Content-Type: application/x-protobuf\r\n"
#define JSON "Content-Type: application/json\r\n"

/* Protobuf goes to the writer byte for byte; 200 only after the ack. */
START_TEST(test_protobuf_forwarded_as_it_came)
{
	struct rig *g = rig_new(false);
	size_t len;
	uint8_t *body = read_bench("traces_100.pb", &len);
	ck_assert_int_eq(post(g, "/v1/traces", PB, body, len), HTTP_FEED_WAIT);
	ck_assert_int_eq(g->n_sent, 1);
	ck_assert_int_eq(g->sent[0].signal, OTLP_SIGNAL_TRACES);
	ck_assert_uint_eq(g->sent[0].len, len);
	ck_assert_mem_eq(g->sent[0].buf, body, len);
	ck_assert_uint_eq(g->out_len, 0);
	otlp_http_acked(&g->h, g->sent[0].token, 0);
	ck_assert(said(g, "HTTP/1.1 200 OK\r\n"));
	ck_assert(said(g, "Content-Type: application/x-protobuf\r\n"));
	ck_assert(said(g, "Content-Length: 0\r\n"));
	ck_assert_uint_eq(g->h.stats.items_accepted[OTLP_SIGNAL_TRACES], 100);
	ck_assert_uint_eq(g->h.stats.requests[OTLP_SIGNAL_TRACES], 1);
	ck_assert_uint_eq(g->h.stats.bytes_in, len);
	g->n_sent = 0;
	free(g->sent[0].buf);
	free(body);
	rig_free(g);
}
END_TEST

START_TEST(test_json_and_gzip)
{
	struct rig *g = rig_new(false);
	size_t pb_len, js_len, gz_len;
	uint8_t *pb = read_bench("traces_100.pb", &pb_len);
	uint8_t *js = read_bench("traces_100.json", &js_len);
	uint8_t *gz = read_bench("traces_100.pb.gz", &gz_len);
	ck_assert_int_eq(post(g, "/v1/traces", JSON, js, js_len), HTTP_FEED_WAIT);
	ck_assert_int_eq(g->n_sent, 1);
	struct otlp_check check;
	struct otlp_limits lim = {.max_depth = 32, .max_attributes = 1024};
	ck_assert_int_eq(otlp_validate(OTLP_SIGNAL_TRACES, g->sent[0].buf, g->sent[0].len, &lim,
				       &check), 0);
	ck_assert_uint_eq(check.items, 100);
	otlp_http_acked(&g->h, g->sent[0].token, 0);
	ck_assert(said(g, "Content-Type: application/json\r\n"));
	ck_assert(said(g, "\r\n\r\n{}"));

	ck_assert_int_eq(post(g, "/v1/traces", PB "Content-Encoding: gzip\r\n", gz, gz_len),
			 HTTP_FEED_WAIT);
	ck_assert_int_eq(g->n_sent, 2);
	ck_assert_uint_eq(g->sent[1].len, pb_len);
	ck_assert_mem_eq(g->sent[1].buf, pb, pb_len);
	otlp_http_acked(&g->h, g->sent[1].token, 0);
	ck_assert_uint_eq(g->h.stats.items_accepted[OTLP_SIGNAL_TRACES], 200);
	for (int i = 0; i < 2; i++)
		free(g->sent[i].buf);
	g->n_sent = 0;
	free(pb);
	free(js);
	free(gz);
	rig_free(g);
}
END_TEST

/* One span with a short trace id: dropped, the rest stored, the client
 * told in partial_success. */
START_TEST(test_partial_success)
{
	struct rig *g = rig_new(false);
	size_t len;
	char *js = (char *)read_bench("traces_100.json", &len);
	js[len] = '\0';
	char *id = strstr(js, "\"traceId\":\"");
	ck_assert_ptr_nonnull(id);
	/* 32 hex digits become "abcd" followed by spaces, still valid JSON. */
	memcpy(id + 11, "abcd\"", 5);
	memset(id + 16, ' ', 28);
	ck_assert_int_eq(post(g, "/v1/traces", JSON, (uint8_t *)js, len), HTTP_FEED_WAIT);
	ck_assert_int_eq(g->n_sent, 1);
	struct otlp_check check;
	struct otlp_limits lim = {.max_depth = 32, .max_attributes = 1024};
	ck_assert_int_eq(otlp_validate(OTLP_SIGNAL_TRACES, g->sent[0].buf, g->sent[0].len, &lim,
				       &check), 0);
	ck_assert_uint_eq(check.items, 99);
	ck_assert_uint_eq(check.rejected, 0);
	otlp_http_acked(&g->h, g->sent[0].token, 0);
	ck_assert(said(g, "HTTP/1.1 200 OK"));
	ck_assert(said(g, "\"partialSuccess\":{\"rejectedSpans\":\"1\","));
	/* The message names the bad field so that the sender can fix it. */
	ck_assert(said(g, "\"errorMessage\":\""));
	ck_assert(said(g, "trace_id"));
	ck_assert_uint_eq(g->h.stats.items_rejected[OTLP_SIGNAL_TRACES], 1);
	ck_assert_uint_eq(g->h.stats.items_accepted[OTLP_SIGNAL_TRACES], 99);
	free(g->sent[0].buf);
	g->n_sent = 0;
	free(js);
	rig_free(g);
}
END_TEST

/* No credit when the headers arrive: 503 before the body is read; the body
 * is then dropped as it comes and the connection stays. */
START_TEST(test_no_credit_before_body)
{
	struct rig *g = rig_new(false);
	g->check_result[OTLP_DEST_WRITER] = -EAGAIN;
	static const char head[] = "POST /v1/logs HTTP/1.1\r\n" PB "Content-Length: 100\r\n\r\n";
	size_t used;
	ck_assert_int_eq(http_session_feed(&g->s, (const uint8_t *)head, strlen(head), &used),
			 HTTP_FEED_MORE);
	ck_assert(!said(g, "Connection: close"));
	ck_assert(said(g, "HTTP/1.1 503 "));
	ck_assert(said(g, "Retry-After: 1\r\n"));
	ck_assert(said(g, "Content-Type: application/x-protobuf"));
	ck_assert_int_eq(g->n_sent, 0);
	ck_assert_uint_eq(g->h.stats.rejects[OTLP_REJECT_NO_CREDIT], 1);
	rig_free(g);

	g = rig_new(false);
	g->check_result[OTLP_DEST_WRITER] = -ENOTCONN;
	ck_assert_int_eq(http_session_feed(&g->s, (const uint8_t *)head, strlen(head), &used),
			 HTTP_FEED_MORE);
	ck_assert(said(g, "HTTP/1.1 503 "));
	ck_assert_uint_eq(g->h.stats.rejects[OTLP_REJECT_WRITER_DOWN], 1);
	rig_free(g);
}
END_TEST

START_TEST(test_queue_refusals)
{
	size_t len;
	uint8_t *body = read_bench("logs_100.pb", &len);
	static const int errs[] = {-EAGAIN, -ENOBUFS, -ENOTCONN, -EMSGSIZE};
	static const char *const want[] = {"HTTP/1.1 503 ", "HTTP/1.1 503 ", "HTTP/1.1 503 ",
					   "HTTP/1.1 413 "};
	for (size_t i = 0; i < 4; i++) {
		struct rig *g = rig_new(false);
		g->send_result[OTLP_DEST_WRITER] = errs[i];
		ck_assert_int_eq(post(g, "/v1/logs", PB, body, len), HTTP_FEED_WAIT);
		ck_assert_msg(said(g, want[i]), "case %zu: %s", i, g->out);
		ck_assert_uint_eq(g->h.stats.in_flight, 0);
		rig_free(g);
	}
	/* The writer lost it after taking it off the socket: 503, retry. */
	struct rig *g = rig_new(false);
	ck_assert_int_eq(post(g, "/v1/logs", PB, body, len), HTTP_FEED_WAIT);
	otlp_http_acked(&g->h, g->sent[0].token, -EPIPE);
	ck_assert(said(g, "HTTP/1.1 503 "));
	ck_assert_uint_eq(g->h.stats.items_accepted[OTLP_SIGNAL_LOGS], 0);
	free(g->sent[0].buf);
	g->n_sent = 0;
	rig_free(g);
	free(body);
}
END_TEST

/* The client leaves, or the ack is late: the late ack finds nobody. */
START_TEST(test_late_acks)
{
	size_t len;
	uint8_t *body = read_bench("metrics_100.pb", &len);
	struct rig *g = rig_new(false);
	ck_assert_int_eq(post(g, "/v1/metrics", PB, body, len), HTTP_FEED_WAIT);
	http_session_close(&g->s);
	otlp_http_acked(&g->h, g->sent[0].token, 0);
	ck_assert_uint_eq(g->out_len, 0);
	ck_assert_uint_eq(g->h.stats.in_flight, 0);
	free(g->sent[0].buf);
	g->n_sent = 0;
	rig_free(g);

	g = rig_new(false);
	ck_assert_int_eq(post(g, "/v1/metrics", PB, body, len), HTTP_FEED_WAIT);
	ck_assert_int_eq(http_session_timeout(&g->s), HTTP_FEED_WAIT);
	ck_assert(said(g, "HTTP/1.1 503 "));
	ck_assert(said(g, "Retry-After: "));
	size_t before = g->out_len;
	otlp_http_acked(&g->h, g->sent[0].token, 0);
	ck_assert_uint_eq(g->out_len, before);
	ck_assert_uint_eq(g->h.stats.rejects[OTLP_REJECT_TIMEOUT], 1);
	free(g->sent[0].buf);
	g->n_sent = 0;
	rig_free(g);
	free(body);
}
END_TEST

START_TEST(test_forwarding_never_fails_the_client)
{
	size_t len;
	uint8_t *body = read_bench("logs_100.pb", &len);
	struct rig *g = rig_new(true);
	ck_assert_int_eq(post(g, "/v1/logs", PB, body, len), HTTP_FEED_WAIT);
	ck_assert_int_eq(g->n_sent, 2);
	ck_assert_int_eq(g->sent[1].dest, OTLP_DEST_FORWARDER);
	ck_assert_mem_eq(g->sent[1].buf, body, len);
	otlp_http_acked(&g->h, g->sent[0].token, 0);
	ck_assert(said(g, "HTTP/1.1 200 "));
	for (int i = 0; i < 2; i++)
		free(g->sent[i].buf);
	g->n_sent = 0;

	g->send_result[OTLP_DEST_FORWARDER] = -EAGAIN;
	ck_assert_int_eq(post(g, "/v1/logs", PB, body, len), HTTP_FEED_WAIT);
	ck_assert_int_eq(g->n_sent, 1);
	otlp_http_acked(&g->h, g->sent[0].token, 0);
	ck_assert_uint_eq(g->h.stats.forward_dropped, 1);
	ck_assert_int_eq(g->h.stats.responses[2], 2);
	free(g->sent[0].buf);
	g->n_sent = 0;
	rig_free(g);
	free(body);
}
END_TEST

START_TEST(test_refusals)
{
	static const struct {
		const char *path, *headers, *body, *status, *type;
	} cases[] = {
		{"/v1/traces", "Content-Type: text/plain\r\n", "x", "415", "application/json"},
		{"/v1/traces", "", "x", "415", "application/json"},
		{"/v1/traces", "Content-Type: application/jsonx\r\n", "x", "415", "application/json"},
		{"/v1/traces", PB PB, "x", "415", "application/json"},
		{"/v1/traces", PB "Content-Encoding: br\r\n", "x", "415", "application/x-protobuf"},
		{"/v1/traces", PB "Content-Encoding: gzip\r\n", "nope", "400", "application/x-protobuf"},
		{"/v1/traces", PB, "\x0a\xff", "400", "application/x-protobuf"},
		{"/v1/traces", JSON, "{\"resourceSpans\":[", "400", "application/json"},
		{"/v1/traces", JSON, "[]", "400", "application/json"},
		{"/v2/traces", PB, "x", "404", "application/x-protobuf"},
		{"/", "", "", "404", "application/json"},
		{"/v1/traces/", JSON, "{}", "404", "application/json"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rig *g = rig_new(false);
		post(g, cases[i].path, cases[i].headers, (const uint8_t *)cases[i].body,
		     strlen(cases[i].body));
		char want[64];
		snprintf(want, sizeof want, "HTTP/1.1 %s ", cases[i].status);
		ck_assert_msg(said(g, want), "case %zu: %s", i, g->out ? g->out : "(nothing)");
		snprintf(want, sizeof want, "Content-Type: %s\r\n", cases[i].type);
		ck_assert_msg(said(g, want), "case %zu: %s", i, g->out);
		ck_assert_int_eq(g->n_sent, 0);
		rig_free(g);
	}
	/* Other methods: 405 with Allow. */
	struct rig *g = rig_new(false);
	size_t used;
	static const char get[] = "GET /v1/metrics HTTP/1.1\r\nHost: t\r\n\r\n";
	ck_assert_int_eq(http_session_feed(&g->s, (const uint8_t *)get, strlen(get), &used),
			 HTTP_FEED_CLOSE);
	ck_assert(said(g, "HTTP/1.1 405 Method Not Allowed\r\n"));
	ck_assert(said(g, "Allow: POST\r\n"));
	ck_assert(said(g, "\"message\":\"only POST is allowed here\""));
	rig_free(g);
}
END_TEST

/* Empty requests are a success with nothing to store. */
START_TEST(test_empty_request)
{
	struct rig *g = rig_new(false);
	ck_assert_int_eq(post(g, "/v1/traces", PB, NULL, 0), HTTP_FEED_WAIT);
	ck_assert(said(g, "HTTP/1.1 200 "));
	ck_assert_int_eq(g->n_sent, 0);
	ck_assert_int_eq(post(g, "/v1/logs", JSON, (const uint8_t *)"{}", 2), HTTP_FEED_WAIT);
	ck_assert_int_eq(g->n_sent, 0);
	ck_assert(said(g, "\r\n\r\n{}"));
	rig_free(g);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("otlp_http");
	TCase *tc = tcase_create("requests");
	tcase_add_test(tc, test_protobuf_forwarded_as_it_came);
	tcase_add_test(tc, test_json_and_gzip);
	tcase_add_test(tc, test_partial_success);
	tcase_add_test(tc, test_no_credit_before_body);
	tcase_add_test(tc, test_queue_refusals);
	tcase_add_test(tc, test_late_acks);
	tcase_add_test(tc, test_forwarding_never_fails_the_client);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_empty_request);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
