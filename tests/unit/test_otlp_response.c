/*
 * Unit tests for the OTLP response bodies (receiver/otlp_response.c): exact
 * bytes of full and partial success and of google.rpc.Status, in protobuf
 * and JSON, exact JSON string escaping, and bounded output.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "otlp_response.h"

static const char *const signal_keys[] = { "rejectedSpans", "rejectedDataPoints",
					   "rejectedLogRecords" };

static void expect_export(enum otlp_signal s, enum otlp_encoding e, uint64_t rejected,
			  const char *message, const void *want, size_t want_len)
{
	uint8_t out[OTLP_RESPONSE_MAX];
	size_t len = 12345;
	ck_assert_int_eq(otlp_export_response(s, e, rejected, message, out, sizeof out, &len), 0);
	ck_assert_uint_eq(len, want_len);
	ck_assert_mem_eq(out, want, want_len);
}

static void expect_json(enum otlp_signal s, uint64_t rejected, const char *message,
			const char *want)
{
	expect_export(s, OTLP_ENCODING_JSON, rejected, message, want, strlen(want));
}

START_TEST(test_full_success)
{
	enum otlp_signal s = (enum otlp_signal)_i;
	expect_export(s, OTLP_ENCODING_PROTOBUF, 0, NULL, "", 0);
	expect_export(s, OTLP_ENCODING_PROTOBUF, 0, "", "", 0);
	expect_json(s, 0, NULL, "{}");
	expect_json(s, 0, "", "{}");
}
END_TEST

START_TEST(test_partial_success_protobuf)
{
	enum otlp_signal s = (enum otlp_signal)_i;
	/* partial_success (1) { rejected (1): 3, error_message (2): "bad" } */
	static const uint8_t both[] = { 0x0a, 0x07, 0x08, 0x03, 0x12, 0x03, 'b', 'a', 'd' };
	static const uint8_t count_only[] = { 0x0a, 0x02, 0x08, 0x05 };
	static const uint8_t warning[] = { 0x0a, 0x03, 0x12, 0x01, 'x' };
	expect_export(s, OTLP_ENCODING_PROTOBUF, 3, "bad", both, sizeof both);
	expect_export(s, OTLP_ENCODING_PROTOBUF, 5, NULL, count_only, sizeof count_only);
	expect_export(s, OTLP_ENCODING_PROTOBUF, 0, "x", warning, sizeof warning);
}
END_TEST

START_TEST(test_partial_success_json)
{
	enum otlp_signal s = (enum otlp_signal)_i;
	char want[256];
	snprintf(want, sizeof want, "{\"partialSuccess\":{\"%s\":\"3\",\"errorMessage\":\"bad\"}}",
		 signal_keys[_i]);
	expect_json(s, 3, "bad", want);
	snprintf(want, sizeof want, "{\"partialSuccess\":{\"%s\":\"5\"}}", signal_keys[_i]);
	expect_json(s, 5, NULL, want);
	snprintf(want, sizeof want, "{\"partialSuccess\":{\"%s\":\"9223372036854775807\"}}",
		 signal_keys[_i]);
	expect_json(s, INT64_MAX, "", want);
	expect_json(s, 0, "x", "{\"partialSuccess\":{\"errorMessage\":\"x\"}}");
}
END_TEST

START_TEST(test_partial_success_round_trip)
{
	uint8_t out[OTLP_RESPONSE_MAX];
	size_t len;
	const char *msg = "resource_metrics[0].scope_metrics[0].metrics[1].name: empty";
	ck_assert_int_eq(otlp_export_response(OTLP_SIGNAL_METRICS, OTLP_ENCODING_PROTOBUF, 20, msg,
					      out, sizeof out, &len), 0);
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceResponse *r =
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__unpack(
			NULL, len, out);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(r->partial_success);
	ck_assert_int_eq(r->partial_success->rejected_data_points, 20);
	ck_assert_str_eq(r->partial_success->error_message, msg);
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__free_unpacked(
		r, NULL);
}
END_TEST

START_TEST(test_status_protobuf)
{
	uint8_t out[OTLP_RESPONSE_MAX];
	size_t len;
	static const uint8_t want[] = { 0x08, 0x03, 0x12, 0x01, 'x' };
	ck_assert_int_eq(otlp_status_body(OTLP_ENCODING_PROTOBUF, 3, "x", 0, out, sizeof out, &len), 0);
	ck_assert_uint_eq(len, sizeof want);
	ck_assert_mem_eq(out, want, sizeof want);
	ck_assert_int_eq(otlp_status_body(OTLP_ENCODING_PROTOBUF, 0, NULL, 0, out, sizeof out, &len), 0);
	ck_assert_uint_eq(len, 0);

	ck_assert_int_eq(otlp_status_body(OTLP_ENCODING_PROTOBUF, 14, "busy", 5, out, sizeof out, &len),
			 0);
	Google__Rpc__Status *st = google__rpc__status__unpack(NULL, len, out);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(st->code, 14);
	ck_assert_str_eq(st->message, "busy");
	ck_assert_uint_eq(st->n_details, 1);
	ck_assert_str_eq(st->details[0]->type_url, "type.googleapis.com/google.rpc.RetryInfo");
	Google__Rpc__RetryInfo *ri = google__rpc__retry_info__unpack(NULL, st->details[0]->value.len,
								     st->details[0]->value.data);
	ck_assert_ptr_nonnull(ri);
	ck_assert_ptr_nonnull(ri->retry_delay);
	ck_assert_int_eq(ri->retry_delay->seconds, 5);
	ck_assert_int_eq(ri->retry_delay->nanos, 0);
	google__rpc__retry_info__free_unpacked(ri, NULL);
	google__rpc__status__free_unpacked(st, NULL);
}
END_TEST

