#ifndef OTLPD_OTLP_TEST_FIXTURES_H
#define OTLPD_OTLP_TEST_FIXTURES_H

/* Requests built from the protobuf-c structs, for test_otlp_validate.c and
 * test_otlp_filter.c. */

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "otlp_validate.h"
#include "pb_arena.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest TraceRequest;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest MetricsRequest;
typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest LogsRequest;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans ResourceSpans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans ScopeSpans;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Trace__V1__Span__Link Link;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Logs__V1__ResourceLogs ResourceLogs;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs ScopeLogs;
typedef Opentelemetry__Proto__Logs__V1__LogRecord LogRecord;
typedef Opentelemetry__Proto__Metrics__V1__ResourceMetrics ResourceMetrics;
typedef Opentelemetry__Proto__Metrics__V1__ScopeMetrics ScopeMetrics;
typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;
typedef Opentelemetry__Proto__Metrics__V1__Gauge Gauge;
typedef Opentelemetry__Proto__Metrics__V1__Histogram Histogram;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint NumberPoint;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint HistogramPoint;
typedef Opentelemetry__Proto__Metrics__V1__Exemplar Exemplar;

#define TRACE_V1(n) OPENTELEMETRY__PROTO__TRACE__V1__##n
#define LOGS_V1(n) OPENTELEMETRY__PROTO__LOGS__V1__##n
#define METRICS_V1(n) OPENTELEMETRY__PROTO__METRICS__V1__##n
#define COMMON_V1(n) OPENTELEMETRY__PROTO__COMMON__V1__##n
#define TRACE_REQ_INIT OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT
#define LOGS_REQ_INIT OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_REQUEST__INIT
#define METRICS_REQ_INIT \
	OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_REQUEST__INIT

#define MAX_SPANS 8

static const struct otlp_limits limits = { .max_depth = 32, .max_attributes = 1024 };

static uint8_t trace_id[16] = { 0xeb, 0x68, 0xfe, 0xd9, 0x1b, 0x47, 0x17, 0xbe,
				0x9d, 0x9a, 0xb1, 0xd2, 0xde, 0x7e, 0x1f, 0x1e };
static uint8_t span_id[8] = { 0x26, 0x9f, 0xc4, 0x1c, 0x21, 0x88, 0x3e, 0xa6 };

static inline int validate(enum otlp_signal s, const uint8_t *buf, size_t len, struct otlp_check *c)
{
	return otlp_validate(s, buf, len, &limits, c);
}

static inline uint8_t *pack_message(const ProtobufCMessage *m, size_t *len)
{
	size_t size = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(size + 1);
	ck_assert_ptr_nonnull(buf);
	*len = protobuf_c_message_pack(m, buf);
	return buf;
}

/* A request of n valid spans in one resource and scope. */
struct traces {
	TraceRequest req;
	ResourceSpans rs, *rsp[1];
	ScopeSpans ss, *ssp[1];
	Span spans[MAX_SPANS], *sp[MAX_SPANS];
};

static inline void traces_init(struct traces *t, size_t n)
{
	*t = (struct traces){ .req = TRACE_REQ_INIT };
	t->rs = (ResourceSpans)OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
	t->ss = (ScopeSpans)OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
	for (size_t i = 0; i < n; i++) {
		t->spans[i] = (Span)OPENTELEMETRY__PROTO__TRACE__V1__SPAN__INIT;
		t->spans[i].trace_id = (ProtobufCBinaryData){ 16, trace_id };
		t->spans[i].span_id = (ProtobufCBinaryData){ 8, span_id };
		t->spans[i].name = "op";
		t->sp[i] = &t->spans[i];
	}
	t->ss.n_spans = n;
	t->ss.spans = t->sp;
	t->ssp[0] = &t->ss;
	t->rs.n_scope_spans = 1;
	t->rs.scope_spans = t->ssp;
	t->rsp[0] = &t->rs;
	t->req.n_resource_spans = 1;
	t->req.resource_spans = t->rsp;
}

/* Whatever passes must unpack: that is the promise the writer relies on. */
static inline void assert_unpacks(enum otlp_signal s, const uint8_t *buf, size_t len)
{
	struct pb_arena arena;
	pb_arena_init(&arena, 2 * len, SIZE_MAX);
	ProtobufCMessage *m = protobuf_c_message_unpack(otlp_signal_request_descriptor(s),
							&arena.allocator, len, buf);
	if (!m) /* no ck_assert in this hot path: each is a message to Check's parent */
		ck_abort_msg("passed validation but protobuf-c cannot unpack it");
	pb_arena_destroy(&arena);
}

#endif
