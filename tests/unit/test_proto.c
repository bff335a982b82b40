/*
 * Unit tests for the protoc-c generated OTLP messages (proto/).
 *
 * The shared bench bodies (/work/shared/bench, made with protoc from the
 * upstream .proto files) must decode to what their README describes, use no
 * field that our definitions lack, and re-encode to the very same bytes;
 * broken input must fail cleanly; the response messages that otlpd builds
 * itself (google.rpc.Status with RetryInfo, partial_success) must have the
 * wire layout that clients expect.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#ifndef OTLPD_SHARED_BENCH_DIR
#error "OTLPD_SHARED_BENCH_DIR must name the directory of the bench bodies"
#endif

/* The largest bench body is ~480 KiB; anything far bigger is a wrong file. */
#define BENCH_BODY_MAX ((size_t)4 * 1024 * 1024)

typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;
typedef Opentelemetry__Proto__Metrics__V1__Histogram Histogram;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint HistogramDataPoint;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogram ExpHistogram;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint ExpHistogramDataPoint;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint__Buckets ExpBuckets;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint SummaryDataPoint;
typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest TraceRequest;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest MetricsRequest;
typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest LogsRequest;

/* Short spellings of generated enum and initializer names. */
#define COMMON_V1(name) OPENTELEMETRY__PROTO__COMMON__V1__##name
#define TRACE_V1(name) OPENTELEMETRY__PROTO__TRACE__V1__##name
#define METRICS_V1(name) OPENTELEMETRY__PROTO__METRICS__V1__##name
#define LOGS_V1(name) OPENTELEMETRY__PROTO__LOGS__V1__##name

#define TRACE_REQ(fn) opentelemetry__proto__collector__trace__v1__export_trace_service_request__##fn
#define METRICS_REQ(fn) opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__##fn
#define LOGS_REQ(fn) opentelemetry__proto__collector__logs__v1__export_logs_service_request__##fn
#define TRACE_RESP(fn) opentelemetry__proto__collector__trace__v1__export_trace_service_response__##fn

/*
 * Reads all of `path` (a file or a pipe) into a new heap buffer, refusing
 * anything longer than `max` bytes instead of cutting it. On success *out
 * (owned by the caller, free()) and *out_len are set. Returns 0 or a negative
 * errno (-EFBIG when too long).
 */
static int read_whole_file(const char *path, size_t max, uint8_t **out, size_t *out_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	uint8_t *buf = malloc(max + 1); /* room for one byte too many */
	int err = buf == NULL ? -ENOMEM : 0;
	size_t done = 0;
	while (err == 0 && done <= max) {
		ssize_t n = read(fd, buf + done, max + 1 - done);
		if (n > 0)
			done += (size_t)n;
		else if (n == 0)
			break;
		else if (errno != EINTR)
			err = -errno;
	}
	close(fd);
	if (err == 0 && done > max)
		err = -EFBIG;
	if (err != 0) {
		free(buf);
		return err;
	}
	*out = buf;
	*out_len = done;
	return 0;
}

/* Loads a bench body or fails the test. Caller frees the result. */
static uint8_t *load_bench(const char *name, size_t *len)
{
	char path[512];
	int n = snprintf(path, sizeof(path), "%s/%s", OTLPD_SHARED_BENCH_DIR, name);
	ck_assert_msg(n > 0 && (size_t)n < sizeof(path), "bench path too long");
	uint8_t *data = NULL;
	int rc = read_whole_file(path, BENCH_BODY_MAX, &data, len);
	ck_assert_msg(rc == 0, "reading %s: %s", path, strerror(-rc));
	return data;
}

static const AnyValue *find_attr(KeyValue *const *attrs, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(attrs[i]->key, key) == 0)
			return attrs[i]->value;
	}
	return NULL;
}

static void assert_string_attr(KeyValue *const *attrs, size_t n, const char *key, const char *want)
{
	const AnyValue *v = find_attr(attrs, n, key);
	ck_assert_msg(v != NULL, "attribute %s missing", key);
	ck_assert_int_eq(v->value_case, COMMON_V1(ANY_VALUE__VALUE_STRING_VALUE));
	ck_assert_str_eq(v->string_value, want);
}

/*
 * Counts fields that protobuf-c kept as unknown anywhere in the tree: each
 * one would be a field of the upstream schema that our .proto lacks (or has
 * with another wire type).
 */