static void expect_status_json(int32_t code, const char *message, uint32_t retry, const char *want)
{
	uint8_t out[OTLP_RESPONSE_MAX];
	size_t len;
	ck_assert_int_eq(otlp_status_body(OTLP_ENCODING_JSON, code, message, retry, out, sizeof out,
					  &len), 0);
	ck_assert_msg(len == strlen(want) && memcmp(out, want, len) == 0, "got %.*s", (int)len, out);
}

START_TEST(test_status_json)
{
	expect_status_json(3, "bad request", 0, "{\"code\":3,\"message\":\"bad request\"}");
	expect_status_json(3, NULL, 0, "{\"code\":3}");
	expect_status_json(14, "busy", 5,
			   "{\"code\":14,\"message\":\"busy\",\"details\":[{\"@type\":"
			   "\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"5s\"}]}");
}
END_TEST

START_TEST(test_json_escaping)
{
	/* Quote, backslash, every control byte as \u00XX, UTF-8 kept, a byte
	 * that is not UTF-8 replaced, DEL and '/' left as they are. */
	expect_status_json(3, "a\"b\\c\n\t\x01\x1f\x7f/ caf\xc3\xa9 \xff!", 0,
			   "{\"code\":3,\"message\":\"a\\\"b\\\\c\\u000a\\u0009\\u0001\\u001f\x7f/ "
			   "caf\xc3\xa9 \\ufffd!\"}");
	expect_json(OTLP_SIGNAL_LOGS, 1, "x\ry",
		    "{\"partialSuccess\":{\"rejectedLogRecords\":\"1\",\"errorMessage\":\"x\\u000dy\"}}");
}
END_TEST

START_TEST(test_bounded_output)
{
	/* The worst message of the documented size fits OTLP_RESPONSE_MAX. */
	char msg[OTLP_RESPONSE_MESSAGE_MAX + 1];
	memset(msg, 0x01, OTLP_RESPONSE_MESSAGE_MAX);
	msg[OTLP_RESPONSE_MESSAGE_MAX] = '\0';
	uint8_t out[OTLP_RESPONSE_MAX];
	size_t len;
	for (int s = 0; s < OTLP_SIGNAL_COUNT; s++) {
		for (int e = 0; e < 2; e++)
			ck_assert_int_eq(otlp_export_response((enum otlp_signal)s, (enum otlp_encoding)e,
							      INT64_MAX, msg, out, sizeof out, &len), 0);
	}
	for (int e = 0; e < 2; e++)
		ck_assert_int_eq(otlp_status_body((enum otlp_encoding)e, INT32_MIN, msg, UINT32_MAX, out,
						  sizeof out, &len), 0);

	/* Too small a buffer is an error, not a cut body. */
	ck_assert_int_eq(otlp_export_response(OTLP_SIGNAL_TRACES, OTLP_ENCODING_JSON, 3, "bad", out,
					      20, &len), -ENOBUFS);
	ck_assert_int_eq(otlp_export_response(OTLP_SIGNAL_TRACES, OTLP_ENCODING_PROTOBUF, 3, "bad",
					      out, 8, &len), -ENOBUFS);
	ck_assert_int_eq(otlp_export_response(OTLP_SIGNAL_TRACES, OTLP_ENCODING_JSON, 0, NULL, out, 1,
					      &len), -ENOBUFS);
	ck_assert_int_eq(otlp_status_body(OTLP_ENCODING_JSON, 3, "bad", 0, out, 10, &len), -ENOBUFS);
	ck_assert_int_eq(otlp_status_body(OTLP_ENCODING_PROTOBUF, 3, "bad", 0, out, 4, &len), -ENOBUFS);
	ck_assert_int_eq(otlp_export_response(OTLP_SIGNAL_COUNT, OTLP_ENCODING_JSON, 0, NULL, out,
					      sizeof out, &len), -EINVAL);
	ck_assert_int_eq(otlp_export_response(OTLP_SIGNAL_TRACES, OTLP_ENCODING_JSON,
					      (uint64_t)INT64_MAX + 1, NULL, out, sizeof out, &len),
			 -EINVAL);
}
END_TEST

static Suite *response_suite(void)
{
	Suite *s = suite_create("otlp_response");
	TCase *tc = tcase_create("export");
	tcase_add_loop_test(tc, test_full_success, 0, OTLP_SIGNAL_COUNT);
	tcase_add_loop_test(tc, test_partial_success_protobuf, 0, OTLP_SIGNAL_COUNT);
	tcase_add_loop_test(tc, test_partial_success_json, 0, OTLP_SIGNAL_COUNT);
	tcase_add_test(tc, test_partial_success_round_trip);
	suite_add_tcase(s, tc);
	tc = tcase_create("status");
	tcase_add_test(tc, test_status_protobuf);
	tcase_add_test(tc, test_status_json);
	tcase_add_test(tc, test_json_escaping);
	tcase_add_test(tc, test_bounded_output);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(response_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
