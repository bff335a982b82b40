#include <string.h>

#include "rows_internal.h"

typedef Opentelemetry__Proto__Metrics__V1__ResourceMetrics ResourceMetrics;
typedef Opentelemetry__Proto__Metrics__V1__ScopeMetrics ScopeMetrics;
typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint NumberPoint;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint HistogramPoint;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint ExpPoint;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint__Buckets ExpBuckets;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint SummaryPoint;

#define METRIC(name) OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##name
#define NUMBER(name) OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_##name
#define HIST(name) OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT__##name
#define EXP(name) OPENTELEMETRY__PROTO__METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT__##name

enum metric_column {
	M_NAME,
	M_DESCRIPTION,
	M_UNIT,
	M_TYPE,
	M_TIMESTAMP,
	M_START,
	M_VALUE,
	M_VALUE_INT,
	M_TEMPORALITY,
	M_MONOTONIC,
	M_COUNT,
	M_SUM,
	M_MIN,
	M_MAX,
	M_BUCKET_COUNTS,
	M_EXPLICIT_BOUNDS,
	M_SCALE,
	M_ZERO_COUNT,
	M_ZERO_THRESHOLD,
	M_POSITIVE_OFFSET,
	M_POSITIVE_BUCKET_COUNTS,
	M_NEGATIVE_OFFSET,
	M_NEGATIVE_BUCKET_COUNTS,
	M_QUANTILE_VALUES,
	M_EXEMPLARS,
	M_FLAGS,
	M_ATTRIBUTES,
	M_METADATA,
	M_COMMON,
};

static const struct arrow_field metric_fields[] = {
	{"metric_name", ARROW_UTF8, 0, false, false},
	{"description", ARROW_UTF8, 0, false, false},
	{"unit", ARROW_UTF8, 0, false, false},
	{"metric_type", ARROW_UTF8, 0, false, false},
	{"timestamp_unix_nano", ARROW_UINT64, 0, false, false},
	{"start_time_unix_nano", ARROW_UINT64, 0, false, false},
	{"value", ARROW_FLOAT64, 0, true, false},
	{"value_int", ARROW_INT64, 0, true, false},
	{"aggregation_temporality", ARROW_INT32, 0, true, false},
	{"is_monotonic", ARROW_BOOL, 0, true, false},
	{"count", ARROW_UINT64, 0, true, false},
	{"sum", ARROW_FLOAT64, 0, true, false},
	{"min", ARROW_FLOAT64, 0, true, false},
	{"max", ARROW_FLOAT64, 0, true, false},
	{"bucket_counts", ARROW_UTF8, 0, true, false},
	{"explicit_bounds", ARROW_UTF8, 0, true, false},
	{"scale", ARROW_INT32, 0, true, false},
	{"zero_count", ARROW_UINT64, 0, true, false},
	{"zero_threshold", ARROW_FLOAT64, 0, true, false},
	{"positive_offset", ARROW_INT32, 0, true, false},
	{"positive_bucket_counts", ARROW_UTF8, 0, true, false},
	{"negative_offset", ARROW_INT32, 0, true, false},
	{"negative_bucket_counts", ARROW_UTF8, 0, true, false},
	{"quantile_values", ARROW_UTF8, 0, true, false},
	{"exemplars", ARROW_UTF8, 0, false, false},
	{"flags", ARROW_UINT32, 0, false, false},
	{"attributes", ARROW_UTF8, 0, false, false},
	{"metric_metadata", ARROW_UTF8, 0, false, false},
	ROWS_COMMON_FIELDS,
};

_Static_assert(sizeof metric_fields / sizeof metric_fields[0] == M_COMMON + ROWS_COMMON_COUNT,
	       "metric columns and fields disagree");

const struct arrow_schema rows_metric_schema = {
	.name = "metrics",
	.version = ROWS_SCHEMA_VERSION,
	.fields = metric_fields,
	.count = sizeof metric_fields / sizeof metric_fields[0],
};

/* One data point of any kind, seen through the columns it fills. */
struct point {
	const char *type;
	uint64_t time, start, count, zero_count;
	double value, sum, min, max, zero_threshold;
	int64_t value_int;
	int32_t temporality, scale;
	uint32_t flags;
	bool has_value, has_value_int, has_temporality, has_monotonic, monotonic, has_count;
	bool has_sum, has_min, has_max, has_exp;
	const HistogramPoint *histogram;
	const ExpBuckets *positive, *negative;
	const SummaryPoint *summary;
	OtlpExemplar *const *exemplars;
	size_t n_exemplars;
	OtlpKeyValue *const *attributes;
	size_t n_attributes;
};

