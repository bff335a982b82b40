/*
 * Unit tests for OTLP/JSON to protobuf (receiver/otlp_json.c, json_lexer.c,
 * json_scalar.c) and the decode pipeline (receiver/otlp_decode.c).
 *
 * Every bench JSON body becomes exactly the bytes of its .pb twin; what the
 * OTLP spec forbids (base64 ids, enum names) is refused with a message that
 * names the field; what it allows (int64 as string or number, unknown
 * fields, null) is accepted; hostile input (deep nesting, bad UTF-8, NUL,
 * huge numbers, truncation) fails cleanly and never echoes the payload.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_decode.h"
#include "otlp_json.h"
#include "otlp_test_util.h"

#define IDS "\"traceId\":\"eb68fed91b4717be9d9ab1d2de7e1f1e\",\"spanId\":\"269fc41c21883ea6\""
/* One span in one scope in one resource, with the given span members. */
#define SPAN(members) \
	"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{" members "}]}]}]}"
#define ATTR(value) SPAN(IDS ",\"attributes\":[{\"key\":\"k\",\"value\":" value "}]")

static const struct otlp_json_limits json_limits = { .max_depth = 64 };

static int convert_n(enum otlp_signal s, const char *json, size_t len, uint8_t **out,
		     size_t *out_len, char *err)
{
	return otlp_json_to_protobuf(s, (const uint8_t *)json, len, &json_limits, out, out_len,
				     err, 256);
}

static int convert(const char *json, uint8_t **out, size_t *out_len, char *err)
{
	return convert_n(OTLP_SIGNAL_TRACES, json, strlen(json), out, out_len, err);
}

/* Both texts convert, to the same protobuf. */
static void assert_same(const char *a, const char *b)
{
	uint8_t *pa, *pb;
	size_t la, lb;
	char err[256];
	ck_assert_msg(convert(a, &pa, &la, err) == 0, "first: %s", err);
	ck_assert_msg(convert(b, &pb, &lb, err) == 0, "second: %s", err);
	ck_assert_uint_eq(la, lb);
	ck_assert_mem_eq(pa, pb, la);
	free(pa);
	free(pb);
}

static void assert_refused(const char *json, int rc, const char *says)
{
	uint8_t *out = NULL;
	size_t len;
	char err[256];
	int got = convert(json, &out, &len, err);
	ck_assert_msg(got == rc, "rc %d, want %d (%s)", got, rc, err);
	ck_assert_msg(strstr(err, says) != NULL, "message \"%s\" lacks \"%s\"", err, says);
}

static const char *const pairs[] = { "traces_1", "traces_100", "traces_1000", "metrics_100",
				     "logs_100" };

START_TEST(test_bench_json_equals_protobuf)
{
	char name[64];
	size_t json_len, pb_len, out_len;
	snprintf(name, sizeof name, "%s.json", pairs[_i]);
	uint8_t *json = load_bench(name, &json_len);
	snprintf(name, sizeof name, "%s.pb", pairs[_i]);
	uint8_t *pb = load_bench(name, &pb_len);
	uint8_t *out;
	char err[256];
	int rc = convert_n(bench_signal(pairs[_i]), (const char *)json, json_len, &out, &out_len,
			   err);
	ck_assert_msg(rc == 0, "%s: %s", pairs[_i], err);
	ck_assert_uint_eq(out_len, pb_len);
	ck_assert_mem_eq(out, pb, pb_len);
	free(out);
	free(json);
	free(pb);
}
END_TEST

START_TEST(test_status_names_refused)
{
	static const char *const files[] = { "traces_1.status-string.json",
					     "traces_100.status-string.json" };
	size_t len, out_len;
	uint8_t *json = load_bench(files[_i], &len), *out;
	char err[256];
	ck_assert_int_eq(convert_n(OTLP_SIGNAL_TRACES, (const char *)json, len, &out, &out_len, err),
			 -EBADMSG);
	ck_assert_msg(strstr(err, "].status.code: enum value given as a string") != NULL, "%s", err);
	free(json);
}
END_TEST

