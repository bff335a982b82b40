#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_keys.h"
#include "roles.h"
#include "test_config_cases.h"

static char serialized[CONFIG_SERIALIZED_MAX];

/* The value of key in "key=value\n" text, into out; false if absent. */
static bool serialized_value(const char *text, size_t len, const char *key, char *out,
			     size_t cap)
{
	size_t klen = strlen(key);
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		ck_assert_ptr_nonnull(nl);
		if ((size_t)(nl - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == '=') {
			snprintf(out, cap, "%.*s", (int)(nl - p - (ptrdiff_t)klen - 1), p + klen + 1);
			return true;
		}
		p = nl + 1;
	}
	return false;
}

static int load(struct config *c, const char *yaml, struct config_error *err)
{
	return config_load_buffer(c, "otlpd.yaml", yaml, strlen(yaml), err);
}

/* "a.b.c" and "v" as nested YAML: "a:\n  b:\n    c: v\n". */
static void nested_yaml(const char *key, const char *value, char *out, size_t cap)
{
	size_t used = 0, depth = 0;
	const char *seg = key;
	for (;;) {
		const char *dot = strchr(seg, '.');
		size_t seg_len = dot ? (size_t)(dot - seg) : strlen(seg);
		int n = snprintf(out + used, cap - used, "%*s%.*s:%s%s", (int)(2 * depth), "",
				 (int)seg_len, seg, dot ? "\n" : " ", dot ? "" : value);
		ck_assert(n > 0 && (size_t)n < cap - used);
		used += (size_t)n;
		if (!dot)
			break;
		seg = dot + 1;
		depth++;
	}
	ck_assert(used + 1 < cap);
	out[used++] = '\n';
	out[used] = '\0';
}

#define ck_assert_msg_has(err, text) \
	ck_assert_msg(strstr((err).msg, (text)) != NULL, "\"%s\" not in: %s", (text), (err).msg)
#define ck_assert_msg_lacks(err, text) \
	ck_assert_msg(strstr((err).msg, (text)) == NULL, "\"%s\" in: %s", (text), (err).msg)

START_TEST(test_defaults_documented)
{
	struct config c;
	size_t len = 0;
	char value[CONFIG_VALUE_TEXT_MAX];
	config_defaults(&c);
	ck_assert_uint_eq(config_key_count, N_DOCUMENTED);
	ck_assert_int_eq(config_serialize(&c, ROLE_ALL, serialized, sizeof serialized, &len), 0);
	for (size_t i = 0; i < N_DOCUMENTED; i++) {
		const struct config_key *k =
			config_key_find(documented[i].key, strlen(documented[i].key));
		ck_assert_msg(k != NULL, "no key %s", documented[i].key);
		ck_assert_msg(k->roles == documented[i].roles, "roles of %s", k->path);
		ck_assert_msg(strlen(k->path) < CONFIG_KEY_PATH_MAX, "%s too long", k->path);
		ck_assert(serialized_value(serialized, len, documented[i].key, value, sizeof value));
		ck_assert_str_eq(value, documented[i].value);
		ck_assert_str_eq(k->default_text, documented[i].value);
	}
	ck_assert_int_eq(c.receiver.http.port, 4318);
	ck_assert_int_eq(c.receiver.grpc.port, 4317);
	ck_assert(c.dashboard.listen.enabled);
	ck_assert_str_eq(c.dashboard.listen.bind_address, "127.0.0.1");
	ck_assert_int_eq(c.dashboard.listen.port, 8080);
	ck_assert_int_eq(c.forwarding.queue.max_messages, 1024);
	ck_assert_int_eq(c.writer_queue.max_bytes, 67108864);
	ck_assert_int_eq(c.log_level, LOG_LEVEL_INFO);
	ck_assert_int_eq(c.dashboard.x_frame_options, XFO_DENY);
	ck_assert_int_eq(c.sandbox.seccomp, SECCOMP_MODE_ENFORCE);
	ck_assert(!c.forwarding.enabled);

	struct config_error err;
	ck_assert_msg(config_validate(&c, &err) == 0, "%s", err.msg);
}
END_TEST

START_TEST(test_ranges_documented)
{
	size_t int_keys = 0;
	for (size_t i = 0; i < config_key_count; i++)
		int_keys += config_keys[i].type == CONFIG_TYPE_INT;
	ck_assert_uint_eq(int_keys, N_RANGES);
	for (size_t i = 0; i < N_RANGES; i++) {
		const struct config_key *k = config_key_find(documented_ranges[i].key,
							     strlen(documented_ranges[i].key));
		ck_assert_ptr_nonnull(k);
		ck_assert_int_eq(k->type, CONFIG_TYPE_INT);
		ck_assert_msg(k->min == documented_ranges[i].min && k->max == documented_ranges[i].max,
			      "range of %s", k->path);
	}
}
END_TEST

