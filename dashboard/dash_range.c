#include "dash_range.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Digits at *p into *v; false on none or on overflow. */
static bool read_u64(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t n = 0;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*v = n;
	*p = s;
	return true;
}

int dash_range_parse(const char *value, uint64_t size, uint64_t *start, uint64_t *len)
{
	static const char unit[] = "bytes=";
	if (strncmp(value, unit, sizeof unit - 1) != 0)
		return -EINVAL;
	const char *p = value + sizeof unit - 1;
	uint64_t first = 0, last = 0;
	bool has_first = read_u64(&p, &first);
	if (*p++ != '-')
		return -EINVAL;
	bool has_last = read_u64(&p, &last);
	if (*p != '\0' || (!has_first && !has_last))
		return -EINVAL;
	if (!has_first) {
		/* The last n bytes. */
		if (last == 0 || size == 0)
			return -ERANGE;
		*len = last < size ? last : size;
		*start = size - *len;
		return 0;
	}
	if (has_last && last < first)
		return -EINVAL;
	if (first >= size)
		return -ERANGE;
	if (!has_last || last >= size)
		last = size - 1;
	*start = first;
	*len = last - first + 1;
	return 0;
}
