/* The Arrow IPC encoder (writer/arrow_*.c, writer/flatbuf.c): one record
 * batch checked byte by byte against the format spec, and the rest read back
 * with a strict FlatBuffers reader (every offset in bounds and every scalar,
 * struct and table aligned, as Arrow C++'s verifier demands). */

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow_ipc.h"

/* ---- a strict reader for the metadata ---- */

struct fbr {
	const uint8_t *p;
	size_t len;
};

static uint32_t rd_u32(struct fbr r, size_t at)
{
	ck_assert_uint_le(at + 4, r.len);
	ck_assert_uint_eq(at % 4, 0);
	uint32_t v;
	memcpy(&v, r.p + at, 4);
	return v;
}

static int64_t rd_i64(struct fbr r, size_t at)
{
	ck_assert_uint_le(at + 8, r.len);
	ck_assert_uint_eq(at % 8, 0);
	int64_t v;
	memcpy(&v, r.p + at, 8);
	return v;
}

static uint16_t rd_u16(struct fbr r, size_t at)
{
	ck_assert_uint_le(at + 2, r.len);
	ck_assert_uint_eq(at % 2, 0);
	uint16_t v;
	memcpy(&v, r.p + at, 2);
	return v;
}

/* Where field id of the table at t is, or 0 when absent. */
static size_t fb_field(struct fbr r, size_t t, unsigned id)
{
	int32_t soff = (int32_t)rd_u32(r, t);
	size_t vt = (size_t)((int64_t)t - soff);
	uint16_t vt_size = rd_u16(r, vt);
	uint16_t obj_size = rd_u16(r, vt + 2);
	ck_assert_uint_le(t + obj_size, r.len);
	if (4 + 2 * id >= vt_size)
		return 0;
	uint16_t off = rd_u16(r, vt + 4 + 2 * id);
	ck_assert_uint_lt(off, obj_size);
	return off ? t + off : 0;
}

static size_t fb_deref(struct fbr r, size_t at)
{
	size_t to = at + rd_u32(r, at);
	ck_assert_uint_lt(to, r.len);
	return to;
}

/* A vector at the reference in field id: count, and where the elements are. */
static uint32_t fb_vector(struct fbr r, size_t t, unsigned id, size_t *elems)
{
	size_t f = fb_field(r, t, id);
	ck_assert_uint_ne(f, 0);
	size_t v = fb_deref(r, f);
	*elems = v + 4;
	return rd_u32(r, v);
}

static const char *rd_string(struct fbr r, size_t t, unsigned id)
{
	size_t s = 0;
	uint32_t n = fb_vector(r, t, id, &s);
	ck_assert_uint_le(s + n + 1, r.len);
	ck_assert_uint_eq(r.p[s + n], 0);
	return (const char *)r.p + s;
}

/* The metadata of an encapsulated message: checks the prefix, returns the
 * Message table and the FlatBuffer it is in. */
static size_t message(const uint8_t *msg, size_t len, struct fbr *r, int64_t *body_len)
{
	uint32_t marker, meta_len;
	ck_assert_uint_ge(len, 8);
	memcpy(&marker, msg, 4);
	memcpy(&meta_len, msg + 4, 4);
	ck_assert_uint_eq(marker, 0xffffffffu);
	ck_assert_uint_eq((8 + meta_len) % 8, 0);
	ck_assert_uint_le(8 + meta_len, len);
	*r = (struct fbr){msg + 8, meta_len};
	size_t m = fb_deref(*r, 0);
	ck_assert_uint_eq(rd_u16(*r, fb_field(*r, m, 0)), 4); /* MetadataVersion V5 */
	*body_len = rd_i64(*r, fb_field(*r, m, 3));
	ck_assert_uint_eq(8 + meta_len + (size_t)*body_len, len);
	return m;
}

/* The length of the encapsulated message at msg: prefix, metadata, body. */
static size_t message_len(const uint8_t *msg, size_t avail)
{
	uint32_t meta_len;
	ck_assert_uint_ge(avail, 8);
	memcpy(&meta_len, msg + 4, 4);
	ck_assert_uint_le(8 + (size_t)meta_len, avail);
	struct fbr r = {msg + 8, meta_len};
	size_t m = fb_deref(r, 0);
	return 8 + meta_len + (size_t)rd_i64(r, fb_field(r, m, 3));
}

/* ---- helpers ---- */

