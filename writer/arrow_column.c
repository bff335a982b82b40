#include "arrow_column.h"

#include <stdlib.h>

/* A batch's buffers keep up to this much memory between batches. */
#define ARROW_COLUMN_KEEP_BYTES ((size_t)1 << 20)

bool arrow_field_is_var(const struct arrow_field *f)
{
	return (f->type == ARROW_UTF8 && !f->dict) || f->type == ARROW_BINARY;
}

int32_t arrow_type_width(const struct arrow_field *f)
{
	if (f->dict)
		return 4;
	switch (f->type) {
	case ARROW_FIXED_BINARY:
		return f->byte_width;
	case ARROW_INT32:
	case ARROW_UINT32:
		return 4;
	case ARROW_INT64:
	case ARROW_UINT64:
	case ARROW_FLOAT64:
		return 8;
	case ARROW_UTF8:
	case ARROW_BINARY:
	case ARROW_BOOL:
		return 0;
	}
	return 0;
}

int arrow_column_init(struct arrow_column *c, const struct arrow_field *f)
{
	if ((f->type == ARROW_FIXED_BINARY && f->byte_width <= 0) ||
	    (f->dict && f->type != ARROW_UTF8))
		return -EINVAL;
	*c = (struct arrow_column){.field = f, .width = arrow_type_width(f)};
	return 0;
}

void arrow_column_free(struct arrow_column *c)
{
	abuf_free(&c->validity);
	abuf_free(&c->offsets);
	abuf_free(&c->values);
	c->length = c->null_count = 0;
}

void arrow_column_reset(struct arrow_column *c)
{
	c->length = 0;
	c->null_count = 0;
	c->has_validity = false;
	abuf_clear(&c->validity, ARROW_COLUMN_KEEP_BYTES);
	abuf_clear(&c->offsets, ARROW_COLUMN_KEEP_BYTES);
	abuf_clear(&c->values, ARROW_COLUMN_KEEP_BYTES);
}

int arrow_column_push_offset_slow(struct arrow_column *c)
{
	if (c->values.len > ARROW_VAR_MAX)
		return -EOVERFLOW;
	int32_t at[2] = {0, (int32_t)c->values.len};
	if (c->offsets.len)
		return abuf_append(&c->offsets, &at[1], sizeof at[1]);
	return abuf_append(&c->offsets, at, sizeof at);
}

static bool bit_is_set(const struct abuf *bits, uint32_t i)
{
	return (bits->data[i >> 3] >> (i & 7)) & 1u;
}

/* Clears the bits from `from` to the end of its byte and drops later bytes. */
static void cut_bits(struct abuf *bits, uint32_t from)
{
	bits->len = (from + 7u) / 8u;
	if (from & 7)
		bits->data[from >> 3] &= (uint8_t)((1u << (from & 7)) - 1u);
}

void arrow_column_truncate(struct arrow_column *c, uint32_t rows)
{
	if (rows > c->length)
		return;
	if (c->has_validity) {
		for (uint32_t i = rows; i < c->length; i++) {
			if (!bit_is_set(&c->validity, i))
				c->null_count--;
		}
		cut_bits(&c->validity, rows);
	}
	/* Bytes are set from the row count even when no row goes: a failed
	 * append may have left a partial value behind. */
	c->length = rows;
	if (arrow_field_is_var(c->field)) {
		int32_t end = 0;
		if (c->offsets.len > (size_t)rows * 4)
			memcpy(&end, c->offsets.data + (size_t)rows * 4, sizeof end);
		c->offsets.len = rows ? ((size_t)rows + 1) * 4 : 0;
		c->values.len = (size_t)end;
	} else if (c->field->type == ARROW_BOOL) {
		cut_bits(&c->values, rows);
	} else {
		c->values.len = (size_t)rows * (size_t)c->width;
	}
}

/* The first null: every earlier row was valid. */
static int start_validity(struct arrow_column *c)
{
	size_t bytes = ((size_t)c->length + 7) / 8;
	c->validity.len = 0;
	int err = abuf_reserve(&c->validity, bytes + 1);
	if (err)
		return err;
	memset(c->validity.data, 0xff, bytes);
	c->validity.len = bytes;
	cut_bits(&c->validity, c->length);
	c->has_validity = true;
	return 0;
}

int arrow_column_grow_validity(struct arrow_column *c)
{
	return abuf_append_byte(&c->validity, 0);
}

int arrow_column_append_null(struct arrow_column *c)
{
	if (!c->field->nullable)
		return -EINVAL;
	int err = c->has_validity ? 0 : start_validity(c);
	if (err)
		return err;
	if ((c->length >> 3) >= c->validity.len) {
		err = arrow_column_grow_validity(c);
		if (err)
			return err;
	}
	size_t width = (size_t)c->width;
	if (arrow_field_is_var(c->field)) {
		err = arrow_column_push_offset(c);
	} else if (c->field->type == ARROW_BOOL) {
		if ((c->length >> 3) >= c->values.len)
			err = abuf_append_byte(&c->values, 0);
	} else {
		err = abuf_reserve(&c->values, width);
		if (!err) {
			memset(c->values.data + c->values.len, 0, width);
			c->values.len += width;
		}
	}
	if (err)
		return err;
	if (c->length == UINT32_MAX)
		return -EOVERFLOW;
	c->length++;
	c->null_count++;
	return 0;
}

int arrow_column_append_bool(struct arrow_column *c, bool v)
{
	uint32_t byte = c->length >> 3;
	if (byte >= c->values.len) {
		int err = abuf_append_byte(&c->values, 0);
		if (err)
			return err;
	}
	if (v)
		c->values.data[byte] |= (uint8_t)(1u << (c->length & 7));
	return arrow_column_mark_valid(c);
}
