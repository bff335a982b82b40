#ifndef OTLPD_CONFIG_KEYS_H
#define OTLPD_CONFIG_KEYS_H

/* Internal to the config module: the one table that declares every key, and
 * the single text parser every source (defaults, YAML, environment, --set,
 * the serialized form a child receives) goes through. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Longer than the longest key path; a longer path cannot name a key. */
#define CONFIG_KEY_PATH_MAX 64
/* More than the number of keys, for per-key flags on the stack. */
#define CONFIG_KEY_COUNT_MAX 128
/* Room for any value as text (the longest field is the URL). */
#define CONFIG_VALUE_TEXT_MAX CONFIG_URL_MAX

enum config_key_type {
	CONFIG_TYPE_BOOL,
	CONFIG_TYPE_INT,
	CONFIG_TYPE_STRING,
	CONFIG_TYPE_ENUM,
};

/* What a string value must look like, checked whenever it is set. */
enum config_text_kind {
	CONFIG_TEXT_PATH,
	CONFIG_TEXT_ABSOLUTE_PATH,
	CONFIG_TEXT_IP_ADDRESS,   /* numeric IPv4 or IPv6 */
	CONFIG_TEXT_URL,          /* http:// or https:// with a host */
	CONFIG_TEXT_HEADER_NAME,  /* RFC 9110 token */
	CONFIG_TEXT_ENV_NAME,     /* [A-Za-z_][A-Za-z0-9_]* */
	CONFIG_TEXT_ACCOUNT_NAME, /* [A-Za-z_][A-Za-z0-9_.-]* */
	CONFIG_TEXT_HEADER_LIST,  /* Name=value,... checked by config_validate */
};

struct config_enum_word {
	const char *word; /* NULL ends a list */
	int value;
};

struct config_key {
	const char *path; /* dotted, lower case, e.g. "receiver.http.port" */
	enum config_key_type type;
	size_t offset; /* into struct config */
	size_t size;   /* of the field; for strings including the NUL */
	int64_t min, max;
	enum config_text_kind text_kind;
	bool may_be_empty; /* strings: "" is allowed (means unset or automatic) */
	const struct config_enum_word *words;
	const char *default_text; /* parsed like user input */
	unsigned roles;           /* enum role bits of the processes that receive it */
	const char *description;
};

extern const struct config_key config_keys[];
extern const size_t config_key_count;

/* The key whose path is exactly path[0..len), or NULL. */
const struct config_key *config_key_find(const char *path, size_t len);
/* True if path[0..len) is a section: a proper dotted prefix of some key. */
bool config_key_is_section(const char *path, size_t len);

/* Parses text[0..len) into k's field of c; c is unchanged on error.
 * quoted: the text was a quoted YAML scalar, which a bool or an int must not
 * be. origin starts the message (file:line:column, variable or flag).
 * Returns 0 or -EINVAL with *err set. */
int config_key_parse(const struct config_key *k, struct config *c, const char *text, size_t len,
		     bool quoted, const char *origin, struct config_error *err);

/* Describes what k accepts, e.g. "an integer 1..65535" or "one of DENY,
 * SAMEORIGIN", for messages. */
void config_key_describe(const struct config_key *k, char *buf, size_t cap);

/* Writes k's value from c as text, NUL-terminated. Returns the length or
 * -ENOBUFS. */
int config_key_format(const struct config_key *k, const struct config *c, char *buf, size_t cap);

/* Writes text[0..len) into out for a message: printable ASCII kept, any other
 * byte shown as '?', cut with "..." past max bytes. Never use it for values. */
void config_printable(const char *text, size_t len, size_t max, char *out, size_t cap);

void config_error_set(struct config_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