static size_t count_unknown_fields(const ProtobufCMessage *msg)
{
	size_t n = msg->n_unknown_fields;
	const ProtobufCMessageDescriptor *d = msg->descriptor;
	const char *base = (const char *)msg;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t count;
			ProtobufCMessage **items;
			memcpy(&count, base + f->quantifier_offset, sizeof(count));
			memcpy(&items, base + f->offset, sizeof(items));
			for (size_t j = 0; j < count; j++)
				n += count_unknown_fields(items[j]);
			continue;
		}
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t which;
			memcpy(&which, base + f->quantifier_offset, sizeof(which));
			if (which != f->id)
				continue;
		}
		ProtobufCMessage *sub;
		memcpy(&sub, base + f->offset, sizeof(sub));
		if (sub != NULL)
			n += count_unknown_fields(sub);
	}
	return n;
}

/* Packing `msg` must give back exactly `orig`. */
static void assert_repacks_identically(const ProtobufCMessage *msg, const uint8_t *orig, size_t len)
{
	ck_assert_uint_eq(count_unknown_fields(msg), 0);
	size_t size = protobuf_c_message_get_packed_size(msg);
	ck_assert_uint_eq(size, len);
	uint8_t *buf = malloc(size);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(protobuf_c_message_pack(msg, buf), size);
	ck_assert_mem_eq(buf, orig, len);
	free(buf);
}

static const struct {
	const char *file;
	size_t spans;
} trace_bodies[] = {
	{ "traces_1.pb", 1 },
	{ "traces_100.pb", 100 },
	{ "traces_1000.pb", 1000 },
};

static const Span *find_span(Span *const *spans, size_t n, const ProtobufCBinaryData *trace_id,
			     const ProtobufCBinaryData *span_id)
{
	for (size_t i = 0; i < n; i++) {
		if (memcmp(spans[i]->trace_id.data, trace_id->data, 16) == 0 &&
		    spans[i]->span_id.len == span_id->len &&
		    memcmp(spans[i]->span_id.data, span_id->data, span_id->len) == 0)
			return spans[i];
	}
	return NULL;
}

static void assert_span_shape(const Span *s)
{
	ck_assert_uint_eq(s->trace_id.len, 16);
	ck_assert_uint_eq(s->span_id.len, 8);
	ck_assert_str_ne(s->name, "");
	ck_assert_uint_le(s->start_time_unix_nano, s->end_time_unix_nano);
	ck_assert_uint_eq(s->n_attributes, 8);
	ck_assert_uint_eq(s->n_events, 1);
	ck_assert_uint_eq(s->events[0]->n_attributes, 2);
	/* 257: sampled, and "parent is not remote" is known. */
	ck_assert_uint_eq(s->flags & TRACE_V1(SPAN_FLAGS__SPAN_FLAGS_TRACE_FLAGS_MASK), 1);
	ck_assert(s->flags & TRACE_V1(SPAN_FLAGS__SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK));
	ck_assert(!(s->flags & TRACE_V1(SPAN_FLAGS__SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK)));
	ck_assert_ptr_nonnull(s->status);
	if (s->status->code == TRACE_V1(STATUS__STATUS_CODE__STATUS_CODE_ERROR)) {
		const AnyValue *code = find_attr(s->attributes, s->n_attributes, "http.response.status_code");
		ck_assert_ptr_nonnull(code);
		ck_assert_int_ge(code->int_value, 500);
		ck_assert_str_ne(s->status->message, "");
	}
}