static int opt_f64(struct arrow_column *c, bool has, double v)
{
	return has ? arrow_column_append_f64(c, v) : arrow_column_append_null(c);
}

static int opt_u64(struct arrow_column *c, bool has, uint64_t v)
{
	return has ? arrow_column_append_u64(c, v) : arrow_column_append_null(c);
}

static int opt_i32(struct arrow_column *c, bool has, int32_t v)
{
	return has ? arrow_column_append_i32(c, v) : arrow_column_append_null(c);
}

static int buckets(struct arrow_column *offset, struct arrow_column *counts, const ExpBuckets *b)
{
	if (!b) {
		int err = arrow_column_append_null(offset);
		return err ? err : arrow_column_append_null(counts);
	}
	int err = arrow_column_append_i32(offset, b->offset);
	if (!err)
		err = rows_close_json(counts, otlp_json_u64_array(&counts->values, b->bucket_counts,
								  b->n_bucket_counts));
	return err;
}

static int histogram_columns(struct arrow_column *c, const HistogramPoint *h)
{
	if (!h) {
		int err = arrow_column_append_null(&c[M_BUCKET_COUNTS]);
		return err ? err : arrow_column_append_null(&c[M_EXPLICIT_BOUNDS]);
	}
	int err = rows_close_json(&c[M_BUCKET_COUNTS],
				  otlp_json_u64_array(&c[M_BUCKET_COUNTS].values, h->bucket_counts,
						      h->n_bucket_counts));
	if (!err)
		err = rows_close_json(&c[M_EXPLICIT_BOUNDS],
				      otlp_json_f64_array(&c[M_EXPLICIT_BOUNDS].values,
							  h->explicit_bounds, h->n_explicit_bounds));
	return err;
}

static int exp_columns(struct arrow_column *c, const struct point *p)
{
	int err = opt_i32(&c[M_SCALE], p->has_exp, p->scale);
	if (!err)
		err = opt_u64(&c[M_ZERO_COUNT], p->has_exp, p->zero_count);
	if (!err)
		err = opt_f64(&c[M_ZERO_THRESHOLD], p->has_exp, p->zero_threshold);
	if (!err)
		err = buckets(&c[M_POSITIVE_OFFSET], &c[M_POSITIVE_BUCKET_COUNTS], p->positive);
	if (!err)
		err = buckets(&c[M_NEGATIVE_OFFSET], &c[M_NEGATIVE_BUCKET_COUNTS], p->negative);
	return err;
}

static int point_row(struct row_sink *s, const Metric *m, const struct point *p)
{
	struct arrow_column *c = s->batch->cols;
	int err = arrow_column_append_str(&c[M_NAME], m->name);
	if (!err)
		err = arrow_column_append_str(&c[M_DESCRIPTION], m->description);
	if (!err)
		err = arrow_column_append_str(&c[M_UNIT], m->unit);
	if (!err)
		err = arrow_column_append_str(&c[M_TYPE], p->type);
	if (!err)
		err = arrow_column_append_u64(&c[M_TIMESTAMP], p->time);
	if (!err)
		err = arrow_column_append_u64(&c[M_START], p->start);
	if (!err)
		err = opt_f64(&c[M_VALUE], p->has_value, p->value);
	if (!err)
		err = p->has_value_int ? arrow_column_append_i64(&c[M_VALUE_INT], p->value_int)
				       : arrow_column_append_null(&c[M_VALUE_INT]);
	if (!err)
		err = opt_i32(&c[M_TEMPORALITY], p->has_temporality, p->temporality);
	if (!err)
		err = p->has_monotonic ? arrow_column_append_bool(&c[M_MONOTONIC], p->monotonic)
				       : arrow_column_append_null(&c[M_MONOTONIC]);
	if (!err)
		err = opt_u64(&c[M_COUNT], p->has_count, p->count);
	if (!err)
		err = opt_f64(&c[M_SUM], p->has_sum, p->sum);
	if (!err)
		err = opt_f64(&c[M_MIN], p->has_min, p->min);
	if (!err)
		err = opt_f64(&c[M_MAX], p->has_max, p->max);
	if (!err)
		err = histogram_columns(c, p->histogram);
	if (!err)
		err = exp_columns(c, p);
	if (!err)
		err = p->summary ? rows_close_json(&c[M_QUANTILE_VALUES],
						   otlp_json_quantiles(&c[M_QUANTILE_VALUES].values,
								       p->summary->quantile_values,
								       p->summary->n_quantile_values))
				 : arrow_column_append_null(&c[M_QUANTILE_VALUES]);
	if (!err)
		err = rows_close_json(&c[M_EXEMPLARS], otlp_json_exemplars(&c[M_EXEMPLARS].values,
									   p->exemplars,
									   p->n_exemplars));
	if (!err)
		err = arrow_column_append_u32(&c[M_FLAGS], p->flags);
	if (!err)
		err = rows_close_json(&c[M_ATTRIBUTES], otlp_json_attributes(&c[M_ATTRIBUTES].values,
									     p->attributes,
									     p->n_attributes));
	if (!err)
		err = rows_close_json(&c[M_METADATA], otlp_json_attributes(&c[M_METADATA].values,
									   m->metadata,
									   m->n_metadata));
	if (!err)
		err = rows_append_common(s, M_COMMON);
	return err;
}

