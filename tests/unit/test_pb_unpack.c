/* pb_unpack (writer/pb_unpack.c) against protobuf-c's own unpacker: the bench
 * bodies, the fuzz corpora, every prefix and many one-byte changes of a real
 * request, and hand-made edge cases must get the same decision and the same
 * message from both (pb_unpack_diff.h); the edge cases also check the
 * values a reader sees. */

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "otlp_signal.h"
#include "pb_unpack_diff.h"

#ifndef OTLPD_SHARED_BENCH_DIR
#error "OTLPD_SHARED_BENCH_DIR must name the directory of the bench bodies"
#endif

#define DEPTH 64
#define LIMIT ((size_t)256 << 20)
#define BODY_MAX ((size_t)4 << 20)

typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Logs__V1__LogRecord LogRecord;
typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint__Buckets Buckets;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint HistogramPoint;

#define SPAN (&opentelemetry__proto__trace__v1__span__descriptor)
#define LOG_RECORD (&opentelemetry__proto__logs__v1__log_record__descriptor)
#define ANY_VALUE (&opentelemetry__proto__common__v1__any_value__descriptor)
#define BUCKETS (&opentelemetry__proto__metrics__v1__exponential_histogram_data_point__buckets__descriptor)
#define HISTOGRAM_POINT (&opentelemetry__proto__metrics__v1__histogram_data_point__descriptor)

static struct pb_arena arena;
static char why[256];

static void setup(void)
{
	pb_arena_init(&arena, 4096, LIMIT);
}

static void teardown(void)
{
	pb_arena_destroy(&arena);
}

/* Both decoders agree on the bytes; returns pb_unpack's result (or NULL). */
static ProtobufCMessage *decode(const ProtobufCMessageDescriptor *d, const uint8_t *b, size_t n,
				enum pb_diff_result want)
{
	enum pb_diff_result r = pb_diff(d, b, n, DEPTH, LIMIT, why, sizeof why);
	ck_assert_msg(r == want, "%s: got %d, want %d (%s)", d->name, r, want, why);
	ProtobufCMessage *m = NULL;
	int err = pb_unpack(d, b, n, &arena, DEPTH, &m);
	ck_assert_int_eq(err, want == PB_DIFF_BOTH_OK ? 0 : -EBADMSG);
	return m;
}

#define DECODE_OK(d, arr) decode(d, arr, sizeof arr, PB_DIFF_BOTH_OK)
#define DECODE_BAD(d, arr) decode(d, arr, sizeof arr, PB_DIFF_BOTH_REJECT)

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	uint8_t *b = malloc(BODY_MAX);
	ck_assert_ptr_nonnull(b);
	*len = fread(b, 1, BODY_MAX, f);
	ck_assert(!ferror(f) && feof(f));
	fclose(f);
	return b;
}

/* Any bytes as each of the three requests, whole and without the first
 * byte (the fuzz targets' signal selector): never a disagreement. */
static unsigned check_any(const uint8_t *b, size_t n, const char *what)
{
	unsigned ok = 0;
	for (int s = 0; s < OTLP_SIGNAL_COUNT; s++) {
		const ProtobufCMessageDescriptor *d = otlp_signal_request_descriptor((enum otlp_signal)s);
		for (size_t skip = 0; skip <= 1 && skip <= n; skip++) {
			enum pb_diff_result r = pb_diff(d, b + skip, n - skip, DEPTH, LIMIT, why, sizeof why);
			ck_assert_msg(r != PB_DIFF_MISMATCH, "%s as %s (skip %zu): %s", what, d->name,
				      skip, why);
			ok += r == PB_DIFF_BOTH_OK;
		}
	}
	return ok;
}

