#include "json_text.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80), or 0: no
 * overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_sequence(const uint8_t *s, size_t avail)
{
	uint8_t c = s[0];
	size_t n;
	uint8_t lo = 0x80, hi = 0xbf; /* range of the second byte */
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return n;
}

/* 1 for the bytes a JSON string takes as they are: printable ASCII other
 * than '"' and '\\'. */
static const uint8_t plain_byte[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* True when none of the 8 bytes in w needs a look (bit tricks on the word:
 * no byte below 0x20, none is '"' or '\\', no high bit). */
static inline bool word_is_plain(uint64_t w)
{
	uint64_t control = (w - ONES * 0x20) & ~w;
	uint64_t quote = w ^ (ONES * '"');
	uint64_t backslash = w ^ (ONES * '\\');
	uint64_t special = control | ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash);
	return ((special | w) & HIGHS) == 0;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

/* How many bytes from s on can be copied as they are. Words of 8 bytes at
 * a time; the last part of a string of 8 or more as one word that overlaps
 * what was seen, shorter ones byte by byte. */
static inline size_t plain_run(const uint8_t *s, size_t n)
{
	size_t i = 0;
	if (n >= 8) {
		while (i + 8 <= n && word_is_plain(load64(s + i)))
			i += 8;
		/* All whole words were plain: the rest decides. */
		if (i + 8 > n && (i == n || word_is_plain(load64(s + n - 8))))
			return n;
	}
	while (i < n && plain_byte[s[i]])
		i++;
	return i;
}

static void put_escape(struct abuf *b, uint8_t c)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = {'\\', 0, 0, 0, 0, 0};
	size_t n = 2;
	switch (c) {
	case '"':
		e[1] = '"';
		break;
	case '\\':
		e[1] = '\\';
		break;
	case '\b':
		e[1] = 'b';
		break;
	case '\f':
		e[1] = 'f';
		break;
	case '\n':
		e[1] = 'n';
		break;
	case '\r':
		e[1] = 'r';
		break;
	case '\t':
		e[1] = 't';
		break;
	default:
		e[1] = 'u';
		e[2] = '0';
		e[3] = '0';
		e[4] = hex[c >> 4];
		e[5] = hex[c & 15];
		n = 6;
		break;
	}
	abuf_put(b, e, n);
}

/* From the first byte that is not plain on: escapes and UTF-8 checks. */
static int string_rest(struct abuf *b, const uint8_t *s, size_t len, size_t i)
{
	while (i < len) {
		if (s[i] >= 0x80) {
			size_t n = utf8_sequence(s + i, len - i);
			if (n == 0)
				return -EILSEQ;
			abuf_put(b, s + i, n);
			i += n;
		} else if (!plain_byte[s[i]]) {
			/* An escape is up to 6 bytes for 1: room for it and the rest. */
			int err = abuf_reserve(b, 6 + (len - i) + 1);
			if (err)
				return err;
			put_escape(b, s[i]);
			i++;
		}
		size_t run = plain_run(s + i, len - i);
		abuf_put(b, s + i, run);
		i += run;
	}
	abuf_put_byte(b, '"');
	return 0;
}

static inline void store64(uint8_t *p, uint64_t w)
{
	memcpy(p, &w, sizeof w);
}

/* lead (if not 0), "str", trail (if not 0). Plain strings, nearly all of
 * them, are checked and copied a word at a time in one pass. */
static int put_string(struct abuf *b, char lead, const char *str, size_t len, char trail)
{
	const uint8_t *s = (const uint8_t *)str;
	int err = abuf_reserve(b, len + 4);
	if (err)
		return err;
	if (lead)
		abuf_put_byte(b, (uint8_t)lead);
	uint8_t *d = b->data + b->len + 1;
	d[-1] = '"';
	size_t i = 0;
	if (len >= 8) {
		for (; i + 8 <= len; i += 8) {
			uint64_t w = load64(s + i);
			if (!word_is_plain(w))
				break;
			store64(d + i, w);
		}
		if (i + 8 > len) {
			uint64_t w = load64(s + len - 8);
			if (i == len || word_is_plain(w)) {
				store64(d + len - 8, w);
				i = len;
			}
		}
	} else {
		for (; i < len && plain_byte[s[i]]; i++)
			d[i] = s[i];
	}
	if (i == len) {
		d[len] = '"';
		b->len += len + 2;
	} else {
		b->len += i + 1;
		err = string_rest(b, s, len, i);
	}
	if (!err && trail)
		err = abuf_append_byte(b, (uint8_t)trail);
	return err;
}

int json_string(struct abuf *b, const char *str, size_t len)
{
	return put_string(b, 0, str, len, 0);
}

int json_member(struct abuf *b, bool first, const char *key, size_t len)
{
	return put_string(b, first ? 0 : ',', key, len, ':');
}

/* Writes the digits of v so that they end at end; returns their count. */
static size_t u64_digits(char *end, uint64_t v)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";
	char *p = end;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		*--p = pairs[2 * r + 1];
		*--p = pairs[2 * r];
	}
	if (v >= 10) {
		*--p = pairs[2 * v + 1];
		*--p = pairs[2 * v];
	} else {
		*--p = (char)('0' + v);
	}
	return (size_t)(end - p);
}

