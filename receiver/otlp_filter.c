#include "otlp_filter.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "pb_arena.h"

#define MIB ((size_t)1 << 20)

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest TraceRequest;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest MetricsRequest;
typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest LogsRequest;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Trace__V1__Span__Link Link;
typedef Opentelemetry__Proto__Logs__V1__LogRecord LogRecord;
typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;
typedef Opentelemetry__Proto__Metrics__V1__Exemplar Exemplar;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint NumberPoint;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint HistogramPoint;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint ExpHistogramPoint;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint SummaryPoint;

#define METRIC_DATA(name) OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##name

/* The rules, as otlp_validate.h lists them. */

static bool all_zero(const ProtobufCBinaryData *b)
{
	for (size_t i = 0; i < b->len; i++) {
		if (b->data[i])
			return false;
	}
	return true;
}

static bool required_id(const ProtobufCBinaryData *b, size_t want)
{
	return b->len == want && !all_zero(b);
}

static bool optional_id(const ProtobufCBinaryData *b, size_t want)
{
	return b->len == 0 || b->len == want;
}

static bool span_ok(const void *item)
{
	const Span *s = item;
	if (!required_id(&s->trace_id, 16) || !required_id(&s->span_id, 8) ||
	    !optional_id(&s->parent_span_id, 8))
		return false;
	for (size_t i = 0; i < s->n_links; i++) {
		const Link *l = s->links[i];
		if (!required_id(&l->trace_id, 16) || !required_id(&l->span_id, 8))
			return false;
	}
	return true;
}

static bool log_ok(const void *item)
{
	const LogRecord *r = item;
	return optional_id(&r->trace_id, 16) && optional_id(&r->span_id, 8);
}

static bool exemplars_ok(Exemplar *const *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!optional_id(&e[i]->trace_id, 16) || !optional_id(&e[i]->span_id, 8))
			return false;
	}
	return true;
}

static bool number_point_ok(const void *item)
{
	const NumberPoint *p = item;
	return exemplars_ok(p->exemplars, p->n_exemplars);
}

static bool histogram_point_ok(const void *item)
{
	const HistogramPoint *p = item;
	return exemplars_ok(p->exemplars, p->n_exemplars) &&
	       (p->n_bucket_counts == 0 || p->n_bucket_counts == p->n_explicit_bounds + 1);
}

static bool exp_histogram_point_ok(const void *item)
{
	const ExpHistogramPoint *p = item;
	return exemplars_ok(p->exemplars, p->n_exemplars);
}

static bool summary_point_ok(const void *item)
{
	(void)item;
	return true;
}

/* Keeps the items that pass, in order; returns how many went. */
static uint64_t keep(void *items, size_t *n, bool (*ok)(const void *))
{
	void **v = items;
	size_t w = 0;
	for (size_t i = 0; i < *n; i++) {
		if (ok(v[i]))
			v[w++] = v[i];
	}
	uint64_t gone = *n - w;
	*n = w;
	return gone;
}

/* The data points of a metric: where they are and the rule they follow. */
static bool metric_points(Metric *m, void **items, size_t **n, bool (**ok)(const void *))
{
	switch (m->data_case) {
	case METRIC_DATA(GAUGE):
		*items = m->gauge->data_points, *n = &m->gauge->n_data_points, *ok = number_point_ok;
		return true;
	case METRIC_DATA(SUM):
		*items = m->sum->data_points, *n = &m->sum->n_data_points, *ok = number_point_ok;
		return true;
	case METRIC_DATA(HISTOGRAM):
		*items = m->histogram->data_points, *n = &m->histogram->n_data_points;
		*ok = histogram_point_ok;
		return true;
	case METRIC_DATA(EXPONENTIAL_HISTOGRAM):
		*items = m->exponential_histogram->data_points;
		*n = &m->exponential_histogram->n_data_points;
		*ok = exp_histogram_point_ok;
		return true;
	case METRIC_DATA(SUMMARY):
		*items = m->summary->data_points, *n = &m->summary->n_data_points;
		*ok = summary_point_ok;
		return true;
	default:
		return false;
	}
}

/* Returns false when the whole metric goes. */
static bool filter_metric(Metric *m, uint64_t *removed)
{
	void *items;
	size_t *n;
	bool (*ok)(const void *);
	if (!metric_points(m, &items, &n, &ok)) {
		*removed += 1; /* a metric without data counts as one data point */
		return false;
	}
	if (m->name[0] == '\0') {
		*removed += *n;
		return false;
	}
	size_t before = *n;
	*removed += keep(items, n, ok);
	return before == 0 || *n > 0;
}

