#ifndef OTLPD_FORWARDER_AUTH_H
#define OTLPD_FORWARDER_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "credentials.h"
#include "secret.h"

/* The header line that authenticates every request, built once from the
 * credentials and kept in the secret type:
 *   api_key      -> "X-API-Key: <key>\r\n" (or header_name)
 *   bearer_token -> "Authorization: Bearer <token>\r\n"
 *   basic        -> "Authorization: Basic <base64(username:password)>\r\n"
 * *out is NULL for auth_type none. Every temporary copy is wiped. Returns 0,
 * -EINVAL (a credential the type needs is missing) or -ENOMEM. */
int auth_header_build(enum auth_type type, const char *header_name,
		      const struct credentials *cred, struct secret **out);

/* Standard base64 with padding. Returns 0 or -ENOBUFS (out needs
 * 4 * ceil(len / 3) + 1 bytes; it is NUL-terminated). */
int auth_base64(const uint8_t *in, size_t len, char *out, size_t cap, size_t *out_len);

#endif
