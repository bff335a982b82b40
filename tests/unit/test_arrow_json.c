/* The JSON text of nested OTLP values (writer/json_text.c, otlp_json.c),
 * against the encoding that docs/arrow-schema.md specifies: every AnyValue
 * kind, the corners of numbers, escapes, nesting, and what is refused. */

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "otlp_json.h"

typedef Opentelemetry__Proto__Common__V1__ArrayValue ArrayValue;
typedef Opentelemetry__Proto__Common__V1__KeyValueList KeyValueList;
#define V1(name) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##name

static struct abuf out;

static const char *text(void)
{
	ck_assert_int_eq(abuf_append_byte(&out, 0), 0);
	out.len--;
	return (const char *)out.data;
}

static void setup(void)
{
	out = (struct abuf){0};
}

static void teardown(void)
{
	abuf_free(&out);
}

static OtlpAnyValue any(void)
{
	return (OtlpAnyValue)OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
}

static OtlpAnyValue str_value(const char *s)
{
	OtlpAnyValue v = any();
	v.value_case = V1(STRING_VALUE);
	v.string_value = (char *)s;
	return v;
}

static OtlpAnyValue int_value(int64_t i)
{
	OtlpAnyValue v = any();
	v.value_case = V1(INT_VALUE);
	v.int_value = i;
	return v;
}

static OtlpAnyValue double_value(double d)
{
	OtlpAnyValue v = any();
	v.value_case = V1(DOUBLE_VALUE);
	v.double_value = d;
	return v;
}

static const char *value_text(OtlpAnyValue v)
{
	out.len = 0;
	ck_assert_int_eq(otlp_json_value(&out, &v), 0);
	return text();
}

START_TEST(scalars_of_every_kind)
{
	OtlpAnyValue v = any();
	ck_assert_str_eq(value_text(v), "null");
	ck_assert_str_eq(value_text(str_value("GET")), "\"GET\"");
	ck_assert_str_eq(value_text(str_value("")), "\"\"");
	v.value_case = V1(BOOL_VALUE);
	v.bool_value = 1;
	ck_assert_str_eq(value_text(v), "true");
	v.bool_value = 0;
	ck_assert_str_eq(value_text(v), "false");
	ck_assert_str_eq(value_text(int_value(200)), "{\"int\":\"200\"}");
	ck_assert_str_eq(value_text(int_value(INT64_MAX)), "{\"int\":\"9223372036854775807\"}");
	ck_assert_str_eq(value_text(int_value(INT64_MIN)), "{\"int\":\"-9223372036854775808\"}");
	ck_assert_str_eq(value_text(int_value(0)), "{\"int\":\"0\"}");
	ck_assert_str_eq(value_text(double_value(446.01)), "446.01");
	ck_assert_str_eq(value_text(double_value((double)NAN)), "{\"double\":\"NaN\"}");
	ck_assert_str_eq(value_text(double_value((double)INFINITY)), "{\"double\":\"Infinity\"}");
	ck_assert_str_eq(value_text(double_value(-(double)INFINITY)), "{\"double\":\"-Infinity\"}");
	v.value_case = V1(BYTES_VALUE);
	v.bytes_value = (ProtobufCBinaryData){5, (uint8_t *)"\x00\xff\x10 \x01"};
	ck_assert_str_eq(value_text(v), "{\"bytes\":\"AP8QIAE=\"}");
	v.bytes_value = (ProtobufCBinaryData){0, NULL};
	ck_assert_str_eq(value_text(v), "{\"bytes\":\"\"}");
	v.value_case = V1(STRING_VALUE_STRINDEX);
	v.string_value_strindex = 7;
	ck_assert_str_eq(value_text(v), "{\"string_index\":7}");
}
END_TEST