static const struct arrow_field tiny_fields[] = {
	{"n", ARROW_INT64, 0, true, false},
	{"s", ARROW_UTF8, 0, true, false},
};
static const struct arrow_schema tiny = {"tiny", "1", tiny_fields, 2};

/* The iovecs of a batch as one buffer. */
static uint8_t *flatten(const struct arrow_ipc_encoder *e)
{
	uint8_t *out = malloc(e->len);
	ck_assert_ptr_nonnull(out);
	size_t at = 0;
	for (int i = 0; i < e->iovcnt; i++) {
		memcpy(out + at, e->iov[i].iov_base, e->iov[i].iov_len);
		at += e->iov[i].iov_len;
	}
	ck_assert_uint_eq(at, e->len);
	return out;
}

static uint8_t *encode(const struct arrow_batch *b, size_t *len)
{
	struct arrow_ipc_encoder e;
	arrow_ipc_encoder_init(&e);
	ck_assert_int_eq(arrow_ipc_record_batch(&e, b), 0);
	uint8_t *out = flatten(&e);
	*len = e.len;
	arrow_ipc_encoder_free(&e);
	return out;
}

struct buf_desc {
	int64_t offset, length;
};

/* Reads a record batch message back: rows, nodes and buffers, with every
 * buffer 8-aligned and inside the body. */
static int64_t read_batch(const uint8_t *msg, size_t len, int64_t *nodes, size_t max_nodes,
			  struct buf_desc *bufs, size_t max_bufs, size_t *nbufs, const uint8_t **body)
{
	struct fbr r;
	int64_t body_len;
	size_t m = message(msg, len, &r, &body_len);
	ck_assert_uint_eq(r.p[fb_field(r, m, 1)], 3); /* MessageHeader RecordBatch */
	size_t rb = fb_deref(r, fb_field(r, m, 2));
	int64_t rows = rd_i64(r, fb_field(r, rb, 0));
	size_t at;
	uint32_t n = fb_vector(r, rb, 1, &at);
	ck_assert_uint_le(n, max_nodes);
	for (uint32_t i = 0; i < n; i++) {
		nodes[2 * i] = rd_i64(r, at + 16 * i);
		nodes[2 * i + 1] = rd_i64(r, at + 16 * i + 8);
	}
	n = fb_vector(r, rb, 2, &at);
	ck_assert_uint_le(n, max_bufs);
	for (uint32_t i = 0; i < n; i++) {
		bufs[i].offset = rd_i64(r, at + 16 * i);
		bufs[i].length = rd_i64(r, at + 16 * i + 8);
		ck_assert_int_eq(bufs[i].offset % 8, 0);
		ck_assert_int_le(bufs[i].offset + bufs[i].length, body_len);
	}
	*nbufs = n;
	*body = msg + 8 + r.len;
	return rows;
}

/* ---- tests ---- */

