/*
 * Unit tests for the item rules of otlp_validate() and for
 * otlp_filter_rejected() (receiver/otlp_filter.c): a broken item is
 * rejected with its path in the message, the request is still accepted,
 * and the filter removes exactly the rejected items (and the envelopes it
 * emptied), leaving a request that validates with nothing rejected.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_filter.h"
#include "otlp_test_fixtures.h"
#include "otlp_test_util.h"
#include "otlp_validate.h"

static uint8_t zeros[16];
static uint8_t long_id[32] = { 1 };

static const char *const bodies[] = { "traces_1.pb", "traces_100.pb", "traces_1000.pb",
				      "metrics_100.pb", "logs_100.pb" };

START_TEST(test_short_trace_id_rejects_the_span)
{
	struct traces t;
	traces_init(&t, 3);
	t.spans[2].trace_id.len = 3;
	size_t len;
	uint8_t *buf = pack_message(&t.req.base, &len);
	struct otlp_check c;
	ck_assert_int_eq(validate(OTLP_SIGNAL_TRACES, buf, len, &c), 0);
	ck_assert_uint_eq(c.items, 3);
	ck_assert_uint_eq(c.rejected, 1);
	ck_assert_str_eq(c.message,
			 "resource_spans[0].scope_spans[0].spans[2].trace_id: 3 bytes, must be 16");

	uint8_t *out;
	size_t out_len;
	uint64_t removed;
	ck_assert_int_eq(otlp_filter_rejected(OTLP_SIGNAL_TRACES, buf, len, 0, &out, &out_len,
					      &removed), 0);
	ck_assert_uint_eq(removed, 1);
	ck_assert_int_eq(validate(OTLP_SIGNAL_TRACES, out, out_len, &c), 0);
	ck_assert_uint_eq(c.items, 2);
	ck_assert_uint_eq(c.rejected, 0);
	free(out);
	free(buf);
}
END_TEST

/* Span rules: what to break, and the message. */
static void break_span(Span *s, Link *l, int which)
{
	switch (which) {
	case 0: s->trace_id.data = zeros; break;
	case 1: s->span_id.len = 0; break;
	case 2: s->span_id.data = zeros; break;
	case 3: s->parent_span_id = (ProtobufCBinaryData){ 4, span_id }; break;
	case 4: l->trace_id.len = 15; break;
	case 5: l->span_id.data = zeros; break;
	default: break;
	}
}

static const char *const span_rule_says[] = {
	"spans[0].trace_id: all zero", "spans[0].span_id: 0 bytes, must be 8",
	"spans[0].span_id: all zero", "spans[0].parent_span_id: 4 bytes, must be empty or 8",
	"spans[0].links[0].trace_id: 15 bytes, must be 16", "spans[0].links[0].span_id: all zero",
};

START_TEST(test_span_rules)
{
	struct traces t;
	traces_init(&t, 2);
	Link link = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__LINK__INIT, *lp = &link;
	link.trace_id = (ProtobufCBinaryData){ 16, trace_id };
	link.span_id = (ProtobufCBinaryData){ 8, span_id };
	t.spans[0].n_links = 1;
	t.spans[0].links = &lp;
	size_t len;
	uint8_t *buf = pack_message(&t.req.base, &len);
	struct otlp_check c;
	ck_assert_int_eq(validate(OTLP_SIGNAL_TRACES, buf, len, &c), 0);
	ck_assert_uint_eq(c.rejected, 0);
	free(buf);

	break_span(&t.spans[0], &link, _i);
	buf = pack_message(&t.req.base, &len);
	ck_assert_int_eq(validate(OTLP_SIGNAL_TRACES, buf, len, &c), 0);
	ck_assert_uint_eq(c.items, 2);
	ck_assert_uint_eq(c.rejected, 1);
	ck_assert_msg(strstr(c.message, span_rule_says[_i]) != NULL, "%s", c.message);
	free(buf);
}
END_TEST

struct logs {
	LogsRequest req;
	ResourceLogs rl, *rlp[1];
	ScopeLogs sl, *slp[1];
	LogRecord recs[3], *rp[3];
};

static void logs_init(struct logs *l)
{
	*l = (struct logs){ .req = LOGS_REQ_INIT };
	l->rl = (ResourceLogs)OPENTELEMETRY__PROTO__LOGS__V1__RESOURCE_LOGS__INIT;
	l->sl = (ScopeLogs)OPENTELEMETRY__PROTO__LOGS__V1__SCOPE_LOGS__INIT;
	for (int i = 0; i < 3; i++) {
		l->recs[i] = (LogRecord)OPENTELEMETRY__PROTO__LOGS__V1__LOG_RECORD__INIT;
		l->recs[i].severity_text = "INFO";
		l->rp[i] = &l->recs[i];
	}
	l->sl.n_log_records = 3;
	l->sl.log_records = l->rp;
	l->slp[0] = &l->sl;
	l->rl.n_scope_logs = 1;
	l->rl.scope_logs = l->slp;
	l->rlp[0] = &l->rl;
	l->req.n_resource_logs = 1;
	l->req.resource_logs = l->rlp;
}

