/*
 * Unit tests for otlp_validate() (common/otlp_validate.c): the bench bodies
 * pass with their item counts; broken wire bytes of every kind fail cleanly
 * (and whatever passes really unpacks with protobuf-c); limits give -E2BIG
 * without deep recursion. The item rules are in test_otlp_filter.c.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_test_fixtures.h"
#include "otlp_test_util.h"
#include "otlp_validate.h"

static const struct {
	const char *name;
	uint64_t items;
} bodies[] = {
	{ "traces_1.pb", 1 },	  { "traces_100.pb", 100 }, { "traces_1000.pb", 1000 },
	{ "metrics_100.pb", 100 }, { "logs_100.pb", 100 },
};

START_TEST(test_bench_body_passes)
{
	size_t len;
	uint8_t *buf = load_bench(bodies[_i].name, &len);
	struct otlp_check c;
	int rc = validate(bench_signal(bodies[_i].name), buf, len, &c);
	ck_assert_msg(rc == 0, "%s: %s", bodies[_i].name, c.message);
	ck_assert_uint_eq(c.items, bodies[_i].items);
	ck_assert_uint_eq(c.rejected, 0);
	ck_assert_str_eq(c.message, "");
	free(buf);
}
END_TEST

START_TEST(test_truncated_never_crashes)
{
	size_t len;
	uint8_t *buf = load_bench(bodies[_i].name, &len);
	enum otlp_signal s = bench_signal(bodies[_i].name);
	size_t step = len > 20000 ? len / 4000 : 1; /* every cut of the small bodies */
	for (size_t cut = 0; cut < len; cut += step) {
		/* A copy of exactly `cut` bytes, so ASan sees any read past it. */
		uint8_t *part = malloc(cut ? cut : 1);
		memcpy(part, buf, cut);
		struct otlp_check c;
		int rc = validate(s, part, cut, &c);
		if (rc != 0 && rc != -EBADMSG)
			ck_abort_msg("cut at %zu: rc %d", cut, rc);
		if (rc == 0)
			assert_unpacks(s, part, cut);
		else if (c.message[0] == '\0')
			ck_abort_msg("no message for the cut at %zu", cut);
		free(part);
	}
	free(buf);
}
END_TEST

START_TEST(test_mutated_bytes_fail_cleanly)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x3a };
	size_t len;
	uint8_t *buf = load_bench(bodies[_i].name, &len);
	enum otlp_signal s = bench_signal(bodies[_i].name);
	/* Every byte of the small bodies; the large one is the same structure. */
	size_t step = len > 100000 ? len / 200 : len / 1500 + 1;
	for (size_t pos = 0; pos < len; pos += step) {
		uint8_t saved = buf[pos];
		for (size_t v = 0; v < sizeof values; v++) {
			buf[pos] = values[v];
			struct otlp_check c;
			int rc = validate(s, buf, len, &c);
			if (rc != 0 && rc != -EBADMSG && rc != -E2BIG)
				ck_abort_msg("byte %zu = %u: rc %d", pos, values[v], rc);
			if (rc == 0)
				assert_unpacks(s, buf, len);
		}
		buf[pos] = saved;
	}
	free(buf);
}
END_TEST

START_TEST(test_random_bytes)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	uint8_t buf[512];
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(x % sizeof buf);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = (uint8_t)x;
		}
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		enum otlp_signal s = (enum otlp_signal)(round % 3);
		struct otlp_check c;
		int rc = validate(s, buf, len, &c);
		if (rc != 0 && rc != -EBADMSG && rc != -E2BIG)
			ck_abort_msg("round %d: rc %d", round, rc);
		if (rc == 0)
			assert_unpacks(s, buf, len);
	}
}
END_TEST

START_TEST(test_empty_request_passes)
{
	struct otlp_check c;
	ck_assert_int_eq(validate(OTLP_SIGNAL_LOGS, NULL, 0, &c), 0);
	ck_assert_uint_eq(c.items, 0);
}
END_TEST

