#include "pb_arena.h"

#include <stdint.h>
#include <stdlib.h>

#define ARENA_ALIGN ((size_t)16)
#define ARENA_MIN_CHUNK ((size_t)4096)

struct pb_arena_chunk {
	struct pb_arena_chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	_Alignas(16) unsigned char data[];
};

static void *arena_alloc_cb(void *data, size_t size)
{
	return pb_arena_alloc(data, size);
}

/* Memory goes back with the whole arena, never piece by piece. */
static void arena_free_cb(void *data, void *ptr)
{
	(void)data;
	(void)ptr;
}

void pb_arena_init(struct pb_arena *a, size_t first_chunk, size_t limit)
{
	a->allocator.alloc = arena_alloc_cb;
	a->allocator.free = arena_free_cb;
	a->allocator.allocator_data = a;
	a->chunks = NULL;
	a->next_chunk = first_chunk < ARENA_MIN_CHUNK ? ARENA_MIN_CHUNK : first_chunk;
	a->held = 0;
	a->limit = limit;
	a->exhausted = false;
}

static struct pb_arena_chunk *arena_grow(struct pb_arena *a, size_t size)
{
	size_t want = a->next_chunk > size ? a->next_chunk : size;
	if (a->held >= a->limit || size > a->limit - a->held) {
		a->exhausted = true;
		return NULL;
	}
	if (want > a->limit - a->held)
		want = a->limit - a->held;
	struct pb_arena_chunk *c = malloc(sizeof *c + want);
	if (!c)
		return NULL;
	c->next = a->chunks;
	c->size = want;
	c->used = 0;
	a->chunks = c;
	a->held += want;
	if (a->next_chunk <= SIZE_MAX / 2)
		a->next_chunk *= 2;
	return c;
}

void *pb_arena_alloc(struct pb_arena *a, size_t size)
{
	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	size_t rounded = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (rounded == 0)
		rounded = ARENA_ALIGN;
	struct pb_arena_chunk *c = a->chunks;
	if (!c || c->size - c->used < rounded) {
		c = arena_grow(a, rounded);
		if (!c)
			return NULL;
	}
	void *p = c->data + c->used;
	c->used += rounded;
	return p;
}

void pb_arena_reset(struct pb_arena *a)
{
	struct pb_arena_chunk *keep = a->chunks;
	if (!keep)
		return;
	struct pb_arena_chunk *c = keep->next;
	while (c) {
		struct pb_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	keep->next = NULL;
	keep->used = 0;
	a->held = keep->size;
	a->exhausted = false;
}

void pb_arena_destroy(struct pb_arena *a)
{
	struct pb_arena_chunk *c = a->chunks;
	while (c) {
		struct pb_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->chunks = NULL;
	a->held = 0;
}

bool pb_arena_exhausted(const struct pb_arena *a)
{
	return a->exhausted;
}