static void filter_traces(TraceRequest *req, uint64_t *removed)
{
	size_t wr = 0;
	for (size_t r = 0; r < req->n_resource_spans; r++) {
		Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = req->resource_spans[r];
		size_t ws = 0, scopes = rs->n_scope_spans;
		for (size_t s = 0; s < rs->n_scope_spans; s++) {
			Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = rs->scope_spans[s];
			size_t before = ss->n_spans;
			*removed += keep(ss->spans, &ss->n_spans, span_ok);
			if (before == 0 || ss->n_spans > 0)
				rs->scope_spans[ws++] = ss;
		}
		rs->n_scope_spans = ws;
		if (scopes == 0 || ws > 0)
			req->resource_spans[wr++] = rs;
	}
	req->n_resource_spans = wr;
}

static void filter_metrics(MetricsRequest *req, uint64_t *removed)
{
	size_t wr = 0;
	for (size_t r = 0; r < req->n_resource_metrics; r++) {
		Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm = req->resource_metrics[r];
		size_t ws = 0, scopes = rm->n_scope_metrics;
		for (size_t s = 0; s < rm->n_scope_metrics; s++) {
			Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm = rm->scope_metrics[s];
			size_t wm = 0, before = sm->n_metrics;
			for (size_t i = 0; i < sm->n_metrics; i++) {
				if (filter_metric(sm->metrics[i], removed))
					sm->metrics[wm++] = sm->metrics[i];
			}
			sm->n_metrics = wm;
			if (before == 0 || wm > 0)
				rm->scope_metrics[ws++] = sm;
		}
		rm->n_scope_metrics = ws;
		if (scopes == 0 || ws > 0)
			req->resource_metrics[wr++] = rm;
	}
	req->n_resource_metrics = wr;
}

static void filter_logs(LogsRequest *req, uint64_t *removed)
{
	size_t wr = 0;
	for (size_t r = 0; r < req->n_resource_logs; r++) {
		Opentelemetry__Proto__Logs__V1__ResourceLogs *rl = req->resource_logs[r];
		size_t ws = 0, scopes = rl->n_scope_logs;
		for (size_t s = 0; s < rl->n_scope_logs; s++) {
			Opentelemetry__Proto__Logs__V1__ScopeLogs *sl = rl->scope_logs[s];
			size_t before = sl->n_log_records;
			*removed += keep(sl->log_records, &sl->n_log_records, log_ok);
			if (before == 0 || sl->n_log_records > 0)
				rl->scope_logs[ws++] = sl;
		}
		rl->n_scope_logs = ws;
		if (scopes == 0 || ws > 0)
			req->resource_logs[wr++] = rl;
	}
	req->n_resource_logs = wr;
}

int otlp_filter_rejected(enum otlp_signal signal, const uint8_t *in, size_t len,
			 size_t max_memory, uint8_t **out, size_t *out_len, uint64_t *removed)
{
	const ProtobufCMessageDescriptor *d = otlp_signal_request_descriptor(signal);
	if (!d || !out || !out_len || !removed || (!in && len))
		return -EINVAL;
	if (max_memory == 0)
		max_memory = len > (SIZE_MAX - MIB) / 8 ? SIZE_MAX : 8 * len + MIB;
	struct pb_arena arena;
	pb_arena_init(&arena, 2 * len + 4096, max_memory);
	ProtobufCMessage *m = protobuf_c_message_unpack(d, &arena.allocator, len, in);
	if (!m) {
		int rc = pb_arena_exhausted(&arena) ? -E2BIG : -EBADMSG;
		pb_arena_destroy(&arena);
		return rc;
	}
	*removed = 0;
	if (signal == OTLP_SIGNAL_TRACES)
		filter_traces((TraceRequest *)m, removed);
	else if (signal == OTLP_SIGNAL_METRICS)
		filter_metrics((MetricsRequest *)m, removed);
	else
		filter_logs((LogsRequest *)m, removed);
	size_t size = protobuf_c_message_get_packed_size(m);
	*out = malloc(size ? size : 1);
	int rc = 0;
	if (*out)
		*out_len = protobuf_c_message_pack(m, *out);
	else
		rc = -ENOMEM;
	pb_arena_destroy(&arena);
	return rc;
}