/* Raw bytes with an expected result and a word the message must contain. */
static const struct {
	const char *what;
	uint8_t bytes[32];
	size_t len;
	int rc;
	const char *says;
} wire_cases[] = {
	{ "resource_spans as a varint", { 0x08, 0x01 }, 2, -EBADMSG, "resource_spans[0]: wire type varint" },
	{ "resource_spans as fixed64", { 0x09, 1, 2, 3, 4, 5, 6, 7, 8 }, 9, -EBADMSG, "expected length" },
	{ "span trace_id as fixed32",
	  { 0x0a, 0x08, 0x12, 0x06, 0x12, 0x04, 0x0d, 1, 2, 3 }, 10, -EBADMSG, "trace_id: wire type 32-bit" },
	{ "group start", { 0x0b }, 1, -EBADMSG, "group start" },
	{ "unknown field as a group end", { 0xfc, 0x01 }, 2, -EBADMSG, "field 31" },
	{ "wire type 6", { 0x0e }, 1, -EBADMSG, "wire type 6" },
	{ "field number 0", { 0x02, 0x00 }, 2, -EBADMSG, "field number 0" },
	{ "tag longer than 5 bytes", { 0x8a, 0x80, 0x80, 0x80, 0x80, 0x00 }, 6, -EBADMSG, "tag" },
	{ "length past the end", { 0x0a, 0x05, 0x00 }, 3, -EBADMSG, "runs past" },
	{ "length over 2 GiB", { 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f }, 6, -EBADMSG, "runs past" },
	{ "varint of 11 bytes",
	  { 0x0a, 0x10, 0x12, 0x0e, 0x12, 0x0c, 0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0x01 },
	  18, -EBADMSG, "kind: malformed varint" },
	{ "unknown varint field skipped", { 0xf8, 0x07, 0x96, 0x01 }, 4, 0, "" },
	{ "unknown fixed32 field skipped", { 0x25, 1, 2, 3, 4 }, 5, 0, "" },
	{ "unknown field truncated", { 0x21, 1, 2, 3 }, 4, -EBADMSG, "truncated" },
	{ "a nested message cut short", { 0x0a, 0x04, 0x12, 0x05, 0x12, 0x00 }, 6, -EBADMSG, "scope_spans[0]: length 5" },
};

START_TEST(test_wire_errors)
{
	struct otlp_check c;
	int rc = validate(OTLP_SIGNAL_TRACES, wire_cases[_i].bytes, wire_cases[_i].len, &c);
	ck_assert_msg(rc == wire_cases[_i].rc, "%s: rc %d (%s)", wire_cases[_i].what, rc, c.message);
	ck_assert_msg(strstr(c.message, wire_cases[_i].says) != NULL, "%s: message \"%s\"",
		      wire_cases[_i].what, c.message);
}
END_TEST

START_TEST(test_deep_anyvalue_refused_without_recursion)
{
	/* 100k levels: a recursive decoder would need megabytes of stack. */
	struct rbuf r;
	rb_init(&r, 8u << 20);
	rb_deep_attribute(&r, 100000, (uint32_t)(_i ? 6 : 5));
	rb_wrap_span(&r);
	struct otlp_check c;
	int rc = validate(OTLP_SIGNAL_TRACES, rb_data(&r), rb_len(&r), &c);
	ck_assert_int_eq(rc, -E2BIG);
	ck_assert_msg(strstr(c.message, "deeper than 32 levels") != NULL, "%s", c.message);
	ck_assert_msg(strstr(c.message, "spans[0].attributes[0].value") != NULL, "%s", c.message);
	free(r.base);
}
END_TEST

START_TEST(test_depth_limit_is_exact)
{
	for (size_t depth = 30; depth <= 33; depth++) {
		struct rbuf r;
		rb_init(&r, 1u << 16);
		rb_deep_attribute(&r, depth, (uint32_t)(_i ? 6 : 5));
		rb_wrap_span(&r);
		struct otlp_check c;
		int rc = validate(OTLP_SIGNAL_TRACES, rb_data(&r), rb_len(&r), &c);
		ck_assert_msg(rc == (depth <= 32 ? 0 : -E2BIG), "depth %zu: %d %s", depth, rc,
			      c.message);
		if (rc == 0)
			assert_unpacks(OTLP_SIGNAL_TRACES, rb_data(&r), rb_len(&r));
		free(r.base);
	}
	/* The largest configurable limit works too (the frame stack holds it). */
	struct rbuf r;
	rb_init(&r, 1u << 16);
	rb_deep_attribute(&r, OTLP_MAX_ANYVALUE_DEPTH, (uint32_t)(_i ? 6 : 5));
	rb_wrap_span(&r);
	struct otlp_limits deep = { OTLP_MAX_ANYVALUE_DEPTH, 1024 };
	struct otlp_check c;
	ck_assert_int_eq(otlp_validate(OTLP_SIGNAL_TRACES, rb_data(&r), rb_len(&r), &deep, &c), 0);
	free(r.base);
}
END_TEST

