#ifndef OTLPD_PB_UNPACK_INTERNAL_H
#define OTLPD_PB_UNPACK_INTERNAL_H

/* Shared by pb_unpack.c (decoding) and pb_unpack_merge.c (protobuf-c's
 * merge of a singular message field given twice). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "pb_arena.h"

/* Cache of "does this descriptor have required fields", direct-mapped by
 * descriptor address: proto3 has none, and asking costs a walk of the
 * fields per message otherwise. */
#define PBU_REQ_CACHE 16

/* One decode: a bump block carved from the arena, with objects (8-byte
 * aligned, sizes rounded to 8) taken from its bottom and string/bytes
 * payloads (unaligned) from its top. */
struct pbu {
	struct pb_arena *arena;
	uint8_t *lo, *hi; /* free space of the current block: [lo, hi) */
	uint32_t max_depth;
	bool text; /* strings must be UTF-8 without NUL: pb_unpack_text */
	const ProtobufCMessageDescriptor *req_desc[PBU_REQ_CACHE];
	bool req_has[PBU_REQ_CACHE];
};

void *pbu_alloc_slow(struct pbu *u, size_t size, bool top);

/* A member of a message, `offset` bytes in (from a field descriptor). */
static inline void *pbu_at(void *m, unsigned offset)
{
	return (char *)m + offset;
}

/* size must be a multiple of 8 */
static inline void *pbu_alloc_obj(struct pbu *u, size_t size)
{
	if (size <= (size_t)(u->hi - u->lo)) {
		void *p = u->lo;
		u->lo += size;
		return p;
	}
	return pbu_alloc_slow(u, size, false);
}

static inline void *pbu_alloc_bytes(struct pbu *u, size_t size)
{
	if (size <= (size_t)(u->hi - u->lo)) {
		u->hi -= size;
		return u->hi;
	}
	return pbu_alloc_slow(u, size, true);
}

/* -E2BIG when the arena's limit refused the last allocation, else -ENOMEM. */
int pbu_alloc_error(const struct pbu *u);

/* Size of one element of a repeated field (and of a oneof member). */
static inline size_t pbu_elt_size(ProtobufCType type)
{
	static const uint8_t size[] = {
		[PROTOBUF_C_TYPE_INT32] = 4,
		[PROTOBUF_C_TYPE_SINT32] = 4,
		[PROTOBUF_C_TYPE_SFIXED32] = 4,
		[PROTOBUF_C_TYPE_INT64] = 8,
		[PROTOBUF_C_TYPE_SINT64] = 8,
		[PROTOBUF_C_TYPE_SFIXED64] = 8,
		[PROTOBUF_C_TYPE_UINT32] = 4,
		[PROTOBUF_C_TYPE_FIXED32] = 4,
		[PROTOBUF_C_TYPE_UINT64] = 8,
		[PROTOBUF_C_TYPE_FIXED64] = 8,
		[PROTOBUF_C_TYPE_FLOAT] = 4,
		[PROTOBUF_C_TYPE_DOUBLE] = 8,
		[PROTOBUF_C_TYPE_BOOL] = sizeof(protobuf_c_boolean),
		[PROTOBUF_C_TYPE_ENUM] = 4,
		[PROTOBUF_C_TYPE_STRING] = sizeof(char *),
		[PROTOBUF_C_TYPE_BYTES] = sizeof(ProtobufCBinaryData),
		[PROTOBUF_C_TYPE_MESSAGE] = sizeof(ProtobufCMessage *),
	};
	return (unsigned)type < sizeof size ? size[type] : 0;
}

/* The field numbered `tag`, or NULL. */
const ProtobufCFieldDescriptor *pbu_find_field(const ProtobufCMessageDescriptor *d, uint32_t tag);

/* protobuf-c's merge_messages(): folds `earlier` (the value the field
 * held) into `latter` (the occurrence just decoded), which becomes the
 * field's value. Returns 0, -EBADMSG where protobuf-c fails the unpack, or
 * an allocation error. */
int pbu_merge(struct pbu *u, ProtobufCMessage *earlier, ProtobufCMessage *latter);

#endif
