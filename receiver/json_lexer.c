#include "json_lexer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum lexer_state {
	LX_VALUE,          /* a value must come */
	LX_FIRST_IN_ARRAY, /* a value or ']' */
	LX_FIRST_IN_OBJECT,/* a member name or '}' */
	LX_KEY,            /* a member name */
	LX_AFTER,          /* ',' or the end of the open array or object */
	LX_DONE,
	LX_FAILED,
};

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

static int lex_error(struct json_lexer *lx, int rc, const uint8_t *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int lex_error(struct json_lexer *lx, int rc, const uint8_t *at, const char *fmt, ...)
{
	char what[112];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(lx->error, sizeof lx->error, "%s at byte %zu", what, (size_t)(at - lx->begin));
	lx->state = LX_FAILED;
	lx->failure = rc;
	lx->p = at;
	return rc;
}

int json_lexer_init(struct json_lexer *lx, const uint8_t *buf, size_t len, uint32_t max_depth)
{
	static const uint8_t empty[1];
	if (max_depth < 1 || max_depth > JSON_MAX_DEPTH || (!buf && len))
		return -EINVAL;
	if (!buf)
		buf = empty;
	lx->begin = lx->p = buf;
	lx->end = buf + len;
	lx->depth = 0;
	lx->max_depth = max_depth;
	lx->state = LX_VALUE;
	lx->failure = 0;
	lx->error[0] = '\0';
	return 0;
}

static inline const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

static inline bool level_is_object(const struct json_lexer *lx)
{
	uint32_t i = lx->depth - 1;
	return (lx->is_object[i / 8] >> (i % 8)) & 1;
}

/* True when any of the 8 bytes is '"', '\', a control byte or non-ASCII. */
static inline bool special8(uint64_t v)
{
	uint64_t quote = v ^ (ONES * '"');
	uint64_t slash = v ^ (ONES * '\\');
	uint64_t t = ((quote - ONES) & ~quote) | ((slash - ONES) & ~slash) |
		     ((v - ONES * 0x20) & ~v) | v;
	return (t & HIGHS) != 0;
}

/* Skips string bytes that need no look (not '"', '\\', a control byte or
 * non-ASCII): 16 at a time with SSE2 (every x86-64 has it), else 8. */
static inline const uint8_t *skip_plain(const uint8_t *s, const uint8_t *end)
{
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i slash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(0x20);
	while (end - s >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
		/* Signed compare: bytes 0x80..0xff are negative, so "v < 0x20"
		 * also catches non-ASCII. */
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)),
					   _mm_cmplt_epi8(v, space));
		int mask = _mm_movemask_epi8(hit);
		if (mask)
			return s + __builtin_ctz((unsigned)mask);
		s += 16;
	}
#endif
	while (end - s >= 8) {
		uint64_t v;
		memcpy(&v, s, 8);
		if (special8(v))
			break;
		s += 8;
	}
	return s;
}