/* Int64 [1, null] and Utf8 ["ab", null], every byte as the spec has it. */
START_TEST(tiny_batch_bytes)
{
	static const uint8_t want[264] = {
		0xff, 0xff, 0xff, 0xff, 200, 0, 0, 0, /* continuation, metadata length 200 */
		/* FlatBuffer: root uoffset 20 -> Message table at 20; 4 padding */
		20, 0, 0, 0, 0, 0, 0, 0,
		/* @8 Message vtable: 12 bytes, object 22 bytes; version @+20,
		 * header_type @+19, header @+12, bodyLength @+4 */
		12, 0, 22, 0, 20, 0, 19, 0, 12, 0, 4, 0,
		12, 0, 0, 0,                   /* @20 Message: soffset 12 -> vtable @8 */
		56, 0, 0, 0, 0, 0, 0, 0,       /* @24 bodyLength 56 */
		20, 0, 0, 0,                   /* @32 header -> @52 */
		0, 0, 0, 3,                    /* padding, @39 header_type 3 (RecordBatch) */
		4, 0,                          /* @40 version 4 (V5) */
		/* @42 RecordBatch vtable: 10 bytes, object 24; length @+12,
		 * nodes @+8, buffers @+4 */
		10, 0, 24, 0, 12, 0, 8, 0, 4, 0,
		10, 0, 0, 0,                   /* @52 RecordBatch: soffset 10 -> @42 */
		60, 0, 0, 0,                   /* @56 buffers -> @116 */
		16, 0, 0, 0,                   /* @60 nodes -> @76 */
		2, 0, 0, 0, 0, 0, 0, 0,        /* @64 length 2 rows */
		0, 0, 0, 0,                    /* padding */
		2, 0, 0, 0,                    /* @76 2 FieldNodes, from @80 */
		2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, /* n: length 2, 1 null */
		2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, /* s: length 2, 1 null */
		0, 0, 0, 0,                    /* padding */
		5, 0, 0, 0,                    /* @116 5 Buffers, from @120 */
		0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,  /* n validity @0, 1 byte */
		8, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, /* n values @8, 16 bytes */
		24, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, /* s validity @24, 1 byte */
		32, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, /* s offsets @32, 12 bytes */
		48, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, /* s data @48, 2 bytes */
		/* body, each buffer padded to 8 */
		0x01, 0, 0, 0, 0, 0, 0, 0,     /* @0 validity: row 0 valid, row 1 null */
		1, 0, 0, 0, 0, 0, 0, 0,        /* @8 values: 1, */
		0, 0, 0, 0, 0, 0, 0, 0,        /*    and 0 under the null */
		0x01, 0, 0, 0, 0, 0, 0, 0,     /* @24 validity */
		0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, /* @32 offsets 0, 2, 2 */
		'a', 'b', 0, 0, 0, 0, 0, 0,    /* @48 data */
	};
	struct arrow_batch b;
	ck_assert_int_eq(arrow_batch_init(&b, &tiny), 0);
	ck_assert_int_eq(arrow_column_append_i64(&b.cols[0], 1), 0);
	ck_assert_int_eq(arrow_column_append_str(&b.cols[1], "ab"), 0);
	ck_assert_int_eq(arrow_batch_end_row(&b), 0);
	ck_assert_int_eq(arrow_column_append_null(&b.cols[0]), 0);
	ck_assert_int_eq(arrow_column_append_null(&b.cols[1]), 0);
	ck_assert_int_eq(arrow_batch_end_row(&b), 0);
	size_t len;
	uint8_t *got = encode(&b, &len);
	ck_assert_uint_eq(len, sizeof want);
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(got[i] == want[i], "byte %zu: 0x%02x, want 0x%02x", i, got[i], want[i]);
	free(got);
	arrow_batch_free(&b);
}
END_TEST

START_TEST(schema_message_reads_back)
{
	static const struct arrow_field fields[] = {
		{"u", ARROW_UTF8, 0, false, false},         {"b", ARROW_BINARY, 0, true, false},
		{"f", ARROW_FIXED_BINARY, 16, true, false}, {"i", ARROW_INT32, 0, false, false},
		{"l", ARROW_INT64, 0, true, false},         {"ui", ARROW_UINT32, 0, false, false},
		{"ul", ARROW_UINT64, 0, false, false},      {"d", ARROW_FLOAT64, 0, true, false},
		{"t", ARROW_BOOL, 0, true, false},
	};
	/* Type union number, and for Int/FixedSizeBinary/FloatingPoint their field. */
	static const struct {
		uint8_t type;
		int32_t width;
		int8_t is_signed;
	} want[] = {{5, 0, -1}, {4, 0, -1}, {15, 16, -1}, {2, 32, 1}, {2, 64, 1},
		    {2, 32, 0}, {2, 64, 0}, {3, 2, -1},  {6, 0, -1}};
	const struct arrow_schema s = {"traces", "7", fields, 9};
	struct abuf out = {0};
	ck_assert_int_eq(arrow_ipc_schema(&s, &out), 0);
	struct fbr r;
	int64_t body_len;
	size_t m = message(out.data, out.len, &r, &body_len);
	ck_assert_int_eq(body_len, 0);
	ck_assert_uint_eq(r.p[fb_field(r, m, 1)], 1); /* MessageHeader Schema */
	size_t schema = fb_deref(r, fb_field(r, m, 2));
	ck_assert_uint_eq(rd_u16(r, fb_field(r, schema, 0)), 0); /* little endian */
	size_t at;
	ck_assert_uint_eq(fb_vector(r, schema, 1, &at), 9);
	for (unsigned i = 0; i < 9; i++) {
		size_t f = fb_deref(r, at + 4 * i);
		ck_assert_str_eq(rd_string(r, f, 0), fields[i].name);
		ck_assert_uint_eq(r.p[fb_field(r, f, 1)], fields[i].nullable);
		ck_assert_uint_eq(r.p[fb_field(r, f, 2)], want[i].type);
		size_t children;
		ck_assert_uint_eq(fb_vector(r, f, 5, &children), 0);
		size_t type = fb_deref(r, fb_field(r, f, 3));
		if (want[i].type == 3)
			ck_assert_int_eq(rd_u16(r, fb_field(r, type, 0)), want[i].width);
		else if (want[i].width)
			ck_assert_int_eq((int32_t)rd_u32(r, fb_field(r, type, 0)), want[i].width);
		if (want[i].is_signed >= 0)
			ck_assert_int_eq(r.p[fb_field(r, type, 1)], want[i].is_signed);
	}
	ck_assert_uint_eq(fb_vector(r, schema, 2, &at), 2);
	size_t kv = fb_deref(r, at);
	ck_assert_str_eq(rd_string(r, kv, 0), "otlpd.signal");
	ck_assert_str_eq(rd_string(r, kv, 1), "traces");
	kv = fb_deref(r, at + 4);
	ck_assert_str_eq(rd_string(r, kv, 0), "otlpd.schema_version");
	ck_assert_str_eq(rd_string(r, kv, 1), "7");
	abuf_free(&out);
}
END_TEST

