#ifndef OTLPD_WRITER_ARROW_BATCH_H
#define OTLPD_WRITER_ARROW_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "arrow_column.h"

/* A schema and the record batch being built for it: one column builder per
 * field, all of the same row count between rows, and the dictionaries of
 * its dictionary columns (docs/arrow-schema.md: values shared by many rows,
 * as a resource's, are stored once per batch). A row is appended column
 * by column and counted by arrow_batch_end_row(); when any append of a row
 * fails, arrow_batch_truncate(b, b->rows) takes the partial row back out. */

#define ARROW_SCHEMA_MAX_FIELDS 64

struct arrow_schema {
	const char *name; /* written into the schema's metadata as otlpd.signal */
	const char *version; /* ... and as otlpd.schema_version */
	const struct arrow_field *fields;
	uint32_t count;
};

struct arrow_batch {
	const struct arrow_schema *schema;
	struct arrow_column *cols; /* owned, schema->count of them */
	/* owned, schema->count of them: the dictionary values of each
	 * dictionary column (Utf8, no nulls); unused for the others */
	struct arrow_column *dicts;
	uint32_t ndict;                            /* dictionary columns ... */
	uint8_t dict_cols[ARROW_SCHEMA_MAX_FIELDS]; /* ... and their indices */
	uint64_t generation; /* counts resets: a dictionary index is good for one */
	uint32_t rows;
	/* For arrow_batch_bytes() on every row: */
	size_t fixed_row_bytes;  /* of all fixed-width columns */
	uint32_t nullable;       /* columns that may have a bitmap */
	uint32_t nvar;           /* columns in var[] */
	uint8_t var[ARROW_SCHEMA_MAX_FIELDS]; /* Utf8, Binary and Bool columns */
};

int arrow_batch_init(struct arrow_batch *b, const struct arrow_schema *s);
void arrow_batch_free(struct arrow_batch *b);
/* Back to 0 rows, keeping the builders' memory for the next batch. */
void arrow_batch_reset(struct arrow_batch *b);
void arrow_batch_truncate(struct arrow_batch *b, uint32_t rows);
/* Counts the row just appended; -EINVAL (row not counted) when the first or
 * the last column did not get its value. */
int arrow_batch_end_row(struct arrow_batch *b);
/* -EINVAL unless every column has exactly b->rows values. */
int arrow_batch_check(const struct arrow_batch *b);
/* Puts a value into column col's dictionary, unless it is the last one
 * there, and gives its index. Values stay until the batch is reset. */
int arrow_batch_dict_put(struct arrow_batch *b, uint32_t col, const void *p, size_t n,
			 int32_t *index);
/* Bytes the batch's buffers and dictionaries hold, without padding and
 * metadata; bitmaps are counted for every nullable column, so this is an
 * upper bound. */
size_t arrow_batch_bytes(const struct arrow_batch *b);

#endif