START_TEST(test_enum_names_refused)
{
	assert_refused(SPAN(IDS ",\"kind\":\"SPAN_KIND_SERVER\""), -EBADMSG,
		       "resourceSpans[0].scopeSpans[0].spans[0].kind: enum value given as a string");
	assert_refused(SPAN(IDS ",\"status\":{\"code\":\"STATUS_CODE_ERROR\"}"), -EBADMSG,
		       "spans[0].status.code: enum value");
	assert_refused(SPAN(IDS ",\"kind\":\"2\""), -EBADMSG, "kind: enum value");
	assert_same(SPAN(IDS ",\"kind\":2"), SPAN(IDS ",\"kind\":2"));
}
END_TEST

START_TEST(test_base64_ids_refused)
{
	assert_refused(SPAN("\"traceId\":\"62jv2RtHF76dmrHS3n4fHg==\",\"spanId\":\"269fc41c21883ea6\""),
		       -EBADMSG, "spans[0].traceId: not hex (OTLP/JSON ids are hex, not base64)");
	assert_refused(SPAN("\"traceId\":\"eb68fed91b4717be9d9ab1d2de7e1f1e\",\"spanId\":\"Jp/EHCGIPqY=\""),
		       -EBADMSG, "spans[0].spanId: not hex");
	assert_refused(SPAN(IDS ",\"parentSpanId\":\"Jp/EHCGIPqY\""), -EBADMSG, "parentSpanId: not hex");
	assert_refused(SPAN(IDS ",\"links\":[{\"traceId\":\"62jv2RtHF76dmrHS3n4fHg==\"}]"), -EBADMSG,
		       "spans[0].links[0].traceId: not hex");
}
END_TEST

START_TEST(test_log_ids_are_hex)
{
	const char *json = "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"spanId\":\"abc\"}]}]}]}";
	uint8_t *out;
	size_t len;
	char err[256];
	/* An odd number of hex digits is not hex. */
	ck_assert_int_eq(convert_n(OTLP_SIGNAL_LOGS, json, strlen(json), &out, &len, err), -EBADMSG);
	ck_assert_msg(strstr(err, "logRecords[0].spanId: not hex") != NULL, "%s", err);
}
END_TEST

START_TEST(test_hex_case_insensitive)
{
	assert_same(SPAN("\"traceId\":\"EB68FED91B4717BE9D9AB1D2DE7E1F1E\",\"spanId\":\"269FC41C21883EA6\""),
		    SPAN(IDS));
}
END_TEST

START_TEST(test_int64_string_or_number)
{
	assert_same(SPAN(IDS ",\"startTimeUnixNano\":1767225600000000000"),
		    SPAN(IDS ",\"startTimeUnixNano\":\"1767225600000000000\""));
	assert_same(ATTR("{\"intValue\":-42}"), ATTR("{\"intValue\":\"-42\"}"));
	assert_same(ATTR("{\"intValue\":\"-9223372036854775808\"}"),
		    ATTR("{\"intValue\":-9223372036854775808}"));
	assert_same(SPAN(IDS ",\"endTimeUnixNano\":\"18446744073709551615\""),
		    SPAN(IDS ",\"endTimeUnixNano\":18446744073709551615"));
	assert_same(SPAN(IDS ",\"droppedAttributesCount\":\"7\""),
		    SPAN(IDS ",\"droppedAttributesCount\":7"));
}
END_TEST

