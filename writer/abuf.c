#include "abuf.h"

#include <errno.h>
#include <stdlib.h>

#define ABUF_MIN_CAP 256

int abuf_grow(struct abuf *b, size_t extra)
{
	if (extra > ABUF_MAX || b->len > ABUF_MAX - extra)
		return -EOVERFLOW;
	size_t need = b->len + extra;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap < ABUF_MIN_CAP ? ABUF_MIN_CAP : b->cap;
	while (cap < need)
		cap = cap > ABUF_MAX / 2 ? ABUF_MAX : cap * 2;
	uint8_t *p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

void abuf_free(struct abuf *b)
{
	free(b->data);
	*b = (struct abuf){0};
}

void abuf_clear(struct abuf *b, size_t keep)
{
	if (b->cap > keep && b->cap / 4 > b->len)
		abuf_free(b);
	b->len = 0;
}
