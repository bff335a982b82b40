#include "flatbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FB_INITIAL_CAP 1024

void fb_init(struct fb_builder *b)
{
	*b = (struct fb_builder){.max_align = 1};
}

void fb_free(struct fb_builder *b)
{
	free(b->buf);
	fb_init(b);
}

void fb_reset(struct fb_builder *b)
{
	b->used = 0;
	b->max_align = 1;
	b->in_table = false;
}

/* Makes room for n more bytes in front; the data moves to the new end. */
static int fb_room(struct fb_builder *b, size_t n)
{
	if (n <= b->cap - b->used)
		return 0;
	if (n > FB_MAX_BYTES || b->used > FB_MAX_BYTES - n)
		return -EOVERFLOW;
	size_t cap = b->cap ? b->cap : FB_INITIAL_CAP;
	while (cap < b->used + n)
		cap *= 2;
	uint8_t *p = malloc(cap);
	if (!p)
		return -ENOMEM;
	if (b->used)
		memcpy(p + cap - b->used, b->buf + b->cap - b->used, b->used);
	free(b->buf);
	b->buf = p;
	b->cap = cap;
	return 0;
}

static uint8_t *fb_front(struct fb_builder *b)
{
	return b->buf + b->cap - b->used;
}

/* Pads with zeros so that after `extra` more bytes the size is a multiple
 * of align, then makes room for those bytes. */
static int fb_prep(struct fb_builder *b, size_t align, size_t extra)
{
	if (align > b->max_align)
		b->max_align = align;
	size_t pad = (align - ((b->used + extra) & (align - 1))) & (align - 1);
	int err = fb_room(b, pad + extra);
	if (err)
		return err;
	b->used += pad;
	memset(fb_front(b), 0, pad);
	return 0;
}

/* Prepends bytes that fb_prep made room for. */
static void fb_push(struct fb_builder *b, const void *p, size_t n)
{
	b->used += n;
	memcpy(fb_front(b), p, n);
}

/* A uoffset written now, at the front, to the object at ref. */
static uint32_t fb_uoffset_to(const struct fb_builder *b, fb_ref ref)
{
	return (uint32_t)(b->used + sizeof(uint32_t) - ref);
}

static int fb_push_u32(struct fb_builder *b, uint32_t v)
{
	int err = fb_prep(b, sizeof v, sizeof v);
	if (!err)
		fb_push(b, &v, sizeof v);
	return err;
}

int fb_string(struct fb_builder *b, const char *s, size_t len, fb_ref *out)
{
	if (b->in_table)
		return -EINVAL;
	if (len > FB_MAX_BYTES)
		return -EOVERFLOW;
	int err = fb_prep(b, sizeof(uint32_t), len + 1);
	if (err)
		return err;
	fb_push(b, "", 1);
	fb_push(b, s, len);
	err = fb_push_u32(b, (uint32_t)len);
	if (!err)
		*out = (fb_ref)b->used;
	return err;
}

int fb_struct_vector(struct fb_builder *b, const void *elems, size_t count, size_t elem_size,
		     size_t align, fb_ref *out)
{
	if (b->in_table || align == 0 || (align & (align - 1)) || align > 8)
		return -EINVAL;
	if (elem_size && count > FB_MAX_BYTES / elem_size)
		return -EOVERFLOW;
	size_t bytes = count * elem_size;
	/* The elements are aligned; the count sits just before them. */
	int err = fb_prep(b, align > sizeof(uint32_t) ? align : sizeof(uint32_t), bytes);
	if (err)
		return err;
	fb_push(b, elems, bytes);
	err = fb_push_u32(b, (uint32_t)count);
	if (!err)
		*out = (fb_ref)b->used;
	return err;
}

