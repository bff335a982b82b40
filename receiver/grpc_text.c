#include "grpc_text.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

static bool is_word(const uint8_t *v, size_t len, const char *word)
{
	size_t n = strlen(word);
	return len == n && strncasecmp((const char *)v, word, n) == 0;
}

enum grpc_content_type grpc_content_type(const uint8_t *v, size_t len)
{
	static const char base[] = "application/grpc";
	const size_t n = sizeof base - 1;
	const uint8_t *semi = memchr(v, ';', len);
	if (semi != NULL)
		len = (size_t)(semi - v);
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len < n || strncasecmp((const char *)v, base, n) != 0)
		return GRPC_CT_NOT_GRPC;
	if (len == n || is_word(v + n, len - n, "+proto"))
		return GRPC_CT_PROTO;
	return v[n] == '+' ? GRPC_CT_OTHER : GRPC_CT_NOT_GRPC;
}

enum grpc_coding grpc_coding_parse(const uint8_t *v, size_t len)
{
	if (is_word(v, len, "identity"))
		return GRPC_CODING_IDENTITY;
	if (is_word(v, len, "gzip"))
		return GRPC_CODING_GZIP;
	return GRPC_CODING_UNSUPPORTED;
}

int grpc_timeout_parse(const uint8_t *v, size_t len, uint64_t *ms)
{
	if (len < 2 || len > 9)
		return -EINVAL;
	uint64_t n = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	/* At most 99999999 of any unit: no product below overflows. */
	switch (v[len - 1]) {
	case 'H': *ms = n * 3600000u; break;
	case 'M': *ms = n * 60000u; break;
	case 'S': *ms = n * 1000u; break;
	case 'm': *ms = n; break;
	case 'u': *ms = (n + 999u) / 1000u; break;
	case 'n': *ms = (n + 999999u) / 1000000u; break;
	default: return -EINVAL;
	}
	return 0;
}

int grpc_percent_encode(const char *in, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		bool plain = *p >= 0x20 && *p <= 0x7e && *p != '%';
		size_t need = plain ? 1 : 3;
		if (cap - o < need + 1)
			return -ENOBUFS;
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	if (cap - o < 1)
		return -ENOBUFS;
	out[o] = '\0';
	return 0;
}

int grpc_base64(const uint8_t *in, size_t len, char *out, size_t cap, size_t *out_len)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t need = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
	if (cap < need + 1)
		return -ENOBUFS;
	size_t o = 0, i = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = abc[(v >> 6) & 63];
		out[o++] = abc[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = abc[(v >> 6) & 63];
	}
	out[o] = '\0';
	*out_len = o;
	return 0;
}