START_TEST(arrays_and_maps_nest)
{
	OtlpAnyValue a = str_value("a"), one = int_value(1), half = double_value(0.5), empty = any();
	OtlpAnyValue *inner_values[] = {&a};
	ArrayValue inner = OPENTELEMETRY__PROTO__COMMON__V1__ARRAY_VALUE__INIT;
	inner.n_values = 1;
	inner.values = inner_values;
	OtlpAnyValue inner_v = any();
	inner_v.value_case = V1(ARRAY_VALUE);
	inner_v.array_value = &inner;

	OtlpKeyValue deep = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
	deep.key = "deep";
	deep.value = &one;
	OtlpKeyValue no_value = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
	no_value.key = "none";
	OtlpKeyValue *kvs[] = {&deep, &no_value};
	KeyValueList list = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE_LIST__INIT;
	list.n_values = 2;
	list.values = kvs;
	OtlpAnyValue map = any();
	map.value_case = V1(KVLIST_VALUE);
	map.kvlist_value = &list;

	OtlpAnyValue *values[] = {&a, &one, &half, &empty, &inner_v, &map};
	ArrayValue outer = OPENTELEMETRY__PROTO__COMMON__V1__ARRAY_VALUE__INIT;
	outer.n_values = 6;
	outer.values = values;
	OtlpAnyValue v = any();
	v.value_case = V1(ARRAY_VALUE);
	v.array_value = &outer;
	ck_assert_str_eq(value_text(v), "[\"a\",{\"int\":\"1\"},0.5,null,[\"a\"],"
					"{\"kvlist\":{\"deep\":{\"int\":\"1\"},\"none\":null}}]");

	outer.n_values = 0;
	ck_assert_str_eq(value_text(v), "[]");
	list.n_values = 0;
	ck_assert_str_eq(value_text(map), "{\"kvlist\":{}}");
}
END_TEST

START_TEST(attribute_lists_keep_order_and_duplicates)
{
	OtlpAnyValue x = str_value("x"), y = int_value(-3);
	OtlpKeyValue k1 = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
	OtlpKeyValue k2 = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
	k1.key = "b";
	k1.value = &x;
	k2.key = "b";
	k2.value = &y;
	OtlpKeyValue *kvs[] = {&k1, &k2};
	ck_assert_int_eq(otlp_json_attributes(&out, kvs, 2), 0);
	ck_assert_str_eq(text(), "{\"b\":\"x\",\"b\":{\"int\":\"-3\"}}");
	out.len = 0;
	ck_assert_int_eq(otlp_json_attributes(&out, NULL, 0), 0);
	ck_assert_str_eq(text(), "{}");
}
END_TEST

START_TEST(strings_are_escaped_exactly)
{
	static const char in[] = "q\" b\\ s/ \b\f\n\r\t \x01\x1f\x7f é 日 😀";
	ck_assert_int_eq(json_string(&out, in, sizeof in - 1), 0);
	ck_assert_str_eq(text(), "\"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t \\u0001\\u001f\x7f é 日 😀\"");
	/* An embedded NUL is data too, when a length says so. */
	out.len = 0;
	ck_assert_int_eq(json_string(&out, "a\0b", 3), 0);
	ck_assert_str_eq(text(), "\"a\\u0000b\"");
}
END_TEST

/* The word-at-a-time path against a byte-by-byte reference, on strings of
 * every length up to 40 with specials at every place. */
static size_t reference_escape(const uint8_t *s, size_t n, char *dst)
{
	size_t o = 0;
	dst[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		const char *e = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
			      : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b"
			      : c == '\f' ? "\\f" : NULL;
		if (e) {
			memcpy(dst + o, e, 2);
			o += 2;
		} else if (c < 0x20) {
			o += (size_t)snprintf(dst + o, 7, "\\u%04x", c);
		} else {
			dst[o++] = (char)c;
		}
	}
	dst[o++] = '"';
	return o;
}

