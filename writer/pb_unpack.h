#ifndef OTLPD_PB_UNPACK_H
#define OTLPD_PB_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "pb_arena.h"

/* A single-pass, descriptor-driven protobuf decoder that fills the structs
 * protoc-c generates, as protobuf_c_message_unpack (1.4.1) does: it accepts
 * and rejects the same inputs and gives the same field values, merging a
 * singular message field given twice and replacing a oneof member by the
 * next one with protobuf-c's exact rules (pb_unpack_merge.c).
 *
 * Differences, none visible to code that reads the known fields:
 *  - unknown fields are skipped: n_unknown_fields stays 0;
 *  - an empty string on the wire points at a shared read-only "" (protobuf-c
 *    allocates one byte); a string field never holds NULL where protobuf-c
 *    holds a string;
 *  - limits of its own (-E2BIG) where protobuf-c has none.
 *
 * Every message, array, string and bytes value of the result lives in
 * `arena` and goes with it: never protobuf_c_message_free_unpacked().
 *
 * max_depth: most nesting of messages, the outermost message counting 1;
 * the recursion never goes deeper.
 * Returns 0 and sets *out; -EBADMSG when protobuf-c would reject the bytes;
 * -E2BIG past max_depth or the arena's limit; -ENOMEM when malloc fails;
 * -EINVAL for a bad argument. *out is NULL on error. */
int pb_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
	      struct pb_arena *arena, uint32_t max_depth, ProtobufCMessage **out);

/* pb_unpack, and -EBADMSG unless every string is UTF-8 (as proto3 wants;
 * protobuf-c does not check) without NUL bytes (which a char * would cut
 * off): what otlpd's receiver lets through, so that the writer needs no
 * second validating pass of its own. */
int pb_unpack_text(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
		   struct pb_arena *arena, uint32_t max_depth, ProtobufCMessage **out);

#endif
