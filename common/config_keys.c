#include "config_keys.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "roles.h"

/* Enum fields are stored and read as int. */
_Static_assert(sizeof(enum log_level) == sizeof(int), "enum size");
_Static_assert(sizeof(enum sandbox_seccomp_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(enum x_frame_options) == sizeof(int), "enum size");
_Static_assert(sizeof(enum auth_type) == sizeof(int), "enum size");
_Static_assert(sizeof(enum forward_compression) == sizeof(int), "enum size");

static const struct config_enum_word log_level_words[] = {
	{ "error", LOG_LEVEL_ERROR }, { "warn", LOG_LEVEL_WARN },
	{ "info", LOG_LEVEL_INFO },   { "debug", LOG_LEVEL_DEBUG },
	{ NULL, 0 },
};
static const struct config_enum_word compression_words[] = {
	{ "none", COMPRESSION_NONE }, { "gzip", COMPRESSION_GZIP }, { NULL, 0 },
};
static const struct config_enum_word auth_type_words[] = {
	{ "none", AUTH_NONE },
	{ "api_key", AUTH_API_KEY },
	{ "bearer_token", AUTH_BEARER_TOKEN },
	{ "basic", AUTH_BASIC },
	{ NULL, 0 },
};
static const struct config_enum_word xfo_words[] = {
	{ "DENY", XFO_DENY }, { "SAMEORIGIN", XFO_SAMEORIGIN }, { NULL, 0 },
};
static const struct config_enum_word seccomp_words[] = {
	{ "enforce", SECCOMP_MODE_ENFORCE }, { "log", SECCOMP_MODE_LOG }, { NULL, 0 },
};

/* The _Generic selections have one association only, so a key declared with
 * the wrong type for its field does not compile. */
#define FIELD(m) (((struct config *)0)->m)
#define KEY_BOOL(p, m, def, r, d)                                                          \
	{ .path = p, .type = CONFIG_TYPE_BOOL, .offset = offsetof(struct config, m),        \
	  .size = _Generic(FIELD(m), bool: sizeof(bool)), .default_text = def, .roles = r,  \
	  .description = d }
#define KEY_INT(p, m, lo, hi, def, r, d)                                                   \
	{ .path = p, .type = CONFIG_TYPE_INT, .offset = offsetof(struct config, m),         \
	  .size = _Generic(FIELD(m), int64_t: sizeof(int64_t)), .min = lo, .max = hi,       \
	  .default_text = def, .roles = r, .description = d }
#define KEY_STR(p, m, kind, empty_ok, def, r, d)                                           \
	{ .path = p, .type = CONFIG_TYPE_STRING, .offset = offsetof(struct config, m),      \
	  .size = _Generic(FIELD(m), char *: sizeof(FIELD(m))), .text_kind = kind,          \
	  .may_be_empty = empty_ok, .default_text = def, .roles = r, .description = d }
#define KEY_ENUM(p, m, etype, w, def, r, d)                                                \
	{ .path = p, .type = CONFIG_TYPE_ENUM, .offset = offsetof(struct config, m),        \
	  .size = _Generic(FIELD(m), etype: sizeof(int)), .words = w, .default_text = def,  \
	  .roles = r, .description = d }

#define SECS_PER_YEAR INT64_C(31536000)
#define GIB INT64_C(1073741824)
#define R_S ROLE_SUPERVISOR
#define R_R ROLE_RECEIVER
#define R_W ROLE_WRITER
#define R_F ROLE_FORWARDER
#define R_D ROLE_DASHBOARD

const struct config_key config_keys[] = {
	KEY_STR("output_dir", output_dir, CONFIG_TEXT_PATH, false, "./data", R_S,
		"directory the writer stores telemetry files in"),
	KEY_INT("write_interval_secs", write_interval_secs, 1, 3600, "5", R_W,
		"seconds between flushes of buffered telemetry to files"),
	KEY_INT("trace_cleanup_interval_secs", trace_cleanup_interval_secs, 1, SECS_PER_YEAR,
		"600", R_W, "seconds between clean-ups of old trace files"),
	KEY_INT("metric_cleanup_interval_secs", metric_cleanup_interval_secs, 1, SECS_PER_YEAR,
		"3600", R_W, "seconds between clean-ups of old metric files"),
	KEY_INT("log_cleanup_interval_secs", log_cleanup_interval_secs, 1, SECS_PER_YEAR, "3600",
		R_W, "seconds between clean-ups of old log files"),
	KEY_INT("max_file_bytes", max_file_bytes, 1048576, 16 * GIB, "67108864", R_W,
		"bytes an output file may reach before the writer starts the next one"),
	KEY_INT("max_total_bytes", max_total_bytes, 1048576, 1024 * GIB, "1073741824", R_W,
		"bytes all output files may hold before the writer removes the oldest"),
	KEY_INT("max_trace_buffer_size", max_trace_buffer_size, 1, 1000000, "10000", R_W,
		"spans the writer holds in memory (both batches) before it waits"),
	KEY_INT("max_metric_buffer_size", max_metric_buffer_size, 1, 1000000, "10000", R_W,
		"metric points the writer holds in memory (both batches) before it waits"),
	KEY_INT("max_log_buffer_size", max_log_buffer_size, 1, 1000000, "10000", R_W,
		"log records the writer holds in memory (both batches) before it waits"),
	KEY_STR("user", user, CONFIG_TEXT_ACCOUNT_NAME, true, "", R_S,
		"user the children run as; empty: chosen automatically"),
	KEY_STR("group", group, CONFIG_TEXT_ACCOUNT_NAME, true, "", R_S,
		"group the children run as; empty: chosen automatically"),
	KEY_ENUM("log_level", log_level, enum log_level, log_level_words, "info", ROLE_ALL,
		 "least severe level that is logged"),

	KEY_BOOL("receiver.http.enabled", receiver.http.enabled, "true", R_S | R_R,
		 "accept OTLP over HTTP"),
	KEY_STR("receiver.http.bind_address", receiver.http.bind_address,
		CONFIG_TEXT_IP_ADDRESS, false, "0.0.0.0", R_S, "address of the OTLP/HTTP listener"),
	KEY_INT("receiver.http.port", receiver.http.port, 1, 65535, "4318", R_S,
		"port of the OTLP/HTTP listener"),
	KEY_BOOL("receiver.grpc.enabled", receiver.grpc.enabled, "true", R_S | R_R,
		 "accept OTLP over gRPC"),
	KEY_STR("receiver.grpc.bind_address", receiver.grpc.bind_address,
		CONFIG_TEXT_IP_ADDRESS, false, "0.0.0.0", R_S, "address of the OTLP/gRPC listener"),
	KEY_INT("receiver.grpc.port", receiver.grpc.port, 1, 65535, "4317", R_S,
		"port of the OTLP/gRPC listener"),
	KEY_INT("receiver.grpc.max_concurrent_streams", receiver.grpc_max_concurrent_streams, 1,
		10000, "100", R_R, "calls open at once on one OTLP/gRPC connection (HTTP/2 streams)"),
	KEY_INT("receiver.max_request_bytes", receiver.max_request_bytes, 1024, GIB, "67108864",
		R_R, "largest request body accepted, after decompression"),
	KEY_INT("receiver.max_connections", receiver.max_connections, 1, 65536, "1024", R_R,
		"most client connections open at once, on OTLP/HTTP and on OTLP/gRPC each"),
	KEY_INT("receiver.max_anyvalue_depth", receiver.max_anyvalue_depth, 1, 128, "32",
		R_R | R_W, "deepest nesting of attribute values (arrays and maps) accepted"),
	KEY_INT("receiver.max_json_depth", receiver.max_json_depth, 4, 256, "64", R_R,
		"deepest nesting of arrays and objects in an OTLP/JSON body"),
	KEY_INT("receiver.max_attributes", receiver.max_attributes, 1, 65536, "1024", R_R | R_W,
		"most key-values in one attributes list (resource, scope, span, ...)"),
	KEY_INT("receiver.max_header_bytes", receiver.max_header_bytes, 1024, 1048576, "16384",
		R_R, "largest request line and header block (431 past it)"),
	KEY_INT("receiver.max_headers", receiver.max_headers, 8, 10000, "100", R_R,
		"most header fields in a request (431 past it)"),
	KEY_INT("receiver.header_timeout_ms", receiver.header_timeout_ms, 100, 600000, "10000",
		R_R, "milliseconds from a request's first byte to its last header (408 past it)"),
	KEY_INT("receiver.idle_timeout_ms", receiver.idle_timeout_ms, 100, 3600000, "60000", R_R,
		"milliseconds a keep-alive connection may wait for its next request"),
	KEY_INT("receiver.body_timeout_ms", receiver.body_timeout_ms, 100, 600000, "30000", R_R,
		"milliseconds allowed between two reads of a request body (408 past it)"),
	KEY_INT("receiver.ack_timeout_ms", receiver.ack_timeout_ms, 100, 600000, "10000", R_R,
		"milliseconds the writer may take to accept a request (503 past it)"),
	KEY_INT("receiver.max_buffered_bytes", receiver.max_buffered_bytes, 1048576, 64 * GIB,
		"268435456", R_R,
		"request body bytes held at once over all connections (503 past it)"),

	KEY_INT("queues.writer.max_messages", writer_queue.max_messages, 1, 1000000, "1024",
		R_R | R_W, "messages queued to the writer before the receiver pushes back"),
	KEY_INT("queues.writer.max_bytes", writer_queue.max_bytes, 65536, 4 * GIB, "67108864",
		R_R | R_W, "bytes queued to the writer before the receiver pushes back"),

	KEY_BOOL("forwarding.enabled", forwarding.enabled, "false", R_S | R_R | R_F,
		 "forward received telemetry to another OTLP endpoint"),
	KEY_STR("forwarding.endpoint_url", forwarding.endpoint_url, CONFIG_TEXT_URL, true, "",
		R_F, "http:// or https:// URL telemetry is forwarded to"),
	KEY_ENUM("forwarding.compression", forwarding.compression, enum forward_compression,
		 compression_words, "none", R_F, "compression of forwarded requests"),
	KEY_INT("forwarding.timeout_secs", forwarding.timeout_secs, 1, 300, "10", R_F,
		"seconds a forwarded request may take"),
	KEY_INT("forwarding.max_connections", forwarding.max_connections, 1, 16, "2", R_F,
		"connections to the endpoint kept open and used at once"),
	KEY_STR("forwarding.headers", forwarding.headers, CONFIG_TEXT_HEADER_LIST, true, "", R_F,
		"extra request headers: Name=value,Name2=value2 (in YAML also a map)"),
	KEY_INT("forwarding.queue.max_items", forwarding.queue.max_messages, 1, 1000000, "1024",
		R_R | R_F, "messages queued to the forwarder before the receiver pushes back"),
	KEY_INT("forwarding.queue.max_bytes", forwarding.queue.max_bytes, 65536, 4 * GIB,
		"67108864", R_R | R_F, "bytes queued to the forwarder before the receiver pushes back"),
	KEY_ENUM("forwarding.authentication.auth_type", forwarding.authentication.auth_type,
		 enum auth_type, auth_type_words, "none", R_S | R_F,
		 "how the forwarder authenticates to the endpoint"),
	KEY_STR("forwarding.authentication.header_name", forwarding.authentication.header_name,
		CONFIG_TEXT_HEADER_NAME, true, "", R_F,
		"header that carries an api_key; empty: X-API-Key"),
	KEY_STR("forwarding.authentication.credentials_file",
		forwarding.authentication.credentials_file, CONFIG_TEXT_ABSOLUTE_PATH, true, "", R_S,
		"absolute path of the file holding the credential"),
	KEY_STR("forwarding.authentication.credentials_env",
		forwarding.authentication.credentials_env, CONFIG_TEXT_ENV_NAME, true, "", R_S,
		"environment variable holding the credential"),
	KEY_INT("forwarding.circuit_breaker.failure_threshold",
		forwarding.circuit_breaker.failure_threshold, 1, 1000, "5", R_F,
		"failed requests in a row that open the circuit"),
	KEY_INT("forwarding.circuit_breaker.open_timeout_secs",
		forwarding.circuit_breaker.open_timeout_secs, 1, 3600, "30", R_F,
		"seconds the circuit stays open before a retry"),
	KEY_STR("forwarding.tls.ca_file", forwarding.tls.ca_file, CONFIG_TEXT_ABSOLUTE_PATH, true,
		"", R_F, "PEM CA certificates the endpoint is verified against; empty: the system's"),
	KEY_STR("forwarding.tls.cert_file", forwarding.tls.cert_file, CONFIG_TEXT_ABSOLUTE_PATH,
		true, "", R_F, "PEM client certificate for mutual TLS"),
	KEY_STR("forwarding.tls.key_file", forwarding.tls.key_file, CONFIG_TEXT_ABSOLUTE_PATH, true,
		"", R_F, "PEM private key of the client certificate"),
	KEY_BOOL("forwarding.tls.insecure_skip_verify", forwarding.tls.insecure_skip_verify,
		 "false", R_F, "do not verify the endpoint's certificate (tests only; warned)"),

	KEY_BOOL("dashboard.enabled", dashboard.listen.enabled, "true", R_S | R_D,
		 "serve the dashboard"),
	KEY_STR("dashboard.bind_address", dashboard.listen.bind_address, CONFIG_TEXT_IP_ADDRESS,
		false, "127.0.0.1", R_S, "address of the dashboard listener"),
	KEY_INT("dashboard.port", dashboard.listen.port, 1, 65535, "8080", R_S,
		"port of the dashboard listener"),
	KEY_ENUM("dashboard.x_frame_options", dashboard.x_frame_options, enum x_frame_options,
		 xfo_words, "DENY", R_D, "X-Frame-Options header of dashboard pages"),
	KEY_INT("dashboard.max_connections", dashboard.max_connections, 1, 4096, "64", R_D,
		"dashboard connections at once; more are answered 503"),
	KEY_INT("dashboard.max_header_bytes", dashboard.max_header_bytes, 1024, 65536, "8192", R_D,
		"request line and headers of a dashboard request; 431 past it"),
	KEY_INT("dashboard.header_timeout_ms", dashboard.header_timeout_ms, 100, 600000, "10000",
		R_D, "time for a dashboard request's line and headers"),
	KEY_INT("dashboard.idle_timeout_ms", dashboard.idle_timeout_ms, 100, 3600000, "60000", R_D,
		"keep-alive wait between dashboard requests"),
	KEY_INT("dashboard.write_timeout_ms", dashboard.write_timeout_ms, 100, 600000, "30000", R_D,
		"time a dashboard client may take to read a response chunk"),

	KEY_ENUM("sandbox.seccomp", sandbox.seccomp, enum sandbox_seccomp_mode, seccomp_words,
		 "enforce", ROLE_ALL, "enforce: kill on a forbidden call; log: only log it"),
	KEY_STR("sandbox.empty_dir", sandbox.empty_dir, CONFIG_TEXT_ABSOLUTE_PATH, false,
		"/run/otlpd/empty", R_S, "empty directory children are jailed in"),
};

const size_t config_key_count = sizeof config_keys / sizeof config_keys[0];
_Static_assert(sizeof config_keys / sizeof config_keys[0] <= CONFIG_KEY_COUNT_MAX,
	       "raise CONFIG_KEY_COUNT_MAX");

const struct config_key *config_key_find(const char *path, size_t len)
{
	for (size_t i = 0; i < config_key_count; i++) {
		const char *p = config_keys[i].path;
		if (strlen(p) == len && memcmp(p, path, len) == 0)
			return &config_keys[i];
	}
	return NULL;
}

bool config_key_is_section(const char *path, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < config_key_count; i++) {
		const char *p = config_keys[i].path;
		if (strlen(p) > len && p[len] == '.' && memcmp(p, path, len) == 0)
			return true;
	}
	return false;
}

