/* The HTTP/2 limits of the gRPC session: floods of SETTINGS, PING,
 * RST_STREAM and empty frames end the connection with GOAWAY and pin no
 * memory; header list and stream limits; deadlines, timeouts, GOAWAY on
 * stop; the body budget shared with HTTP. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grpc_test_rig.h"

/* nghttp2's memory for one connection stays under this, whatever the
 * client sends. */
#define MEM_BOUND (64u * 1024u)

static const uint8_t preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* A growing buffer of raw client bytes. */
struct raw {
	uint8_t *buf;
	size_t len, cap;
};

static void raw_put(struct raw *r, const void *p, size_t n)
{
	if (r->len + n > r->cap) {
		r->cap = (r->len + n) * 2;
		r->buf = realloc(r->buf, r->cap);
		ck_assert_ptr_nonnull(r->buf);
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
}

static void raw_frame(struct raw *r, uint8_t type, uint8_t flags, uint32_t sid, const void *payload,
		      uint32_t len)
{
	uint8_t h[9];
	frame_head(h, len, type, flags, sid);
	raw_put(r, h, 9);
	if (len)
		raw_put(r, payload, len);
}

/* The client preface and an empty SETTINGS frame. */
static void raw_start(struct raw *r)
{
	raw_put(r, preface, sizeof preface - 1);
	raw_frame(r, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
}

/* A request header block, HPACK without the dynamic table, so that the
 * same bytes serve every stream. */
static size_t request_block(uint8_t *out, size_t cap)
{
	nghttp2_hd_deflater *d;
	ck_assert_int_eq(nghttp2_hd_deflate_new(&d, 0), 0);
	const nghttp2_nv nv[] = {
#define NV(a, b) {(uint8_t *)(a), (uint8_t *)(b), sizeof(a) - 1, sizeof(b) - 1, 0}
		NV(":method", "POST"), NV(":scheme", "http"), NV(":authority", "t"),
		NV(":path", TRACES_PATH), NV("content-type", "application/grpc"),
#undef NV
	};
	/* The first block carries the table size update; the second does not. */
	ssize_t n = nghttp2_hd_deflate_hd(d, out, cap, (nghttp2_nv *)nv, 5);
	ck_assert_int_gt(n, 0);
	n = nghttp2_hd_deflate_hd(d, out, cap, (nghttp2_nv *)nv, 5);
	ck_assert_int_gt(n, 0);
	nghttp2_hd_deflate_del(d);
	return (size_t)n;
}

/* The error code of the server's RST_STREAM for stream id, or -1. */
static long server_reset(const struct tc *t, uint32_t id)
{
	size_t off = 0;
	while (off + 9 <= t->pending_len) {
		const uint8_t *h = t->pending + off;
		size_t len = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
		uint32_t sid = (uint32_t)h[5] << 24 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 8 | h[8];
		if (h[3] == NGHTTP2_RST_STREAM && sid == id && len == 4)
			return (long)((uint32_t)h[9] << 24 | (uint32_t)h[10] << 16 |
				      (uint32_t)h[11] << 8 | h[12]);
		off += 9 + len;
	}
	return -1;
}

/* Feeds the flood, checks GOAWAY ENHANCE_YOUR_CALM and bounded memory,
 * then feeds it again: nothing more is taken in. */
static void expect_flood_goaway(struct rig *g, struct raw *r)
{
	tc_feed_raw(&g->t, r->buf, r->len);
	ck_assert_int_eq(server_goaway(&g->t), NGHTTP2_ENHANCE_YOUR_CALM);
	ck_assert(grpc_session_done(&g->s));
	ck_assert(g->t.server_closed);
	ck_assert_uint_eq(g->stats.floods, 1);
	ck_assert_uint_lt(g->s.mem_peak, MEM_BOUND);
	size_t used = g->s.mem_used;
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(grpc_session_feed(&g->s, r->buf, r->len, g->now), GRPC_FEED_CLOSE);
	ck_assert_uint_eq(g->s.mem_used, used);
	free(r->buf);
}

START_TEST(test_settings_flood)
{
	struct rig *g = rig_default();
	struct raw r = {0};
	raw_start(&r);
	for (int i = 0; i < 5000; i++)
		raw_frame(&r, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
	expect_flood_goaway(g, &r);
	rig_free(g);
}
END_TEST

START_TEST(test_ping_flood)
{
	struct rig *g = rig_default();
	struct raw r = {0};
	raw_start(&r);
	for (int i = 0; i < 5000; i++)
		raw_frame(&r, NGHTTP2_PING, 0, 0, "12345678", 8);
	expect_flood_goaway(g, &r);
	rig_free(g);
}
END_TEST

/* Open a stream, reset it, again and again ("rapid reset"). */
START_TEST(test_reset_flood)
{
	struct rig *g = rig_default();
	struct raw r = {0};
	uint8_t block[256];
	size_t blen = request_block(block, sizeof block);
	raw_start(&r);
	static const uint8_t cancel[4] = {0, 0, 0, NGHTTP2_CANCEL};
	for (uint32_t i = 0; i < 2000; i++) {
		raw_frame(&r, NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 2 * i + 1, block,
			  (uint32_t)blen);
		raw_frame(&r, NGHTTP2_RST_STREAM, 0, 2 * i + 1, cancel, 4);
	}
	expect_flood_goaway(g, &r);
	ck_assert_int_eq(g->n_sent, 0);
	ck_assert_uint_gt(g->stats.resets_received, 0);
	rig_free(g);
}
END_TEST

START_TEST(test_empty_frame_flood)
{
	struct rig *g = rig_default();
	struct raw r = {0};
	uint8_t block[256];
	size_t blen = request_block(block, sizeof block);
	raw_start(&r);
	raw_frame(&r, NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1, block, (uint32_t)blen);
	for (int i = 0; i < 5000; i++)
		raw_frame(&r, NGHTTP2_DATA, 0, 1, NULL, 0);
	expect_flood_goaway(g, &r);
	rig_free(g);
}
END_TEST

/* A header list far past max_header_bytes that HPACK squeezes into a few
 * kilobytes (the dynamic table repeats one big field): refused, and
 * nothing of it is kept. */
START_TEST(test_hpack_bomb)
{
	struct rig *g = rig_default();
	static const uint8_t empty[5] = {0};
	static char big[2000];
	memset(big, 'a', sizeof big - 1);
	const char *extra[2 * 300 + 1];
	for (int i = 0; i < 300; i++) {
		extra[2 * i] = "x-pad";
		extra[2 * i + 1] = big;
	}
	extra[600] = NULL;
	struct tc_stream *st = tc_call_h(&g->t, TRACES_PATH, empty, sizeof empty, extra);
	tc_pump(&g->t);
	ck_assert_int_eq(st->grpc_status, GRPC_RESOURCE_EXHAUSTED);
	ck_assert_uint_lt(g->s.mem_peak, MEM_BOUND);
	ck_assert_uint_eq(g->g.stats.rejects[OTLP_REJECT_HEADER_TOO_LARGE], 1);
	/* Too many small fields. */
	const char *many[2 * 150 + 1];
	for (int i = 0; i < 150; i++) {
		many[2 * i] = "x-n";
		many[2 * i + 1] = "1";
	}
	many[300] = NULL;
	st = tc_call_h(&g->t, TRACES_PATH, empty, sizeof empty, many);
	tc_pump(&g->t);
	ck_assert_int_eq(st->grpc_status, GRPC_RESOURCE_EXHAUSTED);
	rig_free(g);
}
END_TEST

/* The client ignores our SETTINGS_MAX_CONCURRENT_STREAMS: the stream
 * past it is refused. */
START_TEST(test_max_concurrent_streams)
{
	struct rig *g = rig_new();
	g->limits.max_concurrent_streams = 2;
	rig_start(g, 10000);
	struct raw r = {0};
	uint8_t block[256];
	size_t blen = request_block(block, sizeof block);
	raw_start(&r);
	for (uint32_t id = 1; id <= 5; id += 2)
		raw_frame(&r, NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, id, block, (uint32_t)blen);
	tc_feed_raw(&g->t, r.buf, r.len);
	ck_assert_uint_eq(g->s.open_calls, 2);
	ck_assert_int_eq(server_reset(&g->t, 5), NGHTTP2_REFUSED_STREAM);
	ck_assert_int_eq(server_reset(&g->t, 3), -1);
	free(r.buf);
	rig_free(g);
}
END_TEST

/* grpc-timeout is honoured, and so is the receiver's ack timeout when it
 * is shorter: DEADLINE_EXCEEDED if the writer has not taken the data. */
START_TEST(test_deadlines)
{
	static const struct {
		const char *timeout; /* NULL: none */
		uint64_t ack_ms, want_ms;
	} cases[] = {{"100m", 10000, 100}, {"1S", 50, 50}, {NULL, 70, 70}, {"2000000n", 900, 2}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rig *g = rig_new();
		rig_start(g, cases[i].ack_ms);
		size_t len, mlen;
		uint8_t *pb = read_bench("traces_1.pb", &len);
		uint8_t *m = message(pb, len, &mlen);
		const char *const extra[] = {"grpc-timeout", cases[i].timeout, NULL};
		struct tc_stream *st =
			tc_call_h(&g->t, TRACES_PATH, m, mlen, cases[i].timeout ? extra : NULL);
		tc_pump(&g->t);
		uint64_t t0 = g->now;
		ck_assert_int_eq(g->n_sent, 1);
		ck_assert_uint_eq(grpc_session_next_wake(&g->s), t0 + cases[i].want_ms);
		grpc_session_tick(&g->s, t0 + cases[i].want_ms - 1);
		tc_pump(&g->t);
		ck_assert_int_eq(st->grpc_status, -1);
		grpc_session_tick(&g->s, t0 + cases[i].want_ms);
		tc_pump(&g->t);
		ck_assert_int_eq(st->grpc_status, GRPC_DEADLINE_EXCEEDED);
		ck_assert_uint_eq(g->stats.deadlines, 1);
		/* The ack comes late: nobody is waiting any more. */
		rig_ack(g, 0, 0);
		ck_assert_uint_eq(g->g.stats.in_flight, 0);
		ck_assert_uint_eq(g->g.stats.rejects[OTLP_REJECT_TIMEOUT], 1);
		free(m);
		free(pb);
		rig_free(g);
	}
	struct rig *g = rig_default();
	static const uint8_t empty[5] = {0};
	const char *const bad[] = {"grpc-timeout", "soon", NULL};
	struct tc_stream *st = tc_call_h(&g->t, TRACES_PATH, empty, sizeof empty, bad);
	tc_pump(&g->t);
	ck_assert_int_eq(st->grpc_status, GRPC_INVALID_ARGUMENT);
	rig_free(g);
}
END_TEST

/* A message that stops arriving is cut off after body_timeout_ms. */
START_TEST(test_stalled_body)
{
	struct rig *g = rig_default();
	size_t mlen;
	uint8_t part[10] = {0};
	uint8_t *m = framed(part, sizeof part, 0, 100, &mlen);
	struct tc_stream *st = tc_call(&g->t, TRACES_PATH, m, mlen);
	st->keep_open = true;
	tc_pump(&g->t);
	ck_assert_uint_eq(g->budget.used, mlen);
	ck_assert_uint_eq(grpc_session_next_wake(&g->s), g->now + g->limits.body_timeout_ms);
	grpc_session_tick(&g->s, g->now + g->limits.body_timeout_ms);
	tc_pump(&g->t);
	ck_assert_int_eq(st->grpc_status, GRPC_DEADLINE_EXCEEDED);
	ck_assert_uint_eq(g->stats.body_timeouts, 1);
	ck_assert_uint_eq(g->budget.used, 0);
	free(m);
	rig_free(g);
}
END_TEST

/* No call for idle_timeout_ms (header_timeout_ms before the client's
 * SETTINGS): GOAWAY NO_ERROR and the session is done. */
START_TEST(test_idle_timeouts)
{
	struct rig *g = rig_default();
	ck_assert_uint_eq(grpc_session_next_wake(&g->s), g->now + g->limits.header_timeout_ms);
	tc_pump(&g->t);
	static const uint8_t empty[5] = {0};
	tc_call(&g->t, TRACES_PATH, empty, sizeof empty);
	tc_pump(&g->t);
	uint64_t wake = grpc_session_next_wake(&g->s);
	ck_assert_uint_eq(wake, g->now + g->limits.idle_timeout_ms);
	ck_assert_int_eq(grpc_session_tick(&g->s, wake - 1), GRPC_FEED_MORE);
	ck_assert_int_eq(grpc_session_tick(&g->s, wake), GRPC_FEED_CLOSE);
	ck_assert_int_eq(server_goaway(&g->t), NGHTTP2_NO_ERROR);
	ck_assert(grpc_session_done(&g->s));
	ck_assert_uint_eq(g->stats.idle_timeouts, 1);
	rig_free(g);

	g = rig_default();
	ck_assert_int_eq(grpc_session_tick(&g->s, g->now + g->limits.header_timeout_ms),
			 GRPC_FEED_CLOSE);
	rig_free(g);
}
END_TEST

/* Message bytes count in the body budget shared with HTTP: a call that
 * does not fit while another holds bytes hears UNAVAILABLE (retry). */
START_TEST(test_budget)
{
	struct rig *g = rig_new();
	g->budget.max = 64 * 1024;
	rig_start(g, 10000);
	size_t alen, blen;
	uint8_t *zeros = calloc(1, 60 * 1024);
	uint8_t *a = framed(zeros, 50 * 1024, 0, 100 * 1024, &alen);
	uint8_t *b = framed(zeros, 20 * 1024, 0, 100 * 1024, &blen);
	struct tc_stream *sa = tc_call(&g->t, TRACES_PATH, a, alen);
	sa->keep_open = true;
	tc_pump(&g->t);
	struct tc_stream *sb = tc_call(&g->t, TRACES_PATH, b, blen);
	sb->keep_open = true;
	tc_pump(&g->t);
	ck_assert_int_eq(sb->grpc_status, GRPC_UNAVAILABLE);
	ck_assert_str_ne(sb->details_bin, "");
	ck_assert_int_eq(sa->grpc_status, -1);
	ck_assert_uint_le(g->budget.used, g->budget.max);
	ck_assert_uint_eq(g->g.stats.rejects[OTLP_REJECT_OVERLOADED], 1);
	free(a);
	free(b);
	free(zeros);
	rig_free(g);
}
END_TEST

/* The client resets a call, or the connection goes, while the writer has
 * it: the late ack finds nobody and frees what it must. */
START_TEST(test_gone_before_ack)
{
	struct rig *g = rig_default();
	size_t len, mlen;
	uint8_t *pb = read_bench("traces_1.pb", &len);
	uint8_t *m = message(pb, len, &mlen);
	struct tc_stream *st = tc_call(&g->t, TRACES_PATH, m, mlen);
	tc_pump(&g->t);
	nghttp2_submit_rst_stream(g->t.cli, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_CANCEL);
	tc_pump(&g->t);
	ck_assert_uint_eq(g->s.open_calls, 0);
	rig_ack(g, 0, 0);
	tc_call(&g->t, TRACES_PATH, m, mlen);
	tc_pump(&g->t);
	ck_assert_int_eq(g->n_sent, 2);
	grpc_session_close(&g->s);
	rig_ack(g, 1, 0);
	ck_assert_uint_eq(g->g.stats.in_flight, 0);
	ck_assert_uint_eq(g->g.stats.items_accepted[OTLP_SIGNAL_TRACES], 2);
	free(m);
	free(pb);
	rig_free(g);
}
END_TEST

/* Stopping: GOAWAY, the call in hand is still answered, then done. An
 * extra connection is refused with GOAWAY at once. */
START_TEST(test_goaway)
{
	struct rig *g = rig_default();
	size_t len, mlen;
	uint8_t *pb = read_bench("traces_1.pb", &len);
	uint8_t *m = message(pb, len, &mlen);
	struct tc_stream *st = tc_call(&g->t, TRACES_PATH, m, mlen);
	tc_pump(&g->t);
	grpc_session_goaway(&g->s, false);
	tc_pump(&g->t);
	ck_assert(g->t.goaway);
	ck_assert_uint_eq(g->t.goaway_code, NGHTTP2_NO_ERROR);
	ck_assert(!grpc_session_done(&g->s));
	rig_ack(g, 0, 0);
	tc_pump(&g->t);
	ck_assert_int_eq(st->grpc_status, 0);
	ck_assert(grpc_session_done(&g->s));
	free(m);
	free(pb);
	rig_free(g);

	g = rig_default();
	grpc_session_goaway(&g->s, true);
	ck_assert_int_eq(server_goaway(&g->t), NGHTTP2_ENHANCE_YOUR_CALM);
	ck_assert(grpc_session_done(&g->s));
	rig_free(g);
}
END_TEST

/* The value of setting id in the server's first frame (its SETTINGS), or
 * -1 when absent. */
static long server_setting(const struct tc *t, uint16_t id)
{
	ck_assert_uint_ge(t->pending_len, 9);
	const uint8_t *h = t->pending;
	size_t len = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
	ck_assert_int_eq(h[3], NGHTTP2_SETTINGS);
	ck_assert_uint_ge(t->pending_len, 9 + len);
	for (size_t off = 9; off + 6 <= 9 + len; off += 6)
		if (((uint16_t)h[off] << 8 | h[off + 1]) == id)
			return (long)((uint32_t)h[off + 2] << 24 | (uint32_t)h[off + 3] << 16 |
				      (uint32_t)h[off + 4] << 8 | h[off + 5]);
	return -1;
}

/* The server announces SETTINGS_MAX_FRAME_SIZE 16384 (and its other
 * limits); a DATA frame of that size is taken, one byte more ends the
 * connection with GOAWAY FRAME_SIZE_ERROR. */
START_TEST(test_max_frame_size)
{
	struct rig *g = rig_default();
	ck_assert_int_eq(server_setting(&g->t, NGHTTP2_SETTINGS_MAX_FRAME_SIZE), 16384);
	ck_assert_int_eq(server_setting(&g->t, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS),
			 g->limits.max_concurrent_streams);
	ck_assert_int_eq(server_setting(&g->t, NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE),
			 g->limits.max_header_bytes);
	struct raw r = {0};
	uint8_t block[256];
	size_t blen = request_block(block, sizeof block);
	raw_start(&r);
	raw_frame(&r, NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1, block, (uint32_t)blen);
	/* A message prefix declaring 100000 bytes: more than both frames carry. */
	static uint8_t data[16385] = {0, 0x00, 0x01, 0x86, 0xa0};
	raw_frame(&r, NGHTTP2_DATA, 0, 1, data, 16384);
	tc_feed_raw(&g->t, r.buf, r.len);
	ck_assert_int_eq(server_goaway(&g->t), -1);
	ck_assert(!g->t.server_closed);
	ck_assert_uint_eq(g->s.open_calls, 1);
	r.len = 0;
	raw_frame(&r, NGHTTP2_DATA, 0, 1, data, 16385);
	tc_feed_raw(&g->t, r.buf, r.len);
	ck_assert_int_eq(server_goaway(&g->t), NGHTTP2_FRAME_SIZE_ERROR);
	ck_assert(grpc_session_done(&g->s));
	ck_assert_uint_eq(g->stats.protocol_errors, 1);
	ck_assert_int_eq(g->n_sent, 0);
	free(r.buf);
	rig_free(g);
}
END_TEST

/* Client PINGs are answered but are not calls: a connection without a
 * call still hears GOAWAY at its idle deadline. */
START_TEST(test_pings_do_not_keep_idle_open)
{
	struct rig *g = rig_default();
	tc_pump(&g->t);
	uint64_t deadline = g->now + g->limits.idle_timeout_ms;
	ck_assert_uint_eq(grpc_session_next_wake(&g->s), deadline);
	uint64_t step = g->limits.idle_timeout_ms / 8;
	for (unsigned i = 1; i < 8; i++) {
		g->now += step;
		ck_assert_int_eq(nghttp2_submit_ping(g->t.cli, NGHTTP2_FLAG_NONE, NULL), 0);
		tc_pump(&g->t);
		ck_assert_uint_eq(g->t.ping_acks, i);
		ck_assert_uint_eq(grpc_session_next_wake(&g->s), deadline);
		ck_assert_int_eq(grpc_session_tick(&g->s, g->now), GRPC_FEED_MORE);
	}
	ck_assert(!g->t.goaway);
	g->now = deadline;
	ck_assert_int_eq(grpc_session_tick(&g->s, g->now), GRPC_FEED_CLOSE);
	tc_pump(&g->t);
	ck_assert(g->t.goaway);
	ck_assert_uint_eq(g->t.goaway_code, NGHTTP2_NO_ERROR);
	ck_assert_uint_eq(g->stats.idle_timeouts, 1);
	ck_assert_uint_eq(g->stats.floods, 0);
	rig_free(g);
}
END_TEST

/* Not HTTP/2 at all (an HTTP/1.1 request on the gRPC port). */
START_TEST(test_not_http2)
{
	struct rig *g = rig_default();
	static const char req[] = "POST /v1/traces HTTP/1.1\r\nHost: x\r\n\r\n";
	ck_assert_int_eq(grpc_session_feed(&g->s, (const uint8_t *)req, sizeof req - 1, g->now),
			 GRPC_FEED_CLOSE);
	ck_assert_uint_eq(g->stats.protocol_errors, 1);
	rig_free(g);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("grpc_limits");
	TCase *tc = tcase_create("floods");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_settings_flood);
	tcase_add_test(tc, test_ping_flood);
	tcase_add_test(tc, test_reset_flood);
	tcase_add_test(tc, test_empty_frame_flood);
	tcase_add_test(tc, test_hpack_bomb);
	tcase_add_test(tc, test_max_concurrent_streams);
	tcase_add_test(tc, test_max_frame_size);
	suite_add_tcase(s, tc);
	TCase *tt = tcase_create("time");
	tcase_add_test(tt, test_deadlines);
	tcase_add_test(tt, test_stalled_body);
	tcase_add_test(tt, test_idle_timeouts);
	tcase_add_test(tt, test_pings_do_not_keep_idle_open);
	tcase_add_test(tt, test_budget);
	tcase_add_test(tt, test_gone_before_ack);
	tcase_add_test(tt, test_goaway);
	tcase_add_test(tt, test_not_http2);
	suite_add_tcase(s, tt);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