static int put_integer(struct abuf *b, bool negative, uint64_t magnitude, bool quoted)
{
	char buf[24];
	char *end = buf + sizeof buf - 1;
	size_t n = u64_digits(end, magnitude);
	char *p = end - n;
	if (negative)
		*--p = '-';
	if (quoted) {
		*--p = '"';
		*end++ = '"';
	}
	return abuf_append(b, p, (size_t)(end - p));
}

static uint64_t magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

int json_u64(struct abuf *b, uint64_t v)
{
	return put_integer(b, false, v, false);
}

int json_i64(struct abuf *b, int64_t v)
{
	return put_integer(b, v < 0, magnitude(v), false);
}

int json_u64_quoted(struct abuf *b, uint64_t v)
{
	return put_integer(b, false, v, true);
}

int json_i64_quoted(struct abuf *b, int64_t v)
{
	return put_integer(b, v < 0, magnitude(v), true);
}

#define TWO_POW_53 9007199254740992.0

/* Digits of m with a decimal point k places from the right. */
static int put_fixed(struct abuf *b, bool negative, uint64_t m, unsigned k)
{
	char digits[24];
	char *end = digits + sizeof digits;
	size_t n = u64_digits(end, m);
	if (n > 20) /* never: m < 2^53; tells the compiler so */
		return -EOVERFLOW;
	const char *d = end - n;
	int err = abuf_reserve(b, n + k + 4);
	if (err)
		return err;
	if (negative)
		abuf_put_byte(b, '-');
	if (k == 0) {
		abuf_put(b, d, n);
		abuf_put(b, ".0", 2);
	} else if (n > k) {
		abuf_put(b, d, n - k);
		abuf_put_byte(b, '.');
		abuf_put(b, d + n - k, k);
	} else {
		abuf_put(b, "0.", 2);
		for (size_t i = n; i < k; i++)
			abuf_put_byte(b, '0');
		abuf_put(b, d, n);
	}
	return 0;
}

int json_double(struct abuf *b, double v)
{
	static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
				       1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};
	if (!isfinite(v))
		return -EDOM;
	bool negative = signbit(v) != 0;
	double a = negative ? -v : v;
	if (a == 0)
		return negative ? JSON_LIT(b, "-0.0") : JSON_LIT(b, "0.0");
	/* If m / 10^k, computed with one correctly rounded division of two exact
	 * doubles, gives back a, then the decimal m·10^-k reads back as a too:
	 * both are the double nearest to the same real number. */
	for (unsigned k = 0; k < sizeof pow10 / sizeof pow10[0]; k++) {
		double scaled = a * pow10[k];
		if (scaled >= TWO_POW_53)
			break;
		uint64_t m = (uint64_t)(scaled + 0.5);
		if ((double)m / pow10[k] == a)
			return put_fixed(b, negative, m, k);
	}
	/* 17 significant digits always read back exactly. */
	char buf[40];
	int n = snprintf(buf, sizeof buf - 2, "%.17g", v);
	if (n < 0 || (size_t)n >= sizeof buf - 2)
		return -EOVERFLOW;
	bool has_point = false;
	for (int i = 0; i < n; i++)
		has_point = has_point || buf[i] == '.' || buf[i] == 'e';
	if (!has_point) {
		buf[n++] = '.';
		buf[n++] = '0';
	}
	return abuf_append(b, buf, (size_t)n);
}

int json_double_or_name(struct abuf *b, double v)
{
	if (isnan(v))
		return JSON_LIT(b, "\"NaN\"");
	if (isinf(v))
		return v > 0 ? JSON_LIT(b, "\"Infinity\"") : JSON_LIT(b, "\"-Infinity\"");
	return json_double(b, v);
}

int json_hex(struct abuf *b, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	if (n > (ABUF_MAX - 2) / 2)
		return -EOVERFLOW;
	int err = abuf_reserve(b, 2 * n + 2);
	if (err)
		return err;
	abuf_put_byte(b, '"');
	for (size_t i = 0; i < n; i++) {
		abuf_put_byte(b, (uint8_t)hex[p[i] >> 4]);
		abuf_put_byte(b, (uint8_t)hex[p[i] & 15]);
	}
	abuf_put_byte(b, '"');
	return 0;
}

int json_base64(struct abuf *b, const uint8_t *p, size_t n)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (n > (ABUF_MAX / 4) * 3 - 3)
		return -EOVERFLOW;
	int err = abuf_reserve(b, (n + 2) / 3 * 4 + 2);
	if (err)
		return err;
	abuf_put_byte(b, '"');
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		abuf_put_byte(b, (uint8_t)alphabet[v >> 18]);
		abuf_put_byte(b, (uint8_t)alphabet[(v >> 12) & 63]);
		abuf_put_byte(b, (uint8_t)alphabet[(v >> 6) & 63]);
		abuf_put_byte(b, (uint8_t)alphabet[v & 63]);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		abuf_put_byte(b, (uint8_t)alphabet[v >> 18]);
		abuf_put_byte(b, (uint8_t)alphabet[(v >> 12) & 63]);
		abuf_put(b, "==", 2);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		abuf_put_byte(b, (uint8_t)alphabet[v >> 18]);
		abuf_put_byte(b, (uint8_t)alphabet[(v >> 12) & 63]);
		abuf_put_byte(b, (uint8_t)alphabet[(v >> 6) & 63]);
		abuf_put_byte(b, '=');
	}
	abuf_put_byte(b, '"');
	return 0;
}
