#ifndef OTLPD_DASH_BUF_H
#define OTLPD_DASH_BUF_H

#include <stddef.h>
#include <stdint.h>

/* A growing text buffer with a mandatory maximum (curl's dynbuf): a JSON
 * answer that would pass the maximum is an error, never cut. */
struct dash_buf {
	char *data; /* owned; NUL-terminated when not NULL */
	size_t len, cap, max;
};

void dash_buf_init(struct dash_buf *b, size_t max);
void dash_buf_free(struct dash_buf *b);
/* Returns 0, -ENOMEM or -ENOBUFS (past the maximum). */
int dash_buf_add(struct dash_buf *b, const char *s, size_t n);
int dash_buf_str(struct dash_buf *b, const char *s);
int dash_buf_u64(struct dash_buf *b, uint64_t v);
int dash_buf_i64(struct dash_buf *b, int64_t v);
/* s as a JSON string, quotes included; control bytes escaped. */
int dash_buf_json_str(struct dash_buf *b, const char *s, size_t n);

#endif