START_TEST(bench_bodies_decode_the_same)
{
	static const struct {
		const char *file;
		enum otlp_signal sig;
	} bodies[] = {
		{"traces_1.pb", OTLP_SIGNAL_TRACES},   {"traces_100.pb", OTLP_SIGNAL_TRACES},
		{"traces_1000.pb", OTLP_SIGNAL_TRACES}, {"metrics_100.pb", OTLP_SIGNAL_METRICS},
		{"logs_100.pb", OTLP_SIGNAL_LOGS},
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		char path[512];
		int w = snprintf(path, sizeof path, "%s/%s", OTLPD_SHARED_BENCH_DIR, bodies[i].file);
		ck_assert(w > 0 && (size_t)w < sizeof path);
		size_t n;
		uint8_t *b = read_file(path, &n);
		ck_assert_ptr_nonnull(decode(otlp_signal_request_descriptor(bodies[i].sig), b, n,
					     PB_DIFF_BOTH_OK));
		check_any(b, n, bodies[i].file);
		free(b);
	}
}
END_TEST

/* The fuzz corpora sit beside this file's directory in the source tree. */
static unsigned check_corpus(const char *target)
{
	char here[512], dir[768];
	int w = snprintf(here, sizeof here, "%s", __FILE__);
	ck_assert(w > 0 && (size_t)w < sizeof here);
	w = snprintf(dir, sizeof dir, "%s/../fuzz/corpus/%s", dirname(here), target);
	ck_assert(w > 0 && (size_t)w < sizeof dir);
	DIR *dp = opendir(dir);
	ck_assert_msg(dp != NULL, "%s: %s", dir, strerror(errno));
	unsigned files = 0;
	struct dirent *e;
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		w = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		ck_assert(w > 0 && (size_t)w < sizeof path);
		size_t n;
		uint8_t *b = read_file(path, &n);
		check_any(b, n, path);
		free(b);
		files++;
	}
	closedir(dp);
	return files;
}

START_TEST(fuzz_corpora_decode_the_same)
{
	ck_assert_uint_gt(check_corpus("fuzz_otlp_validate"), 0);
	ck_assert_uint_gt(check_corpus("fuzz_arrow_encode"), 0);
	ck_assert_uint_gt(check_corpus("fuzz_pb_unpack"), 0);
}
END_TEST

/* Every prefix of a real request, and each byte replaced by a few values:
 * truncations and corruptions at every place in the structure. */
START_TEST(cut_and_corrupted_requests_decode_the_same)
{
	size_t n;
	uint8_t *b = read_file(OTLPD_SHARED_BENCH_DIR "/traces_1.pb", &n);
	const ProtobufCMessageDescriptor *d = otlp_signal_request_descriptor(OTLP_SIGNAL_TRACES);
	unsigned accepted = 0;
	for (size_t cut = 0; cut <= n; cut++) {
		enum pb_diff_result r = pb_diff(d, b, cut, DEPTH, LIMIT, why, sizeof why);
		ck_assert_msg(r != PB_DIFF_MISMATCH, "prefix %zu: %s", cut, why);
	}
	static const uint8_t repl[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x0b, 0x0a, 0x12};
	for (size_t i = 0; i < n; i++) {
		uint8_t keep = b[i];
		for (size_t k = 0; k < sizeof repl; k++) {
			b[i] = repl[k];
			enum pb_diff_result r = pb_diff(d, b, n, DEPTH, LIMIT, why, sizeof why);
			ck_assert_msg(r != PB_DIFF_MISMATCH, "byte %zu = 0x%02x: %s", i, repl[k], why);
			accepted += r == PB_DIFF_BOTH_OK;
		}
		b[i] = keep;
	}
	ck_assert_uint_gt(accepted, 0);
	free(b);
}
END_TEST

START_TEST(singular_message_twice_is_merged_as_protobuf_c_does)
{
	/* status {message "m"} status {code 2}: the string stays. */
	static const uint8_t a[] = {0x7a, 3, 0x12, 1, 'm', 0x7a, 2, 0x18, 2};
	Span *s = (Span *)DECODE_OK(SPAN, a);
	ck_assert_int_eq(s->status->code, 2);
	ck_assert_str_eq(s->status->message, "m");
	/* status {code 2} status {message "m"}: a proto3 scalar is the
	 * later occurrence's, even when it did not give one. */
	static const uint8_t b[] = {0x7a, 2, 0x18, 2, 0x7a, 3, 0x12, 1, 'm'};
	s = (Span *)DECODE_OK(SPAN, b);
	ck_assert_int_eq(s->status->code, 0);
	ck_assert_str_eq(s->status->message, "m");
	/* status {} status {}: defaults, message "" (not NULL). */
	static const uint8_t c[] = {0x7a, 0, 0x7a, 0};
	s = (Span *)DECODE_OK(SPAN, c);
	ck_assert_str_eq(s->status->message, "");
}
END_TEST