START_TEST(test_traces_body)
{
	size_t len;
	uint8_t *data = load_bench(trace_bodies[_i].file, &len);
	TraceRequest *req = TRACE_REQ(unpack)(NULL, len, data);
	ck_assert_ptr_nonnull(req);

	ck_assert_uint_eq(req->n_resource_spans, 1);
	const Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = req->resource_spans[0];
	ck_assert_ptr_nonnull(rs->resource);
	ck_assert_uint_eq(rs->resource->n_attributes, 8);
	assert_string_attr(rs->resource->attributes, rs->resource->n_attributes, "service.name",
			   "checkout-service");
	ck_assert_uint_eq(rs->n_scope_spans, 1);
	const Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = rs->scope_spans[0];
	ck_assert_ptr_nonnull(ss->scope);
	ck_assert_str_ne(ss->scope->name, "");
	ck_assert_str_eq(ss->schema_url, "https://opentelemetry.io/schemas/1.26.0");
	ck_assert_uint_eq(ss->n_spans, trace_bodies[_i].spans);

	size_t roots = 0, children = 0, traces = 0;
	for (size_t i = 0; i < ss->n_spans; i++) {
		const Span *s = ss->spans[i];
		assert_span_shape(s);
		if (find_span(ss->spans, i, &s->trace_id, &s->span_id) != NULL)
			ck_abort_msg("span %zu repeats an earlier trace and span id", i);
		size_t first = 0;
		while (memcmp(ss->spans[first]->trace_id.data, s->trace_id.data, 16) != 0)
			first++;
		if (first == i)
			traces++;
		if (s->parent_span_id.len == 0) {
			ck_assert_int_eq(s->kind, TRACE_V1(SPAN__SPAN_KIND__SPAN_KIND_SERVER));
			roots++;
			continue;
		}
		ck_assert_uint_eq(s->parent_span_id.len, 8);
		ck_assert_msg(find_span(ss->spans, ss->n_spans, &s->trace_id, &s->parent_span_id) != NULL,
			      "span %zu: parent is not in its trace", i);
		children++;
	}
	ck_assert_uint_eq(roots + children, trace_bodies[_i].spans);
	ck_assert_uint_eq(roots, traces); /* one root per trace */
	if (trace_bodies[_i].spans > 1)
		ck_assert_uint_gt(children, 0);

	assert_repacks_identically(&req->base, data, len);
	TRACE_REQ(free_unpacked)(req, NULL);
	free(data);
}
END_TEST

static const Metric *find_metric(Metric *const *metrics, size_t n, int data_case)
{
	for (size_t i = 0; i < n; i++) {
		if ((int)metrics[i]->data_case == data_case)
			return metrics[i];
	}
	ck_abort_msg("no metric of data case %d", data_case);
	return NULL;
}

static void assert_histograms(const Histogram *h)
{
	static const double bounds[] = { 5.0, 10.0, 25.0, 50.0, 100.0 };
	ck_assert_int_eq(h->aggregation_temporality,
			 METRICS_V1(AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA));
	ck_assert_uint_eq(h->n_data_points, 20);
	for (size_t i = 0; i < h->n_data_points; i++) {
		const HistogramDataPoint *dp = h->data_points[i];
		ck_assert_int_eq(dp->_sum_case, METRICS_V1(HISTOGRAM_DATA_POINT___SUM_SUM));
		ck_assert_int_eq(dp->_min_case, METRICS_V1(HISTOGRAM_DATA_POINT___MIN_MIN));
		ck_assert_int_eq(dp->_max_case, METRICS_V1(HISTOGRAM_DATA_POINT___MAX_MAX));
		ck_assert(dp->min <= dp->max);
		ck_assert_uint_eq(dp->n_explicit_bounds, 5);
		ck_assert_mem_eq(dp->explicit_bounds, bounds, sizeof(bounds));
		ck_assert_uint_eq(dp->n_bucket_counts, dp->n_explicit_bounds + 1);
		uint64_t total = 0;
		for (size_t b = 0; b < dp->n_bucket_counts; b++)
			total += dp->bucket_counts[b];
		ck_assert_uint_eq(total, dp->count);
	}
	const HistogramDataPoint *first = h->data_points[0];
	ck_assert_uint_eq(first->count, 51);
	ck_assert_double_eq(first->sum, 1198.5);
	ck_assert_double_eq(first->min, 1.5);
	ck_assert_double_eq(first->max, 180.25);
}

static uint64_t bucket_total(const ExpBuckets *b)
{
	uint64_t total = 0;
	for (size_t i = 0; i < b->n_bucket_counts; i++)
		total += b->bucket_counts[i];
	return total;
}