START_TEST(strings_match_a_byte_by_byte_reference)
{
	static const uint8_t alphabet[] = {'a', 'Z', ' ', '~', '"', '\\', '\n', 0x01, 0x1f, 0x7f,
					   '/', '0'};
	uint64_t state = 0x2545f4914f6cdd1du;
	uint8_t in[48];
	char want[48 * 6 + 2];
	for (int round = 0; round < 20000; round++) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		size_t n = (size_t)(state % 41);
		for (size_t i = 0; i < n; i++) {
			uint64_t r = state >> (i % 50);
			/* Mostly plain letters, sometimes something to escape. */
			in[i] = (r & 7) ? (uint8_t)('a' + (r >> 3) % 26)
					: alphabet[(r >> 3) % sizeof alphabet];
		}
		if (n >= 2 && round % 5 == 0) { /* a two-byte UTF-8 character somewhere */
			size_t at = (size_t)(state >> 20) % (n - 1);
			in[at] = 0xc3;
			in[at + 1] = 0xa9;
		}
		out.len = 0;
		ck_assert_int_eq(json_string(&out, (const char *)in, n), 0);
		size_t want_len = reference_escape(in, n, want);
		ck_assert_uint_eq(out.len, want_len);
		ck_assert_mem_eq(out.data, want, want_len);
	}
}
END_TEST

START_TEST(invalid_utf8_is_refused)
{
	static const char *const bad[] = {
		"\x80",             /* a lone continuation byte */
		"\xc0\xaf",         /* overlong '/' */
		"\xe0\x80\xaf",     /* overlong, 3 bytes */
		"\xed\xa0\x80",     /* a UTF-16 surrogate */
		"\xf4\x90\x80\x80", /* above U+10FFFF */
		"\xf5\x80\x80\x80", /* no such lead byte */
		"\xe6\x97",         /* cut short */
		"\xc3(",            /* a continuation byte missing */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		out.len = 0;
		ck_assert_int_eq(json_string(&out, bad[i], strlen(bad[i])), -EILSEQ);
	}
	out.len = 0;
	ck_assert_int_eq(json_string(&out, "\xf4\x8f\xbf\xbf", 4), 0); /* U+10FFFF is fine */
}
END_TEST

START_TEST(doubles_print_exactly)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{0.0, "0.0"},
		{-0.0, "-0.0"},
		{1.0, "1.0"},
		{-2.5, "-2.5"},
		{0.1, "0.1"},
		{446.01, "446.01"},
		{123456789.125, "123456789.125"},
		{0.001, "0.001"},
		{1e-7, "0.0000001"},
		{9007199254740991.0, "9007199254740991.0"},
		{1e16, "10000000000000000.0"},
		{1e21, "1e+21"},
		{1e300, "1.0000000000000001e+300"},
		{5e-324, "4.9406564584124654e-324"},
		{1.0 / 3.0, "0.3333333333333333"},
		{1.7976931348623157e308, "1.7976931348623157e+308"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		out.len = 0;
		ck_assert_int_eq(json_double(&out, cases[i].v), 0);
		ck_assert_str_eq(text(), cases[i].text);
	}
	ck_assert_int_eq(json_double(&out, (double)NAN), -EDOM);
	ck_assert_int_eq(json_double(&out, (double)INFINITY), -EDOM);
	out.len = 0;
	ck_assert_int_eq(json_double_or_name(&out, -(double)INFINITY), 0);
	ck_assert_str_eq(text(), "\"-Infinity\"");
}
END_TEST

/* Whatever the double, the text reads back as the very same bits. */
START_TEST(doubles_read_back_bit_for_bit)
{
	uint64_t state = 0x9e3779b97f4a7c15u;
	for (int i = 0; i < 200000; i++) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		double d;
		uint64_t bits = state;
		if (i % 2) /* half of them short decimals, as telemetry mostly has */
			d = (double)(int64_t)(state % 2000000) / 100.0;
		else
			memcpy(&d, &bits, sizeof d);
		if (!isfinite(d))
			continue;
		out.len = 0;
		ck_assert_int_eq(json_double(&out, d), 0);
		const char *t = text();
		ck_assert_msg(strpbrk(t, ".e") != NULL, "%s has no '.' or exponent", t);
		double back = strtod(t, NULL);
		ck_assert_msg(memcmp(&back, &d, sizeof d) == 0, "%s does not read back", t);
	}
}
END_TEST

