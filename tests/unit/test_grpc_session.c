/* OTLP/gRPC calls through the sans-IO HTTP/2 session and the OTLP/gRPC
 * handler, driven by nghttp2's client in the same process: what reaches
 * the writer and which grpc-status the client hears. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "grpc_test_rig.h"
#include "grpc_text.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

static uint8_t *gzip_bytes(const uint8_t *in, size_t len, size_t *out_len)
{
	z_stream z = {0};
	ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t cap = deflateBound(&z, len);
	uint8_t *out = malloc(cap);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* Sends body on path and pumps; the call's stream. */
static struct tc_stream *call(struct rig *g, const char *path, const uint8_t *body, size_t len,
			      const char *const *extra)
{
	struct tc_stream *st = tc_call_h(&g->t, path, body, len, extra);
	tc_pump(&g->t);
	return st;
}

/* Every answer, with a message or Trailers-Only, says which grpc-encodings
 * a client may use. */
static void expect_status(struct tc_stream *st, int status, const char *words)
{
	ck_assert_int_eq(st->http_status, 200);
	ck_assert_int_eq(st->grpc_status, status);
	ck_assert_str_eq(st->accept_encoding, "identity,gzip");
	if (words)
		ck_assert_msg(strstr(said(st), words) != NULL, "grpc-message '%s' lacks '%s'",
			      said(st), words);
	ck_assert(st->closed);
}

/* The server still serves a valid call on the same connection. */
static void expect_serving(struct rig *g)
{
	static const uint8_t empty[5] = {0};
	int before = g->n_sent;
	struct tc_stream *st = call(g, TRACES_PATH, empty, sizeof empty, NULL);
	/* An empty request has nothing to store: answered at once. */
	expect_status(st, 0, NULL);
	ck_assert_int_eq(g->n_sent, before);
}

START_TEST(test_export_each_signal)
{
	static const struct {
		const char *file, *path;
		enum otlp_signal sig;
	} cases[] = {
		{"traces_100.pb", TRACES_PATH, OTLP_SIGNAL_TRACES},
		{"metrics_100.pb", METRICS_PATH, OTLP_SIGNAL_METRICS},
		{"logs_100.pb", LOGS_PATH, OTLP_SIGNAL_LOGS},
	};
	struct rig *g = rig_default();
	for (int i = 0; i < 3; i++) {
		size_t len, mlen;
		uint8_t *pb = read_bench(cases[i].file, &len);
		uint8_t *m = message(pb, len, &mlen);
		struct tc_stream *st = call(g, cases[i].path, m, mlen, NULL);
		/* Not answered until the writer has it. */
		ck_assert_int_eq(st->grpc_status, -1);
		ck_assert_int_eq(g->n_sent, i + 1);
		ck_assert_int_eq(g->sent[i].signal, cases[i].sig);
		ck_assert_uint_eq(g->sent[i].len, len);
		ck_assert(memcmp(g->sent[i].buf, pb, len) == 0);
		rig_ack(g, i, 0);
		tc_pump(&g->t);
		expect_status(st, 0, NULL);
		ck_assert_uint_eq(st->close_code, NGHTTP2_NO_ERROR);
		/* The response message: a prefix and an empty Export*Response. */
		ck_assert_uint_eq(st->data_len, 5);
		ck_assert(memcmp(st->data, "\0\0\0\0\0", 5) == 0);
		ck_assert_uint_eq(g->g.stats.requests[cases[i].sig], 1);
		ck_assert_uint_eq(g->g.stats.items_accepted[cases[i].sig], 100);
		free(pb);
		free(m);
	}
	ck_assert_uint_eq(g->g.stats.responses[GRPC_OK], 3);
	ck_assert_uint_eq(g->g.stats.in_flight, 0);
	rig_free(g);
}
END_TEST

