#ifndef OTLPD_CONFIG_H
#define OTLPD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

/* The whole configuration, as plain values. Sources in rising precedence:
 * defaults, the YAML file (-c FILE), OTLP_* environment variables, --set
 * flags. Every key is declared once in config_keys.c with its type, range,
 * default and the processes it is sent to. No secret value is ever stored
 * here (credentials reach the forwarder by a descriptor of their own). */

#define CONFIG_PATH_MAX 1024
#define CONFIG_NAME_MAX 64
#define CONFIG_ADDR_MAX 64
#define CONFIG_URL_MAX 2048
#define CONFIG_SERIALIZED_MAX 65536

enum sandbox_seccomp_mode {
	SECCOMP_MODE_ENFORCE = 0,
	SECCOMP_MODE_LOG = 1,
};

enum x_frame_options {
	XFO_DENY = 0,
	XFO_SAMEORIGIN = 1,
};

enum auth_type {
	AUTH_NONE = 0,
	AUTH_API_KEY = 1,
	AUTH_BEARER_TOKEN = 2,
	AUTH_BASIC = 3,
};

/* Names in a credentials map, as bits (credentials.h says which auth type
 * needs which). */
enum credential_name {
	CREDENTIAL_KEY = 1u << 0,
	CREDENTIAL_TOKEN = 1u << 1,
	CREDENTIAL_USERNAME = 1u << 2,
	CREDENTIAL_PASSWORD = 1u << 3,
};

enum forward_compression {
	COMPRESSION_NONE = 0,
	COMPRESSION_GZIP = 1,
};

struct config_listener {
	bool enabled;
	char bind_address[CONFIG_ADDR_MAX]; /* numeric IPv4 or IPv6 */
	int64_t port;
};

struct config_queue {
	int64_t max_messages;
	int64_t max_bytes;
};

struct config {
	char output_dir[CONFIG_PATH_MAX];
	int64_t write_interval_secs;
	int64_t trace_cleanup_interval_secs;
	int64_t metric_cleanup_interval_secs;
	int64_t log_cleanup_interval_secs;
	int64_t max_file_bytes;  /* the writer rotates a file before it passes this */
	int64_t max_total_bytes; /* the writer removes the oldest files past this */
	int64_t max_trace_buffer_size;
	int64_t max_metric_buffer_size;
	int64_t max_log_buffer_size;
	char user[CONFIG_NAME_MAX];  /* empty: per-child otlpd-* users, else otlpd, else nobody */
	char group[CONFIG_NAME_MAX]; /* empty: otlpd if it exists, else nogroup */
	enum log_level log_level;

	struct {
		struct config_listener http;
		struct config_listener grpc;
		int64_t max_request_bytes;
		int64_t max_connections;
		int64_t max_anyvalue_depth; /* AnyValue nesting (otlp_validate.h) */
		int64_t max_json_depth;     /* OTLP/JSON nesting (otlp_json.h) */
		int64_t max_attributes;     /* key-values in one attributes list */
		int64_t max_header_bytes;   /* request line and headers; 431 past it */
		int64_t max_headers;        /* header fields; 431 past it */
		int64_t header_timeout_ms;  /* first byte of a request to its last header */
		int64_t idle_timeout_ms;    /* keep-alive wait between requests */
		int64_t body_timeout_ms;    /* between reads of a body */
		int64_t ack_timeout_ms;     /* the writer's time to take a request */
		int64_t max_buffered_bytes; /* request bodies held at once, all connections */
		int64_t grpc_max_concurrent_streams; /* receiver.grpc.max_concurrent_streams */
	} receiver;

	struct config_queue writer_queue; /* queues.writer.* */