static void number_point(struct point *p, const NumberPoint *n)
{
	p->time = n->time_unix_nano;
	p->start = n->start_time_unix_nano;
	if (n->value_case == NUMBER(AS_DOUBLE)) {
		p->has_value = true;
		p->value = n->as_double;
	} else if (n->value_case == NUMBER(AS_INT)) {
		p->has_value = p->has_value_int = true;
		p->value = (double)n->as_int;
		p->value_int = n->as_int;
	}
	p->exemplars = n->exemplars;
	p->n_exemplars = n->n_exemplars;
	p->flags = n->flags;
	p->attributes = n->attributes;
	p->n_attributes = n->n_attributes;
}

static void histogram_point(struct point *p, const HistogramPoint *h)
{
	p->time = h->time_unix_nano;
	p->start = h->start_time_unix_nano;
	p->has_count = true;
	p->count = h->count;
	p->has_sum = h->_sum_case == HIST(_SUM_SUM);
	p->sum = h->sum;
	p->has_min = h->_min_case == HIST(_MIN_MIN);
	p->min = h->min;
	p->has_max = h->_max_case == HIST(_MAX_MAX);
	p->max = h->max;
	p->histogram = h;
	p->exemplars = h->exemplars;
	p->n_exemplars = h->n_exemplars;
	p->flags = h->flags;
	p->attributes = h->attributes;
	p->n_attributes = h->n_attributes;
}

static void exp_point(struct point *p, const ExpPoint *e)
{
	p->time = e->time_unix_nano;
	p->start = e->start_time_unix_nano;
	p->has_count = true;
	p->count = e->count;
	p->has_sum = e->_sum_case == EXP(_SUM_SUM);
	p->sum = e->sum;
	p->has_min = e->_min_case == EXP(_MIN_MIN);
	p->min = e->min;
	p->has_max = e->_max_case == EXP(_MAX_MAX);
	p->max = e->max;
	p->has_exp = true;
	p->scale = e->scale;
	p->zero_count = e->zero_count;
	p->zero_threshold = e->zero_threshold;
	p->positive = e->positive;
	p->negative = e->negative;
	p->exemplars = e->exemplars;
	p->n_exemplars = e->n_exemplars;
	p->flags = e->flags;
	p->attributes = e->attributes;
	p->n_attributes = e->n_attributes;
}

static void summary_point(struct point *p, const SummaryPoint *q)
{
	p->time = q->time_unix_nano;
	p->start = q->start_time_unix_nano;
	p->has_count = p->has_sum = true;
	p->count = q->count;
	p->sum = q->sum;
	p->summary = q;
	p->flags = q->flags;
	p->attributes = q->attributes;
	p->n_attributes = q->n_attributes;
}

static size_t point_count(const Metric *m)
{
	switch (m->data_case) {
	case METRIC(GAUGE):
		return m->gauge ? m->gauge->n_data_points : 0;
	case METRIC(SUM):
		return m->sum ? m->sum->n_data_points : 0;
	case METRIC(HISTOGRAM):
		return m->histogram ? m->histogram->n_data_points : 0;
	case METRIC(EXPONENTIAL_HISTOGRAM):
		return m->exponential_histogram ? m->exponential_histogram->n_data_points : 0;
	case METRIC(SUMMARY):
		return m->summary ? m->summary->n_data_points : 0;
	default:
		return 0;
	}
}