START_TEST(zero_rows)
{
	struct arrow_batch b;
	ck_assert_int_eq(arrow_batch_init(&b, &tiny), 0);
	size_t len;
	uint8_t *msg = encode(&b, &len);
	int64_t nodes[4];
	struct buf_desc bufs[5];
	size_t nbufs;
	const uint8_t *body;
	ck_assert_int_eq(read_batch(msg, len, nodes, 2, bufs, 5, &nbufs, &body), 0);
	ck_assert_uint_eq(nbufs, 5);
	ck_assert_int_eq(nodes[0], 0);
	ck_assert_int_eq(nodes[2], 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(bufs[i].length, i == 3 ? 4 : 0); /* only the one offset, 0 */
	int32_t zero;
	memcpy(&zero, body + bufs[3].offset, 4);
	ck_assert_int_eq(zero, 0);
	free(msg);
	arrow_batch_free(&b);
}
END_TEST

START_TEST(empty_strings_and_nulls)
{
	struct arrow_batch b;
	ck_assert_int_eq(arrow_batch_init(&b, &tiny), 0);
	/* 20 rows: a null every third row, an empty string every other. */
	for (int i = 0; i < 20; i++) {
		if (i % 3 == 1) {
			ck_assert_int_eq(arrow_column_append_null(&b.cols[0]), 0);
			ck_assert_int_eq(arrow_column_append_null(&b.cols[1]), 0);
		} else {
			ck_assert_int_eq(arrow_column_append_i64(&b.cols[0], -i), 0);
			ck_assert_int_eq(arrow_column_append_str(&b.cols[1], i % 2 ? "x" : ""), 0);
		}
		ck_assert_int_eq(arrow_batch_end_row(&b), 0);
	}
	size_t len;
	uint8_t *msg = encode(&b, &len);
	int64_t nodes[4];
	struct buf_desc bufs[5];
	size_t nbufs;
	const uint8_t *body;
	ck_assert_int_eq(read_batch(msg, len, nodes, 2, bufs, 5, &nbufs, &body), 20);
	ck_assert_int_eq(nodes[1], 7);
	ck_assert_int_eq(nodes[3], 7);
	ck_assert_int_eq(bufs[0].length, 3); /* ceil(20 / 8) */
	ck_assert_int_eq(bufs[3].length, 21 * 4);
	const int32_t *off = (const int32_t *)(const void *)(body + bufs[3].offset);
	const int64_t *val = (const int64_t *)(const void *)(body + bufs[1].offset);
	for (int i = 0; i < 20; i++) {
		bool valid = (body[bufs[0].offset + i / 8] >> (i % 8)) & 1;
		ck_assert_int_eq(valid, i % 3 != 1);
		int32_t n = off[i + 1] - off[i];
		ck_assert_int_eq(n, valid && i % 2 ? 1 : 0);
		ck_assert_int_eq(val[i], valid ? -i : 0);
	}
	free(msg);
	arrow_batch_free(&b);
}
END_TEST

/* A dictionary column: the schema names its dictionary (id = the field's
 * position, int32 indices); each batch starts with a DictionaryBatch that
 * holds its values (a value is stored again unless it is the last one),
 * then the record batch holds indices, nulls in its own bitmap. */
START_TEST(dictionary_column)
{
	static const struct arrow_field fields[] = {
		{"n", ARROW_INT32, 0, false, false},
		{"k", ARROW_UTF8, 0, true, true},
	};
	static const struct arrow_schema schema = {"dict", "1", fields, 2};
	struct abuf sm = {0};
	ck_assert_int_eq(arrow_ipc_schema(&schema, &sm), 0);
	struct fbr r;
	int64_t body_len;
	size_t m = message(sm.data, sm.len, &r, &body_len);
	size_t sch = fb_deref(r, fb_field(r, m, 2)), at;
	ck_assert_uint_eq(fb_vector(r, sch, 1, &at), 2);
	ck_assert_uint_eq(fb_field(r, fb_deref(r, at), 4), 0); /* n: no dictionary */
	size_t k = fb_deref(r, at + 4);
	ck_assert_uint_eq(r.p[fb_field(r, k, 2)], 5); /* Type Utf8: the values' type */
	size_t enc = fb_deref(r, fb_field(r, k, 4));
	ck_assert_int_eq(rd_i64(r, fb_field(r, enc, 0)), 1); /* id */
	size_t itype = fb_deref(r, fb_field(r, enc, 1));
	ck_assert_uint_eq(rd_u32(r, fb_field(r, itype, 0)), 32);
	ck_assert_uint_eq(r.p[fb_field(r, itype, 1)], 1); /* signed */
	abuf_free(&sm);

	struct arrow_batch b;
	ck_assert_int_eq(arrow_batch_init(&b, &schema), 0);
	ck_assert_int_eq(arrow_batch_dict_put(&b, 0, "x", 1, &(int32_t){0}), -EINVAL);
	static const char *const keys[] = {"a", "a", "b", NULL, "a"};
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(arrow_column_append_i32(&b.cols[0], i), 0);
		int32_t idx = -1;
		if (keys[i]) {
			ck_assert_int_eq(arrow_batch_dict_put(&b, 1, keys[i], 1, &idx), 0);
			ck_assert_int_eq(arrow_column_append_i32(&b.cols[1], idx), 0);
		} else {
			ck_assert_int_eq(arrow_column_append_null(&b.cols[1]), 0);
		}
		ck_assert_int_eq(arrow_batch_end_row(&b), 0);
	}
	size_t len;
	uint8_t *msg = encode(&b, &len);
	size_t dict_len = message_len(msg, len);
	m = message(msg, dict_len, &r, &body_len);
	ck_assert_uint_eq(r.p[fb_field(r, m, 1)], 2); /* MessageHeader DictionaryBatch */
	size_t db = fb_deref(r, fb_field(r, m, 2));
	ck_assert_int_eq(rd_i64(r, fb_field(r, db, 0)), 1);
	ck_assert_uint_eq(fb_field(r, db, 2), 0); /* isDelta: false, a replacement */
	size_t data = fb_deref(r, fb_field(r, db, 1));
	ck_assert_int_eq(rd_i64(r, fb_field(r, data, 0)), 3);
	ck_assert_uint_eq(fb_vector(r, data, 2, &at), 3);
	const uint8_t *dbody = msg + 8 + r.len;
	const int32_t *doff = (const int32_t *)(const void *)(dbody + rd_i64(r, at + 16));
	ck_assert_int_eq(doff[0], 0);
	ck_assert_int_eq(doff[3], 3);
	ck_assert_mem_eq(dbody + rd_i64(r, at + 32), "aba", 3);

	int64_t nodes[4];
	struct buf_desc bufs[6];
	size_t nbufs;
	const uint8_t *body;
	ck_assert_int_eq(read_batch(msg + dict_len, len - dict_len, nodes, 2, bufs, 6, &nbufs,
				    &body), 5);
	ck_assert_uint_eq(nbufs, 4); /* n: validity, values; k: validity, indices */
	ck_assert_int_eq(nodes[2], 5);
	ck_assert_int_eq(nodes[3], 1);
	ck_assert_int_eq(bufs[3].length, 5 * 4);
	const int32_t *idx = (const int32_t *)(const void *)(body + bufs[3].offset);
	ck_assert_int_eq(idx[0], 0);
	ck_assert_int_eq(idx[1], 0);
	ck_assert_int_eq(idx[2], 1);
	ck_assert_int_eq(idx[4], 2);
	ck_assert_int_eq(body[bufs[2].offset], 0x17); /* rows 0-2 and 4 valid */
	free(msg);

	/* The next batch has a dictionary of its own. */
	uint64_t gen = b.generation;
	arrow_batch_reset(&b);
	ck_assert_uint_gt(b.generation, gen);
	ck_assert_uint_eq(b.dicts[1].length, 0);
	int32_t i0 = -1;
	ck_assert_int_eq(arrow_batch_dict_put(&b, 1, "c", 1, &i0), 0);
	ck_assert_int_eq(i0, 0);
	arrow_batch_free(&b);
}
END_TEST