START_TEST(test_empty_items_are_named_right)
{
	/* Three empty spans: each is rejected, the first named spans[0] (an
	 * empty message ends where the next one's tag starts). */
	static const uint8_t three[] = { 0x0a, 0x08, 0x12, 0x06, 0x12, 0x00, 0x12, 0x00, 0x12, 0x00 };
	struct otlp_check c;
	ck_assert_int_eq(validate(OTLP_SIGNAL_TRACES, three, sizeof three, &c), 0);
	ck_assert_uint_eq(c.items, 3);
	ck_assert_uint_eq(c.rejected, 3);
	ck_assert_str_eq(c.message,
			 "resource_spans[0].scope_spans[0].spans[0].trace_id: 0 bytes, must be 16");
}
END_TEST

START_TEST(test_log_record_rules)
{
	struct logs l;
	logs_init(&l);
	l.recs[0].trace_id = (ProtobufCBinaryData){ 16, trace_id }; /* valid */
	l.recs[0].span_id = (ProtobufCBinaryData){ 8, span_id };
	l.recs[1].span_id = (ProtobufCBinaryData){ 7, span_id };   /* rejected */
	/* recs[2]: no ids at all, valid */
	size_t len;
	uint8_t *buf = pack_message(&l.req.base, &len);
	struct otlp_check c;
	ck_assert_int_eq(validate(OTLP_SIGNAL_LOGS, buf, len, &c), 0);
	ck_assert_uint_eq(c.items, 3);
	ck_assert_uint_eq(c.rejected, 1);
	ck_assert_str_eq(c.message, "resource_logs[0].scope_logs[0].log_records[1].span_id: "
				    "7 bytes, must be empty or 8");
	uint8_t *out;
	size_t out_len;
	uint64_t removed;
	ck_assert_int_eq(otlp_filter_rejected(OTLP_SIGNAL_LOGS, buf, len, 0, &out, &out_len,
					      &removed), 0);
	ck_assert_uint_eq(removed, 1);
	ck_assert_int_eq(validate(OTLP_SIGNAL_LOGS, out, out_len, &c), 0);
	ck_assert_uint_eq(c.items, 2);
	free(out);

	/* All rejected: the emptied scope and resource go too. */
	l.recs[0].trace_id.len = 1;
	l.recs[2].trace_id = (ProtobufCBinaryData){ 17, long_id };
	free(buf);
	buf = pack_message(&l.req.base, &len);
	ck_assert_int_eq(validate(OTLP_SIGNAL_LOGS, buf, len, &c), 0);
	ck_assert_uint_eq(c.rejected, 3);
	ck_assert_int_eq(otlp_filter_rejected(OTLP_SIGNAL_LOGS, buf, len, 0, &out, &out_len,
					      &removed), 0);
	ck_assert_uint_eq(removed, 3);
	ck_assert_uint_eq(out_len, 0);
	free(out);
	free(buf);
}
END_TEST

/* Metrics: one gauge of 2 points and one histogram of 2 points. */
struct metrics {
	MetricsRequest req;
	ResourceMetrics rm, *rmp[1];
	ScopeMetrics sm, *smp[1];
	Metric m[2], *mp[2];
	Gauge gauge;
	Histogram hist;
	NumberPoint np[2], *npp[2];
	HistogramPoint hp[2], *hpp[2];
	Exemplar ex, *exp[1];
	uint64_t buckets[3];
	double bounds[2];
};

static void metrics_init(struct metrics *m)
{
	*m = (struct metrics){ .req = METRICS_REQ_INIT };
	m->rm = (ResourceMetrics)OPENTELEMETRY__PROTO__METRICS__V1__RESOURCE_METRICS__INIT;
	m->sm = (ScopeMetrics)OPENTELEMETRY__PROTO__METRICS__V1__SCOPE_METRICS__INIT;
	m->gauge = (Gauge)OPENTELEMETRY__PROTO__METRICS__V1__GAUGE__INIT;
	m->hist = (Histogram)OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM__INIT;
	m->ex = (Exemplar)OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__INIT;
	m->ex.trace_id = (ProtobufCBinaryData){ 16, trace_id };
	m->exp[0] = &m->ex;
	for (int i = 0; i < 2; i++) {
		m->np[i] = (NumberPoint)OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__INIT;
		m->np[i].value_case = METRICS_V1(NUMBER_DATA_POINT__VALUE_AS_DOUBLE);
		m->np[i].as_double = 1.5;
		m->npp[i] = &m->np[i];
		m->hp[i] = (HistogramPoint)OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT__INIT;
		m->hp[i].n_bucket_counts = 3;
		m->hp[i].bucket_counts = m->buckets;
		m->hp[i].n_explicit_bounds = 2;
		m->hp[i].explicit_bounds = m->bounds;
		m->hpp[i] = &m->hp[i];
	}
	m->np[0].n_exemplars = 1;
	m->np[0].exemplars = m->exp;
	m->gauge.n_data_points = 2;
	m->gauge.data_points = m->npp;
	m->hist.n_data_points = 2;
	m->hist.data_points = m->hpp;
	for (int i = 0; i < 2; i++) {
		m->m[i] = (Metric)OPENTELEMETRY__PROTO__METRICS__V1__METRIC__INIT;
		m->m[i].name = i ? "latency" : "cpu";
		m->mp[i] = &m->m[i];
	}
	m->m[0].data_case = METRICS_V1(METRIC__DATA_GAUGE);
	m->m[0].gauge = &m->gauge;
	m->m[1].data_case = METRICS_V1(METRIC__DATA_HISTOGRAM);
	m->m[1].histogram = &m->hist;
	m->sm.n_metrics = 2;
	m->sm.metrics = m->mp;
	m->smp[0] = &m->sm;
	m->rm.n_scope_metrics = 1;
	m->rm.scope_metrics = m->smp;
	m->rmp[0] = &m->rm;
	m->req.n_resource_metrics = 1;
	m->req.resource_metrics = m->rmp;
}