START_TEST(test_huge_and_odd_numbers)
{
	assert_refused(ATTR("{\"intValue\":\"9223372036854775808\"}"), -EBADMSG,
		       "attributes[0].value.intValue: number out of range");
	assert_refused(ATTR("{\"intValue\":-9223372036854775809}"), -EBADMSG, "out of range");
	assert_refused(ATTR("{\"intValue\":123456789012345678901234567890}"), -EBADMSG, "out of range");
	assert_refused(SPAN(IDS ",\"startTimeUnixNano\":\"18446744073709551616\""), -EBADMSG,
		       "startTimeUnixNano: number out of range");
	assert_refused(SPAN(IDS ",\"startTimeUnixNano\":-1"), -EBADMSG, "out of range");
	assert_refused(SPAN(IDS ",\"kind\":2147483648"), -EBADMSG, "kind: number out of range");
	assert_refused(SPAN(IDS ",\"droppedEventsCount\":4294967296"), -EBADMSG, "out of range");
	assert_refused(ATTR("{\"doubleValue\":1e400}"), -EBADMSG, "doubleValue: number out of range");
	assert_refused(ATTR("{\"intValue\":1.5}"), -EBADMSG, "intValue: not an integer");
	assert_refused(ATTR("{\"intValue\":1e3}"), -EBADMSG, "not an integer");
	assert_refused(ATTR("{\"intValue\":\"012\"}"), -EBADMSG, "not an integer");
	assert_refused(ATTR("{\"intValue\":\"12a\"}"), -EBADMSG, "not an integer");
	assert_refused(ATTR("{\"intValue\":\" 12\"}"), -EBADMSG, "not an integer");
	assert_refused(ATTR("{\"intValue\":true}"), -EBADMSG, "expected a number");
	assert_refused(ATTR("{\"doubleValue\":\"nan\"}"), -EBADMSG, "not a number");
	assert_refused(ATTR("{\"doubleValue\":\"0x10\"}"), -EBADMSG, "not a number");
	assert_refused(ATTR("{\"intValue\":01}"), -EBADMSG, "expected ',' or '}'");
	assert_refused(ATTR("{\"intValue\":-}"), -EBADMSG, "invalid number");
	/* Tiny values round to zero or a subnormal, as strtod does. */
	assert_same(ATTR("{\"doubleValue\":1e-400}"), ATTR("{\"doubleValue\":0}"));
	assert_same(ATTR("{\"doubleValue\":\"2.5\"}"), ATTR("{\"doubleValue\":2.5}"));
	assert_same(ATTR("{\"doubleValue\":\"-Infinity\"}"), ATTR("{\"doubleValue\":\"-Infinity\"}"));

	uint8_t *a, *b;
	size_t la, lb;
	char err[256];
	ck_assert_int_eq(convert(ATTR("{\"doubleValue\":\"NaN\"}"), &a, &la, err), 0);
	ck_assert_int_eq(convert(ATTR("{\"doubleValue\":\"Infinity\"}"), &b, &lb, err), 0);
	ck_assert_uint_eq(la, lb); /* both 8-byte doubles, different bits */
	ck_assert(memcmp(a, b, la) != 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_unknown_fields_ignored)
{
	assert_same("{\"x\":{\"y\":[1,2,{\"z\":null}]},\"resourceSpans\":[{\"scopeSpans\":[{"
		    "\"future\":true,\"spans\":[{" IDS ",\"newField\":\"v\",\"n\":-1.5e3}]}]}],"
		    "\"zzz\":[]}",
		    SPAN(IDS));
}
END_TEST

START_TEST(test_snake_case_and_escaped_keys)
{
	assert_same("{\"resource_spans\":[{\"scope_spans\":[{\"spans\":[{\"trace_id\":"
		    "\"eb68fed91b4717be9d9ab1d2de7e1f1e\",\"span_id\":\"269fc41c21883ea6\","
		    "\"start_time_unix_nano\":\"5\"}]}]}]}",
		    SPAN(IDS ",\"startTimeUnixNano\":\"5\""));
	assert_same(SPAN("\"trace\\u0049d\":\"eb68fed91b4717be9d9ab1d2de7e1f1e\",\"spanId\":\"269fc41c21883ea6\""),
		    SPAN(IDS));
	assert_refused(SPAN(IDS ",\"trace_id\":\"eb68fed91b4717be9d9ab1d2de7e1f1e\""), -EBADMSG,
		       "trace_id given twice");
}
END_TEST

START_TEST(test_null_means_default)
{
	assert_same(SPAN(IDS ",\"traceState\":null,\"attributes\":null,\"status\":null,\"kind\":null"),
		    SPAN(IDS));
	assert_same(ATTR("{\"stringValue\":null}"), ATTR("{}"));
	assert_refused(SPAN(IDS ",\"events\":[null]"), -EBADMSG, "events[0]: null is not allowed");
}
END_TEST

START_TEST(test_duplicates_and_oneofs)
{
	assert_refused(SPAN(IDS ",\"name\":\"a\",\"name\":\"b\""), -EBADMSG, "name given twice");
	assert_refused(ATTR("{\"stringValue\":\"a\",\"intValue\":\"1\"}"), -EBADMSG,
		       "value.intValue: only one of the oneof members may be set, string_value");
}
END_TEST

START_TEST(test_bytes_value_base64)
{
	assert_same(ATTR("{\"bytesValue\":\"aGVsbG8=\"}"), ATTR("{\"bytesValue\":\"aGVsbG8\"}"));
	assert_same(ATTR("{\"bytesValue\":\"-_8=\"}"), ATTR("{\"bytesValue\":\"+/8=\"}"));
	assert_refused(ATTR("{\"bytesValue\":\"a\"}"), -EBADMSG, "bytesValue: not base64");
	assert_refused(ATTR("{\"bytesValue\":\"aGVs*G8=\"}"), -EBADMSG, "not base64");
	uint8_t *out;
	size_t len;
	char err[256];
	ck_assert_int_eq(convert(ATTR("{\"bytesValue\":\"aGVsbG8=\"}"), &out, &len, err), 0);
	ck_assert_ptr_nonnull(memmem(out, len, "\x3a\x05hello", 7)); /* bytes_value = 7 */
	free(out);
}
END_TEST

START_TEST(test_strings_and_escapes)
{
	assert_same(SPAN(IDS ",\"name\":\"\\ud83d\\ude00 \\u00e9\\n\\/\""),
		    SPAN(IDS ",\"name\":\"\xf0\x9f\x98\x80 \xc3\xa9\\n/\""));
	assert_refused(SPAN(IDS ",\"name\":\"a\\u0000b\""), -EBADMSG, "\\u0000 (NUL) is not allowed");
	assert_refused(SPAN(IDS ",\"name\":\"\\ud83d\""), -EBADMSG, "unpaired UTF-16 surrogate");
	assert_refused(SPAN(IDS ",\"name\":\"\\ude00x\""), -EBADMSG, "unpaired UTF-16 surrogate");
	assert_refused(SPAN(IDS ",\"name\":\"\\ud83d\\u0041\""), -EBADMSG, "unpaired");
	assert_refused(SPAN(IDS ",\"name\":\"\\x41\""), -EBADMSG, "invalid escape");
	assert_refused(SPAN(IDS ",\"name\":\"\\u12\""), -EBADMSG, "invalid \\u escape");
	assert_refused(SPAN(IDS ",\"name\":\"tab\there\""), -EBADMSG, "raw control character");
	assert_refused(SPAN(IDS ",\"name\":\"caf\xe9\""), -EBADMSG, "not UTF-8");
	assert_refused(SPAN(IDS ",\"name\":\"\xc0\xaf\""), -EBADMSG, "not UTF-8");
	assert_refused(SPAN(IDS ",\"name\":\"\xed\xa0\x80\""), -EBADMSG, "not UTF-8");
	assert_refused(SPAN(IDS ",\"n\xff\":1"), -EBADMSG, "not UTF-8");
	assert_refused(SPAN(IDS ",\"name\":7"), -EBADMSG, "spans[0].name: expected a string");

	/* A raw NUL byte inside a string. */
	static const char nul[] = "{\"resourceSpans\":[{\"schemaUrl\":\"a\0b\"}]}";
	uint8_t *out;
	size_t len;
	char err[256];
	ck_assert_int_eq(convert_n(OTLP_SIGNAL_TRACES, nul, sizeof nul - 1, &out, &len, err), -EBADMSG);
	ck_assert_msg(strstr(err, "resourceSpans[0]: a NUL byte in a string at byte 33") != NULL, "%s", err);
}
END_TEST

/* The string scanner skips plain bytes 16 or 8 at a time: a byte that needs
 * a look must be seen at every position of such a block. */
START_TEST(test_special_bytes_at_every_offset)
{
	static const struct {
		const char *raw, *same_as, *refused;
	} cases[] = {
		{"\\n", "\\u000a", NULL},
		{"\xc3\xa9", "\\u00e9", NULL},
		{"\x7f", "\\u007f", NULL},
		{"\t", NULL, "raw control character"},
		{"\xff", NULL, "not UTF-8"},
		{"\xc3(", NULL, "not UTF-8"},
	};
	char pad[48], a[512], b[512];
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		for (size_t off = 0; off < 40; off++) {
			memset(pad, 'p', off);
			pad[off] = '\0';
			snprintf(a, sizeof a, SPAN(IDS ",\"name\":\"%s%s%s\""), pad, cases[c].raw, pad);
			if (cases[c].refused) {
				assert_refused(a, -EBADMSG, cases[c].refused);
				continue;
			}
			snprintf(b, sizeof b, SPAN(IDS ",\"name\":\"%s%s%s\""), pad, cases[c].same_as, pad);
			assert_same(a, b);
		}
	}
}
END_TEST