static const struct {
	const char *what;
	const char *text;
	size_t len;
	const char *says; /* NULL: valid */
} strings[] = {
	{ "ASCII", "checkout", 8, NULL },
	{ "two-byte", "caf\xc3\xa9", 5, NULL },
	{ "four-byte", "\xf0\x9f\x98\x80 ok", 7, NULL },
	{ "NUL", "a\0b", 3, "a NUL character" },
	{ "NUL after 8 ASCII", "abcdefgh\0", 9, "a NUL character" },
	{ "lone continuation", "a\x80", 2, "not valid UTF-8" },
	{ "overlong slash", "\xc0\xaf", 2, "not valid UTF-8" },
	{ "overlong three-byte", "\xe0\x80\xaf", 3, "not valid UTF-8" },
	{ "surrogate", "\xed\xa0\x80", 3, "not valid UTF-8" },
	{ "past U+10FFFF", "\xf4\x90\x80\x80", 4, "not valid UTF-8" },
	{ "cut sequence", "abc\xe2\x82", 5, "not valid UTF-8" },
	{ "Latin-1", "caf\xe9", 4, "not valid UTF-8" },
};

START_TEST(test_string_checks)
{
	struct traces t;
	traces_init(&t, 1);
	/* The name field is a string; protobuf-c packs the C string, so
	 * build the span with a placeholder and patch the bytes in. */
	t.spans[0].name = "################";
	size_t len;
	uint8_t *buf = pack_message(&t.req.base, &len);
	uint8_t *name = memmem(buf, len, "################", 16);
	ck_assert_ptr_nonnull(name);
	ck_assert_uint_eq(name[-1], 16);
	memset(name, 'a', 16);
	memcpy(name, strings[_i].text, strings[_i].len);
	struct otlp_check c;
	int rc = validate(OTLP_SIGNAL_TRACES, buf, len, &c);
	if (!strings[_i].says) {
		ck_assert_msg(rc == 0, "%s: %s", strings[_i].what, c.message);
	} else {
		ck_assert_int_eq(rc, -EBADMSG);
		ck_assert_msg(strstr(c.message, strings[_i].says) &&
				      strstr(c.message, "spans[0].name:"),
			      "%s: %s", strings[_i].what, c.message);
	}
	free(buf);
}
END_TEST

START_TEST(test_attribute_limit)
{
	static KeyValue kv[1025];
	static KeyValue *kvp[1025];
	static AnyValue v = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
	v.value_case = COMMON_V1(ANY_VALUE__VALUE_BOOL_VALUE);
	for (int i = 0; i < 1025; i++) {
		kv[i] = (KeyValue)OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
		kv[i].key = "k";
		kv[i].value = &v;
		kvp[i] = &kv[i];
	}
	struct traces t;
	traces_init(&t, 1);
	t.spans[0].attributes = kvp;
	t.spans[0].n_attributes = 1024;
	size_t len;
	uint8_t *buf = pack_message(&t.req.base, &len);
	struct otlp_check c;
	ck_assert_int_eq(validate(OTLP_SIGNAL_TRACES, buf, len, &c), 0);
	free(buf);

	t.spans[0].n_attributes = 1025;
	buf = pack_message(&t.req.base, &len);
	ck_assert_int_eq(validate(OTLP_SIGNAL_TRACES, buf, len, &c), -E2BIG);
	ck_assert_msg(strstr(c.message, "spans[0].attributes: more than 1024 entries") != NULL,
		      "%s", c.message);
	free(buf);

	/* Resource attributes count too. */
	Opentelemetry__Proto__Resource__V1__Resource res =
		OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
	res.attributes = kvp;
	res.n_attributes = 1025;
	t.spans[0].n_attributes = 0;
	t.rs.resource = &res;
	buf = pack_message(&t.req.base, &len);
	ck_assert_int_eq(validate(OTLP_SIGNAL_TRACES, buf, len, &c), -E2BIG);
	ck_assert_msg(strstr(c.message, "resource_spans[0].resource.attributes") != NULL, "%s",
		      c.message);
	free(buf);
}
END_TEST

