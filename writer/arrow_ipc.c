#include "arrow_ipc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "Arrow buffers are written as in memory: little endian only");

/* Numbers from format/Schema.fbs and format/Message.fbs. */
enum {
	MD_VERSION_V5 = 4,
	HEADER_SCHEMA = 1,
	HEADER_DICTIONARY_BATCH = 2,
	HEADER_RECORD_BATCH = 3,
	TYPE_INT = 2,
	TYPE_FLOATING_POINT = 3,
	TYPE_BINARY = 4,
	TYPE_UTF8 = 5,
	TYPE_BOOL = 6,
	TYPE_FIXED_SIZE_BINARY = 15,
	PRECISION_DOUBLE = 2,
};

/* Field ids of the tables used. */
enum { MESSAGE_VERSION, MESSAGE_HEADER_TYPE, MESSAGE_HEADER, MESSAGE_BODY_LENGTH };
enum { SCHEMA_ENDIANNESS, SCHEMA_FIELDS, SCHEMA_CUSTOM_METADATA };
enum { FIELD_NAME, FIELD_NULLABLE, FIELD_TYPE_TYPE, FIELD_TYPE, FIELD_DICTIONARY, FIELD_CHILDREN };
enum { KEYVALUE_KEY, KEYVALUE_VALUE };
enum { RECORD_BATCH_LENGTH, RECORD_BATCH_NODES, RECORD_BATCH_BUFFERS };
enum { DICT_ENCODING_ID, DICT_ENCODING_INDEX_TYPE };
enum { DICT_BATCH_ID, DICT_BATCH_DATA };
enum { INT_BIT_WIDTH, INT_IS_SIGNED };

const uint8_t arrow_ipc_eos[ARROW_IPC_EOS_LEN] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};

static const uint8_t zeros[8];

static size_t pad8(size_t n)
{
	return (8 - (n & 7)) & 7;
}

/* Continuation marker, padded metadata length, metadata, padding. */
static int frame_message(struct abuf *out, const uint8_t *meta, size_t len)
{
	size_t padded = len + pad8(len);
	if (padded > INT32_MAX)
		return -EOVERFLOW;
	int32_t head[2] = {-1, (int32_t)padded};
	int err = abuf_reserve(out, sizeof head + padded);
	if (err)
		return err;
	abuf_put(out, head, sizeof head);
	abuf_put(out, meta, len);
	abuf_put(out, zeros, padded - len);
	return 0;
}

/* The Message table around a header; its metadata is then framed. */
static int finish_message(struct fb_builder *fb, uint8_t header_type, fb_ref header,
			  int64_t body_len, struct abuf *out)
{
	fb_ref msg = 0;
	const uint8_t *meta = NULL;
	size_t len = 0;
	int err = fb_table_start(fb);
	if (!err)
		err = fb_add_i16(fb, MESSAGE_VERSION, MD_VERSION_V5);
	if (!err)
		err = fb_add_u8(fb, MESSAGE_HEADER_TYPE, header_type);
	if (!err)
		err = fb_add_ref(fb, MESSAGE_HEADER, header);
	if (!err)
		err = fb_add_i64(fb, MESSAGE_BODY_LENGTH, body_len);
	if (!err)
		err = fb_table_end(fb, &msg);
	if (!err)
		err = fb_finish(fb, msg, &meta, &len);
	return err ? err : frame_message(out, meta, len);
}