START_TEST(truncate_takes_a_row_back)
{
	struct arrow_batch b;
	ck_assert_int_eq(arrow_batch_init(&b, &tiny), 0);
	for (int i = 0; i < 9; i++) {
		ck_assert_int_eq(arrow_column_append_i64(&b.cols[0], i), 0);
		ck_assert_int_eq(arrow_column_append_str(&b.cols[1], "abc"), 0);
		ck_assert_int_eq(arrow_batch_end_row(&b), 0);
	}
	/* A partial row: a null in one column, half a value in the other. */
	ck_assert_int_eq(arrow_column_append_null(&b.cols[0]), 0);
	ck_assert_int_eq(abuf_append(&b.cols[1].values, "zz", 2), 0);
	ck_assert_int_eq(arrow_batch_end_row(&b), -EINVAL);
	arrow_batch_truncate(&b, b.rows);
	ck_assert_uint_eq(b.cols[0].length, 9);
	ck_assert_uint_eq(b.cols[0].null_count, 0);
	ck_assert_uint_eq(b.cols[1].values.len, 27);
	/* values, offsets, data, and 2 bytes of bitmap for each nullable column */
	ck_assert_uint_eq(arrow_batch_bytes(&b), 9 * 8 + 10 * 4 + 27 + 2 * 2);
	/* The next row lands where the partial one was. */
	ck_assert_int_eq(arrow_column_append_i64(&b.cols[0], 9), 0);
	ck_assert_int_eq(arrow_column_append_str(&b.cols[1], "d"), 0);
	ck_assert_int_eq(arrow_batch_end_row(&b), 0);
	ck_assert_uint_eq(b.cols[0].null_count, 0);
	ck_assert_uint_eq(b.cols[1].values.len, 28);
	ck_assert_uint_eq(b.cols[0].validity.data[1] & 0x03, 0x03);
	/* Back to empty and reused without a stale byte. */
	arrow_batch_reset(&b);
	ck_assert_uint_eq(b.rows, 0);
	ck_assert_uint_eq(arrow_batch_bytes(&b), 0);
	arrow_batch_free(&b);
}
END_TEST

