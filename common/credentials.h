#ifndef OTLPD_CREDENTIALS_H
#define OTLPD_CREDENTIALS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "secret.h"

/* The remote backend's credentials, from one of three sources:
 *   file   - forwarding.authentication.credentials_file: a YAML map, e.g.
 *            "token: abc"; opened by the supervisor, parsed by the forwarder;
 *   env    - forwarding.authentication.credentials_env: the variable holds
 *            the value itself (api_key: the key; bearer_token: the token;
 *            basic: "username:password");
 *   inline - forwarding.authentication.credentials in the YAML config, a map
 *            like the file's (works, with a warning).
 * The names must be exactly the ones the auth type uses: api_key -> key,
 * bearer_token -> token, basic -> username and password. */

enum credentials_source {
	CREDENTIALS_FILE = 1,
	CREDENTIALS_ENV = 2,
	CREDENTIALS_INLINE = 3,
};

/* A credentials file or value larger than this is refused. */
#define CREDENTIALS_TEXT_MAX 16384u
/* The longest single credential value. */
#define CREDENTIALS_VALUE_MAX 4096u

/* Each value in the secret type; NULL when the auth type does not use it. */
struct credentials {
	struct secret *key;
	struct secret *token;
	struct secret *username;
	struct secret *password;
};

/* enum credential_name bits that auth type t needs (0 for none). */
unsigned credentials_needed(enum auth_type t);
/* "key", "token", "username and password", for messages. */
const char *credentials_needed_words(enum auth_type t);
/* The bit of a credential name, or 0 for a name that is none of them. */
unsigned credentials_name_bit(const char *name, size_t len);
/* Checks that a map's names (bits) are exactly what t needs; why names the
 * missing or superfluous one. Returns 0 or -EINVAL. */
int credentials_check_names(enum auth_type t, unsigned have, char *why, size_t cap);
/* Checks one value for its name: not empty, at most CREDENTIALS_VALUE_MAX,
 * no control characters, key and token visible ASCII only, no ':' in a
 * username (Basic auth joins with ':'). Returns 0 or -EINVAL. */
int credentials_check_value(unsigned bit, const uint8_t *value, size_t len, char *why, size_t cap);

/* Parses text by source into out (all NULL on failure). The text is not
 * kept; the caller wipes it. Returns 0 or a negative errno with why set;
 * why never holds a value. */
int credentials_parse(enum credentials_source src, enum auth_type t, const char *text,
		      size_t len, struct credentials *out, char *why, size_t cap);
/* Reads fd from offset 0 with pread (the offset may be shared with the
 * supervisor's descriptor), parses it, wipes the raw copy. The caller still
 * owns fd. */
int credentials_read_fd(int fd, enum credentials_source src, enum auth_type t,
			struct credentials *out, char *why, size_t cap);
void credentials_free(struct credentials *c);

/* Supervisor: opens a credentials file for the forwarder. Refused unless it
 * is a regular file (symlinks are not followed) that neither group nor
 * others may read, write or execute. Returns 0 and *out_fd (O_CLOEXEC), or a
 * negative errno with why set. */
int credentials_open_file(const char *path, int *out_fd, char *why, size_t cap);
/* Supervisor: a sealed memfd holding data (for env and inline credentials),
 * so the value crosses to the forwarder as a descriptor, never as a message
 * payload. Returns 0 and *out_fd, or a negative errno. */
int credentials_memfd(const void *data, size_t len, int *out_fd);

#endif