START_TEST(nested_repeated_fields_of_a_merged_message_are_concatenated)
{
	/* LogRecord.body {kvlist {values {key "a"}}} then body {kvlist
	 * {values {key "b"}}}: body is merged, its oneof member kvlist is set
	 * in the second, so the second's list alone remains. */
	static const uint8_t a[] = {0x2a, 7, 0x32, 5, 0x0a, 3, 0x0a, 1, 'a',
				    0x2a, 7, 0x32, 5, 0x0a, 3, 0x0a, 1, 'b'};
	LogRecord *l = (LogRecord *)DECODE_OK(LOG_RECORD, a);
	ck_assert_uint_eq(l->body->kvlist_value->n_values, 1);
	ck_assert_str_eq(l->body->kvlist_value->values[0]->key, "b");
	/* ExponentialHistogramDataPoint.positive given twice: its
	 * bucket_counts are the first's, then the second's. */
	static const uint8_t b[] = {0x42, 4, 0x12, 2, 1, 2, 0x42, 3, 0x12, 1, 3};
	const Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint *p =
		(const void *)DECODE_OK(&opentelemetry__proto__metrics__v1__exponential_histogram_data_point__descriptor, b);
	ck_assert_uint_eq(p->positive->n_bucket_counts, 3);
	ck_assert_uint_eq(p->positive->bucket_counts[0], 1);
	ck_assert_uint_eq(p->positive->bucket_counts[2], 3);
}
END_TEST

START_TEST(oneof_rules_match_protobuf_c)
{
	/* body {} body {}: protobuf-c fails the merge of an unset oneof. */
	static const uint8_t a[] = {0x2a, 0, 0x2a, 0};
	DECODE_BAD(LOG_RECORD, a);
	/* body {string "a"} body {}: the string member is lost. */
	static const uint8_t b[] = {0x2a, 3, 0x0a, 1, 'a', 0x2a, 0};
	LogRecord *l = (LogRecord *)DECODE_OK(LOG_RECORD, b);
	ck_assert_int_eq(l->body->value_case, 0);
	/* body {bool true} body {}: a scalar member is kept. */
	static const uint8_t c[] = {0x2a, 2, 0x10, 1, 0x2a, 0};
	l = (LogRecord *)DECODE_OK(LOG_RECORD, c);
	ck_assert_int_eq(l->body->value_case, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE);
	ck_assert_int_eq(l->body->bool_value, 1);
	/* string "a", then int 5: the later member replaces it. */
	static const uint8_t d[] = {0x0a, 1, 'a', 0x18, 5};
	AnyValue *v = (AnyValue *)DECODE_OK(ANY_VALUE, d);
	ck_assert_int_eq(v->value_case, OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE);
	ck_assert_int_eq(v->int_value, 5);
	/* array {1 value} then array {2 values}: replaced, not merged. */
	static const uint8_t e[] = {0x2a, 2, 0x0a, 0, 0x2a, 4, 0x0a, 0, 0x0a, 0};
	v = (AnyValue *)DECODE_OK(ANY_VALUE, e);
	ck_assert_uint_eq(v->array_value->n_values, 2);
	/* A proto3 `optional` (a one-member oneof): sum given. */
	static const uint8_t f[] = {0x29, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f};
	HistogramPoint *h = (HistogramPoint *)DECODE_OK(HISTOGRAM_POINT, f);
	ck_assert_int_eq(h->_sum_case, OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___SUM_SUM);
	ck_assert(h->sum == 1.0);
}
END_TEST

