#ifndef OTLPD_UTF8_H
#define OTLPD_UTF8_H

#include <stddef.h>
#include <stdint.h>

enum utf8_result {
	UTF8_OK = 0,
	UTF8_INVALID = 1, /* not UTF-8 (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF) */
	UTF8_NUL = 2,     /* a NUL byte, which a C string would end at */
};

/* Checks n bytes; on a problem *bad_at is the offset of the first bad byte. */
enum utf8_result utf8_check(const uint8_t *p, size_t n, size_t *bad_at);

/* Length of the UTF-8 sequence starting at p (1..4), or 0 when p does not
 * start a valid one within n bytes. */
unsigned utf8_sequence(const uint8_t *p, size_t n);

#endif