START_TEST(test_structure_errors)
{
	assert_refused("", -EBADMSG, "request: unexpected end of the JSON text at byte 0");
	assert_refused("[]", -EBADMSG, "the body must be a JSON object");
	assert_refused("{} x", -EBADMSG, "data after the JSON value at byte 3");
	assert_refused("{}{}", -EBADMSG, "data after the JSON value");
	assert_refused("{\"resourceSpans\":{}}", -EBADMSG, "resourceSpans: expected a list");
	assert_refused("{\"resourceSpans\":[1]}", -EBADMSG, "resourceSpans[0]: expected an object");
	assert_refused("{\"resourceSpans\":[{},]}", -EBADMSG, "expected a value");
	assert_refused("{\"resourceSpans\" []}", -EBADMSG, "expected ':'");
	assert_refused("{\"a\":1,}", -EBADMSG, "expected a member name");
	assert_refused("{'a':1}", -EBADMSG, "expected a member name");
	assert_refused("{\"a\":tru}", -EBADMSG, "invalid literal");
	assert_refused("{\"a\":[1 2]}", -EBADMSG, "expected ',' or ']'");
	assert_refused("\xef\xbb\xbf{}", -EBADMSG, "expected a value at byte 0");
	assert_same(" \n\t{ \"resourceSpans\" : [ ] } \r\n", "{}");
}
END_TEST