static int type_table(struct fb_builder *fb, const struct arrow_field *f, uint8_t *type_type,
		      fb_ref *out)
{
	int err = fb_table_start(fb);
	switch (f->type) {
	case ARROW_UTF8:
		*type_type = TYPE_UTF8;
		break;
	case ARROW_BINARY:
		*type_type = TYPE_BINARY;
		break;
	case ARROW_BOOL:
		*type_type = TYPE_BOOL;
		break;
	case ARROW_FIXED_BINARY:
		*type_type = TYPE_FIXED_SIZE_BINARY;
		if (!err)
			err = fb_add_i32(fb, 0, f->byte_width);
		break;
	case ARROW_FLOAT64:
		*type_type = TYPE_FLOATING_POINT;
		if (!err)
			err = fb_add_i16(fb, 0, PRECISION_DOUBLE);
		break;
	case ARROW_INT32:
	case ARROW_INT64:
	case ARROW_UINT32:
	case ARROW_UINT64:
		*type_type = TYPE_INT;
		if (!err)
			err = fb_add_i32(fb, 0, arrow_type_width(f) * 8);
		if (!err)
			err = fb_add_u8(fb, 1, f->type == ARROW_INT32 || f->type == ARROW_INT64);
		break;
	}
	return err ? err : fb_table_end(fb, out);
}

/* A dictionary column's DictionaryEncoding: int32 indices, the field's
 * position as the dictionary id. */
static int dictionary_table(struct fb_builder *fb, uint32_t id, fb_ref *out)
{
	fb_ref index_type = 0;
	int err = fb_table_start(fb);
	if (!err)
		err = fb_add_i32(fb, INT_BIT_WIDTH, 32);
	if (!err)
		err = fb_add_u8(fb, INT_IS_SIGNED, 1);
	if (!err)
		err = fb_table_end(fb, &index_type);
	if (!err)
		err = fb_table_start(fb);
	if (!err)
		err = fb_add_i64(fb, DICT_ENCODING_ID, id);
	if (!err)
		err = fb_add_ref(fb, DICT_ENCODING_INDEX_TYPE, index_type);
	return err ? err : fb_table_end(fb, out);
}

static int field_table(struct fb_builder *fb, const struct arrow_field *f, uint32_t index,
		       fb_ref *out)
{
	uint8_t type_type = 0;
	fb_ref type = 0, name = 0, children = 0, dict = 0;
	int err = type_table(fb, f, &type_type, &type);
	if (!err)
		err = fb_string(fb, f->name, strlen(f->name), &name);
	/* Readers (Arrow C++) want the children vector even when empty. */
	if (!err)
		err = fb_ref_vector(fb, NULL, 0, &children);
	if (!err && f->dict)
		err = dictionary_table(fb, index, &dict);
	if (!err)
		err = fb_table_start(fb);
	if (!err)
		err = fb_add_ref(fb, FIELD_NAME, name);
	if (!err)
		err = fb_add_u8(fb, FIELD_NULLABLE, f->nullable);
	if (!err)
		err = fb_add_u8(fb, FIELD_TYPE_TYPE, type_type);
	if (!err)
		err = fb_add_ref(fb, FIELD_TYPE, type);
	if (!err && f->dict)
		err = fb_add_ref(fb, FIELD_DICTIONARY, dict);
	if (!err)
		err = fb_add_ref(fb, FIELD_CHILDREN, children);
	return err ? err : fb_table_end(fb, out);
}

static int key_value(struct fb_builder *fb, const char *key, const char *value, fb_ref *out)
{
	fb_ref k = 0, v = 0;
	int err = fb_string(fb, key, strlen(key), &k);
	if (!err)
		err = fb_string(fb, value, strlen(value), &v);
	if (!err)
		err = fb_table_start(fb);
	if (!err)
		err = fb_add_ref(fb, KEYVALUE_KEY, k);
	if (!err)
		err = fb_add_ref(fb, KEYVALUE_VALUE, v);
	return err ? err : fb_table_end(fb, out);
}