START_TEST(packed_and_unpacked_elements_are_appended)
{
	/* bucket_counts (uint64): packed [1, 2], unpacked 3, packed [300]. */
	static const uint8_t a[] = {0x12, 2, 1, 2, 0x10, 3, 0x12, 2, 0xac, 0x02, 0x08, 5};
	Buckets *k = (Buckets *)DECODE_OK(BUCKETS, a);
	ck_assert_uint_eq(k->n_bucket_counts, 4);
	ck_assert_uint_eq(k->bucket_counts[0], 1);
	ck_assert_uint_eq(k->bucket_counts[2], 3);
	ck_assert_uint_eq(k->bucket_counts[3], 300);
	ck_assert_int_eq(k->offset, -3); /* sint32, zigzag 5 */
	/* 9 packed elements, then 1 more: the array grows past 8. */
	static const uint8_t b[] = {0x12, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x10, 10, 0x12, 0};
	k = (Buckets *)DECODE_OK(BUCKETS, b);
	ck_assert_uint_eq(k->n_bucket_counts, 10);
	ck_assert_uint_eq(k->bucket_counts[9], 10);
	/* fixed64 bucket_counts = 6: packed [7] then unpacked 8. */
	static const uint8_t c[] = {0x32, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0x31, 8, 0, 0, 0, 0, 0, 0, 0};
	HistogramPoint *h = (HistogramPoint *)DECODE_OK(HISTOGRAM_POINT, c);
	ck_assert_uint_eq(h->n_bucket_counts, 2);
	ck_assert_uint_eq(h->bucket_counts[1], 8);
	/* packed fixed64 not a multiple of 8, packed varint cut short. */
	static const uint8_t d[] = {0x32, 3, 1, 2, 3};
	DECODE_BAD(HISTOGRAM_POINT, d);
	static const uint8_t e[] = {0x12, 2, 1, 0x80};
	DECODE_BAD(BUCKETS, e);
}
END_TEST