int fb_ref_vector(struct fb_builder *b, const fb_ref *refs, size_t count, fb_ref *out)
{
	if (b->in_table)
		return -EINVAL;
	if (count > FB_MAX_BYTES / sizeof(uint32_t))
		return -EOVERFLOW;
	int err = fb_prep(b, sizeof(uint32_t), count * sizeof(uint32_t));
	if (err)
		return err;
	for (size_t i = count; i-- > 0;) {
		uint32_t off = fb_uoffset_to(b, refs[i]);
		fb_push(b, &off, sizeof off);
	}
	err = fb_push_u32(b, (uint32_t)count);
	if (!err)
		*out = (fb_ref)b->used;
	return err;
}

int fb_table_start(struct fb_builder *b)
{
	if (b->in_table)
		return -EINVAL;
	b->in_table = true;
	b->table_start = b->used;
	b->field_count = 0;
	memset(b->field_at, 0, sizeof b->field_at);
	return 0;
}

static int fb_add_scalar(struct fb_builder *b, uint16_t id, const void *v, size_t size)
{
	if (!b->in_table || id >= FB_MAX_FIELDS)
		return -EINVAL;
	int err = fb_prep(b, size, size);
	if (err)
		return err;
	fb_push(b, v, size);
	b->field_at[id] = (uint32_t)b->used;
	if (id >= b->field_count)
		b->field_count = (uint16_t)(id + 1);
	return 0;
}

int fb_add_u8(struct fb_builder *b, uint16_t id, uint8_t v)
{
	return fb_add_scalar(b, id, &v, sizeof v);
}

int fb_add_i16(struct fb_builder *b, uint16_t id, int16_t v)
{
	return fb_add_scalar(b, id, &v, sizeof v);
}

int fb_add_i32(struct fb_builder *b, uint16_t id, int32_t v)
{
	return fb_add_scalar(b, id, &v, sizeof v);
}

int fb_add_i64(struct fb_builder *b, uint16_t id, int64_t v)
{
	return fb_add_scalar(b, id, &v, sizeof v);
}

int fb_add_ref(struct fb_builder *b, uint16_t id, fb_ref ref)
{
	if (!b->in_table || id >= FB_MAX_FIELDS || ref == 0)
		return -EINVAL;
	int err = fb_prep(b, sizeof(uint32_t), 0);
	if (err)
		return err;
	uint32_t off = fb_uoffset_to(b, ref);
	return fb_add_scalar(b, id, &off, sizeof off);
}

int fb_table_end(struct fb_builder *b, fb_ref *out)
{
	if (!b->in_table)
		return -EINVAL;
	/* The table starts with an soffset to its vtable, patched below. */
	int err = fb_push_u32(b, 0);
	if (err)
		return err;
	size_t table = b->used;
	size_t object_size = table - b->table_start;
	uint16_t vt[2 + FB_MAX_FIELDS];
	size_t vt_len = 2 + (size_t)b->field_count;
	if (object_size > UINT16_MAX)
		return -EOVERFLOW;
	vt[0] = (uint16_t)(vt_len * sizeof(uint16_t));
	vt[1] = (uint16_t)object_size;
	for (uint16_t i = 0; i < b->field_count; i++)
		vt[2 + i] = b->field_at[i] ? (uint16_t)(table - b->field_at[i]) : 0;
	err = fb_prep(b, sizeof(uint16_t), vt_len * sizeof(uint16_t));
	if (err)
		return err;
	fb_push(b, vt, vt_len * sizeof(uint16_t));
	/* vtable = table - soffset; the vtable lies before the table. */
	int32_t soffset = (int32_t)(b->used - table);
	memcpy(b->buf + b->cap - table, &soffset, sizeof soffset);
	b->in_table = false;
	*out = (fb_ref)table;
	return 0;
}

int fb_finish(struct fb_builder *b, fb_ref root, const uint8_t **data, size_t *len)
{
	if (b->in_table || root == 0)
		return -EINVAL;
	int err = fb_prep(b, b->max_align, sizeof(uint32_t));
	if (err)
		return err;
	uint32_t off = fb_uoffset_to(b, root);
	fb_push(b, &off, sizeof off);
	*data = fb_front(b);
	*len = b->used;
	return 0;
}