static int schema_message(struct fb_builder *fb, const struct arrow_schema *s, struct abuf *out)
{
	fb_ref fields[ARROW_SCHEMA_MAX_FIELDS];
	fb_ref meta[2];
	fb_ref field_vec = 0, meta_vec = 0, schema = 0;
	int err = 0;
	for (uint32_t i = 0; !err && i < s->count; i++)
		err = field_table(fb, &s->fields[i], i, &fields[i]);
	if (!err)
		err = fb_ref_vector(fb, fields, s->count, &field_vec);
	if (!err)
		err = key_value(fb, "otlpd.signal", s->name, &meta[0]);
	if (!err)
		err = key_value(fb, "otlpd.schema_version", s->version, &meta[1]);
	if (!err)
		err = fb_ref_vector(fb, meta, 2, &meta_vec);
	if (!err)
		err = fb_table_start(fb);
	if (!err)
		err = fb_add_i16(fb, SCHEMA_ENDIANNESS, 0);
	if (!err)
		err = fb_add_ref(fb, SCHEMA_FIELDS, field_vec);
	if (!err)
		err = fb_add_ref(fb, SCHEMA_CUSTOM_METADATA, meta_vec);
	if (!err)
		err = fb_table_end(fb, &schema);
	return err ? err : finish_message(fb, HEADER_SCHEMA, schema, 0, out);
}

int arrow_ipc_schema(const struct arrow_schema *s, struct abuf *out)
{
	if (s->count == 0 || s->count > ARROW_SCHEMA_MAX_FIELDS)
		return -EINVAL;
	struct fb_builder fb;
	fb_init(&fb);
	int err = schema_message(&fb, s, out);
	fb_free(&fb);
	return err;
}

void arrow_ipc_encoder_init(struct arrow_ipc_encoder *e)
{
	*e = (struct arrow_ipc_encoder){0};
	fb_init(&e->fb);
}

void arrow_ipc_encoder_free(struct arrow_ipc_encoder *e)
{
	fb_free(&e->fb);
	abuf_free(&e->head);
	abuf_free(&e->nodes);
	abuf_free(&e->buffers);
	free(e->iov);
	*e = (struct arrow_ipc_encoder){0};
}

static void add_iov(struct arrow_ipc_encoder *e, const void *p, size_t n)
{
	e->iov[e->iovcnt++] = (struct iovec){.iov_base = (void *)p, .iov_len = n};
}

/* Records one body buffer at *offset and queues its bytes and padding. */
static int add_buffer(struct arrow_ipc_encoder *e, const void *p, size_t n, size_t *offset)
{
	int64_t desc[2] = {(int64_t)*offset, (int64_t)n};
	int err = abuf_append(&e->buffers, desc, sizeof desc);
	if (err)
		return err;
	if (n) {
		add_iov(e, p, n);
		if (pad8(n))
			add_iov(e, zeros, pad8(n));
	}
	*offset += n + pad8(n);
	return 0;
}

static int add_column(struct arrow_ipc_encoder *e, const struct arrow_column *c, size_t *offset)
{
	static const int32_t zero_offset;
	int64_t node[2] = {c->length, c->null_count};
	int err = abuf_append(&e->nodes, node, sizeof node);
	if (!err)
		err = add_buffer(e, c->validity.data, c->null_count ? c->validity.len : 0, offset);
	if (!err && arrow_field_is_var(c->field)) {
		/* Even 0 rows have one offset. */
		if (c->offsets.len)
			err = add_buffer(e, c->offsets.data, c->offsets.len, offset);
		else
			err = add_buffer(e, &zero_offset, sizeof zero_offset, offset);
	}
	if (!err)
		err = add_buffer(e, c->values.data, c->values.len, offset);
	return err;
}

/* Per message, its head and up to three buffers (with padding) per column. */
static int reserve_iov(struct arrow_ipc_encoder *e, const struct arrow_batch *b)
{
	int need = 1 + (int)b->schema->count * 6 + (int)b->ndict * (1 + 6);
	if (need <= e->iov_cap)
		return 0;
	struct iovec *iov = realloc(e->iov, (size_t)need * sizeof *iov);
	if (!iov)
		return -ENOMEM;
	e->iov = iov;
	e->iov_cap = need;
	return 0;
}