/* Fills p for point i of m; false when the item rules reject it. */
static bool load_point(const Metric *m, size_t i, struct point *p)
{
	memset(p, 0, sizeof *p);
	switch (m->data_case) {
	case METRIC(GAUGE):
		p->type = "gauge";
		number_point(p, m->gauge->data_points[i]);
		break;
	case METRIC(SUM):
		p->type = "sum";
		number_point(p, m->sum->data_points[i]);
		p->has_temporality = p->has_monotonic = true;
		p->temporality = (int32_t)m->sum->aggregation_temporality;
		p->monotonic = m->sum->is_monotonic;
		break;
	case METRIC(HISTOGRAM): {
		const HistogramPoint *h = m->histogram->data_points[i];
		p->type = "histogram";
		histogram_point(p, h);
		p->has_temporality = true;
		p->temporality = (int32_t)m->histogram->aggregation_temporality;
		if (h->n_bucket_counts != 0 && h->n_bucket_counts != h->n_explicit_bounds + 1)
			return false;
		break;
	}
	case METRIC(EXPONENTIAL_HISTOGRAM):
		p->type = "exponential_histogram";
		exp_point(p, m->exponential_histogram->data_points[i]);
		p->has_temporality = true;
		p->temporality = (int32_t)m->exponential_histogram->aggregation_temporality;
		break;
	case METRIC(SUMMARY):
		p->type = "summary";
		summary_point(p, m->summary->data_points[i]);
		break;
	default:
		return false;
	}
	return m->name && m->name[0] && rows_exemplars_ok(p->exemplars, p->n_exemplars);
}

static uint64_t points_under_scope(const ScopeMetrics *sm, size_t metric_from)
{
	uint64_t n = 0;
	for (size_t i = metric_from; i < sm->n_metrics; i++)
		n += point_count(sm->metrics[i]);
	return n;
}

static uint64_t points_under_resource(const ResourceMetrics *rm)
{
	uint64_t n = 0;
	for (size_t i = 0; i < rm->n_scope_metrics; i++)
		n += points_under_scope(rm->scope_metrics[i], 0);
	return n;
}

/* The data points of one metric from cur->item on. */
static int metric_rows(struct row_sink *s, const Metric *m, struct row_cursor *cur)
{
	size_t n = point_count(m);
	if (n == 0 && m->data_case == METRIC(_NOT_SET))
		rows_skip(s, 1, -EBADMSG); /* no data: one rejected item, as the validator */
	for (; cur->item < n; cur->item++) {
		struct point p;
		if (!load_point(m, cur->item, &p)) {
			rows_skip(s, 1, -EBADMSG);
			continue;
		}
		if (rows_full(s))
			return ROWS_FULL;
		if (rows_finish(s, point_row(s, m, &p)) == ROWS_FULL)
			return ROWS_FULL;
	}
	return ROWS_DONE;
}

int rows_append_metrics(struct row_sink *s, const MetricsRequest *req, struct row_cursor *cur)
{
	for (; cur->resource < req->n_resource_metrics;
	     cur->resource++, cur->scope = cur->metric = cur->item = 0, cur->resource_ready = 0) {
		const ResourceMetrics *rm = req->resource_metrics[cur->resource];
		if (!cur->resource_ready) {
			int err = rows_set_resource(&s->ctx, rm->resource, rm->schema_url);
			if (err) {
				rows_skip(s, points_under_resource(rm), err);
				continue;
			}
			cur->resource_ready = 1;
		}
		for (; cur->scope < rm->n_scope_metrics;
		     cur->scope++, cur->metric = cur->item = 0, cur->scope_ready = 0) {
			const ScopeMetrics *sm = rm->scope_metrics[cur->scope];
			if (!cur->scope_ready) {
				int err = rows_set_scope(&s->ctx, sm->scope, sm->schema_url);
				if (err) {
					rows_skip(s, points_under_scope(sm, 0), err);
					continue;
				}
				cur->scope_ready = 1;
			}
			for (; cur->metric < sm->n_metrics; cur->metric++, cur->item = 0) {
				if (metric_rows(s, sm->metrics[cur->metric], cur) == ROWS_FULL)
					return ROWS_FULL;
			}
		}
	}
	return ROWS_DONE;
}
