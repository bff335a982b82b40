#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config_keys.h"
#include "credentials.h"
#include "endpoint_url.h"
#include "header_list.h"
#include "log.h"
#include "roles.h"

#define CREDENTIALS_ENV_KEY "forwarding.authentication.credentials_env"

void config_error_set(struct config_error *err, const char *fmt, ...)
{
	if (!err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

void config_printable(const char *text, size_t len, size_t max, char *out, size_t cap)
{
	static const char more[] = "...";
	size_t o = 0;
	if (cap == 0)
		return;
	for (size_t i = 0; i < len && o + 1 < cap; i++) {
		if (i == max) {
			for (size_t j = 0; more[j] != '\0' && o + 1 < cap; j++)
				out[o++] = more[j];
			break;
		}
		unsigned char ch = (unsigned char)text[i];
		out[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[o] = '\0';
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < config_key_count; i++) {
		const struct config_key *k = &config_keys[i];
		struct config_error err;
		/* A default the table itself rejects is a bug the unit test
		 * catches; it is reported here rather than stored. */
		if (config_key_parse(k, c, k->default_text, strlen(k->default_text), false,
				     "default", &err) != 0)
			log_error("%s", err.msg);
	}
}

static int unknown_key(struct config_error *err, const char *origin, const char *key, size_t len)
{
	char shown[CONFIG_KEY_PATH_MAX + 8];
	config_printable(key, len, CONFIG_KEY_PATH_MAX, shown, sizeof shown);
	config_error_set(err, "%s: unknown key \"%s\"", origin, shown);
	return -EINVAL;
}

int config_set(struct config *c, const char *key, const char *value, const char *origin,
	       struct config_error *err)
{
	if (!origin)
		origin = "--set";
	if (!key || !value) {
		config_error_set(err, "%s: a key and a value are needed", origin);
		return -EINVAL;
	}
	const struct config_key *k = config_key_find(key, strlen(key));
	if (!k)
		return unknown_key(err, origin, key, strlen(key));
	return config_key_parse(k, c, value, strlen(value), false, origin, err);
}

int config_env_name(const char *key, char *out, size_t cap)
{
	static const char prefix[] = "OTLP_";
	size_t len = key ? strlen(key) : 0;
	if (len == 0)
		return -EINVAL;
	if (sizeof prefix + len > cap)
		return -ENOBUFS;
	memcpy(out, prefix, sizeof prefix - 1);
	char *p = out + sizeof prefix - 1;
	for (size_t i = 0; i < len; i++) {
		char ch = key[i];
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		else if (ch == '.')
			ch = '_';
		else if (!((ch >= '0' && ch <= '9') || ch == '_'))
			return -EINVAL;
		*p++ = ch;
	}
	*p = '\0';
	return 0;
}

/* The key whose variable is name[0..len), or NULL. */
static const struct config_key *key_for_env(const char *name, size_t len)
{
	char env[CONFIG_KEY_PATH_MAX + 8];
	for (size_t i = 0; i < config_key_count; i++) {
		if (config_env_name(config_keys[i].path, env, sizeof env) == 0 &&
		    strlen(env) == len && memcmp(env, name, len) == 0)
			return &config_keys[i];
	}
	return NULL;
}

static int apply_env_entry(struct config *c, const char *entry, bool *seen,
			   struct config_error *err)
{
	const char *eq = strchr(entry, '=');
	if (strncmp(entry, "OTLP_", 5) != 0 || !eq)
		return 0;
	size_t name_len = (size_t)(eq - entry);
	char name[CONFIG_KEY_PATH_MAX + 8];
	config_printable(entry, name_len, CONFIG_KEY_PATH_MAX, name, sizeof name);

	/* The credential's own variable: its value is never read here. */
	const char *secret_var = c->forwarding.authentication.credentials_env;
	if (strlen(secret_var) == name_len && memcmp(secret_var, entry, name_len) == 0)
		return 0;

	const struct config_key *k = key_for_env(entry, name_len);
	if (!k) {
		config_error_set(err, "environment variable %s matches no configuration key", name);
		return -EINVAL;
	}
	size_t idx = (size_t)(k - config_keys);
	if (seen[idx]) {
		config_error_set(err, "environment variable %s (%s) is set twice", name, k->path);
		return -EINVAL;
	}
	seen[idx] = true;
	return config_key_parse(k, c, eq + 1, strlen(eq + 1), false, name, err);
}

/* credentials_env is applied first so that the variable it names is known
 * before any other OTLP_* name is judged. */
int config_apply_env(struct config *c, char *const *envp, struct config_error *err)
{
	if (!envp)
		return 0;
	struct config tmp = *c;
	bool seen[CONFIG_KEY_COUNT_MAX] = { false };
	char cred_var[CONFIG_KEY_PATH_MAX + 8];
	int rc = config_env_name(CREDENTIALS_ENV_KEY, cred_var, sizeof cred_var);
	if (rc != 0)
		return rc;
	size_t cred_len = strlen(cred_var);

	for (char *const *e = envp; *e; e++) {
		if (strncmp(*e, cred_var, cred_len) == 0 && (*e)[cred_len] == '=') {
			rc = apply_env_entry(&tmp, *e, seen, err);
			if (rc != 0)
				return rc;
		}
	}
	for (char *const *e = envp; *e; e++) {
		if (strncmp(*e, cred_var, cred_len) == 0 && (*e)[cred_len] == '=')
			continue;
		rc = apply_env_entry(&tmp, *e, seen, err);
		if (rc != 0)
			return rc;
	}
	*c = tmp;
	return 0;
}

/* Every field must hold what its key could have been set to, in case the
 * struct was filled in by code rather than by config_set. */
static int validate_each_key(const struct config *c, struct config_error *err)
{
	struct config scratch = *c;
	char text[CONFIG_VALUE_TEXT_MAX];
	for (size_t i = 0; i < config_key_count; i++) {
		const struct config_key *k = &config_keys[i];
		int n = config_key_format(k, c, text, sizeof text);
		if (n < 0) {
			config_error_set(err, "%s: holds no valid value", k->path);
			return -EINVAL;
		}
		int rc = config_key_parse(k, &scratch, text, (size_t)n, false, "config", err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

struct listener_ref {
	const char *name;
	const struct config_listener *l;
};

struct ip {
	int family;
	unsigned char bytes[sizeof(struct in6_addr)];
};

static int parse_ip(const char *text, struct ip *ip)
{
	memset(ip, 0, sizeof *ip);
	if (inet_pton(AF_INET, text, ip->bytes) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, text, ip->bytes) == 1)
		ip->family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

static bool ip_is_any(const struct ip *ip)
{
	static const unsigned char zero[sizeof(struct in6_addr)];
	return memcmp(ip->bytes, zero, sizeof zero) == 0;
}

static int validate_listeners(const struct config *c, struct config_error *err)
{
	const struct listener_ref refs[] = {
		{ "receiver.http", &c->receiver.http },
		{ "receiver.grpc", &c->receiver.grpc },
		{ "dashboard", &c->dashboard.listen },
	};
	struct ip ips[sizeof refs / sizeof refs[0]];
	for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
		if (parse_ip(refs[i].l->bind_address, &ips[i]) != 0) {
			config_error_set(err, "%s.bind_address: not a numeric IPv4 or IPv6 address",
					 refs[i].name);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
		for (size_t j = i + 1; j < sizeof refs / sizeof refs[0]; j++) {
			const struct config_listener *a = refs[i].l, *b = refs[j].l;
			if (!a->enabled || !b->enabled || a->port != b->port)
				continue;
			bool same = ips[i].family == ips[j].family &&
				    memcmp(ips[i].bytes, ips[j].bytes, sizeof ips[i].bytes) == 0;
			if (!same && !ip_is_any(&ips[i]) && !ip_is_any(&ips[j]))
				continue;
			config_error_set(err,
					 "%s.port: %lld is also the port of %s, on an overlapping address "
					 "(%s and %s)",
					 refs[j].name, (long long)b->port, refs[i].name,
					 a->bind_address, b->bind_address);
			return -EINVAL;
		}
	}
	return 0;
}

/* The header that carries the credential must not also be a custom one. */
static int header_conflict(void *ctx, const char *name, size_t name_len, const char *value,
			   size_t value_len)
{
	(void)value;
	(void)value_len;
	const char *auth_header = ctx;
	return auth_header && strlen(auth_header) == name_len &&
			       strncasecmp(auth_header, name, name_len) == 0
		       ? -EEXIST
		       : 0;
}

static int validate_forwarding_extras(const struct config *c, struct config_error *err)
{
	char why[256];
	if (c->forwarding.endpoint_url[0] != '\0') {
		struct endpoint_url url;
		if (endpoint_url_parse(c->forwarding.endpoint_url, &url, why, sizeof why) != 0) {
			config_error_set(err, "forwarding.endpoint_url: %s", why);
			return -EINVAL;
		}
	}
	enum auth_type t = c->forwarding.authentication.auth_type;
	const char *auth_header = t == AUTH_API_KEY
					  ? (c->forwarding.authentication.header_name[0]
						     ? c->forwarding.authentication.header_name
						     : "X-API-Key")
				  : t == AUTH_NONE ? NULL
						   : "Authorization";
	const char *h = c->forwarding.headers;
	int rc = header_list_parse(h, strlen(h), header_conflict, (void *)auth_header, why,
				   sizeof why);
	if (rc == -EEXIST) {
		config_error_set(err, "forwarding.headers: %s is the header of the configured "
				      "authentication; remove it here",
				 auth_header);
		return -EINVAL;
	}
	if (rc != 0) {
		config_error_set(err, "forwarding.headers: %s", why);
		return -EINVAL;
	}
	unsigned inline_names = c->forwarding.authentication.credentials_inline;
	if (inline_names != 0 && credentials_check_names(t, inline_names, why, sizeof why) != 0) {
		config_error_set(err, "forwarding.authentication.credentials: %s", why);
		return -EINVAL;
	}
	return 0;
}

static int validate_forwarding(const struct config *c, struct config_error *err)
{
	const char *file = c->forwarding.authentication.credentials_file;
	const char *env = c->forwarding.authentication.credentials_env;
	bool inline_given = c->forwarding.authentication.credentials_inline != 0;
	if (c->forwarding.enabled && c->forwarding.endpoint_url[0] == '\0') {
		config_error_set(err, "forwarding.endpoint_url: must be set when forwarding.enabled "
				      "is true");
		return -EINVAL;
	}
	int sources = (file[0] != '\0') + (env[0] != '\0') + inline_given;
	if (c->forwarding.authentication.auth_type != AUTH_NONE && sources != 1) {
		config_error_set(err,
				 "forwarding.authentication: auth_type other than none needs exactly "
				 "one of credentials_file, credentials_env and credentials (%s)",
				 sources == 0 ? "neither is set"
				 : sources == 2 ? "both are set"
						: "all three are set");
		return -EINVAL;
	}
	if (c->forwarding.tls.cert_file[0] != '\0' && c->forwarding.tls.key_file[0] == '\0') {
		config_error_set(err, "forwarding.tls.key_file: must be set with cert_file");
		return -EINVAL;
	}
	if (c->forwarding.tls.key_file[0] != '\0' && c->forwarding.tls.cert_file[0] == '\0') {
		config_error_set(err, "forwarding.tls.cert_file: must be set with key_file");
		return -EINVAL;
	}
	if (file[0] != '\0' && file[0] != '/') {
		config_error_set(err, "forwarding.authentication.credentials_file: must be an "
				      "absolute path");
		return -EINVAL;
	}
	if (env[0] != '\0') {
		const struct config_key *k = key_for_env(env, strlen(env));
		if (k) {
			config_error_set(err,
					 "forwarding.authentication.credentials_env: names the "
					 "variable of key %s; choose another variable",
					 k->path);
			return -EINVAL;
		}
	}
	if (c->forwarding.authentication.auth_type == AUTH_NONE && sources != 0) {
		config_error_set(err, "forwarding.authentication: credentials are given but auth_type "
				      "is none; set auth_type to api_key, bearer_token or basic");
		return -EINVAL;
	}
	return 0;
}

int config_validate(const struct config *c, struct config_error *err)
{
	int rc = validate_each_key(c, err);
	if (rc == 0)
		rc = validate_forwarding(c, err);
	if (rc == 0)
		rc = validate_forwarding_extras(c, err);
	if (rc == 0)
		rc = validate_listeners(c, err);
	if (rc == 0 && c->sandbox.empty_dir[0] != '/') {
		config_error_set(err, "sandbox.empty_dir: must be an absolute path");
		rc = -EINVAL;
	}
	return rc;
}

int config_serialize(const struct config *c, unsigned role_mask, char *buf, size_t cap,
		     size_t *len)
{
	char value[CONFIG_VALUE_TEXT_MAX];
	size_t used = 0;
	for (size_t i = 0; i < config_key_count; i++) {
		const struct config_key *k = &config_keys[i];
		if (!(k->roles & role_mask))
			continue;
		int n = config_key_format(k, c, value, sizeof value);
		if (n < 0)
			return n;
		size_t key_len = strlen(k->path);
		size_t line = key_len + 1 + (size_t)n + 1;
		if (line > cap - used)
			return -ENOBUFS;
		memcpy(buf + used, k->path, key_len);
		buf[used + key_len] = '=';
		memcpy(buf + used + key_len + 1, value, (size_t)n);
		buf[used + line - 1] = '\n';
		used += line;
	}
	*len = used;
	return 0;
}

/* Lines "key=value\n"; every key meant for role_mask exactly once. */
int config_parse_serialized(struct config *c, unsigned role_mask, const char *buf, size_t len,
			    struct config_error *err)
{
	struct config tmp = *c;
	bool seen[CONFIG_KEY_COUNT_MAX] = { false };
	char origin[48];
	if (len > CONFIG_SERIALIZED_MAX) {
		config_error_set(err, "serialized config: %zu bytes (allowed at most %d)", len,
				 CONFIG_SERIALIZED_MAX);
		return -EINVAL;
	}
	size_t pos = 0;
	for (unsigned line = 1; pos < len; line++) {
		snprintf(origin, sizeof origin, "serialized config line %u", line);
		const char *start = buf + pos;
		const char *nl = memchr(start, '\n', len - pos);
		const char *eq = nl ? memchr(start, '=', (size_t)(nl - start)) : NULL;
		if (!eq) {
			config_error_set(err, "%s: not a complete key=value line", origin);
			return -EINVAL;
		}
		const struct config_key *k = config_key_find(start, (size_t)(eq - start));
		if (!k)
			return unknown_key(err, origin, start, (size_t)(eq - start));
		size_t idx = (size_t)(k - config_keys);
		if (!(k->roles & role_mask)) {
			config_error_set(err, "%s: %s is not meant for this process", origin, k->path);
			return -EINVAL;
		}
		if (seen[idx]) {
			config_error_set(err, "%s: %s is given twice", origin, k->path);
			return -EINVAL;
		}
		seen[idx] = true;
		int rc = config_key_parse(k, &tmp, eq + 1, (size_t)(nl - eq - 1), false, origin, err);
		if (rc != 0)
			return rc;
		pos = (size_t)(nl - buf) + 1;
	}
	for (size_t i = 0; i < config_key_count; i++) {
		if ((config_keys[i].roles & role_mask) && !seen[i]) {
			config_error_set(err, "serialized config: %s is missing", config_keys[i].path);
			return -EINVAL;
		}
	}
	*c = tmp;
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		off += (size_t)w;
	}
	return 0;
}

int config_print(const struct config *c, int fd)
{
	char value[CONFIG_VALUE_TEXT_MAX];
	char line[CONFIG_KEY_PATH_MAX + CONFIG_VALUE_TEXT_MAX + 8];
	for (size_t i = 0; i < config_key_count; i++) {
		const struct config_key *k = &config_keys[i];
		int n = config_key_format(k, c, value, sizeof value);
		if (n < 0)
			return n;
		int m = snprintf(line, sizeof line, "%s = %s\n", k->path, value);
		if (m < 0 || (size_t)m >= sizeof line)
			return -ENOBUFS;
		int rc = write_all(fd, line, (size_t)m);
		if (rc != 0)
			return rc;
	}
	return 0;
}
