/* The endpoint's answers: HTTP/1.1 responses parsed with bounds, and the
 * partial_success / error messages that reach the log. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../forwarder/http_response.h"
#include "../../forwarder/fwd_limits.h"
#include "../../forwarder/response.h"
#include "google/rpc/status.pb-c.h"
#include "messages.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

static struct fwd_response r;

static void setup(void)
{
	memset(&r, 0, sizeof r);
	fwd_response_reset(&r);
}

static void teardown(void)
{
	fwd_response_free(&r);
}

/* Feeds text in pieces of step bytes; returns the last result. */
static int feed(const char *text, size_t step)
{
	size_t len = strlen(text), off = 0, used = 0;
	int rc = 0;
	while (off < len) {
		size_t n = len - off < step ? len - off : step;
		rc = fwd_response_feed(&r, text + off, n, &used);
		if (rc != 0)
			return rc;
		off += n;
	}
	return rc;
}

START_TEST(test_ok_keep_alive)
{
	const char *text = "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
			   "Content-Length: 3\r\n\r\nabc";
	for (size_t step = 1; step <= strlen(text); step += 7) {
		setup();
		ck_assert_int_eq(feed(text, step), 1);
		ck_assert_int_eq(r.status, 200);
		ck_assert(r.protobuf);
		ck_assert_uint_eq(r.body_len, 3);
		ck_assert(memcmp(r.body, "abc", 3) == 0);
		ck_assert(fwd_response_keep_alive(&r));
		teardown();
	}
	setup();
}
END_TEST

START_TEST(test_retry_after_and_close)
{
	ck_assert_int_eq(feed("HTTP/1.1 503 Busy\r\nretry-AFTER: 17\r\nConnection: close\r\n"
			      "Content-Length: 0\r\n\r\n", 5), 1);
	ck_assert_int_eq(r.status, 503);
	ck_assert(r.has_retry_after);
	ck_assert_uint_eq(r.retry_after_len, 2);
	ck_assert(memcmp(r.retry_after, "17", 2) == 0);
	ck_assert(!fwd_response_keep_alive(&r));
	ck_assert(!r.protobuf);
}
END_TEST

START_TEST(test_chunked_interim_and_eof)
{
	ck_assert_int_eq(feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad\r\n"
			      "Transfer-Encoding: chunked\r\n\r\n4\r\nnope\r\n0\r\n\r\n", 3), 1);
	ck_assert_int_eq(r.status, 400);
	ck_assert_uint_eq(r.body_len, 4);
	/* A body that runs to the end of the connection. */
	fwd_response_reset(&r);
	ck_assert_int_eq(feed("HTTP/1.1 200 OK\r\n\r\npartial", 64), 0);
	ck_assert_int_eq(fwd_response_eof(&r), 1);
	ck_assert_uint_eq(r.body_len, 7);
	/* Cut short. */
	fwd_response_reset(&r);
	ck_assert_int_eq(feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 64), 0);
	ck_assert_int_eq(fwd_response_eof(&r), -ECONNRESET);
}
END_TEST

START_TEST(test_bytes_after_the_answer)
{
	const char *text = "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n\r\n";
	size_t used = 0;
	ck_assert_int_eq(fwd_response_feed(&r, text, strlen(text), &used), 1);
	ck_assert_uint_eq(used, strlen("HTTP/1.1 204 No Content\r\n\r\n"));
}
END_TEST

START_TEST(test_refused)
{
	ck_assert_int_eq(feed("SMTP ready\r\n", 64), -EPROTO);
	ck_assert_ptr_nonnull(r.refused);
	/* Headers past the bound. */
	fwd_response_reset(&r);
	size_t n = FWD_RESPONSE_HEADER_MAX + 64;
	char *big = malloc(n + 64);
	int off = snprintf(big, 64, "HTTP/1.1 200 OK\r\nX-Big: ");
	memset(big + off, 'a', n);
	big[off + (int)n] = '\0';
	ck_assert_int_eq(feed(big, 4096), -EPROTO);
	ck_assert_str_eq(r.refused, "the response's headers are too large");
	free(big);
	/* A body past the bound. */
	fwd_response_reset(&r);
	char head[128];
	snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n",
		 FWD_RESPONSE_BODY_MAX + 1);
	ck_assert_int_eq(feed(head, 64), 0);
	static char chunk[65536];
	int rc = 0;
	size_t used;
	for (size_t sent = 0; rc == 0 && sent <= FWD_RESPONSE_BODY_MAX; sent += sizeof chunk)
		rc = fwd_response_feed(&r, chunk, sizeof chunk, &used);
	ck_assert_int_eq(rc, -EPROTO);
	ck_assert_str_eq(r.refused, "the response's body is too large");
	ck_assert_uint_eq(r.body_len, FWD_RESPONSE_BODY_KEEP);
}
END_TEST

START_TEST(test_partial_success)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
	ps.rejected_spans = 7;
	ps.error_message = "bad \"span\"\n\x01";
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse resp =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
	resp.partial_success = &ps;
	uint8_t buf[256];
	size_t len = opentelemetry__proto__collector__trace__v1__export_trace_service_response__pack(
		&resp, buf);
	uint64_t rejected = 0;
	char msg[600];
	ck_assert_int_eq(fwd_partial_success(MSG_EXPORT_TRACES, buf, len, &rejected, msg,
					     sizeof msg), 0);
	ck_assert_uint_eq(rejected, 7);
	ck_assert_str_eq(msg, "bad \\x22span\\x22\\x0a\\x01");
	ck_assert_int_eq(fwd_partial_success(MSG_EXPORT_TRACES, (const uint8_t *)"\xff\xff", 2,
					     &rejected, msg, sizeof msg), -EBADMSG);
	ck_assert_int_eq(fwd_partial_success(MSG_EXPORT_LOGS, buf, 0, &rejected, msg, sizeof msg),
			 0);
	ck_assert_uint_eq(rejected, 0);
}
END_TEST

START_TEST(test_error_messages)
{
	Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
	st.code = 3;
	st.message = "invalid trace id";
	uint8_t buf[128];
	size_t len = google__rpc__status__pack(&st, buf);
	char msg[600];
	fwd_error_message(buf, len, true, msg, sizeof msg);
	ck_assert_str_eq(msg, "invalid trace id");
	fwd_error_message((const uint8_t *)"plain text\r\n", 12, false, msg, sizeof msg);
	ck_assert_str_eq(msg, "plain text\\x0d\\x0a");
	/* At most FWD_ERROR_SNIPPET_MAX bytes of a long body, marked as cut. */
	char body[1000];
	memset(body, 'x', sizeof body);
	fwd_error_message((const uint8_t *)body, sizeof body, false, msg, sizeof msg);
	ck_assert_uint_eq(strlen(msg), FWD_ERROR_SNIPPET_MAX + 3);
	ck_assert_str_eq(msg + FWD_ERROR_SNIPPET_MAX, "...");
	/* A small buffer is never overrun. */
	char tiny[8];
	fwd_escape((const uint8_t *)"\x01\x02\x03", 3, 100, tiny, sizeof tiny);
	ck_assert_uint_lt(strlen(tiny), sizeof tiny);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("forwarder_response");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ok_keep_alive);
	tcase_add_test(tc, test_retry_after_and_close);
	tcase_add_test(tc, test_chunked_interim_and_eof);
	tcase_add_test(tc, test_bytes_after_the_answer);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_partial_success);
	tcase_add_test(tc, test_error_messages);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