static void assert_exponential_histograms(const ExpHistogram *h)
{
	ck_assert_uint_eq(h->n_data_points, 20);
	for (size_t i = 0; i < h->n_data_points; i++) {
		const ExpHistogramDataPoint *dp = h->data_points[i];
		ck_assert_int_eq(dp->scale, 3);
		ck_assert_ptr_nonnull(dp->positive);
		ck_assert_ptr_nonnull(dp->negative);
		ck_assert_uint_gt(dp->positive->n_bucket_counts, 0);
		ck_assert_uint_gt(dp->negative->n_bucket_counts, 0);
		ck_assert_uint_eq(dp->zero_count + bucket_total(dp->positive) + bucket_total(dp->negative),
				  dp->count);
		ck_assert_int_eq(dp->_sum_case,
				 METRICS_V1(EXPONENTIAL_HISTOGRAM_DATA_POINT___SUM_SUM));
		/* The body sets no min/max here: absence must stay visible. */
		ck_assert_int_eq(dp->_min_case,
				 METRICS_V1(EXPONENTIAL_HISTOGRAM_DATA_POINT___MIN__NOT_SET));
		ck_assert_int_eq(dp->_max_case,
				 METRICS_V1(EXPONENTIAL_HISTOGRAM_DATA_POINT___MAX__NOT_SET));
	}
	ck_assert_int_eq(h->data_points[0]->positive->offset, 4);
	ck_assert_int_eq(h->data_points[0]->negative->offset, -2); /* sint32 zigzag */
}

START_TEST(test_metrics_kinds)
{
	size_t len;
	uint8_t *data = load_bench("metrics_100.pb", &len);
	MetricsRequest *req = METRICS_REQ(unpack)(NULL, len, data);
	ck_assert_ptr_nonnull(req);
	ck_assert_uint_eq(req->n_resource_metrics, 1);
	const Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm = req->resource_metrics[0];
	assert_string_attr(rm->resource->attributes, rm->resource->n_attributes, "service.name",
			   "checkout-service");
	ck_assert_uint_eq(rm->n_scope_metrics, 1);
	Metric *const *metrics = rm->scope_metrics[0]->metrics;
	size_t n = rm->scope_metrics[0]->n_metrics;
	ck_assert_uint_eq(n, 5);

	const Metric *m = find_metric(metrics, n, METRICS_V1(METRIC__DATA_GAUGE));
	ck_assert_uint_eq(m->gauge->n_data_points, 20);
	for (size_t i = 0; i < m->gauge->n_data_points; i++)
		ck_assert_int_eq(m->gauge->data_points[i]->value_case,
				 METRICS_V1(NUMBER_DATA_POINT__VALUE_AS_DOUBLE));

	m = find_metric(metrics, n, METRICS_V1(METRIC__DATA_SUM));
	ck_assert(m->sum->is_monotonic);
	ck_assert_int_eq(m->sum->aggregation_temporality,
			 METRICS_V1(AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE));
	ck_assert_uint_eq(m->sum->n_data_points, 20);
	for (size_t i = 0; i < m->sum->n_data_points; i++)
		ck_assert_int_eq(m->sum->data_points[i]->value_case,
				 METRICS_V1(NUMBER_DATA_POINT__VALUE_AS_INT));
	ck_assert_int_eq(m->sum->data_points[0]->as_int, 1000);

	m = find_metric(metrics, n, METRICS_V1(METRIC__DATA_HISTOGRAM));
	assert_histograms(m->histogram);

	m = find_metric(metrics, n, METRICS_V1(METRIC__DATA_EXPONENTIAL_HISTOGRAM));
	assert_exponential_histograms(m->exponential_histogram);

	m = find_metric(metrics, n, METRICS_V1(METRIC__DATA_SUMMARY));
	ck_assert_uint_eq(m->summary->n_data_points, 20);
	for (size_t i = 0; i < m->summary->n_data_points; i++) {
		const SummaryDataPoint *dp = m->summary->data_points[i];
		ck_assert_uint_eq(dp->n_quantile_values, 2);
		ck_assert_double_eq(dp->quantile_values[0]->quantile, 0.5);
		ck_assert_double_eq(dp->quantile_values[1]->quantile, 0.99);
		ck_assert(dp->quantile_values[0]->value <= dp->quantile_values[1]->value);
	}

	assert_repacks_identically(&req->base, data, len);
	METRICS_REQ(free_unpacked)(req, NULL);
	free(data);
}
END_TEST

