#include "rows_internal.h"

typedef Opentelemetry__Proto__Logs__V1__ResourceLogs ResourceLogs;
typedef Opentelemetry__Proto__Logs__V1__ScopeLogs ScopeLogs;
typedef Opentelemetry__Proto__Logs__V1__LogRecord LogRecord;

#define V1(name) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##name

enum log_column {
	L_TIME,
	L_OBSERVED_TIME,
	L_SEVERITY_NUMBER,
	L_SEVERITY_TEXT,
	L_BODY,
	L_BODY_TYPE,
	L_ATTRIBUTES,
	L_TRACE_ID,
	L_SPAN_ID,
	L_FLAGS,
	L_EVENT_NAME,
	L_DROPPED_ATTRIBUTES,
	L_COMMON,
};

static const struct arrow_field log_fields[] = {
	{"time_unix_nano", ARROW_UINT64, 0, false, false},
	{"observed_time_unix_nano", ARROW_UINT64, 0, false, false},
	{"severity_number", ARROW_INT32, 0, false, false},
	{"severity_text", ARROW_UTF8, 0, false, false},
	{"body", ARROW_UTF8, 0, true, false},
	{"body_type", ARROW_UTF8, 0, true, false},
	{"attributes", ARROW_UTF8, 0, false, false},
	{"trace_id", ARROW_FIXED_BINARY, 16, true, false},
	{"span_id", ARROW_FIXED_BINARY, 8, true, false},
	{"flags", ARROW_UINT32, 0, false, false},
	{"event_name", ARROW_UTF8, 0, false, false},
	{"dropped_attributes_count", ARROW_UINT32, 0, false, false},
	ROWS_COMMON_FIELDS,
};

_Static_assert(sizeof log_fields / sizeof log_fields[0] == L_COMMON + ROWS_COMMON_COUNT,
	       "log columns and fields disagree");

const struct arrow_schema rows_log_schema = {
	.name = "logs",
	.version = ROWS_SCHEMA_VERSION,
	.fields = log_fields,
	.count = sizeof log_fields / sizeof log_fields[0],
};

/* The body_type column: which AnyValue kind the body was; NULL: no body. */
static const char *body_type(const OtlpAnyValue *v)
{
	if (!v)
		return NULL;
	switch (v->value_case) {
	case V1(STRING_VALUE):
		return "string";
	case V1(BOOL_VALUE):
		return "bool";
	case V1(INT_VALUE):
		return "int";
	case V1(DOUBLE_VALUE):
		return "double";
	case V1(BYTES_VALUE):
		return "bytes";
	case V1(ARRAY_VALUE):
		return "array";
	case V1(KVLIST_VALUE):
		return "kvlist";
	case V1(STRING_VALUE_STRINDEX):
		return "string_index";
	default:
		return "empty";
	}
}

/* String bodies as they are, other kinds in the AnyValue JSON encoding. */
static int body(struct arrow_column *c, const OtlpAnyValue *v)
{
	if (!v)
		return arrow_column_append_null(c);
	if (v->value_case == V1(STRING_VALUE))
		return arrow_column_append_str(c, v->string_value);
	return rows_close_json(c, otlp_json_value(&c->values, v));
}

static int optional_id(struct arrow_column *c, ProtobufCBinaryData id)
{
	return id.len ? rows_append_bin(c, id) : arrow_column_append_null(c);
}

static int log_row(struct row_sink *s, const LogRecord *lr)
{
	struct arrow_column *c = s->batch->cols;
	const char *type = body_type(lr->body);
	int err = arrow_column_append_u64(&c[L_TIME], lr->time_unix_nano);
	if (!err)
		err = arrow_column_append_u64(&c[L_OBSERVED_TIME], lr->observed_time_unix_nano);
	if (!err)
		err = arrow_column_append_i32(&c[L_SEVERITY_NUMBER], (int32_t)lr->severity_number);
	if (!err)
		err = arrow_column_append_str(&c[L_SEVERITY_TEXT], lr->severity_text);
	if (!err)
		err = body(&c[L_BODY], lr->body);
	if (!err)
		err = type ? arrow_column_append_str(&c[L_BODY_TYPE], type)
			   : arrow_column_append_null(&c[L_BODY_TYPE]);
	if (!err)
		err = rows_close_json(&c[L_ATTRIBUTES], otlp_json_attributes(&c[L_ATTRIBUTES].values,
									     lr->attributes,
									     lr->n_attributes));
	if (!err)
		err = optional_id(&c[L_TRACE_ID], lr->trace_id);
	if (!err)
		err = optional_id(&c[L_SPAN_ID], lr->span_id);
	if (!err)
		err = arrow_column_append_u32(&c[L_FLAGS], lr->flags);
	if (!err)
		err = arrow_column_append_str(&c[L_EVENT_NAME], lr->event_name);
	if (!err)
		err = arrow_column_append_u32(&c[L_DROPPED_ATTRIBUTES], lr->dropped_attributes_count);
	if (!err)
		err = rows_append_common(s, L_COMMON);
	return err;
}

static uint64_t records_under_resource(const ResourceLogs *rl)
{
	uint64_t n = 0;
	for (size_t i = 0; i < rl->n_scope_logs; i++)
		n += rl->scope_logs[i]->n_log_records;
	return n;
}

int rows_append_logs(struct row_sink *s, const LogsRequest *req, struct row_cursor *cur)
{
	for (; cur->resource < req->n_resource_logs;
	     cur->resource++, cur->scope = cur->item = 0, cur->resource_ready = 0) {
		const ResourceLogs *rl = req->resource_logs[cur->resource];
		if (!cur->resource_ready) {
			int err = rows_set_resource(&s->ctx, rl->resource, rl->schema_url);
			if (err) {
				rows_skip(s, records_under_resource(rl), err);
				continue;
			}
			cur->resource_ready = 1;
		}
		for (; cur->scope < rl->n_scope_logs;
		     cur->scope++, cur->item = 0, cur->scope_ready = 0) {
			const ScopeLogs *sl = rl->scope_logs[cur->scope];
			if (!cur->scope_ready) {
				int err = rows_set_scope(&s->ctx, sl->scope, sl->schema_url);
				if (err) {
					rows_skip(s, sl->n_log_records, err);
					continue;
				}
				cur->scope_ready = 1;
			}
			for (; cur->item < sl->n_log_records; cur->item++) {
				const LogRecord *lr = sl->log_records[cur->item];
				if (!rows_log_ok(lr)) {
					rows_skip(s, 1, -EBADMSG);
					continue;
				}
				if (rows_full(s))
					return ROWS_FULL;
				if (rows_finish(s, log_row(s, lr)) == ROWS_FULL)
					return ROWS_FULL;
			}
		}
	}
	return ROWS_DONE;
}

const struct arrow_schema *rows_schema(enum otlp_signal s)
{
	switch (s) {
	case OTLP_SIGNAL_TRACES:
		return &rows_trace_schema;
	case OTLP_SIGNAL_METRICS:
		return &rows_metric_schema;
	case OTLP_SIGNAL_LOGS:
		return &rows_log_schema;
	case OTLP_SIGNAL_COUNT:
		break;
	}
	return NULL;
}