START_TEST(test_framing_errors)
{
	struct rig *g = rig_default();
	size_t len, mlen;
	uint8_t *pb = read_bench("traces_1.pb", &len);
	static const struct {
		uint8_t flag;
		int64_t declared_delta; /* declared length - bytes sent */
		int status;
		const char *words;
	} cases[] = {
		{2, 0, 3, "prefix is invalid"},             /* flag neither 0 nor 1 */
		{1, 0, 3, "flagged compressed"},           /* without grpc-encoding */
		{0, 100, 3, "ended before the message"},   /* length larger than the body */
		{0, -10, 8, "more bytes followed"},        /* bytes after the message */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t *m = framed(pb, len, cases[i].flag,
				    (uint32_t)((int64_t)len + cases[i].declared_delta), &mlen);
		struct tc_stream *st = call(g, TRACES_PATH, m, mlen, NULL);
		expect_status(st, cases[i].status, cases[i].words);
		ck_assert_str_eq(st->details_bin, "");
		free(m);
		expect_serving(g);
	}
	/* A call without any message; a prefix cut short. */
	expect_status(call(g, TRACES_PATH, NULL, 0, NULL), 3, "no message");
	expect_status(call(g, TRACES_PATH, (const uint8_t *)"\0\0\0", 3, NULL), 3, "ended before");
	ck_assert_int_eq(g->n_sent, 0);
	ck_assert_uint_eq(g->g.stats.rejects[OTLP_REJECT_BAD_REQUEST], 5);
	ck_assert_uint_eq(g->g.stats.rejects[OTLP_REJECT_TOO_LARGE], 1);
	free(pb);
	rig_free(g);
}
END_TEST

/* A message declared past max_request_bytes: RESOURCE_EXHAUSTED without
 * RetryInfo as soon as the prefix is in, and the client is told to stop
 * sending; nothing of it is held. */
START_TEST(test_oversized_message)
{
	struct rig *g = rig_default();
	size_t body_len = 256 * 1024, mlen;
	uint8_t *body = calloc(1, body_len);
	uint8_t *m = framed(body, body_len, 0, RIG_MAX_MESSAGE + 1, &mlen);
	struct tc_stream *st = tc_call(&g->t, TRACES_PATH, m, mlen);
	st->keep_open = true;
	tc_pump(&g->t);
	expect_status(st, GRPC_RESOURCE_EXHAUSTED, "larger than the limit");
	ck_assert_str_eq(st->details_bin, "");
	ck_assert_uint_eq(st->close_code, NGHTTP2_NO_ERROR); /* RST_STREAM NO_ERROR */
	ck_assert_uint_lt(st->body_off, mlen);               /* it stopped sending */
	ck_assert_uint_eq(g->budget.used, 0);
	ck_assert_uint_eq(g->g.stats.rejects[OTLP_REJECT_TOO_LARGE], 1);
	free(m);
	free(body);
	expect_serving(g);
	rig_free(g);
}
END_TEST

START_TEST(test_unknown_paths)
{
	struct rig *g = rig_default();
	static const uint8_t empty[5] = {0};
	char longpath[300];
	memset(longpath, 'a', sizeof longpath - 1);
	longpath[0] = '/';
	longpath[sizeof longpath - 1] = '\0';
	const char *paths[] = {"/opentelemetry.proto.collector.trace.v1.TraceService/Other",
			       "/grpc.health.v1.Health/Check", "/v1/traces", longpath};
	for (size_t i = 0; i < 4; i++)
		expect_status(call(g, paths[i], empty, sizeof empty, NULL), GRPC_UNIMPLEMENTED,
			      "unknown method");
	ck_assert_uint_eq(g->g.stats.rejects[OTLP_REJECT_NOT_FOUND], 4);
	expect_serving(g);
	rig_free(g);
}
END_TEST