START_TEST(integers_hex_and_base64)
{
	ck_assert_int_eq(json_u64(&out, UINT64_MAX), 0);
	ck_assert_str_eq(text(), "18446744073709551615");
	out.len = 0;
	ck_assert_int_eq(json_u64_quoted(&out, 0), 0);
	ck_assert_str_eq(text(), "\"0\"");
	out.len = 0;
	ck_assert_int_eq(json_i64(&out, -10), 0);
	ck_assert_str_eq(text(), "-10");
	out.len = 0;
	ck_assert_int_eq(json_hex(&out, (const uint8_t *)"\x00\xab\xff", 3), 0);
	ck_assert_str_eq(text(), "\"00abff\"");
	/* RFC 4648 section 10 */
	static const char *const b64[] = {"\"\"", "\"Zg==\"", "\"Zm8=\"", "\"Zm9v\"",
					  "\"Zm9vYg==\"", "\"Zm9vYmE=\"", "\"Zm9vYmFy\""};
	for (size_t n = 0; n <= 6; n++) {
		out.len = 0;
		ck_assert_int_eq(json_base64(&out, (const uint8_t *)"foobar", n), 0);
		ck_assert_str_eq(text(), b64[n]);
	}
}
END_TEST

/* Nesting past OTLP_JSON_MAX_DEPTH is refused, not followed. */
START_TEST(deep_nesting_is_refused)
{
	enum { DEPTH = OTLP_JSON_MAX_DEPTH + 2 };
	static OtlpAnyValue values[DEPTH];
	static OtlpAnyValue *slots[DEPTH];
	static ArrayValue arrays[DEPTH];
	for (int i = 0; i < DEPTH; i++) {
		values[i] = any();
		slots[i] = &values[i];
		arrays[i] = (ArrayValue)OPENTELEMETRY__PROTO__COMMON__V1__ARRAY_VALUE__INIT;
	}
	for (int i = 0; i + 1 < DEPTH; i++) {
		values[i].value_case = V1(ARRAY_VALUE);
		values[i].array_value = &arrays[i];
		arrays[i].n_values = 1;
		arrays[i].values = &slots[i + 1];
	}
	ck_assert_int_eq(otlp_json_value(&out, &values[0]), -E2BIG);
	out.len = 0;
	ck_assert_int_eq(otlp_json_value(&out, &values[DEPTH - OTLP_JSON_MAX_DEPTH]), 0);
}
END_TEST

START_TEST(events_links_and_exemplars)
{
	OtlpAnyValue x = str_value("x");
	OtlpKeyValue kv = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
	kv.key = "k";
	kv.value = &x;
	OtlpKeyValue *kvs[] = {&kv};

	OtlpSpanEvent ev = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__EVENT__INIT;
	ev.time_unix_nano = UINT64_MAX;
	ev.name = "e";
	ev.n_attributes = 1;
	ev.attributes = kvs;
	ev.dropped_attributes_count = 4;
	OtlpSpanEvent *evs[] = {&ev, &ev};
	ck_assert_int_eq(otlp_json_events(&out, evs, 2), 0);
	ck_assert_str_eq(text(), "[{\"time_unix_nano\":\"18446744073709551615\",\"name\":\"e\","
				 "\"attributes\":{\"k\":\"x\"},\"dropped_attributes_count\":4},"
				 "{\"time_unix_nano\":\"18446744073709551615\",\"name\":\"e\","
				 "\"attributes\":{\"k\":\"x\"},\"dropped_attributes_count\":4}]");

	OtlpSpanLink link = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__LINK__INIT;
	link.trace_id = (ProtobufCBinaryData){2, (uint8_t *)"\x01\xfe"};
	link.span_id = (ProtobufCBinaryData){1, (uint8_t *)"\x0a"};
	link.trace_state = "a=b";
	link.flags = 0x301;
	OtlpSpanLink *links[] = {&link};
	out.len = 0;
	ck_assert_int_eq(otlp_json_links(&out, links, 1), 0);
	ck_assert_str_eq(text(), "[{\"trace_id\":\"01fe\",\"span_id\":\"0a\",\"trace_state\":\"a=b\","
				 "\"flags\":769,\"attributes\":{},\"dropped_attributes_count\":0}]");

	OtlpExemplar e1 = OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__INIT;
	e1.time_unix_nano = 5;
	e1.value_case = OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__VALUE_AS_INT;
	e1.as_int = INT64_MIN;
	OtlpExemplar e2 = OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__INIT;
	e2.value_case = OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__VALUE_AS_DOUBLE;
	e2.as_double = (double)NAN;
	e2.n_filtered_attributes = 1;
	e2.filtered_attributes = kvs;
	OtlpExemplar *ex[] = {&e1, &e2};
	out.len = 0;
	ck_assert_int_eq(otlp_json_exemplars(&out, ex, 2), 0);
	ck_assert_str_eq(text(), "[{\"time_unix_nano\":\"5\",\"value_int\":\"-9223372036854775808\","
				 "\"span_id\":\"\",\"trace_id\":\"\",\"filtered_attributes\":{}},"
				 "{\"time_unix_nano\":\"0\",\"value\":\"NaN\",\"span_id\":\"\","
				 "\"trace_id\":\"\",\"filtered_attributes\":{\"k\":\"x\"}}]");
}
END_TEST

