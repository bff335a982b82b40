#include "json_scalar.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Longest floating point literal read; a longer one is refused as out of
 * range rather than read in part. */
#define FLOAT_TEXT_MAX 512

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* -?(0|[1-9][0-9]*) into sign and magnitude. */
static int parse_integer(const uint8_t *s, size_t n, bool *negative, uint64_t *magnitude)
{
	size_t i = 0;
	*negative = n > 0 && s[0] == '-';
	if (*negative)
		i = 1;
	if (i == n || (s[i] == '0' && n - i > 1))
		return -EINVAL;
	uint64_t v = 0;
	bool overflow = false;
	for (; i < n; i++) {
		if (!is_digit(s[i]))
			return -EINVAL;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
	}
	if (overflow)
		return -ERANGE;
	*magnitude = v;
	return 0;
}

/* JSON number syntax (RFC 8259 section 6), for quoted numbers. */
static bool number_syntax(const uint8_t *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0') {
		i++;
	} else if (i < n && is_digit(s[i])) {
		while (i < n && is_digit(s[i]))
			i++;
	} else {
		return false;
	}
	if (i < n && s[i] == '.') {
		if (++i >= n || !is_digit(s[i]))
			return false;
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i]))
			return false;
		while (i < n && is_digit(s[i]))
			i++;
	}
	return i == n;
}

static bool text_is(const uint8_t *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

static int parse_double(const uint8_t *s, size_t n, bool quoted, double *out)
{
	if (quoted) {
		if (text_is(s, n, "NaN")) {
			*out = (double)NAN;
			return 0;
		}
		if (text_is(s, n, "Infinity") || text_is(s, n, "-Infinity")) {
			*out = s[0] == '-' ? -(double)INFINITY : (double)INFINITY;
			return 0;
		}
		if (!number_syntax(s, n))
			return -EINVAL;
	}
	char text[FLOAT_TEXT_MAX + 1];
	if (n > FLOAT_TEXT_MAX)
		return -ERANGE;
	memcpy(text, s, n);
	text[n] = '\0';
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (end != text + n)
		return -EINVAL;
	if (errno == ERANGE && isinf(v))
		return -ERANGE;
	*out = v;
	return 0;
}

bool json_number_is_float(ProtobufCType t)
{
	return t == PROTOBUF_C_TYPE_FLOAT || t == PROTOBUF_C_TYPE_DOUBLE;
}

size_t json_number_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	default:
		return 4;
	}
}

int json_number(ProtobufCType t, const uint8_t *s, size_t n, bool quoted,
		union json_number_value *out)
{
	if (json_number_is_float(t)) {
		double d;
		int rc = parse_double(s, n, quoted, &d);
		if (rc < 0)
			return rc;
		if (t == PROTOBUF_C_TYPE_DOUBLE) {
			out->d = d;
			return 0;
		}
		if (isfinite(d) && fabs(d) > (double)FLT_MAX)
			return -ERANGE;
		out->f = (float)d;
		return 0;
	}
	bool negative;
	uint64_t mag;
	int rc = parse_integer(s, n, &negative, &mag);
	if (rc < 0)
		return rc;
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_ENUM:
		if (mag > (negative ? (uint64_t)INT32_MAX + 1 : (uint64_t)INT32_MAX))
			return -ERANGE;
		out->i32 = negative ? (int32_t)(-(int64_t)mag) : (int32_t)mag;
		return 0;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		if (mag > (negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
			return -ERANGE;
		out->i64 = negative ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag) :
				      (int64_t)mag;
		return 0;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if (negative && mag != 0)
			return -ERANGE;
		if (mag > UINT32_MAX)
			return -ERANGE;
		out->u32 = (uint32_t)mag;
		return 0;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		if (negative && mag != 0)
			return -ERANGE;
		out->u64 = mag;
		return 0;
	default:
		return -EINVAL;
	}
}

static int hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int json_hex_decode(const uint8_t *s, size_t n, uint8_t *out, size_t *out_len)
{
	if (n % 2)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*out_len = n / 2;
	return 0;
}

static int base64_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int json_base64_decode(const uint8_t *s, size_t n, uint8_t *out, size_t *out_len)
{
	size_t pad = 0;
	while (pad < 2 && n - pad > 0 && s[n - pad - 1] == '=')
		pad++;
	if (pad && n % 4)
		return -EINVAL;
	size_t m = n - pad, o = 0;
	if (m % 4 == 1)
		return -EINVAL;
	uint32_t acc = 0;
	for (size_t i = 0; i < m; i++) {
		int v = base64_value(s[i]);
		if (v < 0)
			return -EINVAL;
		acc = acc << 6 | (uint32_t)v;
		if (i % 4 == 3) {
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			acc = 0;
		}
	}
	if (m % 4 == 2) {
		out[o++] = (uint8_t)(acc >> 4);
	} else if (m % 4 == 3) {
		out[o++] = (uint8_t)(acc >> 10);
		out[o++] = (uint8_t)(acc >> 2);
	}
	*out_len = o;
	return 0;
}