START_TEST(test_deep_nesting_refused)
{
	/* 100k levels under an unknown key and as AnyValues: the lexer stops
	 * at the limit, long before any recursion could. */
	size_t depth = 100000;
	char *json = malloc(2 * depth + 64);
	ck_assert_ptr_nonnull(json);
	size_t n = (size_t)sprintf(json, "{\"unknown\":");
	memset(json + n, '[', depth);
	n += depth;
	memset(json + n, ']', depth);
	n += depth;
	json[n++] = '}';
	uint8_t *out;
	size_t len;
	char err[256];
	ck_assert_int_eq(convert_n(OTLP_SIGNAL_TRACES, json, n, &out, &len, err), -E2BIG);
	ck_assert_msg(strstr(err, "nesting deeper than 64 levels (limit receiver.max_json_depth) at byte 74") != NULL,
		      "%s", err);

	/* AnyValue arrays: {"arrayValue":{"values":[ ... ]}} */
	static const char open[] = "{\"arrayValue\":{\"values\":[";
	free(json);
	json = malloc(30000 * (sizeof open - 1) + 128);
	ck_assert_ptr_nonnull(json);
	n = (size_t)sprintf(json, "%s", "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":");
	for (size_t i = 0; i < 30000; i++) {
		memcpy(json + n, open, sizeof open - 1);
		n += sizeof open - 1;
	}
	ck_assert_int_eq(convert_n(OTLP_SIGNAL_LOGS, json, n, &out, &len, err), -E2BIG);
	ck_assert_msg(strstr(err, "logRecords[0].body.arrayValue.values[0].arrayValue") != NULL, "%s",
		      err);
	free(json);
}
END_TEST

START_TEST(test_depth_limit_exact)
{
	/* The top-level object is level 1. */
	for (unsigned levels = 62; levels <= 65; levels++) {
		char json[256];
		size_t n = (size_t)sprintf(json, "{\"u\":");
		for (unsigned i = 1; i < levels; i++)
			json[n++] = '[';
		for (unsigned i = 1; i < levels; i++)
			json[n++] = ']';
		json[n++] = '}';
		uint8_t *out;
		size_t len;
		char err[256];
		int rc = convert_n(OTLP_SIGNAL_TRACES, json, n, &out, &len, err);
		ck_assert_msg(rc == (levels <= 64 ? 0 : -E2BIG), "%u levels: %d", levels, rc);
		if (rc == 0)
			free(out);
	}
}
END_TEST

START_TEST(test_truncated_never_crashes)
{
	static const char *const files[] = { "traces_1.json", "metrics_100.json", "logs_100.json" };
	size_t len;
	uint8_t *json = load_bench(files[_i], &len);
	size_t end = len;
	while (end > 0 && (json[end - 1] == '\n' || json[end - 1] == ' '))
		end--;
	size_t step = len > 5000 ? 3 : 1;
	for (size_t cut = 0; cut < len; cut += step) {
		char *part = malloc(cut ? cut : 1);
		memcpy(part, json, cut);
		uint8_t *out;
		size_t out_len;
		char err[256];
		int rc = convert_n(bench_signal(files[_i]), part, cut, &out, &out_len, err);
		if (cut >= end) {
			ck_assert_int_eq(rc, 0);
			free(out);
		} else if (rc != -EBADMSG || err[0] == '\0') {
			ck_abort_msg("cut %zu: %d", cut, rc);
		}
		free(part);
	}
	free(json);
}
END_TEST

START_TEST(test_messages_never_echo_payload)
{
	static const char *const bodies[] = {
		SPAN("\"traceId\":\"SECRETSECRETSECRET\""),
		SPAN(IDS ",\"traceState\":[\"SECRET\"]"),
		SPAN(IDS ",\"kind\":\"SECRET\""),
		SPAN(IDS ",\"SECRET\":tru"),
		SPAN(IDS ",\"name\":\"SECRET\xff\""),
		ATTR("{\"intValue\":\"SECRET\"}"),
		ATTR("{\"bytesValue\":\"SECRET!\"}"),
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		uint8_t *out;
		size_t len;
		char err[256];
		ck_assert_int_eq(convert(bodies[i], &out, &len, err), -EBADMSG);
		ck_assert_msg(strstr(err, "SECRET") == NULL, "echoed: %s", err);
		ck_assert(err[0] != '\0');
	}
}
END_TEST

START_TEST(test_limits_on_memory_and_output)
{
	size_t len;
	uint8_t *json = load_bench("traces_100.json", &len), *out;
	size_t out_len;
	char err[256];
	struct otlp_json_limits small_memory = { .max_depth = 64, .max_memory = 8192 };
	ck_assert_int_eq(otlp_json_to_protobuf(OTLP_SIGNAL_TRACES, json, len, &small_memory, &out,
					       &out_len, err, sizeof err), -E2BIG);
	ck_assert_msg(strstr(err, "more than 8192 bytes of memory") != NULL, "%s", err);
	struct otlp_json_limits small_output = { .max_depth = 64, .max_output = 1000 };
	ck_assert_int_eq(otlp_json_to_protobuf(OTLP_SIGNAL_TRACES, json, len, &small_output, &out,
					       &out_len, err, sizeof err), -E2BIG);
	ck_assert_msg(strstr(err, "the protobuf form takes 48542 bytes, more than 1000") != NULL,
		      "%s", err);
	ck_assert_int_eq(otlp_json_to_protobuf(OTLP_SIGNAL_COUNT, json, len, &json_limits, &out,
					       &out_len, err, sizeof err), -EINVAL);
	free(json);
}
END_TEST

static const struct otlp_codec_limits codec_limits = {
	.items = { .max_depth = 32, .max_attributes = 1024 },
	.max_json_depth = 256,
};

START_TEST(test_decode_pipeline)
{
	struct otlp_request req;
	/* JSON with a 3-byte trace id: accepted, the span rejected and removed. */
	const char *json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{" IDS "},"
			   "{\"traceId\":\"abcdef\",\"spanId\":\"269fc41c21883ea6\"}]}]}]}";
	ck_assert_int_eq(otlp_request_decode(OTLP_SIGNAL_TRACES, OTLP_ENCODING_JSON,
					     (const uint8_t *)json, strlen(json), &codec_limits,
					     &req), 0);
	ck_assert_uint_eq(req.check.items, 2);
	ck_assert_uint_eq(req.check.rejected, 1);
	ck_assert_str_eq(req.check.message,
			 "resource_spans[0].scope_spans[0].spans[1].trace_id: 3 bytes, must be 16");
	struct otlp_check again;
	ck_assert_int_eq(otlp_validate(OTLP_SIGNAL_TRACES, req.data, req.len, &codec_limits.items,
				       &again), 0);
	ck_assert_uint_eq(again.items, 1);
	ck_assert_uint_eq(again.rejected, 0);
	otlp_request_release(&req);

	/* Valid protobuf is passed on as it came, without a copy. */
	size_t len;
	uint8_t *pb = load_bench("logs_100.pb", &len);
	ck_assert_int_eq(otlp_request_decode(OTLP_SIGNAL_LOGS, OTLP_ENCODING_PROTOBUF, pb, len,
					     &codec_limits, &req), 0);
	ck_assert_ptr_eq(req.data, pb);
	ck_assert_uint_eq(req.len, len);
	ck_assert_ptr_null(req.owned);
	ck_assert_uint_eq(req.check.items, 100);
	otlp_request_release(&req);
	free(pb);

	/* AnyValue depth is the validator's limit, for JSON too. */
	char deep[2048];
	size_t n = (size_t)sprintf(deep, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":");
	for (int i = 0; i < 40; i++)
		n += (size_t)sprintf(deep + n, "{\"arrayValue\":{\"values\":[");
	n += (size_t)sprintf(deep + n, "{}");
	for (int i = 0; i < 40; i++)
		n += (size_t)sprintf(deep + n, "]}}");
	n += (size_t)sprintf(deep + n, "}]}]}]}");
	ck_assert_int_eq(otlp_request_decode(OTLP_SIGNAL_LOGS, OTLP_ENCODING_JSON,
					     (const uint8_t *)deep, n, &codec_limits, &req), -E2BIG);
	ck_assert_msg(strstr(req.check.message, "limit receiver.max_anyvalue_depth") != NULL, "%s",
		      req.check.message);
	otlp_request_release(&req);

	/* Undecodable JSON: the message says why. */
	ck_assert_int_eq(otlp_request_decode(OTLP_SIGNAL_LOGS, OTLP_ENCODING_JSON,
					     (const uint8_t *)"{", 1, &codec_limits, &req), -EBADMSG);
	ck_assert_str_eq(req.check.message, "request: unexpected end of the JSON text at byte 1");
	otlp_request_release(&req);
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("otlp_json");
	TCase *tc = tcase_create("bench");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_bench_json_equals_protobuf, 0, (int)(sizeof pairs / sizeof pairs[0]));
	tcase_add_loop_test(tc, test_status_names_refused, 0, 2);
	tcase_add_loop_test(tc, test_truncated_never_crashes, 0, 3);
	suite_add_tcase(s, tc);

	tc = tcase_create("mapping");
	tcase_add_test(tc, test_enum_names_refused);
	tcase_add_test(tc, test_base64_ids_refused);
	tcase_add_test(tc, test_log_ids_are_hex);
	tcase_add_test(tc, test_hex_case_insensitive);
	tcase_add_test(tc, test_int64_string_or_number);
	tcase_add_test(tc, test_huge_and_odd_numbers);
	tcase_add_test(tc, test_unknown_fields_ignored);
	tcase_add_test(tc, test_snake_case_and_escaped_keys);
	tcase_add_test(tc, test_null_means_default);
	tcase_add_test(tc, test_duplicates_and_oneofs);
	tcase_add_test(tc, test_bytes_value_base64);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_test(tc, test_strings_and_escapes);
	tcase_add_test(tc, test_special_bytes_at_every_offset);
	tcase_add_test(tc, test_structure_errors);
	tcase_add_test(tc, test_deep_nesting_refused);
	tcase_add_test(tc, test_depth_limit_exact);
	tcase_add_test(tc, test_messages_never_echo_payload);
	tcase_add_test(tc, test_limits_on_memory_and_output);
	tcase_add_test(tc, test_decode_pipeline);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