START_TEST(test_logs_records)
{
	size_t len;
	uint8_t *data = load_bench("logs_100.pb", &len);
	LogsRequest *req = LOGS_REQ(unpack)(NULL, len, data);
	ck_assert_ptr_nonnull(req);
	ck_assert_uint_eq(req->n_resource_logs, 1);
	const Opentelemetry__Proto__Logs__V1__ResourceLogs *rl = req->resource_logs[0];
	assert_string_attr(rl->resource->attributes, rl->resource->n_attributes, "service.name",
			   "checkout-service");
	ck_assert_uint_eq(rl->n_scope_logs, 1);
	const Opentelemetry__Proto__Logs__V1__ScopeLogs *sl = rl->scope_logs[0];
	ck_assert_uint_eq(sl->n_log_records, 100);

	size_t per_severity[25] = { 0 };
	size_t kvlist_bodies = 0, with_trace = 0;
	for (size_t i = 0; i < sl->n_log_records; i++) {
		const Opentelemetry__Proto__Logs__V1__LogRecord *r = sl->log_records[i];
		ck_assert_int_ge(r->severity_number, 1);
		ck_assert_int_le(r->severity_number, 24);
		per_severity[r->severity_number]++;
		ck_assert_str_ne(r->severity_text, "");
		ck_assert_uint_ge(r->observed_time_unix_nano, r->time_unix_nano);
		ck_assert_ptr_nonnull(r->body);
		if (r->body->value_case == COMMON_V1(ANY_VALUE__VALUE_KVLIST_VALUE)) {
			ck_assert_uint_gt(r->body->kvlist_value->n_values, 0);
			kvlist_bodies++;
		} else {
			ck_assert_int_eq(r->body->value_case,
					 COMMON_V1(ANY_VALUE__VALUE_STRING_VALUE));
		}
		if (r->trace_id.len != 0) {
			ck_assert_uint_eq(r->trace_id.len, 16);
			ck_assert_uint_eq(r->span_id.len, 8);
			ck_assert_uint_eq(r->flags & LOGS_V1(LOG_RECORD_FLAGS__LOG_RECORD_FLAGS_TRACE_FLAGS_MASK), 1);
			with_trace++;
		} else {
			ck_assert_uint_eq(r->span_id.len, 0);
		}
	}
	ck_assert_uint_eq(per_severity[LOGS_V1(SEVERITY_NUMBER__SEVERITY_NUMBER_DEBUG)], 25);
	ck_assert_uint_eq(per_severity[LOGS_V1(SEVERITY_NUMBER__SEVERITY_NUMBER_INFO)], 25);
	ck_assert_uint_eq(per_severity[LOGS_V1(SEVERITY_NUMBER__SEVERITY_NUMBER_WARN)], 25);
	ck_assert_uint_eq(per_severity[LOGS_V1(SEVERITY_NUMBER__SEVERITY_NUMBER_ERROR)], 25);
	ck_assert_uint_eq(kvlist_bodies, 20);
	ck_assert_uint_eq(with_trace, 50);

	assert_repacks_identically(&req->base, data, len);
	LOGS_REQ(free_unpacked)(req, NULL);
	free(data);
}
END_TEST

static const ProtobufCMessageDescriptor *const request_descriptors[] = {
	&TRACE_REQ(descriptor),
	&METRICS_REQ(descriptor),
	&LOGS_REQ(descriptor),
};

static const struct {
	const char *file;
	const ProtobufCMessageDescriptor *desc;
} all_bodies[] = {
	{ "traces_1.pb", &TRACE_REQ(descriptor) },
	{ "traces_100.pb", &TRACE_REQ(descriptor) },
	{ "traces_1000.pb", &TRACE_REQ(descriptor) },
	{ "metrics_100.pb", &METRICS_REQ(descriptor) },
	{ "logs_100.pb", &LOGS_REQ(descriptor) },
};

/*
 * Every body is one top-level resource_* field, so any cut between the first
 * and the last byte leaves that field short of its declared length.
 */
START_TEST(test_truncated_body_fails)
{
	size_t len;
	uint8_t *data = load_bench(all_bodies[_i].file, &len);
	size_t step = len / 509 + 1;
	for (size_t cut = 1; cut < len; cut += step) {
		ProtobufCMessage *m = protobuf_c_message_unpack(all_bodies[_i].desc, NULL, cut, data);
		ck_assert_msg(m == NULL, "%s cut at %zu bytes was accepted", all_bodies[_i].file, cut);
	}
	ck_assert_ptr_null(protobuf_c_message_unpack(all_bodies[_i].desc, NULL, len - 1, data));
	free(data);
}
END_TEST

static uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/*
 * Random bytes: a buffer of at least 1 KiB would have to parse as dozens of
 * well-formed fields in a row to be accepted, which random data practically
 * never does (short random buffers can legitimately be valid messages made of
 * unknown fields, so they are not used). The seed is fixed so any failure
 * reproduces.
 */
START_TEST(test_random_bytes_fail)
{
	uint64_t seed = 0x6f746c7064ULL;
	uint8_t *buf = malloc(4096);
	ck_assert_ptr_nonnull(buf);
	for (int round = 0; round < 300; round++) {
		size_t len = 1024 + (size_t)(xorshift64(&seed) % 3073);
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)xorshift64(&seed);
		for (size_t d = 0; d < sizeof(request_descriptors) / sizeof(request_descriptors[0]); d++) {
			ProtobufCMessage *m = protobuf_c_message_unpack(request_descriptors[d], NULL, len, buf);
			ck_assert_msg(m == NULL, "random round %d accepted as %s", round, request_descriptors[d]->name);
		}
	}
	free(buf);
}
END_TEST

/* Hand-made wire errors that a hostile client could send. */
START_TEST(test_malformed_wire_fails)
{
	static const struct {
		const char *what;
		uint8_t bytes[16];
		size_t len;
	} cases[] = {
		{ "resource_spans sent as a varint", { 0x08, 0x01 }, 2 },
		{ "length beyond the body", { 0x0a, 0x05, 0x00 }, 3 },
		{ "tag varint longer than 10 bytes",
		  { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 12 },
		{ "field number 0", { 0x02, 0x00 }, 2 },
		{ "group wire type", { 0x13, 0x14 }, 2 },
		{ "span trace_id as fixed32 inside a valid frame",
		  { 0x0a, 0x09, 0x12, 0x07, 0x12, 0x05, 0x0d, 0x01, 0x02, 0x03, 0x04 }, 11 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TraceRequest *req = TRACE_REQ(unpack)(NULL, cases[i].len, cases[i].bytes);
		ck_assert_msg(req == NULL, "accepted: %s", cases[i].what);
	}
	/* Control: the same frame with trace_id as bytes is fine. */
	static const uint8_t good[] = { 0x0a, 0x0a, 0x12, 0x08, 0x12, 0x06, 0x0a, 0x04, 0x01, 0x02, 0x03, 0x04 };
	TraceRequest *req = TRACE_REQ(unpack)(NULL, sizeof(good), good);
	ck_assert_ptr_nonnull(req);
	ck_assert_uint_eq(req->resource_spans[0]->scope_spans[0]->spans[0]->trace_id.len, 4);
	TRACE_REQ(free_unpacked)(req, NULL);
}
END_TEST

/* Fixed-capacity byte builder for expected wire images. */
struct bytes {
	uint8_t data[256];
	size_t len;
};

static void put(struct bytes *b, const void *src, size_t n)
{
	ck_assert_uint_le(n, sizeof(b->data) - b->len);
	memcpy(b->data + b->len, src, n);
	b->len += n;
}

static void assert_packs_to(const ProtobufCMessage *msg, const struct bytes *want)
{
	uint8_t buf[256];
	ck_assert_uint_eq(protobuf_c_message_get_packed_size(msg), want->len);
	ck_assert_uint_le(want->len, sizeof(buf));
	ck_assert_uint_eq(protobuf_c_message_pack(msg, buf), want->len);
	ck_assert_mem_eq(buf, want->data, want->len);
}

/*
 * The gRPC UNAVAILABLE answer: google.rpc.Status{code 14, details[RetryInfo
 * 2.5 s]}. The expected bytes are written out from the published field
 * numbers, independently of our .proto files.
 */
START_TEST(test_rpc_status_with_retry_info)
{
	Google__Protobuf__Duration delay = GOOGLE__PROTOBUF__DURATION__INIT;
	delay.seconds = 2;
	delay.nanos = 500000000;
	Google__Rpc__RetryInfo retry = GOOGLE__RPC__RETRY_INFO__INIT;
	retry.retry_delay = &delay;
	static const uint8_t retry_wire[] = {
		0x0a, 0x08,			/* retry_delay, 8 bytes */
		0x08, 0x02,			/* seconds = 2 */
		0x10, 0x80, 0xca, 0xb5, 0xee, 0x01, /* nanos = 500000000 */
	};
	struct bytes want = { .len = 0 };
	put(&want, retry_wire, sizeof(retry_wire));
	assert_packs_to(&retry.base, &want);

	char type_url[128];
	int n = snprintf(type_url, sizeof(type_url), "type.googleapis.com/%s",
			 google__rpc__retry_info__descriptor.name);
	ck_assert(n > 0 && (size_t)n < sizeof(type_url));
	ck_assert_str_eq(type_url, "type.googleapis.com/google.rpc.RetryInfo");
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	any.type_url = type_url;
	any.value.data = (uint8_t *)retry_wire;
	any.value.len = sizeof(retry_wire);
	Google__Protobuf__Any *details[] = { &any };
	Google__Rpc__Status status = GOOGLE__RPC__STATUS__INIT;
	status.code = 14;
	status.message = (char *)"server overloaded";
	status.n_details = 1;
	status.details = details;

	want.len = 0;
	put(&want, (const uint8_t[]){ 0x08, 14, 0x12, 17 }, 4);
	put(&want, "server overloaded", 17);
	put(&want, (const uint8_t[]){ 0x1a, 2 + 40 + 2 + sizeof(retry_wire), 0x0a, 40 }, 4);
	put(&want, type_url, 40);
	put(&want, (const uint8_t[]){ 0x12, sizeof(retry_wire) }, 2);
	put(&want, retry_wire, sizeof(retry_wire));
	assert_packs_to(&status.base, &want);

	Google__Rpc__Status *back = google__rpc__status__unpack(NULL, want.len, want.data);
	ck_assert_ptr_nonnull(back);
	ck_assert_int_eq(back->code, 14);
	ck_assert_str_eq(back->message, "server overloaded");
	ck_assert_uint_eq(back->n_details, 1);
	ck_assert_str_eq(back->details[0]->type_url, type_url);
	Google__Rpc__RetryInfo *ri =
		google__rpc__retry_info__unpack(NULL, back->details[0]->value.len, back->details[0]->value.data);
	ck_assert_ptr_nonnull(ri);
	ck_assert_ptr_nonnull(ri->retry_delay);
	ck_assert_int_eq(ri->retry_delay->seconds, 2);
	ck_assert_int_eq(ri->retry_delay->nanos, 500000000);
	google__rpc__retry_info__free_unpacked(ri, NULL);
	google__rpc__status__free_unpacked(back, NULL);
}
END_TEST

/* partial_success has the same layout in all three responses. */
START_TEST(test_partial_success_round_trip)
{
	static const char msg[] = "2 spans rejected: empty trace_id";
	const size_t msg_len = sizeof(msg) - 1;
	struct bytes want = { .len = 0 };
	put(&want, (const uint8_t[]){ 0x0a, (uint8_t)(4 + msg_len), 0x08, 0x02, 0x12, (uint8_t)msg_len }, 6);
	put(&want, msg, msg_len);

	Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
	ps.rejected_spans = 2;
	ps.error_message = (char *)msg;
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse resp =
		OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
	ck_assert_uint_eq(protobuf_c_message_get_packed_size(&resp.base), 0); /* full success */
	resp.partial_success = &ps;
	assert_packs_to(&resp.base, &want);

	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *back =
		TRACE_RESP(unpack)(NULL, want.len, want.data);
	ck_assert_ptr_nonnull(back);
	ck_assert_ptr_nonnull(back->partial_success);
	ck_assert_int_eq(back->partial_success->rejected_spans, 2);
	ck_assert_str_eq(back->partial_success->error_message, msg);
	TRACE_RESP(free_unpacked)(back, NULL);

	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsPartialSuccess mps =
		OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_PARTIAL_SUCCESS__INIT;
	mps.rejected_data_points = 2;
	mps.error_message = (char *)msg;
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceResponse mresp =
		OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_RESPONSE__INIT;
	mresp.partial_success = &mps;
	assert_packs_to(&mresp.base, &want);

	Opentelemetry__Proto__Collector__Logs__V1__ExportLogsPartialSuccess lps =
		OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_PARTIAL_SUCCESS__INIT;
	lps.rejected_log_records = 2;
	lps.error_message = (char *)msg;
	Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceResponse lresp =
		OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_RESPONSE__INIT;
	lresp.partial_success = &lps;
	assert_packs_to(&lresp.base, &want);
}
END_TEST

/*
 * The one-member oneofs that stand in for proto3 `optional` must keep
 * presence: a set 0.0 is sent, an unset value is not.
 */
START_TEST(test_optional_sum_presence)
{
	HistogramDataPoint dp = METRICS_V1(HISTOGRAM_DATA_POINT__INIT);
	ck_assert_uint_eq(protobuf_c_message_get_packed_size(&dp.base), 0);
	dp._sum_case = METRICS_V1(HISTOGRAM_DATA_POINT___SUM_SUM);
	dp.sum = 0.0;
	struct bytes want = { .len = 0 };
	put(&want, (const uint8_t[]){ 0x29, 0, 0, 0, 0, 0, 0, 0, 0 }, 9); /* field 5, fixed64 */
	assert_packs_to(&dp.base, &want);

	HistogramDataPoint *back =
		opentelemetry__proto__metrics__v1__histogram_data_point__unpack(NULL, want.len, want.data);
	ck_assert_ptr_nonnull(back);
	ck_assert_int_eq(back->_sum_case, METRICS_V1(HISTOGRAM_DATA_POINT___SUM_SUM));
	ck_assert_int_eq(back->_min_case, METRICS_V1(HISTOGRAM_DATA_POINT___MIN__NOT_SET));
	opentelemetry__proto__metrics__v1__histogram_data_point__free_unpacked(back, NULL);

	ExpHistogramDataPoint edp = METRICS_V1(EXPONENTIAL_HISTOGRAM_DATA_POINT__INIT);
	edp._max_case = METRICS_V1(EXPONENTIAL_HISTOGRAM_DATA_POINT___MAX_MAX);
	edp.max = 0.0;
	want.len = 0;
	put(&want, (const uint8_t[]){ 0x69, 0, 0, 0, 0, 0, 0, 0, 0 }, 9); /* field 13, fixed64 */
	assert_packs_to(&edp.base, &want);
}
END_TEST

/* The gRPC paths come from the package and service names. */
START_TEST(test_grpc_service_paths)
{
	static const struct {
		const ProtobufCServiceDescriptor *svc;
		const char *path;
	} services[] = {
		{ &opentelemetry__proto__collector__trace__v1__trace_service__descriptor,
		  "/opentelemetry.proto.collector.trace.v1.TraceService/Export" },
		{ &opentelemetry__proto__collector__metrics__v1__metrics_service__descriptor,
		  "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export" },
		{ &opentelemetry__proto__collector__logs__v1__logs_service__descriptor,
		  "/opentelemetry.proto.collector.logs.v1.LogsService/Export" },
	};
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		ck_assert_uint_eq(services[i].svc->n_methods, 1);
		char path[160];
		int n = snprintf(path, sizeof(path), "/%s/%s", services[i].svc->name, services[i].svc->methods[0].name);
		ck_assert(n > 0 && (size_t)n < sizeof(path));
		ck_assert_str_eq(path, services[i].path);
		ck_assert_ptr_eq(services[i].svc->methods[0].input, request_descriptors[i]);
	}
}
END_TEST

static Suite *proto_suite(void)
{
	Suite *s = suite_create("proto");
	size_t n_traces = sizeof(trace_bodies) / sizeof(trace_bodies[0]);
	size_t n_bodies = sizeof(all_bodies) / sizeof(all_bodies[0]);

	TCase *tc = tcase_create("bench bodies");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_traces_body, 0, (int)n_traces);
	tcase_add_test(tc, test_metrics_kinds);
	tcase_add_test(tc, test_logs_records);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad input");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_truncated_body_fails, 0, (int)n_bodies);
	tcase_add_test(tc, test_random_bytes_fail);
	tcase_add_test(tc, test_malformed_wire_fails);
	suite_add_tcase(s, tc);

	tc = tcase_create("messages otlpd builds");
	tcase_add_test(tc, test_rpc_status_with_retry_info);
	tcase_add_test(tc, test_partial_success_round_trip);
	tcase_add_test(tc, test_optional_sum_presence);
	tcase_add_test(tc, test_grpc_service_paths);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(proto_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