START_TEST(test_gzip)
{
	struct rig *g = rig_default();
	size_t len, zlen, mlen;
	uint8_t *pb = read_bench("traces_100.pb", &len);
	uint8_t *z = gzip_bytes(pb, len, &zlen);
	const char *const gz[] = {"grpc-encoding", "gzip", NULL};
	uint8_t *m = framed(z, zlen, 1, (uint32_t)zlen, &mlen);
	struct tc_stream *st = call(g, TRACES_PATH, m, mlen, gz);
	ck_assert_int_eq(g->n_sent, 1);
	ck_assert_uint_eq(g->sent[0].len, len);
	ck_assert(memcmp(g->sent[0].buf, pb, len) == 0);
	rig_ack(g, 0, 0);
	tc_pump(&g->t);
	expect_status(st, 0, NULL);
	free(m);

	/* With grpc-encoding gzip a message may still come uncompressed. */
	m = message(pb, len, &mlen);
	call(g, TRACES_PATH, m, mlen, gz);
	ck_assert_int_eq(g->n_sent, 2);
	free(m);

	/* Not gzip; a bomb past the limit; an encoding we do not have. */
	z[10] ^= 0xff;
	m = framed(z, zlen, 1, (uint32_t)zlen, &mlen);
	expect_status(call(g, TRACES_PATH, m, mlen, gz), 3, "not valid gzip");
	free(m);
	uint8_t *zeros = calloc(1, RIG_MAX_MESSAGE + 1);
	uint8_t *bomb = gzip_bytes(zeros, RIG_MAX_MESSAGE + 1, &zlen);
	m = framed(bomb, zlen, 1, (uint32_t)zlen, &mlen);
	expect_status(call(g, TRACES_PATH, m, mlen, gz), GRPC_RESOURCE_EXHAUSTED,
		      "decompressed body is larger");
	const char *const br[] = {"grpc-encoding", "br", NULL};
	expect_status(call(g, TRACES_PATH, m, mlen, br), GRPC_UNIMPLEMENTED, "gzip or identity");
	ck_assert_int_eq(g->n_sent, 2);
	free(m);
	free(bomb);
	free(zeros);
	free(z);
	free(pb);
	rig_free(g);
}
END_TEST

/* Unpacks grpc-status-details-bin and checks for RetryInfo of 1 s. */
static void expect_retry_info(struct tc_stream *st)
{
	uint8_t bin[1024];
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (const char *p = st->details_bin; *p; p++) {
		const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *at = strchr(abc, *p);
		ck_assert_ptr_nonnull(at);
		acc = acc << 6 | (uint32_t)(at - abc);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			bin[n++] = (uint8_t)(acc >> bits);
		}
	}
	ck_assert_uint_gt(n, 0);
	Google__Rpc__Status *s = google__rpc__status__unpack(NULL, n, bin);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->code, GRPC_UNAVAILABLE);
	ck_assert_uint_eq(s->n_details, 1);
	ck_assert_str_eq(s->details[0]->type_url, "type.googleapis.com/google.rpc.RetryInfo");
	Google__Rpc__RetryInfo *ri = google__rpc__retry_info__unpack(
		NULL, s->details[0]->value.len, s->details[0]->value.data);
	ck_assert_ptr_nonnull(ri);
	ck_assert_int_eq(ri->retry_delay->seconds, 1);
	google__rpc__retry_info__free_unpacked(ri, NULL);
	google__rpc__status__free_unpacked(s, NULL);
}

START_TEST(test_no_credit_and_writer_down)
{
	struct rig *g = rig_default();
	size_t len, mlen;
	uint8_t *pb = read_bench("traces_100.pb", &len);
	uint8_t *m = message(pb, len, &mlen);
	g->check_result[OTLP_DEST_WRITER] = -EAGAIN;
	struct tc_stream *st = call(g, TRACES_PATH, m, mlen, NULL);
	expect_status(st, GRPC_UNAVAILABLE, "storage is busy");
	expect_retry_info(st);
	g->check_result[OTLP_DEST_WRITER] = -ENOTCONN;
	expect_status(call(g, TRACES_PATH, m, mlen, NULL), GRPC_UNAVAILABLE, "restarting");
	g->check_result[OTLP_DEST_WRITER] = 0;
	g->send_result[OTLP_DEST_WRITER] = -EAGAIN; /* credit gone by the time it is sent */
	expect_retry_info(call(g, TRACES_PATH, m, mlen, NULL));
	g->send_result[OTLP_DEST_WRITER] = 0;
	/* Taken off the queue, then lost with the writer. */
	st = call(g, TRACES_PATH, m, mlen, NULL);
	rig_ack(g, 0, -EPIPE);
	tc_pump(&g->t);
	expect_status(st, GRPC_UNAVAILABLE, "storage restarted");
	expect_retry_info(st);
	ck_assert_uint_eq(g->g.stats.rejects[OTLP_REJECT_NO_CREDIT], 2);
	ck_assert_uint_eq(g->g.stats.rejects[OTLP_REJECT_WRITER_DOWN], 2);
	ck_assert_uint_eq(g->g.stats.items_accepted[OTLP_SIGNAL_TRACES], 0);
	free(m);
	free(pb);
	rig_free(g);
}
END_TEST