START_TEST(scalars_decode_as_protobuf_c_does)
{
	/* kind (enum) -1 as 10 bytes: kept as int -1. */
	static const uint8_t a[] = {0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	Span *s = (Span *)DECODE_OK(SPAN, a);
	ck_assert_int_eq((int32_t)s->kind, -1);
	/* int_value -2 as 10 bytes. */
	static const uint8_t b[] = {0x18, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	AnyValue *v = (AnyValue *)DECODE_OK(ANY_VALUE, b);
	ck_assert_int_eq(v->int_value, -2);
	/* bool: bits only past bit 63 still make it true. */
	static const uint8_t c[] = {0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e};
	v = (AnyValue *)DECODE_OK(ANY_VALUE, c);
	ck_assert_int_eq(v->bool_value, 1);
	/* bool given as length-delimited: protobuf-c reads the prefix too. */
	static const uint8_t d[] = {0x12, 0x01, 0x00};
	v = (AnyValue *)DECODE_OK(ANY_VALUE, d);
	ck_assert_int_eq(v->bool_value, 1);
	static const uint8_t e[] = {0x12, 0x00};
	v = (AnyValue *)DECODE_OK(ANY_VALUE, e);
	ck_assert_int_eq(v->bool_value, 0);
	/* double 1.5, fixed64 time, fixed32 flags. */
	static const uint8_t f[] = {0x21, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f};
	v = (AnyValue *)DECODE_OK(ANY_VALUE, f);
	ck_assert(v->double_value == 1.5);
	static const uint8_t g[] = {0x39, 1, 2, 0, 0, 0, 0, 0, 0, 0x85, 0x01, 0x01, 0, 0, 0x80};
	s = (Span *)DECODE_OK(SPAN, g);
	ck_assert_uint_eq(s->start_time_unix_nano, 0x201);
	ck_assert_uint_eq(s->flags, 0x80000001u);
	/* strings: empty is "", not NULL; bytes keep their length; no
	 * UTF-8 check (0xff). */
	static const uint8_t h[] = {0x2a, 0, 0x1a, 1, 0xff, 0x0a, 2, 0xab, 0xcd};
	s = (Span *)DECODE_OK(SPAN, h);
	ck_assert_str_eq(s->name, "");
	ck_assert_str_eq(s->trace_state, "\xff");
	ck_assert_uint_eq(s->trace_id.len, 2);
	ck_assert_uint_eq(s->trace_id.data[1], 0xcd);
	ck_assert_uint_eq(s->span_id.len, 0);
}
END_TEST

START_TEST(malformed_bytes_are_refused_by_both)
{
	static const uint8_t truncated_varint[] = {0x30, 0x80};
	DECODE_BAD(SPAN, truncated_varint);
	static const uint8_t varint_11_bytes[] = {0x30, 0x80, 0x80, 0x80, 0x80, 0x80,
						  0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
	DECODE_BAD(SPAN, varint_11_bytes);
	static const uint8_t wrong_wire_type[] = {0x28, 0x01}; /* name as a varint */
	DECODE_BAD(SPAN, wrong_wire_type);
	static const uint8_t message_as_fixed32[] = {0x7d, 0, 0, 0, 0};
	DECODE_BAD(SPAN, message_as_fixed32);
	static const uint8_t length_past_end[] = {0x2a, 5, 'a', 'b'};
	DECODE_BAD(SPAN, length_past_end);
	static const uint8_t length_wraps[] = {0x0a, 0x81, 0x80, 0x80, 0x80, 0x10, 7};
	DECODE_BAD(SPAN, length_wraps);
	static const uint8_t start_group[] = {0x0b, 0x0c};
	DECODE_BAD(SPAN, start_group);
	static const uint8_t end_group[] = {0x0c};
	DECODE_BAD(SPAN, end_group);
	static const uint8_t unknown_group[] = {0xfb, 0xff, 0x07};
	DECODE_BAD(SPAN, unknown_group);
	static const uint8_t wire_type_7[] = {0x0f};
	DECODE_BAD(SPAN, wire_type_7);
	static const uint8_t tag_zero[] = {0x00};
	DECODE_BAD(SPAN, tag_zero);
	static const uint8_t tag_6_bytes[] = {0x8a, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00};
	DECODE_BAD(SPAN, tag_6_bytes);
	static const uint8_t fixed64_short[] = {0x39, 1, 2, 3};
	DECODE_BAD(SPAN, fixed64_short);
	static const uint8_t bad_nested[] = {0x7a, 2, 0x18, 0x80};
	DECODE_BAD(SPAN, bad_nested);
}
END_TEST

START_TEST(unknown_fields_are_skipped)
{
	/* field 0 in two bytes, field 99 (all wire types), then name "n". */
	static const uint8_t a[] = {0x80, 0x00, 0x01, 0x98, 0x06, 0x05, 0x9a, 0x06, 1, 'x',
				    0x9d, 0x06, 0, 0, 0, 0, 0x99, 0x06, 0, 0, 0, 0,
				    0, 0, 0, 0, 0x2a, 1, 'n'};
	Span *s = (Span *)DECODE_OK(SPAN, a);
	ck_assert_str_eq(s->name, "n");
	ck_assert_uint_eq(s->base.n_unknown_fields, 0);
}
END_TEST

/* AnyValue arrays nested `levels` deep: 2 messages a level. */
static size_t nested_any_value(uint8_t *b, size_t cap, unsigned levels)
{
	size_t n = 0;
	uint8_t inner[4] = {0x18, 1};
	size_t inner_len = 2;
	memcpy(b, inner, inner_len);
	n = inner_len;
	for (unsigned i = 0; i < levels; i++) {
		/* values {b} inside ArrayValue, inside array_value */
		uint8_t hdr[8];
		size_t h = 0, l1 = n;
		size_t l1_len = l1 < 128 ? 1 : (l1 < 16384 ? 2 : 3);
		size_t l2 = 1 + l1_len + l1;
		hdr[h++] = 0x2a;
		for (size_t v = l2; ; v >>= 7) {
			hdr[h++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
			if (v <= 0x7f)
				break;
		}
		hdr[h++] = 0x0a;
		for (size_t v = l1; ; v >>= 7) {
			hdr[h++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
			if (v <= 0x7f)
				break;
		}
		ck_assert_uint_le(n + h, cap);
		memmove(b + h, b, n);
		memcpy(b, hdr, h);
		n += h;
	}
	return n;
}

START_TEST(nesting_past_max_depth_is_refused)
{
	static uint8_t b[4096];
	size_t n = nested_any_value(b, sizeof b, 100); /* 201 messages deep */
	ProtobufCMessage *m = NULL;
	ck_assert_int_eq(pb_unpack(ANY_VALUE, b, n, &arena, 200, &m), -E2BIG);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(pb_unpack(ANY_VALUE, b, n, &arena, 201, &m), 0);
	ck_assert_int_eq(pb_diff(ANY_VALUE, b, n, 201, LIMIT, why, sizeof why), PB_DIFF_BOTH_OK);
	ck_assert_int_eq(pb_diff(ANY_VALUE, b, n, 64, LIMIT, why, sizeof why), PB_DIFF_OWN_LIMIT);
}
END_TEST

START_TEST(arena_limit_is_e2big)
{
	size_t n;
	uint8_t *b = read_file(OTLPD_SHARED_BENCH_DIR "/traces_100.pb", &n);
	struct pb_arena small;
	pb_arena_init(&small, 4096, 16 * 1024);
	ProtobufCMessage *m = NULL;
	ck_assert_int_eq(pb_unpack(otlp_signal_request_descriptor(OTLP_SIGNAL_TRACES), b, n, &small,
				   DEPTH, &m),
			 -E2BIG);
	ck_assert_ptr_null(m);
	pb_arena_destroy(&small);
	free(b);
}
END_TEST

/* A proto2-style message, built by hand: a required field and an optional
 * one with a default, and no message_init. */
struct req_msg {
	ProtobufCMessage base;
	int32_t a;
	protobuf_c_boolean has_b;
	int32_t b;
};
static const int32_t b_default = 7;
static const ProtobufCFieldDescriptor req_fields[2] = {
	{"a", 1, PROTOBUF_C_LABEL_REQUIRED, PROTOBUF_C_TYPE_INT32, 0, offsetof(struct req_msg, a),
	 NULL, NULL, 0, 0, NULL, NULL},
	{"b", 2, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_INT32, offsetof(struct req_msg, has_b),
	 offsetof(struct req_msg, b), NULL, &b_default, 0, 0, NULL, NULL},
};
static const unsigned req_by_name[2] = {0, 1};
static const ProtobufCIntRange req_ranges[2] = {{1, 0}, {0, 2}};
static const ProtobufCMessageDescriptor req_desc = {
	PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC, "t.Req", "Req", "t_Req", "t", sizeof(struct req_msg),
	2, req_fields, req_by_name, 1, req_ranges, NULL, NULL, NULL, NULL};

START_TEST(required_fields_and_defaults)
{
	static const uint8_t only_b[] = {0x10, 3};
	DECODE_BAD(&req_desc, only_b);
	static const uint8_t none[1] = {0};
	ck_assert_int_eq(pb_diff(&req_desc, none, 0, DEPTH, LIMIT, why, sizeof why),
			 PB_DIFF_BOTH_REJECT);
	static const uint8_t only_a[] = {0x08, 5};
	struct req_msg *r = (struct req_msg *)DECODE_OK(&req_desc, only_a);
	ck_assert_int_eq(r->a, 5);
	ck_assert_int_eq(r->has_b, 0);
	ck_assert_int_eq(r->b, 7);
	static const uint8_t both[] = {0x10, 3, 0x08, 5};
	r = (struct req_msg *)DECODE_OK(&req_desc, both);
	ck_assert_int_eq(r->has_b, 1);
	ck_assert_int_eq(r->b, 3);
}
END_TEST

/* pb_unpack_text: what the receiver lets through and no more; bytes fields
 * are not text. */
START_TEST(text_mode_refuses_strings_that_are_not_utf8)
{
	static const uint8_t ascii[] = {0x2a, 0x03, 'a', 'b', 'c'};
	static const uint8_t accented[] = {0x2a, 0x02, 0xc3, 0xa9};
	static const uint8_t broken[] = {0x2a, 0x02, 0xc3, 0x28};
	static const uint8_t nul[] = {0x2a, 0x03, 'a', 0x00, 'b'};
	static const uint8_t nested_broken[] = {0x4a, 0x08, 0x0a, 0x01, 'k', 0x12,
						0x03, 0x0a, 0x01, 0xff};
	static const uint8_t binary_id[] = {0x0a, 0x02, 0xff, 0xfe, 0x2a, 0x00};
	ProtobufCMessage *m = NULL;
	ck_assert_int_eq(pb_unpack_text(SPAN, ascii, sizeof ascii, &arena, DEPTH, &m), 0);
	ck_assert_str_eq(((Span *)m)->name, "abc");
	ck_assert_int_eq(pb_unpack_text(SPAN, accented, sizeof accented, &arena, DEPTH, &m), 0);
	ck_assert_str_eq(((Span *)m)->name, "\xc3\xa9");
	ck_assert_int_eq(pb_unpack_text(SPAN, binary_id, sizeof binary_id, &arena, DEPTH, &m), 0);
	ck_assert_uint_eq(((Span *)m)->trace_id.len, 2);
	ck_assert_str_eq(((Span *)m)->name, "");
	const struct {
		const uint8_t *b;
		size_t n;
	} bad[] = {{broken, sizeof broken}, {nul, sizeof nul}, {nested_broken, sizeof nested_broken}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		/* protobuf-c's rules take them; text mode does not */
		ck_assert_int_eq(pb_diff(SPAN, bad[i].b, bad[i].n, DEPTH, LIMIT, why, sizeof why),
				 PB_DIFF_BOTH_OK);
		ck_assert_int_eq(pb_unpack_text(SPAN, bad[i].b, bad[i].n, &arena, DEPTH, &m), -EBADMSG);
		ck_assert_ptr_null(m);
	}
}
END_TEST

START_TEST(bad_arguments)
{
	ProtobufCMessage *m = NULL;
	static const uint8_t b[1] = {0};
	ck_assert_int_eq(pb_unpack(NULL, b, 0, &arena, DEPTH, &m), -EINVAL);
	ck_assert_int_eq(pb_unpack(SPAN, NULL, 1, &arena, DEPTH, &m), -EINVAL);
	ck_assert_int_eq(pb_unpack(SPAN, b, 0, NULL, DEPTH, &m), -EINVAL);
	ck_assert_int_eq(pb_unpack(SPAN, NULL, 0, &arena, DEPTH, &m), 0);
	ck_assert_str_eq(((Span *)m)->name, "");
	ck_assert_int_eq(pb_unpack(SPAN, b, 0, &arena, 0, &m), -E2BIG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pb_unpack");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, bench_bodies_decode_the_same);
	tcase_add_test(tc, fuzz_corpora_decode_the_same);
	tcase_add_test(tc, cut_and_corrupted_requests_decode_the_same);
	tcase_add_test(tc, singular_message_twice_is_merged_as_protobuf_c_does);
	tcase_add_test(tc, nested_repeated_fields_of_a_merged_message_are_concatenated);
	tcase_add_test(tc, oneof_rules_match_protobuf_c);
	tcase_add_test(tc, packed_and_unpacked_elements_are_appended);
	tcase_add_test(tc, scalars_decode_as_protobuf_c_does);
	tcase_add_test(tc, malformed_bytes_are_refused_by_both);
	tcase_add_test(tc, unknown_fields_are_skipped);
	tcase_add_test(tc, nesting_past_max_depth_is_refused);
	tcase_add_test(tc, arena_limit_is_e2big);
	tcase_add_test(tc, required_fields_and_defaults);
	tcase_add_test(tc, text_mode_refuses_strings_that_are_not_utf8);
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