/* The words of an enum key, ", "-separated. */
static void enum_words(const struct config_key *k, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	for (const struct config_enum_word *w = k->words; w->word; w++) {
		int n = snprintf(buf + used, cap - used, "%s%s", w == k->words ? "" : ", ", w->word);
		if (n < 0 || (size_t)n >= cap - used)
			return;
		used += (size_t)n;
	}
}

void config_key_describe(const struct config_key *k, char *buf, size_t cap)
{
	char words[128];
	switch (k->type) {
	case CONFIG_TYPE_BOOL:
		snprintf(buf, cap, "true or false");
		return;
	case CONFIG_TYPE_INT:
		snprintf(buf, cap, "an integer %" PRId64 "..%" PRId64, k->min, k->max);
		return;
	case CONFIG_TYPE_STRING:
		snprintf(buf, cap, "text of at most %zu bytes", k->size - 1);
		return;
	case CONFIG_TYPE_ENUM:
		enum_words(k, words, sizeof words);
		snprintf(buf, cap, "one of %s", words);
		return;
	}
}

/* What may be written, for "(allowed ...)" in messages. */
static void allowed_values(const struct config_key *k, char *buf, size_t cap)
{
	if (k->type == CONFIG_TYPE_INT)
		snprintf(buf, cap, "%" PRId64 "..%" PRId64, k->min, k->max);
	else if (k->type == CONFIG_TYPE_ENUM)
		enum_words(k, buf, cap);
	else
		snprintf(buf, cap, "true, false");
}

