#ifndef OTLPD_WRITER_ARROW_COLUMN_H
#define OTLPD_WRITER_ARROW_COLUMN_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "abuf.h"

/* One column of a record batch being built, in Arrow's physical layout
 * (little endian, as this host): a validity bitmap (LSB first), an int32
 * offsets buffer for Utf8/Binary, and the values. The bitmap is made only
 * when the first null arrives, so an all-valid column costs nothing for it.
 * Appending never mallocs once the buffers have grown to their working size;
 * a failed append may leave the column longer in bytes but not in rows, and
 * arrow_column_truncate() to the row count puts it right. */

enum arrow_type {
	ARROW_UTF8,
	ARROW_BINARY,
	ARROW_FIXED_BINARY,
	ARROW_INT32,
	ARROW_INT64,
	ARROW_UINT32,
	ARROW_UINT64,
	ARROW_FLOAT64,
	ARROW_BOOL,
};

struct arrow_field {
	const char *name;
	enum arrow_type type;
	int32_t byte_width; /* ARROW_FIXED_BINARY only */
	bool nullable;
	/* ARROW_UTF8 only: dictionary encoded. The column holds int32 indices
	 * (appended with arrow_column_append_i32) into a dictionary of its
	 * batch (arrow_batch_dict_put), which goes out before the batch. */
	bool dict;
};

/* Offsets are int32, so one column of one batch holds less than 2 GiB. */
#define ARROW_VAR_MAX ((size_t)INT32_MAX)

struct arrow_column {
	const struct arrow_field *field;
	int32_t width; /* arrow_type_width(field), kept for the hot path */
	uint32_t length;
	uint32_t null_count;
	bool has_validity;
	struct abuf validity; /* ceil(length / 8) bytes once has_validity */
	struct abuf offsets;  /* (length + 1) int32 for Utf8/Binary; empty at 0 rows */
	struct abuf values;   /* fixed-width values, var-size bytes or bool bits */
};

int arrow_column_init(struct arrow_column *c, const struct arrow_field *f);
void arrow_column_free(struct arrow_column *c);
/* Back to 0 rows; memory is kept (see abuf_clear for when it is not). */
void arrow_column_reset(struct arrow_column *c);
/* Back to rows rows (rows <= length). */
void arrow_column_truncate(struct arrow_column *c, uint32_t rows);
int arrow_column_append_null(struct arrow_column *c);
/* Width in bytes of one fixed-size value (4, an index, for a dictionary
 * column); 0 for Utf8, Binary and Bool. */
int32_t arrow_type_width(const struct arrow_field *f);

/* Utf8 (not dictionary encoded) and Binary: values with offsets. */
bool arrow_field_is_var(const struct arrow_field *f);

/* Out of line: the bitmap needs another byte. */
int arrow_column_grow_validity(struct arrow_column *c);

/* Counts a valid value that is already in the values buffer. */
static inline int arrow_column_mark_valid(struct arrow_column *c)
{
	if (c->has_validity) {
		uint32_t byte = c->length >> 3;
		if (byte >= c->validity.len) {
			int err = arrow_column_grow_validity(c);
			if (err)
				return err;
		}
		c->validity.data[byte] |= (uint8_t)(1u << (c->length & 7));
	}
	if (c->length == UINT32_MAX)
		return -EOVERFLOW;
	c->length++;
	return 0;
}

static inline int arrow_column_append_fixed(struct arrow_column *c, const void *p, size_t n)
{
	if (c->width == 0 || (size_t)c->width != n)
		return -EINVAL;
	if (n > c->values.cap - c->values.len) {
		int err = abuf_grow(&c->values, n);
		if (err)
			return err;
	}
	abuf_put(&c->values, p, n);
	return arrow_column_mark_valid(c);
}

static inline int arrow_column_append_i32(struct arrow_column *c, int32_t v)
{
	return arrow_column_append_fixed(c, &v, sizeof v);
}

static inline int arrow_column_append_u32(struct arrow_column *c, uint32_t v)
{
	return arrow_column_append_fixed(c, &v, sizeof v);
}

static inline int arrow_column_append_i64(struct arrow_column *c, int64_t v)
{
	return arrow_column_append_fixed(c, &v, sizeof v);
}

static inline int arrow_column_append_u64(struct arrow_column *c, uint64_t v)
{
	return arrow_column_append_fixed(c, &v, sizeof v);
}

static inline int arrow_column_append_f64(struct arrow_column *c, double v)
{
	return arrow_column_append_fixed(c, &v, sizeof v);
}

int arrow_column_append_bool(struct arrow_column *c, bool v);

/* Utf8 / Binary: the leading zero offset goes in with the first value, so
 * an empty column owns no memory. Out of line: the first value, growth. */
int arrow_column_push_offset_slow(struct arrow_column *c);

static inline int arrow_column_push_offset(struct arrow_column *c)
{
	if (c->values.len > ARROW_VAR_MAX)
		return -EOVERFLOW;
	if (c->offsets.len == 0 || c->offsets.cap - c->offsets.len < sizeof(int32_t))
		return arrow_column_push_offset_slow(c);
	int32_t end = (int32_t)c->values.len;
	abuf_put(&c->offsets, &end, sizeof end);
	return 0;
}

/* Utf8 / Binary: the value's bytes are written straight into c->values
 * (e.g. by the JSON encoder) and then closed, which records the offset. */
static inline int arrow_column_close_value(struct arrow_column *c)
{
	int err = arrow_column_push_offset(c);
	if (!err)
		err = arrow_column_mark_valid(c);
	return err;
}

static inline int arrow_column_append_bytes(struct arrow_column *c, const void *p, size_t n)
{
	int err = abuf_append(&c->values, p, n);
	return err ? err : arrow_column_close_value(c);
}

static inline int arrow_column_append_str(struct arrow_column *c, const char *s)
{
	return arrow_column_append_bytes(c, s ? s : "", s ? strlen(s) : 0);
}

#endif
