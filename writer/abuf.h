#ifndef OTLPD_WRITER_ABUF_H
#define OTLPD_WRITER_ABUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A growable byte buffer for the writer's hot path: it grows geometrically
 * and keeps its memory between batches, so appending a value costs no malloc
 * once the buffer has reached its working size. The checked appenders fail
 * with -ENOMEM, or -EOVERFLOW past ABUF_MAX; the unchecked abuf_put* may only
 * follow an abuf_reserve() that covered them. */

#define ABUF_MAX ((size_t)1 << 33) /* 8 GiB: far above any batch the writer builds */

struct abuf {
	uint8_t *data; /* owned; NULL until the first growth */
	size_t len;
	size_t cap;
};

/* Makes room for extra more bytes; out of line, rarely taken. */
int abuf_grow(struct abuf *b, size_t extra);
void abuf_free(struct abuf *b);
/* Empties the buffer; frees its memory when the capacity is above keep and
 * more than four times what was last used, so one burst does not pin memory. */
void abuf_clear(struct abuf *b, size_t keep);

static inline int abuf_reserve(struct abuf *b, size_t extra)
{
	return extra <= b->cap - b->len ? 0 : abuf_grow(b, extra);
}

/* Copies n bytes; short copies (most strings here) without a call, by two
 * overlapping loads and stores that stay inside [p, p + n). */
static inline void abuf_copy(uint8_t *d, const uint8_t *s, size_t n)
{
	if (n >= 8 && n <= 16) {
		uint64_t a, z;
		memcpy(&a, s, 8);
		memcpy(&z, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &z, 8);
	} else if (n >= 4 && n < 8) {
		uint32_t a, z;
		memcpy(&a, s, 4);
		memcpy(&z, s + n - 4, 4);
		memcpy(d, &a, 4);
		memcpy(d + n - 4, &z, 4);
	} else if (n < 4) {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	} else {
		memcpy(d, s, n);
	}
}

static inline void abuf_put(struct abuf *b, const void *p, size_t n)
{
	/* An empty buffer has no data pointer yet: NULL + 0 is undefined. */
	if (n == 0)
		return;
	abuf_copy(b->data + b->len, p, n);
	b->len += n;
}

static inline void abuf_put_byte(struct abuf *b, uint8_t c)
{
	b->data[b->len++] = c;
}

static inline int abuf_append(struct abuf *b, const void *p, size_t n)
{
	int err = abuf_reserve(b, n);
	if (!err)
		abuf_put(b, p, n);
	return err;
}

static inline int abuf_append_byte(struct abuf *b, uint8_t c)
{
	int err = abuf_reserve(b, 1);
	if (!err)
		abuf_put_byte(b, c);
	return err;
}

#endif
