#ifndef OTLPD_JSON_SCALAR_H
#define OTLPD_JSON_SCALAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

/* Numbers, hex and base64 of the proto3 JSON mapping, exactly: a value that
 * does not fit its field is an error, never cut. */

union json_number_value {
	int32_t i32;
	uint32_t u32;
	int64_t i64;
	uint64_t u64;
	float f;
	double d;
};

/* Reads a value of protobuf-c type t (a number or enum type) from a JSON
 * number literal, or (quoted) from the content of a JSON string. Integers:
 * -?(0|[1-9][0-9]*), in range. Floating point: JSON number syntax, or when
 * quoted also NaN, Infinity, -Infinity; a finite value too large for the
 * type is out of range. Returns 0, -ERANGE, or -EINVAL (not a number of
 * that kind). */
int json_number(ProtobufCType t, const uint8_t *s, size_t n, bool quoted,
		union json_number_value *out);
/* Bytes a value of type t takes in a message (4 or 8). */
size_t json_number_size(ProtobufCType t);
bool json_number_is_float(ProtobufCType t);

/* Hex (either case, even length) into out (room for n / 2 bytes). */
int json_hex_decode(const uint8_t *s, size_t n, uint8_t *out, size_t *out_len);
/* Base64, standard or URL-safe alphabet, padding optional, into out (room
 * for n / 4 * 3 + 2 bytes). */
int json_base64_decode(const uint8_t *s, size_t n, uint8_t *out, size_t *out_len);

#endif
