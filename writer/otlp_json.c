#include "otlp_json.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "json_text.h"

#define V1(name) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##name
#define EXEMPLAR(name) OPENTELEMETRY__PROTO__METRICS__V1__EXEMPLAR__VALUE_##name

static int put_str(struct abuf *b, const char *s)
{
	return s ? json_string(b, s, strlen(s)) : JSON_LIT(b, "\"\"");
}

/* ,"name": */
static int put_key(struct abuf *b, const char *lit, size_t len)
{
	return json_raw(b, lit, len);
}

/* "" lit: only a string literal compiles, so sizeof is its length. */
#define KEY(b, lit) put_key((b), "" lit, sizeof("" lit) - 1)

static int value_at(struct abuf *b, const OtlpAnyValue *v, unsigned depth);

static int attributes_at(struct abuf *b, OtlpKeyValue *const *kv, size_t n, unsigned depth)
{
	if (depth > OTLP_JSON_MAX_DEPTH)
		return -E2BIG;
	int err = abuf_append_byte(b, '{');
	for (size_t i = 0; !err && i < n; i++) {
		const char *key = kv[i]->key ? kv[i]->key : "";
		err = json_member(b, i == 0, key, strlen(key));
		if (!err)
			err = value_at(b, kv[i]->value, depth);
	}
	return err ? err : abuf_append_byte(b, '}');
}

static int array_at(struct abuf *b, const Opentelemetry__Proto__Common__V1__ArrayValue *a,
		    unsigned depth)
{
	if (depth > OTLP_JSON_MAX_DEPTH)
		return -E2BIG;
	int err = abuf_append_byte(b, '[');
	for (size_t i = 0; !err && a && i < a->n_values; i++) {
		if (i)
			err = abuf_append_byte(b, ',');
		if (!err)
			err = value_at(b, a->values[i], depth);
	}
	return err ? err : abuf_append_byte(b, ']');
}

static int value_at(struct abuf *b, const OtlpAnyValue *v, unsigned depth)
{
	int err;
	if (!v)
		return JSON_LIT(b, "null");
	switch (v->value_case) {
	case V1(STRING_VALUE):
		return put_str(b, v->string_value);
	case V1(BOOL_VALUE):
		return v->bool_value ? JSON_LIT(b, "true") : JSON_LIT(b, "false");
	case V1(INT_VALUE):
		err = JSON_LIT(b, "{\"int\":");
		if (!err)
			err = json_i64_quoted(b, v->int_value);
		return err ? err : abuf_append_byte(b, '}');
	case V1(DOUBLE_VALUE):
		if (isfinite(v->double_value))
			return json_double(b, v->double_value);
		err = JSON_LIT(b, "{\"double\":");
		if (!err)
			err = json_double_or_name(b, v->double_value);
		return err ? err : abuf_append_byte(b, '}');
	case V1(BYTES_VALUE):
		err = JSON_LIT(b, "{\"bytes\":");
		if (!err)
			err = json_base64(b, v->bytes_value.data, v->bytes_value.len);
		return err ? err : abuf_append_byte(b, '}');
	case V1(ARRAY_VALUE):
		return array_at(b, v->array_value, depth + 1);
	case V1(KVLIST_VALUE):
		err = JSON_LIT(b, "{\"kvlist\":");
		if (!err)
			err = attributes_at(b, v->kvlist_value ? v->kvlist_value->values : NULL,
					    v->kvlist_value ? v->kvlist_value->n_values : 0,
					    depth + 1);
		return err ? err : abuf_append_byte(b, '}');
	case V1(STRING_VALUE_STRINDEX):
		err = JSON_LIT(b, "{\"string_index\":");
		if (!err)
			err = json_i64(b, v->string_value_strindex);
		return err ? err : abuf_append_byte(b, '}');
	case V1(_NOT_SET):
	default:
		return JSON_LIT(b, "null");
	}
}

int otlp_json_value(struct abuf *b, const OtlpAnyValue *v)
{
	return value_at(b, v, 0);
}

int otlp_json_attributes(struct abuf *b, OtlpKeyValue *const *kv, size_t n)
{
	return attributes_at(b, kv, n, 0);
}

static int put_bytes_hex(struct abuf *b, ProtobufCBinaryData d)
{
	return json_hex(b, d.data, d.len);
}

/* Writes one element, items[i], of an array. */
typedef int (*json_item_fn)(struct abuf *b, const void *items, size_t i);

/* [item 0,item 1,...] */
static int put_array(struct abuf *b, const void *items, size_t n, json_item_fn item)
{
	int err = abuf_append_byte(b, '[');
	for (size_t i = 0; !err && i < n; i++) {
		if (i)
			err = abuf_append_byte(b, ',');
		if (!err)
			err = item(b, items, i);
	}
	return err ? err : abuf_append_byte(b, ']');
}

static int event_item(struct abuf *b, const void *items, size_t i)
{
	const OtlpSpanEvent *e = ((OtlpSpanEvent *const *)items)[i];
	int err = KEY(b, "{\"time_unix_nano\":");
	if (!err)
		err = json_u64_quoted(b, e->time_unix_nano);
	if (!err)
		err = KEY(b, ",\"name\":");
	if (!err)
		err = put_str(b, e->name);
	if (!err)
		err = KEY(b, ",\"attributes\":");
	if (!err)
		err = otlp_json_attributes(b, e->attributes, e->n_attributes);
	if (!err)
		err = KEY(b, ",\"dropped_attributes_count\":");
	if (!err)
		err = json_u64(b, e->dropped_attributes_count);
	return err ? err : abuf_append_byte(b, '}');
}