/* Every int key, through config_set and through YAML: the bounds are taken,
 * one past either bound is refused with the key and the range named. */
START_TEST(test_int_bounds)
{
	for (size_t i = 0; i < config_key_count; i++) {
		const struct config_key *k = &config_keys[i];
		if (k->type != CONFIG_TYPE_INT)
			continue;
		int64_t good[] = { k->min, k->max };
		int64_t bad[] = { k->min - 1, k->max + 1 };
		char text[32], range[64], yaml[256];
		snprintf(range, sizeof range, "(allowed %" PRId64 "..%" PRId64 ")", k->min, k->max);
		for (size_t j = 0; j < 2; j++) {
			struct config c;
			struct config_error err;
			int64_t v;
			config_defaults(&c);
			snprintf(text, sizeof text, "%" PRId64, good[j]);
			ck_assert_msg(config_set(&c, k->path, text, NULL, &err) == 0, "%s", err.msg);
			memcpy(&v, (char *)&c + k->offset, sizeof v);
			ck_assert_int_eq(v, good[j]);

			config_defaults(&c);
			nested_yaml(k->path, text, yaml, sizeof yaml);
			ck_assert_msg(load(&c, yaml, &err) == 0, "%s", err.msg);
			memcpy(&v, (char *)&c + k->offset, sizeof v);
			ck_assert_int_eq(v, good[j]);

			snprintf(text, sizeof text, "%" PRId64, bad[j]);
			ck_assert_int_eq(config_set(&c, k->path, text, NULL, &err), -EINVAL);
			ck_assert_msg_has(err, k->path);
			ck_assert_msg_has(err, range);
			ck_assert_msg_has(err, text);

			nested_yaml(k->path, text, yaml, sizeof yaml);
			ck_assert_int_eq(load(&c, yaml, &err), -EINVAL);
			ck_assert_msg_has(err, k->path);
			ck_assert_msg_has(err, range);
			ck_assert_msg_has(err, "otlpd.yaml:");
		}
	}
}
END_TEST

START_TEST(test_yaml_nested)
{
	static const char yaml[] = "# comment\n"
				   "output_dir: /var/lib/otlpd\n"
				   "log_level: debug\n"
				   "receiver:\n"
				   "  http:\n"
				   "    port: 14318\n"
				   "    bind_address: \"::1\"\n"
				   "  grpc: {enabled: false}\n"
				   "queues:\n"
				   "  writer:\n"
				   "    max_bytes: 4294967296\n"
				   "forwarding:\n"
				   "  enabled: true\n"
				   "  endpoint_url: 'https://collector.example:4318/v1'\n"
				   "  queue:\n"
				   "    max_items: 77\n"
				   "  authentication:\n"
				   "    auth_type: bearer_token\n"
				   "    credentials_file: /etc/otlpd/token\n"
				   "dashboard:\n"
				   "  x_frame_options: SAMEORIGIN\n"
				   "  enabled: false\n"
				   "sandbox:\n"
				   "  seccomp: \"log\"\n";
	struct config c;
	struct config_error err;
	config_defaults(&c);
	ck_assert_msg(load(&c, yaml, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c.output_dir, "/var/lib/otlpd");
	ck_assert_int_eq(c.log_level, LOG_LEVEL_DEBUG);
	ck_assert_int_eq(c.receiver.http.port, 14318);
	ck_assert_str_eq(c.receiver.http.bind_address, "::1");
	ck_assert(!c.receiver.grpc.enabled);
	ck_assert_int_eq(c.writer_queue.max_bytes, INT64_C(4294967296));
	ck_assert(c.forwarding.enabled);
	ck_assert_str_eq(c.forwarding.endpoint_url, "https://collector.example:4318/v1");
	ck_assert_int_eq(c.forwarding.queue.max_messages, 77);
	ck_assert_int_eq(c.forwarding.authentication.auth_type, AUTH_BEARER_TOKEN);
	ck_assert_str_eq(c.forwarding.authentication.credentials_file, "/etc/otlpd/token");
	ck_assert_int_eq(c.dashboard.x_frame_options, XFO_SAMEORIGIN);
	ck_assert(!c.dashboard.listen.enabled);
	ck_assert_int_eq(c.sandbox.seccomp, SECCOMP_MODE_LOG);
	ck_assert_int_eq(c.receiver.grpc.port, 4317);
	ck_assert_msg(config_validate(&c, &err) == 0, "%s", err.msg);
}
END_TEST

static void write_temp(char *path, const char *data, size_t len)
{
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		ck_assert_int_gt(w, 0);
		off += (size_t)w;
	}
	close(fd);
}

