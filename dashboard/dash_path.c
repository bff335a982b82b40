#include "dash_path.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

static const char *const signal_names[DASH_SIGNAL_COUNT] = {"traces", "metrics", "logs"};
static const char *const signal_dirs[DASH_SIGNAL_COUNT] = {"otlp/traces", "otlp/metrics",
							   "otlp/logs"};

const char *dash_signal_name(enum dash_signal s)
{
	return (unsigned)s < DASH_SIGNAL_COUNT ? signal_names[s] : "";
}

const char *dash_signal_dir(enum dash_signal s)
{
	return (unsigned)s < DASH_SIGNAL_COUNT ? signal_dirs[s] : "";
}

int dash_signal_parse(const char *name, size_t len, enum dash_signal *out)
{
	for (unsigned i = 0; i < DASH_SIGNAL_COUNT; i++) {
		if (strlen(signal_names[i]) == len && memcmp(signal_names[i], name, len) == 0) {
			*out = (enum dash_signal)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dash_percent_decode(const char *in, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '%') {
			int hi = i + 1 < len ? hex_value(in[i + 1]) : -1;
			int lo = i + 2 < len ? hex_value(in[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return -EINVAL;
		if (n + 1 >= cap)
			return -ENAMETOOLONG;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	size_t bad_at = 0;
	if (utf8_check((const uint8_t *)out, n, &bad_at) != UTF8_OK)
		return -EINVAL;
	return (int)n;
}

int dash_file_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > DASH_FILE_NAME_MAX || name[0] == '.')
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == '-';
		if (!ok)
			return -EINVAL;
	}
	return 0;
}

int dash_data_path(const char *path, char *rel, size_t cap, enum dash_signal *signal)
{
	static const char prefix[] = "/data/";
	/* Room for the decoded form of a path whose name part is at most the
	 * longest name; anything longer is refused as too long. */
	char dec[DASH_REL_PATH_MAX + sizeof prefix];
	size_t raw_len = strlen(path);
	int n = dash_percent_decode(path, raw_len, dec, sizeof dec);
	if (n < 0)
		return -EACCES;
	if ((size_t)n < sizeof prefix - 1 || memcmp(dec, prefix, sizeof prefix - 1) != 0)
		return -EACCES;
	const char *rest = dec + sizeof prefix - 1;
	const char *slash = strchr(rest, '/');
	if (slash == NULL)
		return -EACCES;
	if (dash_signal_parse(rest, (size_t)(slash - rest), signal) != 0)
		return -EACCES;
	const char *name = slash + 1;
	/* The name pattern has no '/', '\\', ':' or '%', and no leading '.', so
	 * "..", "//", UNC and drive forms, further escapes and hidden files all
	 * fail here. */
	if (dash_file_name_ok(name, strlen(name)) != 0)
		return -EACCES;
	int w = snprintf(rel, cap, "%s/%s", dash_signal_dir(*signal), name);
	if (w < 0 || (size_t)w >= cap)
		return -EACCES;
	return 0;
}