START_TEST(buckets_bounds_and_quantiles)
{
	const uint64_t counts[] = {0, UINT64_MAX};
	ck_assert_int_eq(otlp_json_u64_array(&out, counts, 2), 0);
	ck_assert_str_eq(text(), "[\"0\",\"18446744073709551615\"]");
	const double bounds[] = {5.0, 0.25, (double)INFINITY};
	out.len = 0;
	ck_assert_int_eq(otlp_json_f64_array(&out, bounds, 3), 0);
	ck_assert_str_eq(text(), "[5.0,0.25,\"Infinity\"]");
	out.len = 0;
	ck_assert_int_eq(otlp_json_u64_array(&out, NULL, 0), 0);
	ck_assert_str_eq(text(), "[]");
	OtlpQuantile q1 = OPENTELEMETRY__PROTO__METRICS__V1__SUMMARY_DATA_POINT__VALUE_AT_QUANTILE__INIT;
	OtlpQuantile q2 = q1;
	q1.quantile = 0.5;
	q1.value = 11.0;
	q2.quantile = 1.0;
	q2.value = (double)NAN;
	OtlpQuantile *qs[] = {&q1, &q2};
	out.len = 0;
	ck_assert_int_eq(otlp_json_quantiles(&out, qs, 2), 0);
	ck_assert_str_eq(text(), "[{\"quantile\":0.5,\"value\":11.0},{\"quantile\":1.0,\"value\":\"NaN\"}]");
	char *ids[] = {"service.name"};
	OtlpEntityRef ref = OPENTELEMETRY__PROTO__COMMON__V1__ENTITY_REF__INIT;
	ref.type = "service";
	ref.n_id_keys = 1;
	ref.id_keys = ids;
	OtlpEntityRef *refs[] = {&ref};
	out.len = 0;
	ck_assert_int_eq(otlp_json_entity_refs(&out, refs, 1), 0);
	ck_assert_str_eq(text(), "[{\"schema_url\":\"\",\"type\":\"service\",\"id_keys\":[\"service.name\"],"
				 "\"description_keys\":[]}]");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("arrow_json");
	TCase *tc = tcase_create("json");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, scalars_of_every_kind);
	tcase_add_test(tc, arrays_and_maps_nest);
	tcase_add_test(tc, attribute_lists_keep_order_and_duplicates);
	tcase_add_test(tc, strings_are_escaped_exactly);
	tcase_add_test(tc, strings_match_a_byte_by_byte_reference);
	tcase_add_test(tc, invalid_utf8_is_refused);
	tcase_add_test(tc, doubles_print_exactly);
	tcase_add_test(tc, doubles_read_back_bit_for_bit);
	tcase_add_test(tc, integers_hex_and_base64);
	tcase_add_test(tc, deep_nesting_is_refused);
	tcase_add_test(tc, events_links_and_exemplars);
	tcase_add_test(tc, buckets_bounds_and_quantiles);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
