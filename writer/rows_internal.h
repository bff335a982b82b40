#ifndef OTLPD_WRITER_ROWS_INTERNAL_H
#define OTLPD_WRITER_ROWS_INTERNAL_H

/* Shared by rows_*.c only. */

#include <stdbool.h>

#include "otlp_json.h"
#include "rows.h"

/* Every schema ends with these columns, in this order: the resource's and
 * the scope's, the strings dictionary encoded (stored once per batch). */
#define ROWS_COMMON_FIELDS                                                   \
	{"service_name", ARROW_UTF8, 0, true, true},                         \
	{"resource_attributes", ARROW_UTF8, 0, false, true},                 \
	{"scope_name", ARROW_UTF8, 0, false, true},                          \
	{"scope_version", ARROW_UTF8, 0, false, true},                       \
	{"resource_dropped_attributes_count", ARROW_UINT32, 0, false, false}, \
	{"resource_schema_url", ARROW_UTF8, 0, false, true},                 \
	{"resource_entity_refs", ARROW_UTF8, 0, false, true},                \
	{"scope_attributes", ARROW_UTF8, 0, false, true},                    \
	{"scope_dropped_attributes_count", ARROW_UINT32, 0, false, false},    \
	{"scope_schema_url", ARROW_UTF8, 0, false, true}
enum rows_common_column {
	ROWS_C_SERVICE_NAME,
	ROWS_C_RESOURCE_ATTRIBUTES,
	ROWS_C_SCOPE_NAME,
	ROWS_C_SCOPE_VERSION,
	ROWS_C_RESOURCE_DROPPED,
	ROWS_C_RESOURCE_SCHEMA_URL,
	ROWS_C_RESOURCE_ENTITY_REFS,
	ROWS_C_SCOPE_ATTRIBUTES,
	ROWS_C_SCOPE_DROPPED,
	ROWS_C_SCOPE_SCHEMA_URL,
};

#define ROWS_SCHEMA_VERSION "2"

typedef Opentelemetry__Proto__Resource__V1__Resource OtlpResource;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope OtlpScope;

/* Encodes the resource's / scope's shared values into s->ctx. */
int rows_set_resource(struct row_context *x, const OtlpResource *r, const char *schema_url);
int rows_set_scope(struct row_context *x, const OtlpScope *scope, const char *schema_url);
/* Appends the common columns of one row, from column `first` of the sink's
 * batch on. */
int rows_append_common(struct row_sink *s, uint32_t first);

/* True when the batch takes no more rows: return ROWS_FULL before a row. */
bool rows_full(const struct row_sink *s);
/* Ends a row whose appends returned err (0 if all went in). Returns 0 when
 * the cursor moves on (row in, or skipped and counted), ROWS_FULL when the
 * row was taken back out to go first into the next batch. */
int rows_finish(struct row_sink *s, int err);
/* Counts n items skipped for err. */
void rows_skip(struct row_sink *s, uint64_t n, int err);

/* The item rules of common/otlp_validate.h. */
bool rows_span_ok(const Opentelemetry__Proto__Trace__V1__Span *sp);
bool rows_log_ok(const Opentelemetry__Proto__Logs__V1__LogRecord *lr);
bool rows_exemplars_ok(OtlpExemplar *const *ex, size_t n);

/* A JSON value written straight into a Utf8 column. */
static inline int rows_close_json(struct arrow_column *c, int err)
{
	return err ? err : arrow_column_close_value(c);
}

static inline int rows_append_bin(struct arrow_column *c, ProtobufCBinaryData d)
{
	return arrow_column_append_fixed(c, d.data, d.len);
}

#endif