/* One span with a short trace id: dropped, the rest stored, the client
 * told in partial_success. */
START_TEST(test_partial_success)
{
	struct rig *g = rig_default();
	size_t len, mlen;
	uint8_t *pb = read_bench("traces_100.pb", &len);
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req =
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
			NULL, len, pb);
	ck_assert_ptr_nonnull(req);
	req->resource_spans[0]->scope_spans[0]->spans[0]->trace_id.len = 4;
	size_t plen = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(req);
	uint8_t *bad = malloc(plen);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(req, bad);
	uint8_t *m = message(bad, plen, &mlen);
	struct tc_stream *st = call(g, TRACES_PATH, m, mlen, NULL);
	ck_assert_int_eq(g->n_sent, 1);
	rig_ack(g, 0, 0);
	tc_pump(&g->t);
	expect_status(st, 0, NULL);
	ck_assert_uint_gt(st->data_len, 5);
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *resp =
		opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(
			NULL, st->data_len - 5, st->data + 5);
	ck_assert_ptr_nonnull(resp);
	ck_assert_ptr_nonnull(resp->partial_success);
	ck_assert_int_eq(resp->partial_success->rejected_spans, 1);
	ck_assert_str_ne(resp->partial_success->error_message, "");
	ck_assert_uint_eq(g->g.stats.items_rejected[OTLP_SIGNAL_TRACES], 1);
	ck_assert_uint_eq(g->g.stats.items_accepted[OTLP_SIGNAL_TRACES], 99);
	opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(
		resp, NULL);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
		req, NULL);
	free(bad);
	free(m);
	free(pb);
	rig_free(g);
}
END_TEST

/* Undecodable protobuf: INVALID_ARGUMENT naming the problem. */
START_TEST(test_undecodable)
{
	struct rig *g = rig_default();
	size_t mlen;
	uint8_t *m = message((const uint8_t *)"\x0a\xff\xff", 3, &mlen);
	expect_status(call(g, METRICS_PATH, m, mlen, NULL), GRPC_INVALID_ARGUMENT,
		      "invalid OTLP/protobuf");
	free(m);
	rig_free(g);
}
END_TEST

START_TEST(test_http_refusals)
{
	struct rig *g = rig_default();
	static const uint8_t empty[5] = {0};
	const char *const text[] = {"content-type", "text/plain", NULL};
	struct tc_stream *st = call(g, TRACES_PATH, empty, sizeof empty, text);
	ck_assert_int_eq(st->http_status, 415);
	const char *const json[] = {"content-type", "application/grpc+json", NULL};
	expect_status(call(g, TRACES_PATH, empty, sizeof empty, json), GRPC_UNIMPLEMENTED,
		      "protobuf");
	const char *const proto[] = {"content-type", "application/grpc+proto", NULL};
	expect_status(call(g, TRACES_PATH, empty, sizeof empty, proto), GRPC_OK, NULL);
	const char *const put[] = {":method", "PUT", NULL};
	st = call(g, TRACES_PATH, empty, sizeof empty, put);
	ck_assert_int_eq(st->http_status, 405);
	ck_assert_uint_eq(g->g.stats.rejects[OTLP_REJECT_UNSUPPORTED_TYPE], 2);
	ck_assert_uint_eq(g->g.stats.rejects[OTLP_REJECT_METHOD_NOT_ALLOWED], 1);
	rig_free(g);
}
END_TEST

/* ---- the text helpers ---- */