START_TEST(test_profile_only_fields_refused)
{
	/* AnyValue.string_value_strindex (8) and KeyValue.key_strindex (3). */
	struct rbuf r;
	rb_init(&r, 256);
	static const uint8_t strindex[] = { 0x40, 0x05 };
	static const uint8_t key_strindex[] = { 0x18, 0x05 };
	if (_i == 0) {
		rb_prepend(&r, strindex, sizeof strindex);
		rb_wrap(&r, 2);
		rb_prepend_field(&r, 1, "k", 1);
	} else {
		rb_prepend(&r, key_strindex, sizeof key_strindex);
	}
	rb_wrap(&r, 9);
	rb_wrap_span(&r);
	struct otlp_check c;
	ck_assert_int_eq(validate(OTLP_SIGNAL_TRACES, rb_data(&r), rb_len(&r), &c), -EBADMSG);
	ck_assert_msg(strstr(c.message, _i ? "key_strindex" : "value.string_value_strindex") &&
			      strstr(c.message, "profiles-only"),
		      "%s", c.message);
	free(r.base);
}
END_TEST

START_TEST(test_packed_and_unpacked_repeated)
{
	/* HistogramDataPoint.bucket_counts (6, fixed64) unpacked, twice, and
	 * explicit_bounds (7, double) packed: 2 + 1 values. */
	struct rbuf r;
	rb_init(&r, 256);
	uint8_t fixed[9] = { 0x31, 1, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t bounds[8] = { 0 };
	rb_prepend_field(&r, 7, bounds, sizeof bounds);
	rb_prepend(&r, fixed, sizeof fixed);
	rb_prepend(&r, fixed, sizeof fixed);
	rb_wrap(&r, 1);               /* Histogram.data_points */
	rb_wrap(&r, 9);               /* Metric.histogram */
	rb_prepend_field(&r, 1, "h", 1);
	rb_wrap(&r, 2);               /* ScopeMetrics.metrics */
	rb_wrap(&r, 2);               /* ResourceMetrics.scope_metrics */
	rb_wrap(&r, 1);               /* request */
	struct otlp_check c;
	ck_assert_int_eq(validate(OTLP_SIGNAL_METRICS, rb_data(&r), rb_len(&r), &c), 0);
	ck_assert_uint_eq(c.items, 1);
	ck_assert_uint_eq(c.rejected, 0);
	assert_unpacks(OTLP_SIGNAL_METRICS, rb_data(&r), rb_len(&r));
	free(r.base);

	/* Packed doubles whose length is not a multiple of 8. */
	rb_init(&r, 256);
	rb_prepend_field(&r, 7, bounds, 7);
	rb_wrap(&r, 1);
	rb_wrap(&r, 9);
	rb_wrap(&r, 2);
	rb_wrap(&r, 2);
	rb_wrap(&r, 1);
	ck_assert_int_eq(validate(OTLP_SIGNAL_METRICS, rb_data(&r), rb_len(&r), &c), -EBADMSG);
	ck_assert_msg(strstr(c.message, "explicit_bounds: packed values of 7 bytes") != NULL, "%s",
		      c.message);
	free(r.base);

	/* A packed varint that does not end. */
	rb_init(&r, 256);
	static const uint8_t open_varint[2] = { 0x81, 0x82 };
	rb_prepend_field(&r, 2, open_varint, sizeof open_varint); /* Buckets.bucket_counts */
	rb_wrap(&r, 8);  /* ExponentialHistogramDataPoint.positive */
	rb_wrap(&r, 1);
	rb_wrap(&r, 10); /* Metric.exponential_histogram */
	rb_wrap(&r, 2);
	rb_wrap(&r, 2);
	rb_wrap(&r, 1);
	ck_assert_int_eq(validate(OTLP_SIGNAL_METRICS, rb_data(&r), rb_len(&r), &c), -EBADMSG);
	ck_assert_msg(strstr(c.message, "malformed packed value") != NULL, "%s", c.message);
	free(r.base);
}
END_TEST

START_TEST(test_singular_message_twice_refused)
{
	/* LogRecord.body given twice, both empty: protobuf-c 1.4.1 fails to
	 * merge them, so validation must not pass it. */
	static const uint8_t body_twice[] = { 0x0a, 0x08, 0x12, 0x06, 0x12, 0x04,
					      0x2a, 0x00, 0x2a, 0x00 };
	struct otlp_check c;
	ck_assert_int_eq(validate(OTLP_SIGNAL_LOGS, body_twice, sizeof body_twice, &c), -EBADMSG);
	ck_assert_str_eq(c.message, "resource_logs[0].scope_logs[0].log_records[0].body: "
				    "given more than once");
	/* Repeated message fields may of course come many times. */
	static const uint8_t two_records[] = { 0x0a, 0x08, 0x12, 0x06, 0x12, 0x00, 0x12, 0x00,
					       0x12, 0x00 };
	ck_assert_int_eq(validate(OTLP_SIGNAL_LOGS, two_records, sizeof two_records, &c), 0);
	ck_assert_uint_eq(c.items, 3);
}
END_TEST

START_TEST(test_metric_data_given_twice)
{
	/* gauge with 2 points, then sum with 1: protobuf-c keeps the sum. */
	struct rbuf r;
	rb_init(&r, 256);
	static const uint8_t sum[] = { 0x0a, 0x00 };           /* Sum{data_points: {}} */
	static const uint8_t gauge[] = { 0x0a, 0x00, 0x0a, 0x00 };
	rb_prepend_field(&r, 7, sum, sizeof sum);
	rb_prepend_field(&r, 5, gauge, sizeof gauge);
	rb_prepend_field(&r, 1, "m", 1);
	rb_wrap(&r, 2);
	rb_wrap(&r, 2);
	rb_wrap(&r, 1);
	struct otlp_check c;
	ck_assert_int_eq(validate(OTLP_SIGNAL_METRICS, rb_data(&r), rb_len(&r), &c), 0);
	ck_assert_uint_eq(c.items, 1);
	free(r.base);
}
END_TEST

START_TEST(test_bad_arguments)
{
	struct otlp_check c;
	struct otlp_limits zero = { 0, 10 }, too_deep = { OTLP_MAX_ANYVALUE_DEPTH + 1, 10 },
			   no_attrs = { 4, 0 };
	uint8_t b = 0;
	ck_assert_int_eq(otlp_validate(OTLP_SIGNAL_TRACES, &b, 0, NULL, &c), -EINVAL);
	ck_assert_int_eq(otlp_validate(OTLP_SIGNAL_TRACES, &b, 0, &zero, &c), -EINVAL);
	ck_assert_int_eq(otlp_validate(OTLP_SIGNAL_TRACES, &b, 0, &too_deep, &c), -EINVAL);
	ck_assert_int_eq(otlp_validate(OTLP_SIGNAL_TRACES, &b, 0, &no_attrs, &c), -EINVAL);
	ck_assert_int_eq(otlp_validate(OTLP_SIGNAL_COUNT, &b, 0, &limits, &c), -EINVAL);
	ck_assert_int_eq(otlp_validate(OTLP_SIGNAL_TRACES, NULL, 5, &limits, &c), -EINVAL);
	ck_assert_int_eq(otlp_validate(OTLP_SIGNAL_TRACES, &b, 0, &limits, NULL), -EINVAL);
}
END_TEST

static Suite *validate_suite(void)
{
	Suite *s = suite_create("otlp_validate");
	int n_bodies = (int)(sizeof bodies / sizeof bodies[0]);
	TCase *tc = tcase_create("bodies");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_bench_body_passes, 0, n_bodies);
	tcase_add_loop_test(tc, test_truncated_never_crashes, 0, n_bodies);
	tcase_add_loop_test(tc, test_mutated_bytes_fail_cleanly, 0, n_bodies);
	tcase_add_test(tc, test_random_bytes);
	tcase_add_test(tc, test_empty_request_passes);
	suite_add_tcase(s, tc);

	tc = tcase_create("wire");
	tcase_add_loop_test(tc, test_wire_errors, 0, (int)(sizeof wire_cases / sizeof wire_cases[0]));
	tcase_add_loop_test(tc, test_string_checks, 0, (int)(sizeof strings / sizeof strings[0]));
	tcase_add_loop_test(tc, test_profile_only_fields_refused, 0, 2);
	tcase_add_test(tc, test_packed_and_unpacked_repeated);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_singular_message_twice_refused);
	tcase_add_test(tc, test_metric_data_given_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_deep_anyvalue_refused_without_recursion, 0, 2);
	tcase_add_loop_test(tc, test_depth_limit_is_exact, 0, 2);
	tcase_add_test(tc, test_attribute_limit);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(validate_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