int otlp_json_events(struct abuf *b, OtlpSpanEvent *const *ev, size_t n)
{
	return put_array(b, ev, n, event_item);
}

static int link_item(struct abuf *b, const void *items, size_t i)
{
	const OtlpSpanLink *l = ((OtlpSpanLink *const *)items)[i];
	int err = KEY(b, "{\"trace_id\":");
	if (!err)
		err = put_bytes_hex(b, l->trace_id);
	if (!err)
		err = KEY(b, ",\"span_id\":");
	if (!err)
		err = put_bytes_hex(b, l->span_id);
	if (!err)
		err = KEY(b, ",\"trace_state\":");
	if (!err)
		err = put_str(b, l->trace_state);
	if (!err)
		err = KEY(b, ",\"flags\":");
	if (!err)
		err = json_u64(b, l->flags);
	if (!err)
		err = KEY(b, ",\"attributes\":");
	if (!err)
		err = otlp_json_attributes(b, l->attributes, l->n_attributes);
	if (!err)
		err = KEY(b, ",\"dropped_attributes_count\":");
	if (!err)
		err = json_u64(b, l->dropped_attributes_count);
	return err ? err : abuf_append_byte(b, '}');
}

int otlp_json_links(struct abuf *b, OtlpSpanLink *const *links, size_t n)
{
	return put_array(b, links, n, link_item);
}

static int exemplar_value(struct abuf *b, const OtlpExemplar *e)
{
	int err = 0;
	if (e->value_case == EXEMPLAR(AS_DOUBLE)) {
		err = KEY(b, ",\"value\":");
		if (!err)
			err = json_double_or_name(b, e->as_double);
	} else if (e->value_case == EXEMPLAR(AS_INT)) {
		err = KEY(b, ",\"value_int\":");
		if (!err)
			err = json_i64_quoted(b, e->as_int);
	}
	return err;
}

static int exemplar_item(struct abuf *b, const void *items, size_t i)
{
	const OtlpExemplar *e = ((OtlpExemplar *const *)items)[i];
	int err = KEY(b, "{\"time_unix_nano\":");
	if (!err)
		err = json_u64_quoted(b, e->time_unix_nano);
	if (!err)
		err = exemplar_value(b, e);
	if (!err)
		err = KEY(b, ",\"span_id\":");
	if (!err)
		err = put_bytes_hex(b, e->span_id);
	if (!err)
		err = KEY(b, ",\"trace_id\":");
	if (!err)
		err = put_bytes_hex(b, e->trace_id);
	if (!err)
		err = KEY(b, ",\"filtered_attributes\":");
	if (!err)
		err = otlp_json_attributes(b, e->filtered_attributes, e->n_filtered_attributes);
	return err ? err : abuf_append_byte(b, '}');
}

int otlp_json_exemplars(struct abuf *b, OtlpExemplar *const *ex, size_t n)
{
	return put_array(b, ex, n, exemplar_item);
}

static int quantile_item(struct abuf *b, const void *items, size_t i)
{
	const OtlpQuantile *q = ((OtlpQuantile *const *)items)[i];
	int err = KEY(b, "{\"quantile\":");
	if (!err)
		err = json_double_or_name(b, q->quantile);
	if (!err)
		err = KEY(b, ",\"value\":");
	if (!err)
		err = json_double_or_name(b, q->value);
	return err ? err : abuf_append_byte(b, '}');
}

int otlp_json_quantiles(struct abuf *b, OtlpQuantile *const *q, size_t n)
{
	return put_array(b, q, n, quantile_item);
}

static int string_item(struct abuf *b, const void *items, size_t i)
{
	return put_str(b, ((char *const *)items)[i]);
}

static int entity_ref_item(struct abuf *b, const void *items, size_t i)
{
	const OtlpEntityRef *r = ((OtlpEntityRef *const *)items)[i];
	int err = KEY(b, "{\"schema_url\":");
	if (!err)
		err = put_str(b, r->schema_url);
	if (!err)
		err = KEY(b, ",\"type\":");
	if (!err)
		err = put_str(b, r->type);
	if (!err)
		err = KEY(b, ",\"id_keys\":");
	if (!err)
		err = put_array(b, r->id_keys, r->n_id_keys, string_item);
	if (!err)
		err = KEY(b, ",\"description_keys\":");
	if (!err)
		err = put_array(b, r->description_keys, r->n_description_keys, string_item);
	return err ? err : abuf_append_byte(b, '}');
}

int otlp_json_entity_refs(struct abuf *b, OtlpEntityRef *const *r, size_t n)
{
	return put_array(b, r, n, entity_ref_item);
}

static int u64_item(struct abuf *b, const void *items, size_t i)
{
	return json_u64_quoted(b, ((const uint64_t *)items)[i]);
}

int otlp_json_u64_array(struct abuf *b, const uint64_t *v, size_t n)
{
	return put_array(b, v, n, u64_item);
}

static int f64_item(struct abuf *b, const void *items, size_t i)
{
	return json_double_or_name(b, ((const double *)items)[i]);
}

int otlp_json_f64_array(struct abuf *b, const double *v, size_t n)
{
	return put_array(b, v, n, f64_item);
}