/* The RecordBatch table of the nodes and buffers collected. */
static int record_batch_table(struct arrow_ipc_encoder *e, uint32_t rows, fb_ref *out)
{
	struct fb_builder *fb = &e->fb;
	fb_ref nodes = 0, buffers = 0;
	int err = fb_struct_vector(fb, e->buffers.data, e->buffers.len / 16, 16, 8, &buffers);
	if (!err)
		err = fb_struct_vector(fb, e->nodes.data, e->nodes.len / 16, 16, 8, &nodes);
	if (!err)
		err = fb_table_start(fb);
	if (!err)
		err = fb_add_i64(fb, RECORD_BATCH_LENGTH, rows);
	if (!err)
		err = fb_add_ref(fb, RECORD_BATCH_NODES, nodes);
	if (!err)
		err = fb_add_ref(fb, RECORD_BATCH_BUFFERS, buffers);
	return err ? err : fb_table_end(fb, out);
}

/* Starts a message: a slot for its head, filled in by end_message. */
static void begin_message(struct arrow_ipc_encoder *e)
{
	e->msgs[e->nmsgs] = (struct arrow_ipc_msg){.slot = e->iovcnt, .head_at = e->head.len};
	add_iov(e, NULL, 0);
	e->nodes.len = 0;
	e->buffers.len = 0;
}

static int end_message(struct arrow_ipc_encoder *e, uint8_t header_type, fb_ref header,
		       size_t body_len)
{
	int err = finish_message(&e->fb, header_type, header, (int64_t)body_len, &e->head);
	if (err)
		return err;
	struct arrow_ipc_msg *m = &e->msgs[e->nmsgs++];
	m->head_len = e->head.len - m->head_at;
	e->len += m->head_len + body_len;
	return 0;
}

/* Column col's dictionary as a DictionaryBatch that replaces the one before
 * (stream files allow that), so each batch carries its own. */
static int dictionary_message(struct arrow_ipc_encoder *e, const struct arrow_batch *b,
			      uint32_t col)
{
	const struct arrow_column *d = &b->dicts[col];
	fb_ref data = 0, dict = 0;
	size_t body = 0;
	begin_message(e);
	fb_reset(&e->fb);
	int err = add_column(e, d, &body);
	if (!err)
		err = record_batch_table(e, d->length, &data);
	if (!err)
		err = fb_table_start(&e->fb);
	if (!err)
		err = fb_add_i64(&e->fb, DICT_BATCH_ID, col);
	if (!err)
		err = fb_add_ref(&e->fb, DICT_BATCH_DATA, data);
	if (!err)
		err = fb_table_end(&e->fb, &dict);
	return err ? err : end_message(e, HEADER_DICTIONARY_BATCH, dict, body);
}

static int record_batch_message(struct arrow_ipc_encoder *e, const struct arrow_batch *b)
{
	fb_ref rb = 0;
	size_t body = 0;
	begin_message(e);
	fb_reset(&e->fb);
	int err = 0;
	for (uint32_t i = 0; !err && i < b->schema->count; i++)
		err = add_column(e, &b->cols[i], &body);
	if (!err)
		err = record_batch_table(e, b->rows, &rb);
	return err ? err : end_message(e, HEADER_RECORD_BATCH, rb, body);
}

int arrow_ipc_record_batch(struct arrow_ipc_encoder *e, const struct arrow_batch *b)
{
	e->iovcnt = 0;
	e->len = 0;
	e->nmsgs = 0;
	e->head.len = 0;
	int err = arrow_batch_check(b);
	if (!err)
		err = reserve_iov(e, b);
	for (uint32_t i = 0; !err && i < b->ndict; i++)
		err = dictionary_message(e, b, b->dict_cols[i]);
	if (!err)
		err = record_batch_message(e, b);
	if (err) {
		e->iovcnt = 0;
		e->len = 0;
		return err;
	}
	/* The heads are in place now that e->head no longer moves. */
	for (uint32_t i = 0; i < e->nmsgs; i++) {
		const struct arrow_ipc_msg *m = &e->msgs[i];
		e->iov[m->slot] = (struct iovec){.iov_base = e->head.data + m->head_at,
						 .iov_len = m->head_len};
	}
	return 0;
}
