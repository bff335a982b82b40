#include "utf8.h"

#include <stdbool.h>
#include <string.h>

#define HIGH_BITS UINT64_C(0x8080808080808080)
#define LOW_BITS UINT64_C(0x0101010101010101)

unsigned utf8_sequence(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0) {
		if (n < 2 || (p[1] & 0xc0) != 0x80)
			return 0;
		return 2;
	}
	if (c < 0xf0) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && p[1] < 0xa0) /* overlong */
			return 0;
		if (c == 0xed && p[1] > 0x9f) /* UTF-16 surrogate */
			return 0;
		return 3;
	}
	if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
		return 0;
	if (c == 0xf0 && p[1] < 0x90) /* overlong */
		return 0;
	if (c == 0xf4 && p[1] > 0x8f) /* past U+10FFFF */
		return 0;
	return 4;
}

static inline bool plain8(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return ((v | ((v - LOW_BITS) & ~v)) & HIGH_BITS) == 0;
}

enum utf8_result utf8_check(const uint8_t *p, size_t n, size_t *bad_at)
{
	size_t i = 0;
	bool tail_tried = false;
	while (i < n) {
		/* Eight ASCII bytes without a zero byte at a time: the common
		 * case. The last eight are taken, once, overlapping what was
		 * checked, since most strings are short. */
		if (n - i >= 8) {
			if (plain8(p + i)) {
				i += 8;
				continue;
			}
		} else if (n >= 8 && !tail_tried) {
			if (plain8(p + n - 8))
				return UTF8_OK;
			tail_tried = true;
		}
		uint8_t c = p[i];
		if (c - 1u < 0x7fu) { /* ASCII, not NUL */
			i++;
			continue;
		}
		if (c == 0) {
			*bad_at = i;
			return UTF8_NUL;
		}
		unsigned len = utf8_sequence(p + i, n - i);
		if (len == 0) {
			*bad_at = i;
			return UTF8_INVALID;
		}
		i += len;
	}
	return UTF8_OK;
}
