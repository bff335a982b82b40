#ifndef OTLPD_SECRET_H
#define OTLPD_SECRET_H

#include <stddef.h>
#include <stdint.h>

/* A credential in memory of its own: page-aligned, mlock'ed (never swapped),
 * MADV_DONTDUMP (never in a core file), wiped before it is unmapped. It has
 * no printable form: secret_redacted() is what logs show. */
struct secret;

#define SECRET_MAX_BYTES 65536u

/* Copies len bytes of src into a new secret; the caller wipes src.
 * Returns 0, -EINVAL (len 0 or too large) or -ENOMEM / -errno of mmap, mlock. */
int secret_new(const void *src, size_t len, struct secret **out);
const uint8_t *secret_data(const struct secret *s);
size_t secret_len(const struct secret *s);
/* Wipes and unmaps; NULL is allowed. */
void secret_free(struct secret *s);
/* Always "[REDACTED]". */
const char *secret_redacted(const struct secret *s);

/* Wipes memory that held a secret in a way the compiler may not elide. */
void secret_wipe(void *p, size_t len);

#endif