static int key_error(struct config_error *err, const char *origin, const struct config_key *k,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int key_error(struct config_error *err, const char *origin, const struct config_key *k,
		     const char *fmt, ...)
{
	char problem[640];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(problem, sizeof problem, fmt, ap);
	va_end(ap);
	config_error_set(err, "%s: %s: %s", origin, k->path, problem);
	return -EINVAL;
}

/* Quotes a short, printable bool/int/enum value for a message; anything else
 * is not repeated. Never used for strings, which may be secrets. */
static void echo_value(const char *text, size_t len, char *out, size_t cap)
{
	bool printable = len <= 32;
	for (size_t i = 0; printable && i < len; i++)
		printable = text[i] >= 0x20 && text[i] < 0x7f && text[i] != '"';
	if (printable)
		snprintf(out, cap, "\"%.*s\"", (int)len, text);
	else
		snprintf(out, cap, "the value");
}

/* Plain decimal only: no sign but '-', no leading zeros (YAML 1.1 would read
 * them as octal), no hex, no fraction. Returns 0, -ERANGE past int64, or
 * -EINVAL. */
static int parse_decimal(const char *text, size_t len, int64_t *out)
{
	size_t i = 0;
	bool negative = len > 0 && text[0] == '-';
	if (negative)
		i = 1;
	if (i == len || (text[i] == '0' && len - i > 1))
		return -EINVAL;
	uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t v = 0;
	bool overflow = false;
	for (; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -EINVAL;
		unsigned digit = (unsigned)(text[i] - '0');
		if (v > (limit - digit) / 10)
			overflow = true;
		else
			v = v * 10 + digit;
	}
	if (overflow)
		return -ERANGE;
	*out = negative ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	return 0;
}

static bool is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool valid_url(const char *text, size_t len)
{
	size_t start;
	if (len > 7 && strncasecmp(text, "http://", 7) == 0)
		start = 7;
	else if (len > 8 && strncasecmp(text, "https://", 8) == 0)
		start = 8;
	else
		return false;
	for (size_t i = 0; i < len; i++) {
		if (text[i] <= 0x20 || text[i] >= 0x7f)
			return false;
	}
	size_t end = start;
	while (end < len && text[end] != '/' && text[end] != '?' && text[end] != '#')
		end++;
	/* A user:password@ part would put a secret in the config, which is
	 * printed and sent to processes that must not see it. */
	return end > start && text[start] != ':' && !memchr(text + start, '@', end - start);
}

static bool valid_text(enum config_text_kind kind, const char *text, size_t len)
{
	switch (kind) {
	case CONFIG_TEXT_PATH:
		return true;
	case CONFIG_TEXT_ABSOLUTE_PATH:
		return text[0] == '/';
	case CONFIG_TEXT_IP_ADDRESS: {
		char addr[INET6_ADDRSTRLEN];
		unsigned char bin[sizeof(struct in6_addr)];
		if (len >= sizeof addr)
			return false;
		memcpy(addr, text, len);
		addr[len] = '\0';
		return inet_pton(AF_INET, addr, bin) == 1 || inet_pton(AF_INET6, addr, bin) == 1;
	}
	case CONFIG_TEXT_URL:
		return valid_url(text, len);
	case CONFIG_TEXT_HEADER_NAME:
		for (size_t i = 0; i < len; i++) {
			if (!is_alpha(text[i]) && !is_digit(text[i]) &&
			    !strchr("!#$%&'*+-.^_`|~", text[i]))
				return false;
		}
		return true;
	case CONFIG_TEXT_HEADER_LIST:
		return true;
	case CONFIG_TEXT_ENV_NAME:
	case CONFIG_TEXT_ACCOUNT_NAME:
		if (is_digit(text[0]))
			return false;
		for (size_t i = 0; i < len; i++) {
			bool ok = is_alpha(text[i]) || is_digit(text[i]) || text[i] == '_';
			if (kind == CONFIG_TEXT_ACCOUNT_NAME && i > 0)
				ok = ok || text[i] == '.' || text[i] == '-';
			if (!ok)
				return false;
		}
		return true;
	}
	return false;
}

static const char *text_kind_name(enum config_text_kind kind)
{
	switch (kind) {
	case CONFIG_TEXT_PATH:
		return "a path";
	case CONFIG_TEXT_ABSOLUTE_PATH:
		return "an absolute path";
	case CONFIG_TEXT_IP_ADDRESS:
		return "a numeric IPv4 or IPv6 address";
	case CONFIG_TEXT_URL:
		return "an http:// or https:// URL with a host and without user:password@";
	case CONFIG_TEXT_HEADER_NAME:
		return "an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)";
	case CONFIG_TEXT_ENV_NAME:
		return "an environment variable name (letters, digits, _; not starting with a digit)";
	case CONFIG_TEXT_ACCOUNT_NAME:
		return "a user or group name (letters, digits, _ . -; starting with a letter or _)";
	case CONFIG_TEXT_HEADER_LIST:
		return "a list of headers Name=value,Name2=value2";
	}
	return "text";
}

static int parse_string(const struct config_key *k, struct config *c, const char *text,
			size_t len, const char *origin, struct config_error *err)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch < 0x20 || ch == 0x7f)
			return key_error(err, origin, k, "the value contains a control character");
	}
	if (len >= k->size)
		return key_error(err, origin, k, "the value is %zu bytes long (allowed at most %zu)",
				 len, k->size - 1);
	if (len == 0 && !k->may_be_empty)
		return key_error(err, origin, k, "the value is empty (expected %s)",
				 text_kind_name(k->text_kind));
	if (len > 0 && !valid_text(k->text_kind, text, len))
		return key_error(err, origin, k, "the value is not %s",
				 text_kind_name(k->text_kind));
	char *field = (char *)c + k->offset;
	memcpy(field, text, len);
	memset(field + len, 0, k->size - len);
	return 0;
}