	struct {
		bool enabled;
		char endpoint_url[CONFIG_URL_MAX];
		enum forward_compression compression;
		int64_t timeout_secs;
		int64_t max_connections;
		char headers[CONFIG_URL_MAX]; /* "Name=value,..." (header_list.h) */
		struct config_queue queue; /* forwarding.queue.max_items / max_bytes */
		struct {
			enum auth_type auth_type;
			char header_name[CONFIG_NAME_MAX];
			char credentials_file[CONFIG_PATH_MAX];
			char credentials_env[CONFIG_NAME_MAX];
			/* Not a key: enum credential_name bits of an inline
			 * forwarding.authentication.credentials map, set by the
			 * YAML loader. Its values are never stored here. */
			unsigned credentials_inline;
		} authentication;
		struct {
			char ca_file[CONFIG_PATH_MAX]; /* empty: the system CA bundle */
			char cert_file[CONFIG_PATH_MAX];
			char key_file[CONFIG_PATH_MAX];
			bool insecure_skip_verify;
		} tls;
		struct {
			int64_t failure_threshold;
			int64_t open_timeout_secs;
		} circuit_breaker;
	} forwarding;

	struct {
		struct config_listener listen; /* dashboard.{enabled,bind_address,port} */
		enum x_frame_options x_frame_options;
		int64_t max_connections;
		int64_t max_header_bytes;  /* request line and headers; 431 past it */
		int64_t header_timeout_ms; /* first byte of a request to its last header */
		int64_t idle_timeout_ms;   /* keep-alive wait between requests */
		int64_t write_timeout_ms;  /* a response (chunk of a file) being taken by the client */
	} dashboard;

	struct {
		enum sandbox_seccomp_mode seccomp;
		char empty_dir[CONFIG_PATH_MAX];
	} sandbox;
};

/* What went wrong, in words that name the key, where the value came from
 * (file:line:column, environment variable or flag) and what is allowed. */
struct config_error {
	char msg[768];
};

void config_defaults(struct config *c);

/* Reads a YAML mapping. Unknown keys, wrong types, out-of-range values and
 * duplicate keys are errors. Returns 0 or -EINVAL / -errno with *err set. */
int config_load_file(struct config *c, const char *path, struct config_error *err);
/* Same, from memory (tests, fuzzing); name is used in messages. */
int config_load_buffer(struct config *c, const char *name, const char *yaml, size_t len,
		       struct config_error *err);

/* Inline forwarding.authentication.credentials (a map like a credentials
 * file's) never enter struct config: the loader writes the map again as
 * YAML text into this buffer, which is allocated once at its full size so
 * that no reallocation leaves a copy behind. The supervisor hands it to the
 * forwarder and wipes it at once. */
#define CONFIG_INLINE_CREDENTIALS_MAX 16384
struct config_inline_credentials {
	char *text; /* owned; NULL until the loader meets a credentials map */
	size_t len;
};
/* config_load_file that keeps inline credentials in *cred (else they are
 * checked and wiped). Returns as config_load_file. */
int config_load_file_credentials(struct config *c, const char *path,
				 struct config_inline_credentials *cred, struct config_error *err);
int config_load_buffer_credentials(struct config *c, const char *name, const char *yaml,
				   size_t len, struct config_inline_credentials *cred,
				   struct config_error *err);
/* Wipes and frees the text; the struct can be reused. */
void config_inline_credentials_wipe(struct config_inline_credentials *cred);

/* Applies OTLP_<KEY> variables from envp (NULL-terminated "NAME=value").
 * An OTLP_* name that matches no key is an error, except the variable named
 * by forwarding.authentication.credentials_env. */
int config_apply_env(struct config *c, char *const *envp, struct config_error *err);

/* Sets one key from text; origin names the source for messages
 * (e.g. "--set", "OTLP_RECEIVER_HTTP_PORT"). */
int config_set(struct config *c, const char *key, const char *value, const char *origin,
	       struct config_error *err);

/* Checks that hold between keys (e.g. forwarding enabled needs an endpoint). */
int config_validate(const struct config *c, struct config_error *err);

/* Writes "key=value\n" for every key sent to any process in role_mask
 * (enum role bits). Returns 0 or -ENOBUFS. */
int config_serialize(const struct config *c, unsigned role_mask, char *buf, size_t cap,
		     size_t *len);
/* Reads what config_serialize wrote (in a child); a key not meant for
 * role_mask is an error. */
int config_parse_serialized(struct config *c, unsigned role_mask, const char *buf, size_t len,
			    struct config_error *err);

/* Prints every key with its effective value, one per line (--check-config). */
int config_print(const struct config *c, int fd);

/* The name of an environment variable for a key: OTLP_ + upper case, '.' -> '_'. */
int config_env_name(const char *key, char *out, size_t cap);

#endif
