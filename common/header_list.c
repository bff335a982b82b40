#include "header_list.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Headers that frame or route the request: the forwarder sets them. */
static const char *const reserved[] = {
	"host",		 "content-length", "content-type", "content-encoding",
	"transfer-encoding", "connection",     "keep-alive",   "proxy-connection",
	"te",		 "trailer",	   "upgrade",	   "expect",
};

static int fail(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t cap, const char *fmt, ...)
{
	if (why && cap > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, cap, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool is_tchar(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static void trim(const char **s, size_t *len)
{
	while (*len > 0 && ((*s)[0] == ' ' || (*s)[0] == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

static int hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Percent-decodes value into out; refuses control characters but tab. */
static int decode(const char *v, size_t len, char *out, size_t *out_len, const char *name,
		  size_t name_len, char *why, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch == '%') {
			int hi = i + 2 < len ? hex(v[i + 1]) : -1;
			int lo = i + 2 < len ? hex(v[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return fail(why, cap,
					    "header %.*s: a '%%' in a value must start a %%XX escape",
					    (int)name_len, name);
			ch = (unsigned char)(hi * 16 + lo);
			i += 2;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return fail(why, cap, "header %.*s: the value contains a control character",
				    (int)name_len, name);
		if (o == HEADER_LIST_VALUE_MAX)
			return fail(why, cap, "header %.*s: the value is longer than %d bytes",
				    (int)name_len, name, HEADER_LIST_VALUE_MAX);
		out[o++] = (char)ch;
	}
	*out_len = o;
	return 0;
}

int header_list_parse(const char *text, size_t len, header_list_cb cb, void *ctx, char *why,
		      size_t why_len)
{
	struct {
		const char *p;
		size_t len;
	} seen[HEADER_LIST_MAX_HEADERS];
	size_t nseen = 0;
	char value[HEADER_LIST_VALUE_MAX];
	size_t pos = 0;
	while (pos < len) {
		const char *item = text + pos;
		const char *comma = memchr(item, ',', len - pos);
		size_t item_len = comma ? (size_t)(comma - item) : len - pos;
		pos += item_len + 1;
		const char *eq = memchr(item, '=', item_len);
		const char *name = item;
		size_t name_len = eq ? (size_t)(eq - item) : item_len;
		trim(&name, &name_len);
		if (name_len == 0 && !eq)
			continue; /* an empty item, e.g. a trailing comma */
		if (!eq)
			return fail(why, why_len, "a header is not written as Name=value");
		if (name_len == 0)
			return fail(why, why_len, "a header has no name");
		for (size_t i = 0; i < name_len; i++)
			if (!is_tchar(name[i]))
				return fail(why, why_len,
					    "a header name may hold only letters, digits and "
					    "!#$%%&'*+-.^_`|~");
		for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
			if (strlen(reserved[i]) == name_len &&
			    strncasecmp(reserved[i], name, name_len) == 0)
				return fail(why, why_len,
					    "header %.*s: otlpd sets this header itself",
					    (int)name_len, name);
		for (size_t i = 0; i < nseen; i++)
			if (seen[i].len == name_len && strncasecmp(seen[i].p, name, name_len) == 0)
				return fail(why, why_len, "header %.*s is given twice",
					    (int)name_len, name);
		if (nseen == HEADER_LIST_MAX_HEADERS)
			return fail(why, why_len, "more than %d headers", HEADER_LIST_MAX_HEADERS);
		seen[nseen].p = name;
		seen[nseen].len = name_len;
		nseen++;

		const char *v = eq + 1;
		size_t v_len = item_len - (size_t)(v - item);
		trim(&v, &v_len);
		size_t out_len = 0;
		int err = decode(v, v_len, value, &out_len, name, name_len, why, why_len);
		if (!err && cb)
			err = cb(ctx, name, name_len, value, out_len);
		if (err)
			return err;
	}
	return 0;
}

int header_list_append(char *buf, size_t cap, size_t *used, const char *name, size_t name_len,
		       const char *value, size_t value_len)
{
	size_t o = *used;
	size_t need = (o > 0 ? 1 : 0) + name_len + 1;
	for (size_t i = 0; i < value_len; i++)
		need += value[i] == '%' || value[i] == ',' ? 3 : 1;
	if (o + need + 1 > cap)
		return -ENOBUFS;
	if (o > 0)
		buf[o++] = ',';
	memcpy(buf + o, name, name_len);
	o += name_len;
	buf[o++] = '=';
	for (size_t i = 0; i < value_len; i++) {
		if (value[i] == '%' || value[i] == ',') {
			buf[o++] = '%';
			buf[o++] = '2';
			buf[o++] = value[i] == '%' ? '5' : 'C';
		} else {
			buf[o++] = value[i];
		}
	}
	buf[o] = '\0';
	*used = o;
	return 0;
}
