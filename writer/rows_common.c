#include <errno.h>
#include <string.h>

#include "rows_internal.h"

#define SERVICE_NAME_KEY "service.name"

static struct row_text text_of(const char *s)
{
	return s ? (struct row_text){s, strlen(s)} : (struct row_text){"", 0};
}

static struct row_text text_of_buf(const struct abuf *b)
{
	return b->len ? (struct row_text){(const char *)b->data, b->len} : (struct row_text){"", 0};
}

static const char *service_name(const OtlpResource *r)
{
	for (size_t i = 0; r && i < r->n_attributes; i++) {
		const OtlpKeyValue *kv = r->attributes[i];
		if (kv->key && strcmp(kv->key, SERVICE_NAME_KEY) == 0 && kv->value &&
		    kv->value->value_case ==
			    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
			return kv->value->string_value ? kv->value->string_value : "";
	}
	return NULL;
}

int rows_set_resource(struct row_context *x, const OtlpResource *r, const char *schema_url)
{
	x->dict_batch = NULL;
	x->resource_attributes.len = 0;
	x->resource_entity_refs.len = 0;
	int err = otlp_json_attributes(&x->resource_attributes, r ? r->attributes : NULL,
				       r ? r->n_attributes : 0);
	if (!err)
		err = otlp_json_entity_refs(&x->resource_entity_refs, r ? r->entity_refs : NULL,
					    r ? r->n_entity_refs : 0);
	const char *name = service_name(r);
	x->service_name = name ? text_of(name) : (struct row_text){NULL, 0};
	x->resource_dropped = r ? r->dropped_attributes_count : 0;
	x->resource_schema_url = text_of(schema_url);
	return err;
}

int rows_set_scope(struct row_context *x, const OtlpScope *scope, const char *schema_url)
{
	x->dict_batch = NULL;
	x->scope_attributes.len = 0;
	int err = otlp_json_attributes(&x->scope_attributes, scope ? scope->attributes : NULL,
				       scope ? scope->n_attributes : 0);
	x->scope_name = text_of(scope ? scope->name : NULL);
	x->scope_version = text_of(scope ? scope->version : NULL);
	x->scope_dropped = scope ? scope->dropped_attributes_count : 0;
	x->scope_schema_url = text_of(schema_url);
	return err;
}

/* Puts the resource's and scope's strings into the batch's dictionaries:
 * once per batch and resource or scope, not once per row. */
static int put_dictionaries(struct row_sink *s, uint32_t first)
{
	struct row_context *x = &s->ctx;
	struct arrow_batch *b = s->batch;
	if (x->dict_batch == b && x->dict_generation == b->generation)
		return 0;
	const struct row_text values[ROWS_COMMON_COUNT] = {
		[ROWS_C_SERVICE_NAME] = x->service_name,
		[ROWS_C_RESOURCE_ATTRIBUTES] = text_of_buf(&x->resource_attributes),
		[ROWS_C_SCOPE_NAME] = x->scope_name,
		[ROWS_C_SCOPE_VERSION] = x->scope_version,
		[ROWS_C_RESOURCE_SCHEMA_URL] = x->resource_schema_url,
		[ROWS_C_RESOURCE_ENTITY_REFS] = text_of_buf(&x->resource_entity_refs),
		[ROWS_C_SCOPE_ATTRIBUTES] = text_of_buf(&x->scope_attributes),
		[ROWS_C_SCOPE_SCHEMA_URL] = x->scope_schema_url,
	};
	x->dict_batch = NULL;
	for (uint32_t i = 0; i < ROWS_COMMON_COUNT; i++) {
		x->dict_index[i] = -1;
		if (!b->schema->fields[first + i].dict || !values[i].p)
			continue;
		int err = arrow_batch_dict_put(b, first + i, values[i].p, values[i].len,
					       &x->dict_index[i]);
		if (err)
			return err;
	}
	x->dict_batch = b;
	x->dict_generation = b->generation;
	return 0;
}

int rows_append_common(struct row_sink *s, uint32_t first)
{
	int err = put_dictionaries(s, first);
	const struct row_context *x = &s->ctx;
	struct arrow_column *c = &s->batch->cols[first];
	for (uint32_t i = 0; !err && i < ROWS_COMMON_COUNT; i++) {
		if (c[i].field->dict)
			err = x->dict_index[i] < 0 ? arrow_column_append_null(&c[i])
						   : arrow_column_append_i32(&c[i], x->dict_index[i]);
	}
	if (!err)
		err = arrow_column_append_u32(&c[ROWS_C_RESOURCE_DROPPED], x->resource_dropped);
	if (!err)
		err = arrow_column_append_u32(&c[ROWS_C_SCOPE_DROPPED], x->scope_dropped);
	return err;
}

void row_context_free(struct row_context *x)
{
	abuf_free(&x->resource_attributes);
	abuf_free(&x->resource_entity_refs);
	abuf_free(&x->scope_attributes);
}

bool rows_full(const struct row_sink *s)
{
	return s->batch->rows >= s->max_rows;
}

void rows_skip(struct row_sink *s, uint64_t n, int err)
{
	if (n) {
		s->rejected += n;
		s->last_error = err;
	}
}

int rows_finish(struct row_sink *s, int err)
{
	struct arrow_batch *b = s->batch;
	if (!err)
		err = arrow_batch_end_row(b);
	if (err) {
		arrow_batch_truncate(b, b->rows);
		/* Out of room with rows in hand: the row may fit an empty batch. */
		if ((err == -ENOMEM || err == -EOVERFLOW) && b->rows > 0)
			return ROWS_FULL;
		rows_skip(s, 1, err);
		return 0;
	}
	if (b->rows > 1 && arrow_batch_bytes(b) > s->max_bytes) {
		arrow_batch_truncate(b, b->rows - 1);
		return ROWS_FULL;
	}
	return 0;
}

static bool all_zero(ProtobufCBinaryData d)
{
	for (size_t i = 0; i < d.len; i++) {
		if (d.data[i])
			return false;
	}
	return true;
}

/* want bytes; an optional id may also be empty, a required one not zero. */
static bool id_ok(ProtobufCBinaryData d, size_t want, bool optional)
{
	if (optional && d.len == 0)
		return true;
	return d.len == want && (optional || !all_zero(d));
}

bool rows_span_ok(const Opentelemetry__Proto__Trace__V1__Span *sp)
{
	if (!id_ok(sp->trace_id, 16, false) || !id_ok(sp->span_id, 8, false) ||
	    !id_ok(sp->parent_span_id, 8, true))
		return false;
	for (size_t i = 0; i < sp->n_links; i++) {
		if (!id_ok(sp->links[i]->trace_id, 16, false) ||
		    !id_ok(sp->links[i]->span_id, 8, false))
			return false;
	}
	return true;
}

bool rows_log_ok(const Opentelemetry__Proto__Logs__V1__LogRecord *lr)
{
	return id_ok(lr->trace_id, 16, true) && id_ok(lr->span_id, 8, true);
}

bool rows_exemplars_ok(OtlpExemplar *const *ex, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!id_ok(ex[i]->trace_id, 16, true) || !id_ok(ex[i]->span_id, 8, true))
			return false;
	}
	return true;
}
