#ifndef OTLPD_WRITER_OTLP_JSON_H
#define OTLPD_WRITER_OTLP_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "abuf.h"
#include "opentelemetry/proto/common/v1/common.pb-c.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb-c.h"
#include "opentelemetry/proto/resource/v1/resource.pb-c.h"
#include "opentelemetry/proto/trace/v1/trace.pb-c.h"

/* The JSON text of nested OTLP values in the Arrow files; the encoding is
 * specified in docs/arrow-schema.md ("JSON encoding"), which these functions
 * must match. In short, an AnyValue is written as:
 *   string -> "text"            bool   -> true / false
 *   double -> 1.5 (finite; always with '.' or an exponent)
 *   array  -> [v, ...]          empty  -> null
 *   int    -> {"int":"-42"}     non-finite double -> {"double":"NaN"}
 *   bytes  -> {"bytes":"base64"} kvlist -> {"kvlist":{"k":v,...}}
 *   profiles string index -> {"string_index":7}
 * An attribute list is an object {"key":value,...} in wire order. */

typedef Opentelemetry__Proto__Common__V1__AnyValue OtlpAnyValue;
typedef Opentelemetry__Proto__Common__V1__KeyValue OtlpKeyValue;
typedef Opentelemetry__Proto__Common__V1__EntityRef OtlpEntityRef;
typedef Opentelemetry__Proto__Trace__V1__Span__Event OtlpSpanEvent;
typedef Opentelemetry__Proto__Trace__V1__Span__Link OtlpSpanLink;
typedef Opentelemetry__Proto__Metrics__V1__Exemplar OtlpExemplar;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint__ValueAtQuantile OtlpQuantile;

/* Deeper nesting than this is refused (-E2BIG); the validator in front of
 * the writer holds messages to a lower configured depth. */
#define OTLP_JSON_MAX_DEPTH 128

/* Every function returns 0 or an error from json_text.h, or -E2BIG. */
int otlp_json_value(struct abuf *b, const OtlpAnyValue *v);
int otlp_json_attributes(struct abuf *b, OtlpKeyValue *const *kv, size_t n);
/* [{"time_unix_nano":"1","name":"n","attributes":{},"dropped_attributes_count":0}] */
int otlp_json_events(struct abuf *b, OtlpSpanEvent *const *ev, size_t n);
/* [{"trace_id":"hex","span_id":"hex","trace_state":"","flags":0,
 *   "attributes":{},"dropped_attributes_count":0}] */
int otlp_json_links(struct abuf *b, OtlpSpanLink *const *links, size_t n);
/* [{"time_unix_nano":"1","value":1.5 | "value_int":"5","span_id":"hex",
 *   "trace_id":"hex","filtered_attributes":{}}] */
int otlp_json_exemplars(struct abuf *b, OtlpExemplar *const *ex, size_t n);
/* [{"quantile":0.5,"value":11.0}] */
int otlp_json_quantiles(struct abuf *b, OtlpQuantile *const *q, size_t n);
/* [{"schema_url":"","type":"host","id_keys":["k"],"description_keys":[]}] */
int otlp_json_entity_refs(struct abuf *b, OtlpEntityRef *const *r, size_t n);
/* ["1","2"]: unsigned 64-bit counts as quoted decimals. */
int otlp_json_u64_array(struct abuf *b, const uint64_t *v, size_t n);
/* [5.0,10.0]: doubles, non-finite ones as "NaN" / "Infinity" / "-Infinity". */
int otlp_json_f64_array(struct abuf *b, const double *v, size_t n);

#endif