int config_key_parse(const struct config_key *k, struct config *c, const char *text, size_t len,
		     bool quoted, const char *origin, struct config_error *err)
{
	char shown[48];
	char allowed[160];
	char *field = (char *)c + k->offset;

	if (k->type == CONFIG_TYPE_STRING)
		return parse_string(k, c, text, len, origin, err);

	echo_value(text, len, shown, sizeof shown);
	allowed_values(k, allowed, sizeof allowed);
	if (quoted && k->type != CONFIG_TYPE_ENUM)
		return key_error(err, origin, k, "%s must be written without quotes (allowed %s)",
				 shown, allowed);

	if (k->type == CONFIG_TYPE_BOOL) {
		bool b;
		if (len == 4 && memcmp(text, "true", 4) == 0)
			b = true;
		else if (len == 5 && memcmp(text, "false", 5) == 0)
			b = false;
		else
			return key_error(err, origin, k, "%s is not a boolean (allowed %s)", shown,
					 allowed);
		memcpy(field, &b, sizeof b);
		return 0;
	}

	if (k->type == CONFIG_TYPE_INT) {
		int64_t v = 0;
		int rc = parse_decimal(text, len, &v);
		if (rc == -EINVAL)
			return key_error(err, origin, k, "%s is not a decimal integer (allowed %s)",
					 shown, allowed);
		if (rc == -ERANGE || v < k->min || v > k->max)
			return key_error(err, origin, k, "%.*s is out of range (allowed %s)",
					 len > 32 ? 9 : (int)len, len > 32 ? "the value" : text,
					 allowed);
		memcpy(field, &v, sizeof v);
		return 0;
	}

	for (const struct config_enum_word *w = k->words; w->word; w++) {
		if (strlen(w->word) == len && memcmp(w->word, text, len) == 0) {
			memcpy(field, &w->value, sizeof w->value);
			return 0;
		}
	}
	return key_error(err, origin, k, "%s is not allowed (allowed %s)", shown, allowed);
}

int config_key_format(const struct config_key *k, const struct config *c, char *buf, size_t cap)
{
	const char *field = (const char *)c + k->offset;
	int n = -1;
	switch (k->type) {
	case CONFIG_TYPE_BOOL: {
		bool b;
		memcpy(&b, field, sizeof b);
		n = snprintf(buf, cap, "%s", b ? "true" : "false");
		break;
	}
	case CONFIG_TYPE_INT: {
		int64_t v;
		memcpy(&v, field, sizeof v);
		n = snprintf(buf, cap, "%" PRId64, v);
		break;
	}
	case CONFIG_TYPE_STRING: {
		size_t len = strnlen(field, k->size);
		if (len == k->size)
			return -EINVAL;
		n = snprintf(buf, cap, "%s", field);
		break;
	}
	case CONFIG_TYPE_ENUM: {
		int v;
		memcpy(&v, field, sizeof v);
		for (const struct config_enum_word *w = k->words; w->word; w++) {
			if (w->value == v)
				n = snprintf(buf, cap, "%s", w->word);
		}
		if (n < 0)
			return -EINVAL;
		break;
	}
	}
	if (n < 0 || (size_t)n >= cap)
		return -ENOBUFS;
	return n;
}