START_TEST(bool_and_fixed_binary)
{
	static const struct arrow_field fields[] = {
		{"t", ARROW_BOOL, 0, true, false},
		{"id", ARROW_FIXED_BINARY, 4, false, false},
	};
	const struct arrow_schema s = {"x", "1", fields, 2};
	struct arrow_batch b;
	ck_assert_int_eq(arrow_batch_init(&b, &s), 0);
	for (int i = 0; i < 11; i++) {
		uint8_t id[4] = {(uint8_t)i, 1, 2, 3};
		ck_assert_int_eq(i == 5 ? arrow_column_append_null(&b.cols[0])
					: arrow_column_append_bool(&b.cols[0], i % 3 == 0),
				 0);
		ck_assert_int_eq(arrow_column_append_fixed(&b.cols[1], id, 4), 0);
		ck_assert_int_eq(arrow_batch_end_row(&b), 0);
	}
	/* The wrong width and a null where none is allowed are refused. */
	ck_assert_int_eq(arrow_column_append_fixed(&b.cols[1], "abc", 3), -EINVAL);
	ck_assert_int_eq(arrow_column_append_null(&b.cols[1]), -EINVAL);
	size_t len;
	uint8_t *msg = encode(&b, &len);
	int64_t nodes[4];
	struct buf_desc bufs[4];
	size_t nbufs;
	const uint8_t *body;
	ck_assert_int_eq(read_batch(msg, len, nodes, 2, bufs, 4, &nbufs, &body), 11);
	ck_assert_uint_eq(nbufs, 4);
	ck_assert_int_eq(bufs[1].length, 2);
	/* Rows 0, 3, 6, 9 true: bits 0, 3, 6 and bit 1 of byte 1. */
	ck_assert_uint_eq(body[bufs[1].offset], 0x49);
	ck_assert_uint_eq(body[bufs[1].offset + 1], 0x02);
	ck_assert_uint_eq(body[bufs[0].offset], 0xdf); /* row 5 null */
	ck_assert_int_eq(bufs[2].length, 0);             /* no nulls: no bitmap */
	ck_assert_int_eq(bufs[3].length, 44);
	ck_assert_uint_eq(body[bufs[3].offset + 40], 10);
	free(msg);
	arrow_batch_free(&b);
}
END_TEST

