#ifndef OTLPD_WRITER_ROWS_H
#define OTLPD_WRITER_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "abuf.h"
#include "arrow_batch.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "otlp_signal.h"

/* OTLP requests to rows: one row per span, metric data point or log record,
 * in the schemas of docs/arrow-schema.md. A request is turned into rows in
 * steps: rows go into the batch until it is full (max_rows, or max_bytes of
 * buffers with more than one row), then the caller writes the batch out and
 * calls again with the same cursor, so one request may span batches and a
 * batch never grows past its limits.
 *
 * Items that break the validator's item rules (common/otlp_validate.h, e.g.
 * a trace id that is not 16 bytes) are skipped and counted as rejected, as
 * is a row that cannot be encoded (e.g. a string that is not UTF-8). */

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest TraceRequest;
typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest MetricsRequest;
typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest LogsRequest;

extern const struct arrow_schema rows_trace_schema;
extern const struct arrow_schema rows_metric_schema;
extern const struct arrow_schema rows_log_schema;
const struct arrow_schema *rows_schema(enum otlp_signal s);

/* Columns every schema ends with: the resource's and the scope's. */
#define ROWS_COMMON_COUNT 10

/* Resource and scope values shared by all rows under them, encoded once. */
struct row_context {
	struct abuf resource_attributes; /* JSON; owned, reused */
	struct abuf resource_entity_refs;
	struct abuf scope_attributes;
	/* Strings of the resource and scope, with their lengths (they go into
	 * the batch's dictionaries). service_name.p NULL: no string
	 * service.name. */
	struct row_text {
		const char *p;
		size_t len;
	} service_name, resource_schema_url, scope_name, scope_version, scope_schema_url;
	uint32_t resource_dropped;
	uint32_t scope_dropped;
	/* Where these values are in the dictionaries of dict_batch, while its
	 * generation is dict_generation; -1: null. */
	const struct arrow_batch *dict_batch;
	uint64_t dict_generation;
	int32_t dict_index[ROWS_COMMON_COUNT];
};

struct row_sink {
	struct arrow_batch *batch;
	uint32_t max_rows;
	size_t max_bytes;
	struct row_context ctx;
	uint64_t rejected; /* items skipped, since the sink was made */
	int last_error;    /* why the last one was skipped */
};

/* Where the next row of a request comes from. Zero it for a new request. */
struct row_cursor {
	size_t resource, scope, metric, item;
	/* ctx holds the values of (resource, scope) */
	int resource_ready, scope_ready;
};

enum rows_status {
	ROWS_DONE = 0, /* every row of the request is in the batch (or skipped) */
	ROWS_FULL = 1, /* the batch is full: write it out, reset it, call again */
};

/* Each returns ROWS_DONE or ROWS_FULL (nothing fails as a whole: rows that
 * cannot go in are counted in sink->rejected). */
int rows_append_traces(struct row_sink *s, const TraceRequest *req, struct row_cursor *c);
int rows_append_metrics(struct row_sink *s, const MetricsRequest *req, struct row_cursor *c);
int rows_append_logs(struct row_sink *s, const LogsRequest *req, struct row_cursor *c);

void row_context_free(struct row_context *x);

#endif
