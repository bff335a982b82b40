#ifndef OTLPD_WRITER_JSON_TEXT_H
#define OTLPD_WRITER_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abuf.h"

/* JSON text pieces appended to a buffer, written for exactness first and
 * speed second (they run for every attribute of every row). Each returns 0,
 * -ENOMEM / -EOVERFLOW from the buffer, or -EILSEQ for a string that is not
 * valid UTF-8 (nothing is cut or replaced). On error the buffer may hold a
 * partial value; the caller drops the row. */

/* "text" with the escapes of RFC 8259: \" \\ \b \f \n \r \t and \u00XX for
 * other control characters; all other UTF-8 is copied as is. */
int json_string(struct abuf *b, const char *s, size_t len);
/* An object member's name: ,"key": (no comma when first). */
int json_member(struct abuf *b, bool first, const char *key, size_t len);
/* Plain decimal integers. */
int json_u64(struct abuf *b, uint64_t v);
int json_i64(struct abuf *b, int64_t v);
/* The same inside quotes, for 64-bit values that JSON readers working in
 * doubles would round. */
int json_u64_quoted(struct abuf *b, uint64_t v);
int json_i64_quoted(struct abuf *b, int64_t v);
/* A finite double as a number that reads back as exactly the same double,
 * always with a '.' or an exponent (1.0, 0.1, -0.0, 1e+300). Non-finite
 * values are -EDOM: callers choose how to spell them. */
int json_double(struct abuf *b, double v);
/* A double where the type is known from the place: finite as json_double,
 * otherwise the strings "NaN", "Infinity", "-Infinity" (as OTLP/JSON). */
int json_double_or_name(struct abuf *b, double v);
/* Lower-case hex in quotes ("" for no bytes). */
int json_hex(struct abuf *b, const uint8_t *p, size_t n);
/* Standard base64 (RFC 4648 section 4, with padding) in quotes. */
int json_base64(struct abuf *b, const uint8_t *p, size_t n);

static inline int json_raw(struct abuf *b, const char *s, size_t n)
{
	return abuf_append(b, s, n);
}

/* "" lit: only a string literal compiles, so sizeof is its length. */
#define JSON_LIT(b, lit) json_raw((b), "" lit, sizeof("" lit) - 1)

#endif
