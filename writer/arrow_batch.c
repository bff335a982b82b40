#include "arrow_batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct arrow_field dict_values_field = {"", ARROW_UTF8, 0, false, false};

int arrow_batch_init(struct arrow_batch *b, const struct arrow_schema *s)
{
	*b = (struct arrow_batch){.schema = s};
	if (s->count == 0 || s->count > ARROW_SCHEMA_MAX_FIELDS)
		return -EINVAL;
	b->cols = calloc(s->count, sizeof *b->cols);
	b->dicts = calloc(s->count, sizeof *b->dicts);
	if (!b->cols || !b->dicts) {
		arrow_batch_free(b);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < s->count; i++) {
		int err = arrow_column_init(&b->cols[i], &s->fields[i]);
		if (!err && s->fields[i].dict) {
			err = arrow_column_init(&b->dicts[i], &dict_values_field);
			b->dict_cols[b->ndict++] = (uint8_t)i;
		}
		if (err) {
			arrow_batch_free(b);
			return err;
		}
		int32_t width = b->cols[i].width;
		if (width > 0)
			b->fixed_row_bytes += (size_t)width;
		else
			b->var[b->nvar++] = (uint8_t)i;
		b->nullable += s->fields[i].nullable;
	}
	return 0;
}

void arrow_batch_free(struct arrow_batch *b)
{
	for (uint32_t i = 0; b->cols && i < b->schema->count; i++)
		arrow_column_free(&b->cols[i]);
	for (uint32_t i = 0; b->dicts && i < b->schema->count; i++)
		arrow_column_free(&b->dicts[i]);
	free(b->cols);
	free(b->dicts);
	b->cols = NULL;
	b->dicts = NULL;
	b->ndict = 0;
	b->rows = 0;
}

void arrow_batch_reset(struct arrow_batch *b)
{
	for (uint32_t i = 0; i < b->schema->count; i++)
		arrow_column_reset(&b->cols[i]);
	for (uint32_t i = 0; i < b->ndict; i++)
		arrow_column_reset(&b->dicts[b->dict_cols[i]]);
	b->generation++;
	b->rows = 0;
}

int arrow_batch_dict_put(struct arrow_batch *b, uint32_t col, const void *p, size_t n,
			 int32_t *index)
{
	if (col >= b->schema->count || !b->schema->fields[col].dict)
		return -EINVAL;
	struct arrow_column *d = &b->dicts[col];
	if (d->length > 0) {
		int32_t start;
		memcpy(&start, d->offsets.data + (size_t)(d->length - 1) * 4, sizeof start);
		size_t last = d->values.len - (size_t)start;
		if (last == n && (n == 0 || memcmp(d->values.data + start, p, n) == 0)) {
			*index = (int32_t)(d->length - 1);
			return 0;
		}
	}
	if (d->length >= (uint32_t)INT32_MAX)
		return -EOVERFLOW;
	int err = arrow_column_append_bytes(d, p, n);
	if (!err)
		*index = (int32_t)(d->length - 1);
	return err;
}

void arrow_batch_truncate(struct arrow_batch *b, uint32_t rows)
{
	for (uint32_t i = 0; i < b->schema->count; i++)
		arrow_column_truncate(&b->cols[i], rows);
	if (rows < b->rows)
		b->rows = rows;
}

int arrow_batch_end_row(struct arrow_batch *b)
{
	/* The first and last columns say whether the row got its values; that
	 * every column did is checked once per batch (arrow_batch_check). */
	uint32_t last = b->schema->count - 1;
	if (b->cols[0].length != b->rows + 1 || b->cols[last].length != b->rows + 1)
		return -EINVAL;
	b->rows++;
	return 0;
}

int arrow_batch_check(const struct arrow_batch *b)
{
	for (uint32_t i = 0; i < b->schema->count; i++) {
		if (b->cols[i].length != b->rows)
			return -EINVAL;
	}
	return 0;
}

size_t arrow_batch_bytes(const struct arrow_batch *b)
{
	size_t n = b->fixed_row_bytes * b->rows + (size_t)b->nullable * ((b->rows + 7u) / 8u);
	for (uint32_t i = 0; i < b->nvar; i++) {
		const struct arrow_column *c = &b->cols[b->var[i]];
		n += c->values.len + c->offsets.len;
	}
	for (uint32_t i = 0; i < b->ndict; i++) {
		const struct arrow_column *d = &b->dicts[b->dict_cols[i]];
		n += d->values.len + d->offsets.len;
	}
	return n;
}