START_TEST(test_timeout_parse)
{
	static const struct {
		const char *in;
		int err;
		uint64_t ms;
	} cases[] = {
		{"1H", 0, 3600000}, {"2M", 0, 120000}, {"3S", 0, 3000},      {"250m", 0, 250},
		{"1500u", 0, 2},    {"1n", 0, 1},      {"0m", 0, 0},         {"99999999S", 0, 99999999000},
		{"123456789m", -EINVAL, 0}, {"m", -EINVAL, 0}, {"10", -EINVAL, 0}, {"1x", -EINVAL, 0},
		{"-1S", -EINVAL, 0}, {"", -EINVAL, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t ms = 7;
		int err = grpc_timeout_parse((const uint8_t *)cases[i].in, strlen(cases[i].in), &ms);
		ck_assert_msg(err == cases[i].err, "%s", cases[i].in);
		if (!err)
			ck_assert_uint_eq(ms, cases[i].ms);
	}
}
END_TEST

START_TEST(test_percent_and_base64)
{
	char out[64];
	ck_assert_int_eq(grpc_percent_encode("50% off\n\xc3\xa9", out, sizeof out), 0);
	ck_assert_str_eq(out, "50%25 off%0A%C3%A9");
	ck_assert_int_eq(grpc_percent_encode("abc", out, 3), -ENOBUFS);
	size_t n;
	ck_assert_int_eq(grpc_base64((const uint8_t *)"foob", 4, out, sizeof out, &n), 0);
	ck_assert_str_eq(out, "Zm9vYg");
	ck_assert_int_eq(grpc_base64((const uint8_t *)"foo", 3, out, sizeof out, &n), 0);
	ck_assert_str_eq(out, "Zm9v");
	ck_assert_int_eq(grpc_base64((const uint8_t *)"fo", 2, out, sizeof out, &n), 0);
	ck_assert_str_eq(out, "Zm8");
	ck_assert_int_eq(grpc_base64((const uint8_t *)"foo", 3, out, 4, &n), -ENOBUFS);
	ck_assert_int_eq(grpc_content_type((const uint8_t *)"application/grpc", 16), GRPC_CT_PROTO);
	ck_assert_int_eq(grpc_content_type((const uint8_t *)"Application/GRPC+proto; x=y", 27),
			 GRPC_CT_PROTO);
	ck_assert_int_eq(grpc_content_type((const uint8_t *)"application/grpcx", 17),
			 GRPC_CT_NOT_GRPC);
	ck_assert_int_eq(grpc_content_type((const uint8_t *)"application/grpc+json", 21),
			 GRPC_CT_OTHER);
}
END_TEST

START_TEST(test_reader)
{
	struct grpc_reader r;
	grpc_reader_init(&r, 10);
	ck_assert_int_eq(grpc_reader_finish(&r), -ENODATA);
	ck_assert_int_eq(grpc_reader_feed(&r, (const uint8_t *)"\0\0\0", 3), 0);
	ck_assert(!grpc_reader_has_prefix(&r));
	ck_assert_int_eq(grpc_reader_finish(&r), -EPIPE);
	ck_assert_int_eq(grpc_reader_feed(&r, (const uint8_t *)"\0\3ab", 4), 0);
	ck_assert_int_eq(grpc_reader_finish(&r), -EPIPE);
	ck_assert_int_eq(grpc_reader_feed(&r, (const uint8_t *)"c", 1), 0);
	ck_assert_int_eq(grpc_reader_finish(&r), 0);
	ck_assert_uint_eq(r.cap, 3); /* never past the declared length */
	ck_assert_int_eq(grpc_reader_feed(&r, (const uint8_t *)"d", 1), -E2BIG);
	grpc_reader_free(&r);
	grpc_reader_init(&r, 10);
	ck_assert_int_eq(grpc_reader_feed(&r, (const uint8_t *)"\0\0\0\0\13", 5), -EMSGSIZE);
	grpc_reader_init(&r, 10);
	ck_assert_int_eq(grpc_reader_feed(&r, (const uint8_t *)"\2\0\0\0\1", 5), -EBADMSG);
	grpc_reader_init(&r, 10);
	ck_assert_int_eq(grpc_reader_feed(&r, (const uint8_t *)"\0\0\0\0\0", 5), 0);
	ck_assert_int_eq(grpc_reader_finish(&r), 0);
	grpc_reader_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("grpc_session");
	TCase *tc = tcase_create("calls");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_export_each_signal);
	tcase_add_test(tc, test_framing_errors);
	tcase_add_test(tc, test_oversized_message);
	tcase_add_test(tc, test_unknown_paths);
	tcase_add_test(tc, test_gzip);
	tcase_add_test(tc, test_no_credit_and_writer_down);
	tcase_add_test(tc, test_partial_success);
	tcase_add_test(tc, test_undecodable);
	tcase_add_test(tc, test_http_refusals);
	suite_add_tcase(s, tc);
	TCase *text = tcase_create("text");
	tcase_add_test(text, test_timeout_parse);
	tcase_add_test(text, test_percent_and_base64);
	tcase_add_test(text, test_reader);
	suite_add_tcase(s, text);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
