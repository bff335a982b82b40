#ifndef OTLPD_PB_ARENA_H
#define OTLPD_PB_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

/* A bump allocator for decoding one request: protobuf-c allocates every
 * message, array and string of a request from it (pass &arena.allocator),
 * nothing is freed one by one, and the whole arena goes at once. Measured
 * 3x faster than malloc for protobuf_c_message_unpack (DESIGN "Hot path").
 * The arena never holds more than `limit` bytes: past it, allocations fail
 * (protobuf-c then fails cleanly) and pb_arena_exhausted() says so. */

struct pb_arena_chunk;

struct pb_arena {
	ProtobufCAllocator allocator; /* alloc/free callbacks bound to this arena */
	struct pb_arena_chunk *chunks; /* newest first; owned */
	size_t next_chunk;             /* size of the next chunk to malloc */
	size_t held;                   /* bytes of all chunks */
	size_t limit;
	bool exhausted;
};

/* first_chunk: bytes of the first chunk (a guess of what the request needs;
 * chunks double from there). limit: most bytes the arena may hold. */
void pb_arena_init(struct pb_arena *a, size_t first_chunk, size_t limit);
/* Returns 16-byte aligned memory or NULL (limit reached or malloc failed). */
void *pb_arena_alloc(struct pb_arena *a, size_t size);
/* Forgets every allocation; keeps the newest chunk for the next request. */
void pb_arena_reset(struct pb_arena *a);
/* Frees every chunk. The arena may be initialised again. */
void pb_arena_destroy(struct pb_arena *a);
/* True when an allocation failed because of the limit. */
bool pb_arena_exhausted(const struct pb_arena *a);

#endif