static int hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Reads the 4 hex digits after "\u" at p; -1 when they are not. */
static long hex4(const uint8_t *p, const uint8_t *end)
{
	if (end - p < 4)
		return -1;
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(p[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Checks one escape at s ('\'); returns its length or a negative errno. */
static int check_escape(struct json_lexer *lx, const uint8_t *s)
{
	if (lx->end - s < 2)
		return lex_error(lx, -EBADMSG, s, "unterminated string");
	switch (s[1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		return 2;
	case 'u':
		break;
	default:
		return lex_error(lx, -EBADMSG, s, "invalid escape in a string");
	}
	long cp = hex4(s + 2, lx->end);
	if (cp < 0)
		return lex_error(lx, -EBADMSG, s, "invalid \\u escape in a string");
	if (cp == 0)
		return lex_error(lx, -EBADMSG, s, "\\u0000 (NUL) is not allowed in a string");
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return lex_error(lx, -EBADMSG, s, "unpaired UTF-16 surrogate in a string");
	if (cp < 0xd800 || cp > 0xdbff)
		return 6;
	long low = lx->end - s >= 12 && s[6] == '\\' && s[7] == 'u' ? hex4(s + 8, lx->end) : -1;
	if (low < 0xdc00 || low > 0xdfff)
		return lex_error(lx, -EBADMSG, s, "unpaired UTF-16 surrogate in a string");
	return 12;
}

/* A string whose opening quote is at lx->p. */
static int scan_string(struct json_lexer *lx, struct json_token *tok, enum json_type type)
{
	const uint8_t *s = lx->p + 1;
	const uint8_t *end = lx->end;
	bool escaped = false;
	for (;;) {
		s = skip_plain(s, end);
		if (s >= end)
			return lex_error(lx, -EBADMSG, lx->p, "unterminated string");
		uint8_t c = *s;
		if (c == '"')
			break;
		if (c == '\\') {
			int n = check_escape(lx, s);
			if (n < 0)
				return n;
			escaped = true;
			s += n;
		} else if (c < 0x20) {
			return lex_error(lx, -EBADMSG, s, "%s in a string",
					 c == 0 ? "a NUL byte" : "a raw control character");
		} else if (c < 0x80) {
			s++;
		} else {
			unsigned n = utf8_sequence(s, (size_t)(end - s));
			if (!n)
				return lex_error(lx, -EBADMSG, s, "a string that is not UTF-8");
			s += n;
		}
	}
	tok->type = type;
	tok->start = lx->p + 1;
	tok->len = (size_t)(s - tok->start);
	tok->escaped = escaped;
	tok->offset = (size_t)(lx->p - lx->begin);
	lx->p = s + 1;
	return 0;
}

static inline bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static int scan_number(struct json_lexer *lx, struct json_token *tok)
{
	const uint8_t *s = lx->p, *end = lx->end;
	if (s < end && *s == '-')
		s++;
	if (s < end && *s == '0') {
		s++;
	} else if (s < end && is_digit(*s)) {
		while (s < end && is_digit(*s))
			s++;
	} else {
		return lex_error(lx, -EBADMSG, lx->p, "invalid number");
	}
	if (s < end && *s == '.') {
		s++;
		if (s >= end || !is_digit(*s))
			return lex_error(lx, -EBADMSG, lx->p, "invalid number");
		while (s < end && is_digit(*s))
			s++;
	}
	if (s < end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < end && (*s == '+' || *s == '-'))
			s++;
		if (s >= end || !is_digit(*s))
			return lex_error(lx, -EBADMSG, lx->p, "invalid number");
		while (s < end && is_digit(*s))
			s++;
	}
	tok->type = JSON_NUMBER;
	tok->start = lx->p;
	tok->len = (size_t)(s - lx->p);
	tok->escaped = false;
	tok->offset = (size_t)(lx->p - lx->begin);
	lx->p = s;
	return 0;
}

static int scan_literal(struct json_lexer *lx, struct json_token *tok, const char *word,
			enum json_type type)
{
	size_t n = strlen(word);
	if ((size_t)(lx->end - lx->p) < n || memcmp(lx->p, word, n) != 0)
		return lex_error(lx, -EBADMSG, lx->p, "invalid literal");
	tok->type = type;
	tok->start = lx->p;
	tok->len = n;
	tok->escaped = false;
	tok->offset = (size_t)(lx->p - lx->begin);
	lx->p += n;
	return 0;
}

static int open_level(struct json_lexer *lx, struct json_token *tok, bool object)
{
	if (lx->depth >= lx->max_depth)
		return lex_error(lx, -E2BIG, lx->p,
				 "nesting deeper than %u levels (limit receiver.max_json_depth)",
				 lx->max_depth);
	uint32_t i = lx->depth++;
	if (object)
		lx->is_object[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		lx->is_object[i / 8] &= (uint8_t)~(1u << (i % 8));
	tok->type = object ? JSON_OBJECT_BEGIN : JSON_ARRAY_BEGIN;
	tok->start = lx->p;
	tok->len = 1;
	tok->escaped = false;
	tok->offset = (size_t)(lx->p - lx->begin);
	lx->p++;
	lx->state = object ? LX_FIRST_IN_OBJECT : LX_FIRST_IN_ARRAY;
	return 0;
}

static int close_level(struct json_lexer *lx, struct json_token *tok)
{
	bool object = level_is_object(lx);
	lx->depth--;
	tok->type = object ? JSON_OBJECT_END : JSON_ARRAY_END;
	tok->start = lx->p;
	tok->len = 1;
	tok->escaped = false;
	tok->offset = (size_t)(lx->p - lx->begin);
	lx->p++;
	lx->state = LX_AFTER;
	return 0;
}

static int scan_value(struct json_lexer *lx, struct json_token *tok)
{
	int rc;
	switch (*lx->p) {
	case '{':
		return open_level(lx, tok, true);
	case '[':
		return open_level(lx, tok, false);
	case '"':
		rc = scan_string(lx, tok, JSON_STRING);
		break;
	case 't':
		rc = scan_literal(lx, tok, "true", JSON_TRUE);
		break;
	case 'f':
		rc = scan_literal(lx, tok, "false", JSON_FALSE);
		break;
	case 'n':
		rc = scan_literal(lx, tok, "null", JSON_NULL);
		break;
	default:
		if (*lx->p != '-' && !is_digit(*lx->p))
			return lex_error(lx, -EBADMSG, lx->p, "expected a value");
		rc = scan_number(lx, tok);
		break;
	}
	if (rc == 0)
		lx->state = LX_AFTER;
	return rc;
}

int json_next(struct json_lexer *lx, struct json_token *tok)
{
	if (lx->state == LX_FAILED)
		return lx->failure;
	for (;;) {
		lx->p = skip_ws(lx->p, lx->end);
		if (lx->state == LX_DONE || (lx->state == LX_AFTER && lx->depth == 0)) {
			if (lx->p != lx->end)
				return lex_error(lx, -EBADMSG, lx->p, "data after the JSON value");
			lx->state = LX_DONE;
			tok->type = JSON_END;
			tok->start = lx->p;
			tok->len = 0;
			tok->escaped = false;
			tok->offset = (size_t)(lx->p - lx->begin);
			return 0;
		}
		if (lx->p == lx->end)
			return lex_error(lx, -EBADMSG, lx->p, "unexpected end of the JSON text");
		uint8_t c = *lx->p;
		switch (lx->state) {
		case LX_AFTER: {
			bool object = level_is_object(lx);
			if (c == ',') {
				lx->p++;
				lx->state = object ? LX_KEY : LX_VALUE;
				continue;
			}
			if (c == (object ? '}' : ']'))
				return close_level(lx, tok);
			return lex_error(lx, -EBADMSG, lx->p, object ? "expected ',' or '}'" :
								     "expected ',' or ']'");
		}
		case LX_FIRST_IN_OBJECT:
		case LX_KEY: {
			if (c == '}' && lx->state == LX_FIRST_IN_OBJECT)
				return close_level(lx, tok);
			if (c != '"')
				return lex_error(lx, -EBADMSG, lx->p, "expected a member name");
			int rc = scan_string(lx, tok, JSON_KEY);
			if (rc < 0)
				return rc;
			lx->p = skip_ws(lx->p, lx->end);
			if (lx->p == lx->end || *lx->p != ':')
				return lex_error(lx, -EBADMSG, lx->p, "expected ':'");
			lx->p++;
			lx->state = LX_VALUE;
			return 0;
		}
		case LX_FIRST_IN_ARRAY:
			if (c == ']')
				return close_level(lx, tok);
			return scan_value(lx, tok);
		default:
			return scan_value(lx, tok);
		}
	}
}

int json_skip(struct json_lexer *lx, const struct json_token *tok)
{
	if (tok->type != JSON_OBJECT_BEGIN && tok->type != JSON_ARRAY_BEGIN)
		return 0;
	uint32_t target = lx->depth - 1;
	struct json_token t;
	do {
		int rc = json_next(lx, &t);
		if (rc < 0)
			return rc;
	} while (lx->depth != target || (t.type != JSON_OBJECT_END && t.type != JSON_ARRAY_END));
	return 0;
}

static size_t put_utf8(uint8_t *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | (cp >> 6));
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | (cp >> 12));
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | (cp >> 18));
	out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

size_t json_unescape(const struct json_token *tok, uint8_t *out)
{
	if (!tok->escaped) {
		memcpy(out, tok->start, tok->len);
		return tok->len;
	}
	const uint8_t *s = tok->start, *end = tok->start + tok->len;
	size_t n = 0;
	while (s < end) {
		const uint8_t *bs = memchr(s, '\\', (size_t)(end - s));
		size_t run = bs ? (size_t)(bs - s) : (size_t)(end - s);
		memcpy(out + n, s, run);
		n += run;
		s += run;
		if (!bs)
			break;
		uint8_t c = s[1];
		s += 2;
		switch (c) {
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u': {
			uint32_t cp = (uint32_t)hex4(s, end);
			s += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				uint32_t low = (uint32_t)hex4(s + 2, end);
				cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
				s += 6;
			}
			n += put_utf8(out + n, cp);
			break;
		}
		default: out[n++] = c; break; /* '"', '\\', '/' */
		}
	}
	return n;
}