START_TEST(end_of_stream_marker)
{
	static const uint8_t want[8] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
	ck_assert_mem_eq(arrow_ipc_eos, want, 8);
}
END_TEST

START_TEST(flatbuf_misuse_is_refused)
{
	struct fb_builder fb;
	fb_init(&fb);
	fb_ref ref;
	ck_assert_int_eq(fb_add_i32(&fb, 0, 1), -EINVAL); /* no table started */
	ck_assert_int_eq(fb_table_start(&fb), 0);
	ck_assert_int_eq(fb_table_start(&fb), -EINVAL);
	ck_assert_int_eq(fb_string(&fb, "x", 1, &ref), -EINVAL); /* inside a table */
	ck_assert_int_eq(fb_add_i32(&fb, FB_MAX_FIELDS, 1), -EINVAL);
	ck_assert_int_eq(fb_add_ref(&fb, 0, 0), -EINVAL);
	ck_assert_int_eq(fb_table_end(&fb, &ref), 0);
	const uint8_t *data;
	size_t len;
	ck_assert_int_eq(fb_finish(&fb, 0, &data, &len), -EINVAL);
	ck_assert_int_eq(fb_struct_vector(&fb, "", 0, 1, 3, &ref), -EINVAL);
	fb_free(&fb);
}
END_TEST

/* Many fields force the builder to grow and move what it holds. */
START_TEST(wide_schema_grows_the_builder)
{
	static struct arrow_field fields[ARROW_SCHEMA_MAX_FIELDS];
	static char names[ARROW_SCHEMA_MAX_FIELDS][48];
	for (int i = 0; i < ARROW_SCHEMA_MAX_FIELDS; i++) {
		snprintf(names[i], sizeof names[i], "a_rather_long_column_name_number_%d", i);
		fields[i] = (struct arrow_field){names[i], (enum arrow_type)(i % 9), 3, i % 2, false};
	}
	const struct arrow_schema s = {"wide", "1", fields, ARROW_SCHEMA_MAX_FIELDS};
	struct abuf out = {0};
	ck_assert_int_eq(arrow_ipc_schema(&s, &out), 0);
	struct fbr r;
	int64_t body_len;
	size_t m = message(out.data, out.len, &r, &body_len);
	size_t schema = fb_deref(r, fb_field(r, m, 2));
	size_t at;
	ck_assert_uint_eq(fb_vector(r, schema, 1, &at), ARROW_SCHEMA_MAX_FIELDS);
	size_t last = fb_deref(r, at + 4 * (ARROW_SCHEMA_MAX_FIELDS - 1));
	ck_assert_str_eq(rd_string(r, last, 0), names[ARROW_SCHEMA_MAX_FIELDS - 1]);
	abuf_free(&out);
	const struct arrow_schema too_wide = {"w", "1", fields, ARROW_SCHEMA_MAX_FIELDS + 1};
	ck_assert_int_eq(arrow_ipc_schema(&too_wide, &out), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("arrow_encoder");
	TCase *tc = tcase_create("encoder");
	tcase_add_test(tc, tiny_batch_bytes);
	tcase_add_test(tc, schema_message_reads_back);
	tcase_add_test(tc, zero_rows);
	tcase_add_test(tc, empty_strings_and_nulls);
	tcase_add_test(tc, dictionary_column);
	tcase_add_test(tc, truncate_takes_a_row_back);
	tcase_add_test(tc, bool_and_fixed_binary);
	tcase_add_test(tc, end_of_stream_marker);
	tcase_add_test(tc, flatbuf_misuse_is_refused);
	tcase_add_test(tc, wide_schema_grows_the_builder);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
