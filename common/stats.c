#include "stats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void stats_reset(struct stats_buf *b)
{
	b->len = 0;
	b->text[0] = '\0';
}

static int valid_name(const char *name, size_t len)
{
	if (len == 0 || len > STATS_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static int append(struct stats_buf *b, const char *prefix, const char *name, size_t name_len,
		  const char *value, size_t value_len)
{
	size_t room = sizeof b->text - b->len;
	int n = snprintf(b->text + b->len, room, "%s%s%.*s %.*s\n", prefix ? prefix : "",
			 prefix ? "." : "", (int)name_len, name, (int)value_len, value);
	if (n < 0 || (size_t)n >= room) {
		b->text[b->len] = '\0';
		return -ENOBUFS;
	}
	b->len += (size_t)n;
	return 0;
}

int stats_add(struct stats_buf *b, const char *name, uint64_t value)
{
	size_t name_len = strlen(name);
	if (!valid_name(name, name_len))
		return -EINVAL;
	char num[24];
	int n = snprintf(num, sizeof num, "%" PRIu64, value);
	return append(b, NULL, name, name_len, num, (size_t)n);
}

int stats_add_prefixed(struct stats_buf *b, const char *prefix, const char *text, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		if (nl == NULL)
			return -EBADMSG;
		size_t line_len = (size_t)(nl - line);
		const char *sp = memchr(line, ' ', line_len);
		if (sp == NULL)
			return -EBADMSG;
		size_t name_len = (size_t)(sp - line);
		size_t value_len = line_len - name_len - 1;
		if (!valid_name(line, name_len) || value_len == 0 || value_len > 20)
			return -EBADMSG;
		for (size_t i = 0; i < value_len; i++)
			if (sp[1 + i] < '0' || sp[1 + i] > '9')
				return -EBADMSG;
		int err = append(b, prefix, line, name_len, sp + 1, value_len);
		if (err)
			return err;
		pos += line_len + 1;
	}
	return 0;
}