START_TEST(test_file_env_set_precedence)
{
	char path[] = "/tmp/otlpd-test-config-XXXXXX";
	static const char yaml[] = "receiver:\n  http:\n    port: 1000\n  grpc:\n    port: 1001\n"
				   "log_level: warn\n";
	write_temp(path, yaml, strlen(yaml));
	struct config c;
	struct config_error err;
	config_defaults(&c);
	ck_assert_msg(config_load_file(&c, path, &err) == 0, "%s", err.msg);
	unlink(path);
	ck_assert_int_eq(c.receiver.http.port, 1000);
	ck_assert_int_eq(c.log_level, LOG_LEVEL_WARN);

	char *envp[] = { "PATH=/usr/bin", "OTLP_RECEIVER_HTTP_PORT=2000", "OTLP_LOG_LEVEL=error",
			 "otlp_lower=ignored", NULL };
	ck_assert_msg(config_apply_env(&c, envp, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(c.receiver.http.port, 2000);
	ck_assert_int_eq(c.receiver.grpc.port, 1001);
	ck_assert_int_eq(c.log_level, LOG_LEVEL_ERROR);

	ck_assert_int_eq(config_set(&c, "receiver.http.port", "3000", "--set", &err), 0);
	ck_assert_int_eq(c.receiver.http.port, 3000);
	ck_assert_int_eq(c.receiver.grpc.port, 1001);
}
END_TEST

START_TEST(test_file_errors)
{
	struct config c;
	struct config_error err;
	config_defaults(&c);
	ck_assert_int_eq(config_load_file(&c, "/nonexistent/otlpd.yaml", &err), -ENOENT);
	ck_assert_msg_has(err, "/nonexistent/otlpd.yaml");
	ck_assert_int_eq(config_load_file(&c, "/tmp", &err), -EINVAL);

	size_t big = 1024 * 1024 + 1;
	char *text = malloc(big);
	ck_assert_ptr_nonnull(text);
	memset(text, '#', big);
	text[big - 1] = '\n';
	char path[] = "/tmp/otlpd-test-config-XXXXXX";
	write_temp(path, text, big);
	ck_assert_int_eq(config_load_file(&c, path, &err), -EFBIG);
	ck_assert_msg_has(err, "1 MiB");
	unlink(path);
	ck_assert_int_eq(config_load_buffer(&c, "x", text, big, &err), -EFBIG);
	free(text);
}
END_TEST

START_TEST(test_message_position)
{
	struct config c;
	struct config_error err;
	config_defaults(&c);
	ck_assert_int_eq(load(&c, "receiver:\n  http:\n    port: 70000\n", &err), -EINVAL);
	ck_assert_str_eq(err.msg,
			 "otlpd.yaml:3:11: receiver.http.port: 70000 is out of range (allowed 1..65535)");
	ck_assert_int_eq(c.receiver.http.port, 4318);
}
END_TEST

START_TEST(test_unknown_key)
{
	struct config c;
	struct config_error err;
	config_defaults(&c);
	ck_assert_int_eq(load(&c,
			      "log_level: debug\nreceiver:\n  http:\n    port: 1\n"
			      "receiver.htp: hunter2-secret\n",
			      &err),
			 -EINVAL);
	ck_assert_str_eq(err.msg, "otlpd.yaml:5:1: unknown key \"receiver.htp\"");
	ck_assert_int_eq(c.log_level, LOG_LEVEL_INFO); /* unchanged on error */

	ck_assert_int_eq(load(&c, "receiver:\n  htp:\n    token: hunter2-secret\n", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "otlpd.yaml:2:3: unknown key \"receiver.htp\"");

	ck_assert_int_eq(load(&c, "api_key: hunter2-secret\n", &err), -EINVAL);
	ck_assert_msg_lacks(err, "hunter2");
	ck_assert_msg_has(err, "api_key");

	/* One form only: a dotted key is not a key. */
	ck_assert_int_eq(load(&c, "receiver.http.port: 4318\n", &err), -EINVAL);
	ck_assert_msg_has(err, "unknown key \"receiver.http.port\"");

	ck_assert_int_eq(config_set(&c, "receiver.http", "x", "--set", &err), -EINVAL);
	ck_assert_msg_has(err, "unknown key");
	ck_assert_int_eq(config_set(&c, "nope", "hunter2", "--set", &err), -EINVAL);
	ck_assert_msg_lacks(err, "hunter2");
}
END_TEST

START_TEST(test_env)
{
	struct config c;
	struct config_error err;
	config_defaults(&c);

	char *unknown[] = { "OTLP_RECEIVER_HTTP_PROT=hunter2", NULL };
	ck_assert_int_eq(config_apply_env(&c, unknown, &err), -EINVAL);
	ck_assert_msg_has(err, "OTLP_RECEIVER_HTTP_PROT");
	ck_assert_msg_lacks(err, "hunter2");

	char *bad[] = { "OTLP_RECEIVER_HTTP_PORT=70000", NULL };
	ck_assert_int_eq(config_apply_env(&c, bad, &err), -EINVAL);
	ck_assert_msg_has(err, "OTLP_RECEIVER_HTTP_PORT");
	ck_assert_msg_has(err, "receiver.http.port");
	ck_assert_msg_has(err, "1..65535");

	char *twice[] = { "OTLP_LOG_LEVEL=warn", "OTLP_LOG_LEVEL=debug", NULL };
	ck_assert_int_eq(config_apply_env(&c, twice, &err), -EINVAL);

	/* The credential's variable is skipped, even when it is named in the
	 * environment after it appears. */
	char *secret[] = { "OTLP_API_TOKEN=hunter2",
			   "OTLP_FORWARDING_AUTHENTICATION_CREDENTIALS_ENV=OTLP_API_TOKEN",
			   "OTLP_FORWARDING_AUTHENTICATION_AUTH_TYPE=bearer_token", NULL };
	ck_assert_msg(config_apply_env(&c, secret, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(c.forwarding.authentication.credentials_env, "OTLP_API_TOKEN");
	ck_assert_int_eq(c.forwarding.authentication.auth_type, AUTH_BEARER_TOKEN);

	struct config d;
	config_defaults(&d);
	ck_assert_msg(load(&d, "forwarding: {authentication: {credentials_env: OTLP_KEY}}\n",
			   &err) == 0,
		      "%s", err.msg);
	char *from_file[] = { "OTLP_KEY=hunter2", "OTLP_OUTPUT_DIR=/srv/otlp", NULL };
	ck_assert_msg(config_apply_env(&d, from_file, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(d.output_dir, "/srv/otlp");

	char *empty_user[] = { "OTLP_USER=", "OTLP_RECEIVER_HTTP_ENABLED=false", NULL };
	ck_assert_msg(config_apply_env(&d, empty_user, &err) == 0, "%s", err.msg);
	ck_assert(!d.receiver.http.enabled);
	char *empty_int[] = { "OTLP_DASHBOARD_PORT=", NULL };
	ck_assert_int_eq(config_apply_env(&d, empty_int, &err), -EINVAL);
	char *plus[] = { "OTLP_DASHBOARD_PORT=+80", NULL };
	ck_assert_int_eq(config_apply_env(&d, plus, &err), -EINVAL);
	ck_assert_int_eq(config_apply_env(&d, NULL, &err), 0);
}
END_TEST

START_TEST(test_env_name)
{
	char out[64];
	ck_assert_int_eq(config_env_name("receiver.http.port", out, sizeof out), 0);
	ck_assert_str_eq(out, "OTLP_RECEIVER_HTTP_PORT");
	ck_assert_int_eq(config_env_name("output_dir", out, sizeof out), 0);
	ck_assert_str_eq(out, "OTLP_OUTPUT_DIR");
	ck_assert_int_eq(config_env_name("output_dir", out, 15), -ENOBUFS);
	ck_assert_int_eq(config_env_name("output_dir", out, 16), 0);
	ck_assert_int_eq(config_env_name("a=b", out, sizeof out), -EINVAL);
	ck_assert_int_eq(config_env_name("", out, sizeof out), -EINVAL);
}
END_TEST

START_TEST(test_wrong_yaml)
{
	struct config c, before;
	struct config_error err;
	config_defaults(&c);
	before = c;
	const char *yaml = wrong_yaml[_i].yaml;
	ck_assert_int_eq(load(&c, yaml, &err), -EINVAL);
	ck_assert_msg_has(err, wrong_yaml[_i].expect);
	ck_assert_msg(strncmp(err.msg, "otlpd.yaml:", 11) == 0, "%s", err.msg);
	ck_assert(memcmp(&c, &before, sizeof c) == 0);
}
END_TEST

START_TEST(test_yaml_edge_accepted)
{
	struct config c;
	struct config_error err;
	config_defaults(&c);
	ck_assert_int_eq(load(&c, "", &err), 0);
	ck_assert_int_eq(load(&c, "# only a comment\n", &err), 0);
	ck_assert_int_eq(load(&c, "---\n", &err), 0);
	ck_assert_int_eq(load(&c, "{}\n", &err), 0);
	ck_assert_int_eq(load(&c, "log_level: \"debug\"\nuser: \"\"\n", &err), 0);
	ck_assert_int_eq(c.log_level, LOG_LEVEL_DEBUG);
	ck_assert_int_eq(load(&c, "receiver: {http: {port: 80}}\n", &err), 0);
	ck_assert_int_eq(c.receiver.http.port, 80);
	ck_assert_int_eq(config_load_buffer(&c, "x", "log_level: warn", 15, &err), 0);
	ck_assert_int_eq(c.log_level, LOG_LEVEL_WARN);
	ck_assert_int_eq(config_load_buffer(&c, "x", "log_level: warn\0x", 17, &err), -EINVAL);
	ck_assert_int_eq(config_load_buffer(&c, "x", NULL, 0, &err), 0);
}
END_TEST

START_TEST(test_deep_nesting)
{
	size_t n = 100000;
	char *text = malloc(2 * n + 1);
	ck_assert_ptr_nonnull(text);
	memset(text, '[', n);
	memset(text + n, ']', n);
	text[2 * n] = '\0';
	struct config c;
	struct config_error err;
	config_defaults(&c);
	ck_assert_int_eq(config_load_buffer(&c, "deep.yaml", text, 2 * n, &err), -EINVAL);
	ck_assert_msg_has(err, "deep.yaml:1:1:");
	memset(text, '{', n);
	ck_assert_int_eq(config_load_buffer(&c, "deep.yaml", text, n, &err), -EINVAL);
	free(text);
}
END_TEST

START_TEST(test_string_values)
{
	struct config c, before;
	struct config_error err;
	config_defaults(&c);
	before = c;
	int rc = config_set(&c, strings[_i].key, strings[_i].value, "--set", &err);
	if (strings[_i].ok) {
		ck_assert_msg(rc == 0, "%s", err.msg);
	} else {
		ck_assert_int_eq(rc, -EINVAL);
		ck_assert_msg(strncmp(err.msg, "--set: ", 7) == 0, "%s", err.msg);
		ck_assert_msg_has(err, strings[_i].key);
		ck_assert_msg_lacks(err, "hunter2");
		ck_assert(memcmp(&c, &before, sizeof c) == 0);
	}
}
END_TEST

START_TEST(test_string_length)
{
	struct config c;
	struct config_error err;
	char value[CONFIG_PATH_MAX + 1];
	config_defaults(&c);
	memset(value, 'd', sizeof value - 1);
	value[0] = '/';
	value[CONFIG_PATH_MAX - 1] = '\0';
	ck_assert_msg(config_set(&c, "output_dir", value, NULL, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(strlen(c.output_dir), CONFIG_PATH_MAX - 1);
	value[CONFIG_PATH_MAX - 1] = 'd';
	value[CONFIG_PATH_MAX] = '\0';
	ck_assert_int_eq(config_set(&c, "output_dir", value, NULL, &err), -EINVAL);
	ck_assert_msg_has(err, "output_dir: the value is 1024 bytes long (allowed at most 1023)");
	ck_assert_msg_lacks(err, "ddd");
	ck_assert_uint_eq(strlen(c.output_dir), CONFIG_PATH_MAX - 1);
}
END_TEST

/* A config where every key differs from its default where it can. */
static void unusual_config(struct config *c)
{
	static const char *const set[][2] = {
		{ "output_dir", "/srv/otlp data" },
		{ "write_interval_secs", "7" },
		{ "trace_cleanup_interval_secs", "31536000" },
		{ "metric_cleanup_interval_secs", "1" },
		{ "log_cleanup_interval_secs", "99" },
		{ "max_file_bytes", "17179869184" },
		{ "max_total_bytes", "1048576" },
		{ "max_trace_buffer_size", "1" },
		{ "max_metric_buffer_size", "1000000" },
		{ "max_log_buffer_size", "12345" },
		{ "user", "otlpd" },
		{ "group", "otlpd" },
		{ "log_level", "debug" },
		{ "receiver.http.enabled", "false" },
		{ "receiver.http.bind_address", "::1" },
		{ "receiver.http.port", "9000" },
		{ "receiver.grpc.enabled", "false" },
		{ "receiver.grpc.bind_address", "127.0.0.1" },
		{ "receiver.grpc.port", "9001" },
		{ "receiver.grpc.max_concurrent_streams", "10000" },
		{ "receiver.max_request_bytes", "1024" },
		{ "receiver.max_connections", "65536" },
		{ "receiver.max_anyvalue_depth", "128" },
		{ "receiver.max_json_depth", "4" },
		{ "receiver.max_attributes", "65536" },
		{ "receiver.max_header_bytes", "1048576" },
		{ "receiver.max_headers", "8" },
		{ "receiver.header_timeout_ms", "100" },
		{ "receiver.idle_timeout_ms", "3600000" },
		{ "receiver.body_timeout_ms", "600000" },
		{ "receiver.ack_timeout_ms", "250" },
		{ "receiver.max_buffered_bytes", "68719476736" },
		{ "queues.writer.max_messages", "5" },
		{ "queues.writer.max_bytes", "4294967296" },
		{ "forwarding.enabled", "true" },
		{ "forwarding.endpoint_url", "https://c.example/v1/a=b=c" },
		{ "forwarding.compression", "gzip" },
		{ "forwarding.timeout_secs", "300" },
		{ "forwarding.max_connections", "16" },
		{ "forwarding.headers", "X-Tenant=a%2Cb,X-Env=prod" },
		{ "forwarding.queue.max_items", "3" },
		{ "forwarding.queue.max_bytes", "65536" },
		{ "forwarding.authentication.auth_type", "basic" },
		{ "forwarding.authentication.header_name", "X-Key" },
		{ "forwarding.authentication.credentials_file", "/etc/otlpd/cred" },
		{ "forwarding.authentication.credentials_env", "" },
		{ "forwarding.circuit_breaker.failure_threshold", "1000" },
		{ "forwarding.circuit_breaker.open_timeout_secs", "1" },
		{ "forwarding.tls.ca_file", "/etc/otlpd/ca.pem" },
		{ "forwarding.tls.cert_file", "/etc/otlpd/client.pem" },
		{ "forwarding.tls.key_file", "/etc/otlpd/client.key" },
		{ "forwarding.tls.insecure_skip_verify", "true" },
		{ "dashboard.enabled", "false" },
		{ "dashboard.bind_address", "::" },
		{ "dashboard.port", "1" },
		{ "dashboard.x_frame_options", "SAMEORIGIN" },
		{ "dashboard.max_connections", "4096" },
		{ "dashboard.max_header_bytes", "1024" },
		{ "dashboard.header_timeout_ms", "100" },
		{ "dashboard.idle_timeout_ms", "3600000" },
		{ "dashboard.write_timeout_ms", "600000" },
		{ "sandbox.seccomp", "log" },
		{ "sandbox.empty_dir", "/var/empty" },
	};
	struct config_error err;
	config_defaults(c);
	ck_assert_uint_eq(sizeof set / sizeof set[0], config_key_count);
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
		ck_assert_msg(config_set(c, set[i][0], set[i][1], NULL, &err) == 0, "%s", err.msg);
	ck_assert_msg(config_validate(c, &err) == 0, "%s", err.msg);
}

static const unsigned masks[] = { ROLE_SUPERVISOR, ROLE_RECEIVER, ROLE_WRITER, ROLE_FORWARDER,
				  ROLE_DASHBOARD, ROLE_ALL };

START_TEST(test_serialize_round_trip)
{
	unsigned mask = masks[_i];
	struct config src, dst;
	struct config_error err;
	size_t len = 0, len2 = 0;
	static char again[CONFIG_SERIALIZED_MAX];
	unusual_config(&src);
	ck_assert_int_eq(config_serialize(&src, mask, serialized, sizeof serialized, &len), 0);
	config_defaults(&dst);
	ck_assert_msg(config_parse_serialized(&dst, mask, serialized, len, &err) == 0, "%s",
		      err.msg);
	ck_assert_int_eq(config_serialize(&dst, mask, again, sizeof again, &len2), 0);
	ck_assert_uint_eq(len, len2);
	ck_assert(memcmp(serialized, again, len) == 0);

	for (size_t i = 0; i < config_key_count; i++) {
		const struct config_key *k = &config_keys[i];
		char value[CONFIG_VALUE_TEXT_MAX];
		bool present = serialized_value(serialized, len, k->path, value, sizeof value);
		ck_assert_msg(present == ((k->roles & mask) != 0), "%s for mask %u", k->path, mask);
		if (present)
			ck_assert(memcmp((char *)&src + k->offset, (char *)&dst + k->offset,
					 k->size) == 0);
	}
	ck_assert_int_eq(config_serialize(&src, mask, serialized, len - 1, &len2), -ENOBUFS);
}
END_TEST

START_TEST(test_serialize_children_see_only_theirs)
{
	struct config c;
	size_t len = 0;
	char value[CONFIG_VALUE_TEXT_MAX];
	unusual_config(&c);
	ck_assert_int_eq(config_serialize(&c, ROLE_CHILDREN, serialized, sizeof serialized, &len),
			 0);
	ck_assert(!serialized_value(serialized, len, "output_dir", value, sizeof value));
	ck_assert(!serialized_value(serialized, len, "forwarding.authentication.credentials_file",
				    value, sizeof value));
	ck_assert(!serialized_value(serialized, len, "forwarding.authentication.credentials_env",
				    value, sizeof value));
	ck_assert(!serialized_value(serialized, len, "receiver.http.port", value, sizeof value));
	ck_assert(serialized_value(serialized, len, "forwarding.endpoint_url", value,
				   sizeof value));
}
END_TEST

START_TEST(test_parse_serialized_refuses)
{
	struct config c, d;
	struct config_error err;
	size_t len = 0;
	static char buf[CONFIG_SERIALIZED_MAX + 64];
	config_defaults(&c);
	ck_assert_int_eq(config_serialize(&c, ROLE_RECEIVER, serialized, sizeof serialized, &len),
			 0);

	/* A key meant for another process. */
	int n = snprintf(buf, sizeof buf, "%.*soutput_dir=/tmp\n", (int)len, serialized);
	config_defaults(&d);
	ck_assert_int_eq(config_parse_serialized(&d, ROLE_RECEIVER, buf, (size_t)n, &err), -EINVAL);
	ck_assert_msg_has(err, "output_dir is not meant for this process");
	ck_assert_str_eq(d.output_dir, "./data");

	n = snprintf(buf, sizeof buf, "%.*slog_level=debug\n", (int)len, serialized);
	ck_assert_int_eq(config_parse_serialized(&d, ROLE_RECEIVER, buf, (size_t)n, &err), -EINVAL);
	ck_assert_msg_has(err, "log_level is given twice");

	n = snprintf(buf, sizeof buf, "%.*sbogus=1\n", (int)len, serialized);
	ck_assert_int_eq(config_parse_serialized(&d, ROLE_RECEIVER, buf, (size_t)n, &err), -EINVAL);
	ck_assert_msg_has(err, "unknown key \"bogus\"");

	ck_assert_int_eq(config_parse_serialized(&d, ROLE_RECEIVER, serialized, len - 1, &err),
			 -EINVAL);
	ck_assert_msg_has(err, "not a complete key=value line");

	ck_assert_int_eq(config_parse_serialized(&d, ROLE_RECEIVER, "log_level=info\n", 15, &err),
			 -EINVAL);
	ck_assert_msg_has(err, "is missing");

	ck_assert_int_eq(config_parse_serialized(&d, ROLE_RECEIVER, serialized, len, &err), 0);
	ck_assert_int_eq(config_parse_serialized(&d, ROLE_WRITER, serialized, len, &err), -EINVAL);

	char *p = strstr(serialized, "log_level=info");
	ck_assert_ptr_nonnull(p);
	memcpy(p, "log_level=nope", 14);
	ck_assert_int_eq(config_parse_serialized(&d, ROLE_RECEIVER, serialized, len, &err), -EINVAL);
	ck_assert_msg_has(err, "log_level: \"nope\" is not allowed");

	ck_assert_int_eq(config_parse_serialized(&d, ROLE_RECEIVER, buf,
						 CONFIG_SERIALIZED_MAX + 1, &err),
			 -EINVAL);
}
END_TEST

static void expect_invalid(const struct config *c, const char *expect)
{
	struct config_error err;
	ck_assert_int_eq(config_validate(c, &err), -EINVAL);
	ck_assert_msg_has(err, expect);
}

START_TEST(test_validate)
{
	struct config c;
	struct config_error err;

	config_defaults(&c);
	ck_assert_int_eq(config_set(&c, "forwarding.enabled", "true", NULL, &err), 0);
	expect_invalid(&c, "forwarding.endpoint_url: must be set");
	ck_assert_int_eq(config_set(&c, "forwarding.endpoint_url", "http://127.0.0.1:4318", NULL,
				    &err), 0);
	ck_assert_int_eq(config_validate(&c, &err), 0);

	ck_assert_int_eq(config_set(&c, "forwarding.authentication.auth_type", "api_key", NULL,
				    &err), 0);
	expect_invalid(&c, "neither is set");
	ck_assert_int_eq(config_set(&c, "forwarding.authentication.credentials_env", "TOKEN", NULL,
				    &err), 0);
	ck_assert_int_eq(config_validate(&c, &err), 0);
	ck_assert_int_eq(config_set(&c, "forwarding.authentication.credentials_file", "/k", NULL,
				    &err), 0);
	expect_invalid(&c, "both are set");
	snprintf(c.forwarding.authentication.credentials_env,
		 sizeof c.forwarding.authentication.credentials_env, "%s", "");
	snprintf(c.forwarding.authentication.credentials_file,
		 sizeof c.forwarding.authentication.credentials_file, "%s", "relative/k");
	expect_invalid(&c, "credentials_file");

	config_defaults(&c);
	ck_assert_int_eq(config_set(&c, "forwarding.authentication.credentials_env",
				    "OTLP_OUTPUT_DIR", NULL, &err), 0);
	expect_invalid(&c, "names the variable of key output_dir");

	config_defaults(&c);
	snprintf(c.sandbox.empty_dir, sizeof c.sandbox.empty_dir, "%s", "run/empty");
	expect_invalid(&c, "sandbox.empty_dir");

	config_defaults(&c);
	snprintf(c.receiver.grpc.bind_address, sizeof c.receiver.grpc.bind_address, "%s", "host");
	expect_invalid(&c, "receiver.grpc.bind_address");

	config_defaults(&c);
	c.dashboard.x_frame_options = (enum x_frame_options)7;
	expect_invalid(&c, "dashboard.x_frame_options");

	config_defaults(&c);
	c.receiver.max_connections = 0;
	expect_invalid(&c, "receiver.max_connections");
}
END_TEST

START_TEST(test_validate_ports)
{
	struct config c;
	struct config_error err;
	config_defaults(&c);
	snprintf(c.receiver.http.bind_address, CONFIG_ADDR_MAX, "%s", ports[_i].http_addr);
	snprintf(c.receiver.grpc.bind_address, CONFIG_ADDR_MAX, "%s", ports[_i].grpc_addr);
	snprintf(c.dashboard.listen.bind_address, CONFIG_ADDR_MAX, "%s", ports[_i].dash_addr);
	c.receiver.http.port = ports[_i].http_port;
	c.receiver.grpc.port = ports[_i].grpc_port;
	c.dashboard.listen.port = ports[_i].dash_port;
	c.receiver.grpc.enabled = ports[_i].grpc_enabled;
	int rc = config_validate(&c, &err);
	if (ports[_i].ok) {
		ck_assert_msg(rc == 0, "%s", err.msg);
	} else {
		ck_assert_int_eq(rc, -EINVAL);
		ck_assert_msg_has(err, "overlapping address");
	}
}
END_TEST

START_TEST(test_print)
{
	struct config c;
	struct config_error err;
	config_defaults(&c);
	ck_assert_int_eq(config_set(&c, "dashboard.x_frame_options", "SAMEORIGIN", NULL, &err), 0);
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(config_print(&c, fileno(f)), 0);
	rewind(f);
	static char out[CONFIG_SERIALIZED_MAX];
	size_t n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
	ck_assert_ptr_nonnull(strstr(out, "receiver.http.port = 4318\n"));
	ck_assert_ptr_nonnull(strstr(out, "dashboard.x_frame_options = SAMEORIGIN\n"));
	ck_assert_ptr_nonnull(strstr(out, "log_level = info\n"));
	ck_assert_ptr_nonnull(strstr(out, "forwarding.enabled = false\n"));
	size_t lines = 0;
	for (size_t i = 0; i < n; i++)
		lines += out[i] == '\n';
	ck_assert_uint_eq(lines, config_key_count);
	ck_assert_int_eq(config_print(&c, -1), -EBADF);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_defaults_documented);
	tcase_add_test(tc, test_ranges_documented);
	tcase_add_test(tc, test_int_bounds);
	tcase_add_test(tc, test_yaml_nested);
	tcase_add_test(tc, test_file_env_set_precedence);
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_message_position);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_env);
	tcase_add_test(tc, test_env_name);
	tcase_add_loop_test(tc, test_wrong_yaml, 0, sizeof wrong_yaml / sizeof wrong_yaml[0]);
	tcase_add_test(tc, test_yaml_edge_accepted);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_loop_test(tc, test_string_values, 0, sizeof strings / sizeof strings[0]);
	tcase_add_test(tc, test_string_length);
	tcase_add_loop_test(tc, test_serialize_round_trip, 0, sizeof masks / sizeof masks[0]);
	tcase_add_test(tc, test_serialize_children_see_only_theirs);
	tcase_add_test(tc, test_parse_serialized_refuses);
	tcase_add_test(tc, test_validate);
	tcase_add_loop_test(tc, test_validate_ports, 0, sizeof ports / sizeof ports[0]);
	tcase_add_test(tc, test_print);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
