#ifndef OTLPD_WRITER_FLATBUF_H
#define OTLPD_WRITER_FLATBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A small FlatBuffers builder, just enough for Arrow's IPC metadata.
 *
 * Like the reference builders it writes back to front: every object is
 * prepended, so an object is complete before anything refers to it and
 * every reference (a uoffset) points forward, as readers require. An object
 * is named by its distance from the end of the buffer (fb_ref), which does
 * not change as more is prepended. Scalars and structs are aligned to their
 * size counted from the end; fb_finish pads the front so the total is a
 * multiple of the largest alignment used, which makes every alignment hold
 * from the start of the finished buffer too.
 *
 * Tables: fb_table_start, then fb_add_* for each field (any order), then
 * fb_table_end, which writes the vtable. Strings and vectors must be made
 * before the table that refers to them starts. Every field that is added is
 * written, defaults included. Functions return 0, -ENOMEM, -EOVERFLOW past
 * FB_MAX_BYTES, or -EINVAL when used out of order. */

#define FB_MAX_FIELDS 8
#define FB_MAX_BYTES ((size_t)1 << 30)

typedef uint32_t fb_ref;

struct fb_builder {
	uint8_t *buf; /* owned; the data is buf[cap - used, cap) */
	size_t cap;
	size_t used;
	size_t max_align;
	bool in_table;
	size_t table_start;                 /* used when the table started */
	uint32_t field_at[FB_MAX_FIELDS];   /* fb_ref of each field, 0: absent */
	uint16_t field_count;               /* highest field id + 1 */
};

void fb_init(struct fb_builder *b);
void fb_free(struct fb_builder *b);
/* Empties the builder for the next buffer; memory is kept. */
void fb_reset(struct fb_builder *b);

int fb_string(struct fb_builder *b, const char *s, size_t len, fb_ref *out);
/* count structs of elem_size bytes each, aligned to align (1, 2, 4 or 8). */
int fb_struct_vector(struct fb_builder *b, const void *elems, size_t count, size_t elem_size,
		     size_t align, fb_ref *out);
/* A vector of references to tables or strings. */
int fb_ref_vector(struct fb_builder *b, const fb_ref *refs, size_t count, fb_ref *out);

int fb_table_start(struct fb_builder *b);
int fb_add_u8(struct fb_builder *b, uint16_t id, uint8_t v);
int fb_add_i16(struct fb_builder *b, uint16_t id, int16_t v);
int fb_add_i32(struct fb_builder *b, uint16_t id, int32_t v);
int fb_add_i64(struct fb_builder *b, uint16_t id, int64_t v);
int fb_add_ref(struct fb_builder *b, uint16_t id, fb_ref ref);
int fb_table_end(struct fb_builder *b, fb_ref *out);

/* Writes the root reference; *data / *len are the finished buffer, valid
 * until the builder is used again. */
int fb_finish(struct fb_builder *b, fb_ref root, const uint8_t **data, size_t *len);

#endif
