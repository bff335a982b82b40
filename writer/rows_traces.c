#include "rows_internal.h"

typedef Opentelemetry__Proto__Trace__V1__ResourceSpans ResourceSpans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans ScopeSpans;
typedef Opentelemetry__Proto__Trace__V1__Span Span;

enum trace_column {
	T_TRACE_ID,
	T_SPAN_ID,
	T_PARENT_SPAN_ID,
	T_TRACE_STATE,
	T_FLAGS,
	T_NAME,
	T_KIND,
	T_START,
	T_END,
	T_STATUS_CODE,
	T_STATUS_MESSAGE,
	T_ATTRIBUTES,
	T_EVENTS,
	T_LINKS,
	T_DROPPED_ATTRIBUTES,
	T_DROPPED_EVENTS,
	T_DROPPED_LINKS,
	T_COMMON,
};

static const struct arrow_field trace_fields[] = {
	{"trace_id", ARROW_FIXED_BINARY, 16, false, false},
	{"span_id", ARROW_FIXED_BINARY, 8, false, false},
	{"parent_span_id", ARROW_FIXED_BINARY, 8, true, false},
	{"trace_state", ARROW_UTF8, 0, false, false},
	{"flags", ARROW_UINT32, 0, false, false},
	{"name", ARROW_UTF8, 0, false, false},
	{"kind", ARROW_INT32, 0, false, false},
	{"start_time_unix_nano", ARROW_UINT64, 0, false, false},
	{"end_time_unix_nano", ARROW_UINT64, 0, false, false},
	{"status_code", ARROW_INT32, 0, false, false},
	{"status_message", ARROW_UTF8, 0, false, false},
	{"attributes", ARROW_UTF8, 0, false, false},
	{"events", ARROW_UTF8, 0, false, false},
	{"links", ARROW_UTF8, 0, false, false},
	{"dropped_attributes_count", ARROW_UINT32, 0, false, false},
	{"dropped_events_count", ARROW_UINT32, 0, false, false},
	{"dropped_links_count", ARROW_UINT32, 0, false, false},
	ROWS_COMMON_FIELDS,
};

_Static_assert(sizeof trace_fields / sizeof trace_fields[0] == T_COMMON + ROWS_COMMON_COUNT,
	       "trace columns and fields disagree");

const struct arrow_schema rows_trace_schema = {
	.name = "traces",
	.version = ROWS_SCHEMA_VERSION,
	.fields = trace_fields,
	.count = sizeof trace_fields / sizeof trace_fields[0],
};

static int span_row(struct row_sink *s, const Span *sp)
{
	struct arrow_column *c = s->batch->cols;
	int err = rows_append_bin(&c[T_TRACE_ID], sp->trace_id);
	if (!err)
		err = rows_append_bin(&c[T_SPAN_ID], sp->span_id);
	if (!err)
		err = sp->parent_span_id.len ? rows_append_bin(&c[T_PARENT_SPAN_ID], sp->parent_span_id)
					     : arrow_column_append_null(&c[T_PARENT_SPAN_ID]);
	if (!err)
		err = arrow_column_append_str(&c[T_TRACE_STATE], sp->trace_state);
	if (!err)
		err = arrow_column_append_u32(&c[T_FLAGS], sp->flags);
	if (!err)
		err = arrow_column_append_str(&c[T_NAME], sp->name);
	if (!err)
		err = arrow_column_append_i32(&c[T_KIND], (int32_t)sp->kind);
	if (!err)
		err = arrow_column_append_u64(&c[T_START], sp->start_time_unix_nano);
	if (!err)
		err = arrow_column_append_u64(&c[T_END], sp->end_time_unix_nano);
	if (!err)
		err = arrow_column_append_i32(&c[T_STATUS_CODE],
					      sp->status ? (int32_t)sp->status->code : 0);
	if (!err)
		err = arrow_column_append_str(&c[T_STATUS_MESSAGE],
					      sp->status ? sp->status->message : NULL);
	if (!err)
		err = rows_close_json(&c[T_ATTRIBUTES], otlp_json_attributes(&c[T_ATTRIBUTES].values,
									     sp->attributes,
									     sp->n_attributes));
	if (!err)
		err = rows_close_json(&c[T_EVENTS],
				      otlp_json_events(&c[T_EVENTS].values, sp->events, sp->n_events));
	if (!err)
		err = rows_close_json(&c[T_LINKS],
				      otlp_json_links(&c[T_LINKS].values, sp->links, sp->n_links));
	if (!err)
		err = arrow_column_append_u32(&c[T_DROPPED_ATTRIBUTES], sp->dropped_attributes_count);
	if (!err)
		err = arrow_column_append_u32(&c[T_DROPPED_EVENTS], sp->dropped_events_count);
	if (!err)
		err = arrow_column_append_u32(&c[T_DROPPED_LINKS], sp->dropped_links_count);
	if (!err)
		err = rows_append_common(s, T_COMMON);
	return err;
}

static uint64_t spans_under_scope(const ScopeSpans *ss, size_t from)
{
	return ss->n_spans > from ? ss->n_spans - from : 0;
}

static uint64_t spans_under_resource(const ResourceSpans *rs, size_t scope_from)
{
	uint64_t n = 0;
	for (size_t i = scope_from; i < rs->n_scope_spans; i++)
		n += spans_under_scope(rs->scope_spans[i], 0);
	return n;
}

int rows_append_traces(struct row_sink *s, const TraceRequest *req, struct row_cursor *cur)
{
	for (; cur->resource < req->n_resource_spans;
	     cur->resource++, cur->scope = cur->item = 0, cur->resource_ready = 0) {
		const ResourceSpans *rs = req->resource_spans[cur->resource];
		if (!cur->resource_ready) {
			int err = rows_set_resource(&s->ctx, rs->resource, rs->schema_url);
			if (err) {
				rows_skip(s, spans_under_resource(rs, cur->scope), err);
				continue;
			}
			cur->resource_ready = 1;
		}
		for (; cur->scope < rs->n_scope_spans;
		     cur->scope++, cur->item = 0, cur->scope_ready = 0) {
			const ScopeSpans *ss = rs->scope_spans[cur->scope];
			if (!cur->scope_ready) {
				int err = rows_set_scope(&s->ctx, ss->scope, ss->schema_url);
				if (err) {
					rows_skip(s, spans_under_scope(ss, cur->item), err);
					continue;
				}
				cur->scope_ready = 1;
			}
			for (; cur->item < ss->n_spans; cur->item++) {
				const Span *sp = ss->spans[cur->item];
				if (!rows_span_ok(sp)) {
					rows_skip(s, 1, -EBADMSG);
					continue;
				}
				if (rows_full(s))
					return ROWS_FULL;
				if (rows_finish(s, span_row(s, sp)) == ROWS_FULL)
					return ROWS_FULL;
			}
		}
	}
	return ROWS_DONE;
}