static void break_metrics(struct metrics *m, int which)
{
	switch (which) {
	case 1: m->ex.span_id = (ProtobufCBinaryData){ 3, span_id }; break;
	case 2: m->hp[1].n_bucket_counts = 2; break;
	case 3: m->m[1].name = ""; break;
	case 4: m->m[0].data_case = METRICS_V1(METRIC__DATA__NOT_SET); break;
	case 5: m->hp[0].n_bucket_counts = 0; break; /* valid: no buckets */
	default: break;
	}
}

static const struct {
	uint64_t items, rejected;
	const char *says;
} metric_rule[] = {
	{ 4, 0, "" },
	{ 4, 1, "metrics[0].gauge.data_points[0].exemplars[0].span_id: 3 bytes, must be empty or 8" },
	{ 4, 1, "metrics[1].histogram.data_points[1].bucket_counts: 2 values, must be empty or one more than explicit_bounds (2)" },
	{ 4, 2, "metrics[1].name: empty, so its 2 data points are rejected" },
	{ 3, 1, "metrics[0]: no data" },
	{ 4, 0, "" },
};

START_TEST(test_metric_rules)
{
	struct metrics m;
	metrics_init(&m);
	break_metrics(&m, _i);
	size_t len;
	uint8_t *buf = pack_message(&m.req.base, &len);
	struct otlp_check c;
	ck_assert_int_eq(validate(OTLP_SIGNAL_METRICS, buf, len, &c), 0);
	ck_assert_uint_eq(c.items, metric_rule[_i].items);
	ck_assert_uint_eq(c.rejected, metric_rule[_i].rejected);
	ck_assert_msg(strstr(c.message, metric_rule[_i].says) != NULL, "%s", c.message);

	uint8_t *out;
	size_t out_len;
	uint64_t removed;
	ck_assert_int_eq(otlp_filter_rejected(OTLP_SIGNAL_METRICS, buf, len, 0, &out, &out_len,
					      &removed), 0);
	ck_assert_uint_eq(removed, metric_rule[_i].rejected);
	ck_assert_int_eq(validate(OTLP_SIGNAL_METRICS, out, out_len, &c), 0);
	ck_assert_uint_eq(c.rejected, 0);
	ck_assert_uint_eq(c.items, metric_rule[_i].items - metric_rule[_i].rejected);
	free(out);
	free(buf);
}
END_TEST

START_TEST(test_filter_keeps_valid_requests_whole)
{
	size_t len;
	uint8_t *buf = load_bench(bodies[_i], &len);
	uint8_t *out;
	size_t out_len;
	uint64_t removed;
	ck_assert_int_eq(otlp_filter_rejected(bench_signal(bodies[_i]), buf, len, 0, &out,
					      &out_len, &removed), 0);
	ck_assert_uint_eq(removed, 0);
	ck_assert_uint_eq(out_len, len);
	ck_assert_mem_eq(out, buf, len);
	free(out);

	/* A memory cap far below what unpacking needs is an error, not a crash. */
	ck_assert_int_eq(otlp_filter_rejected(bench_signal(bodies[_i]), buf, len, 1024, &out,
					      &out_len, &removed), -E2BIG);
	free(buf);
}
END_TEST

static Suite *filter_suite(void)
{
	Suite *s = suite_create("otlp_filter");
	TCase *tc = tcase_create("items");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_short_trace_id_rejects_the_span);
	tcase_add_loop_test(tc, test_span_rules, 0, 6);
	tcase_add_test(tc, test_empty_items_are_named_right);
	tcase_add_test(tc, test_log_record_rules);
	tcase_add_loop_test(tc, test_metric_rules, 0, 6);
	tcase_add_loop_test(tc, test_filter_keeps_valid_requests_whole, 0,
			    (int)(sizeof bodies / sizeof bodies[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(filter_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
