#ifndef OTLPD_STATS_H
#define OTLPD_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Counters travel as text lines "name value\n": easy to relay, to print and
 * to extend without a schema change. The buffer is fixed; a counter that
 * does not fit is an error, never a cut line. */

#define STATS_MAX_BYTES 8192u
#define STATS_NAME_MAX 64u

struct stats_buf {
	size_t len;
	char text[STATS_MAX_BYTES];
};

void stats_reset(struct stats_buf *b);
/* name: [a-z0-9_.]+, at most STATS_NAME_MAX. Returns 0, -EINVAL or -ENOBUFS. */
int stats_add(struct stats_buf *b, const char *name, uint64_t value);
/* Appends every line of text (as received from a child) with "prefix." in
 * front of each name, after checking each line's form. Returns 0, -EBADMSG
 * for a malformed line, -ENOBUFS. */
int stats_add_prefixed(struct stats_buf *b, const char *prefix, const char *text, size_t len);

#endif
