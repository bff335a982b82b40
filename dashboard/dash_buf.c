#include "dash_buf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dash_buf_init(struct dash_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void dash_buf_free(struct dash_buf *b)
{
	free(b->data);
	dash_buf_init(b, b->max);
}

int dash_buf_add(struct dash_buf *b, const char *s, size_t n)
{
	if (n > b->max || b->len > b->max - n)
		return -ENOBUFS;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > b->max + 1)
			cap = b->max + 1;
		char *nd = realloc(b->data, cap);
		if (nd == NULL)
			return -ENOMEM;
		b->data = nd;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int dash_buf_str(struct dash_buf *b, const char *s)
{
	return dash_buf_add(b, s, strlen(s));
}

int dash_buf_u64(struct dash_buf *b, uint64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof t, "%" PRIu64, v);
	return n < 0 ? -EINVAL : dash_buf_add(b, t, (size_t)n);
}

int dash_buf_i64(struct dash_buf *b, int64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof t, "%" PRId64, v);
	return n < 0 ? -EINVAL : dash_buf_add(b, t, (size_t)n);
}

int dash_buf_json_str(struct dash_buf *b, const char *s, size_t n)
{
	int err = dash_buf_add(b, "\"", 1);
	for (size_t i = 0; i < n && !err; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			err = dash_buf_add(b, e, 2);
		} else if (c < 0x20) {
			char e[8];
			snprintf(e, sizeof e, "\\u%04x", c);
			err = dash_buf_add(b, e, 6);
		} else {
			err = dash_buf_add(b, (const char *)&c, 1);
		}
	}
	return err ? err : dash_buf_add(b, "\"", 1);
}
