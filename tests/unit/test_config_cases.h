#ifndef OTLPD_TEST_CONFIG_CASES_H
#define OTLPD_TEST_CONFIG_CASES_H

/* Test vectors for test_config.c, kept apart so the test reads as logic.
 * Included by test_config.c only. */

#include <stdbool.h>
#include <stdint.h>

#include "roles.h"

#define S ROLE_SUPERVISOR
#define R ROLE_RECEIVER
#define W ROLE_WRITER
#define F ROLE_FORWARDER
#define D ROLE_DASHBOARD

/* The documented keys, defaults and receiving processes, written out again
 * here so that a slip in the table shows up as a difference. */
static const struct {
	const char *key;
	const char *value;
	unsigned roles;
} documented[] = {
	{ "output_dir", "./data", S },
	{ "write_interval_secs", "5", W },
	{ "trace_cleanup_interval_secs", "600", W },
	{ "metric_cleanup_interval_secs", "3600", W },
	{ "log_cleanup_interval_secs", "3600", W },
	{ "max_file_bytes", "67108864", W },
	{ "max_total_bytes", "1073741824", W },
	{ "max_trace_buffer_size", "10000", W },
	{ "max_metric_buffer_size", "10000", W },
	{ "max_log_buffer_size", "10000", W },
	{ "user", "", S },
	{ "group", "", S },
	{ "log_level", "info", ROLE_ALL },
	{ "receiver.http.enabled", "true", S | R },
	{ "receiver.http.bind_address", "0.0.0.0", S },
	{ "receiver.http.port", "4318", S },
	{ "receiver.grpc.enabled", "true", S | R },
	{ "receiver.grpc.bind_address", "0.0.0.0", S },
	{ "receiver.grpc.port", "4317", S },
	{ "receiver.grpc.max_concurrent_streams", "100", R },
	{ "receiver.max_request_bytes", "67108864", R },
	{ "receiver.max_connections", "1024", R },
	{ "receiver.max_anyvalue_depth", "32", R | W },
	{ "receiver.max_json_depth", "64", R },
	{ "receiver.max_attributes", "1024", R | W },
	{ "receiver.max_header_bytes", "16384", R },
	{ "receiver.max_headers", "100", R },
	{ "receiver.header_timeout_ms", "10000", R },
	{ "receiver.idle_timeout_ms", "60000", R },
	{ "receiver.body_timeout_ms", "30000", R },
	{ "receiver.ack_timeout_ms", "10000", R },
	{ "receiver.max_buffered_bytes", "268435456", R },
	{ "queues.writer.max_messages", "1024", R | W },
	{ "queues.writer.max_bytes", "67108864", R | W },
	{ "forwarding.enabled", "false", S | R | F },
	{ "forwarding.endpoint_url", "", F },
	{ "forwarding.compression", "none", F },
	{ "forwarding.timeout_secs", "10", F },
	{ "forwarding.max_connections", "2", F },
	{ "forwarding.headers", "", F },
	{ "forwarding.queue.max_items", "1024", R | F },
	{ "forwarding.queue.max_bytes", "67108864", R | F },
	{ "forwarding.authentication.auth_type", "none", S | F },
	{ "forwarding.authentication.header_name", "", F },
	{ "forwarding.authentication.credentials_file", "", S },
	{ "forwarding.authentication.credentials_env", "", S },
	{ "forwarding.circuit_breaker.failure_threshold", "5", F },
	{ "forwarding.circuit_breaker.open_timeout_secs", "30", F },
	{ "forwarding.tls.ca_file", "", F },
	{ "forwarding.tls.cert_file", "", F },
	{ "forwarding.tls.key_file", "", F },
	{ "forwarding.tls.insecure_skip_verify", "false", F },
	{ "dashboard.enabled", "true", S | D },
	{ "dashboard.bind_address", "127.0.0.1", S },
	{ "dashboard.port", "8080", S },
	{ "dashboard.x_frame_options", "DENY", D },
	{ "dashboard.max_connections", "64", D },
	{ "dashboard.max_header_bytes", "8192", D },
	{ "dashboard.header_timeout_ms", "10000", D },
	{ "dashboard.idle_timeout_ms", "60000", D },
	{ "dashboard.write_timeout_ms", "30000", D },
	{ "sandbox.seccomp", "enforce", ROLE_ALL },
	{ "sandbox.empty_dir", "/run/otlpd/empty", S },
};
#define N_DOCUMENTED (sizeof documented / sizeof documented[0])

static const struct {
	const char *key;
	int64_t min, max;
} documented_ranges[] = {
	{ "write_interval_secs", 1, 3600 },
	{ "trace_cleanup_interval_secs", 1, 31536000 },
	{ "metric_cleanup_interval_secs", 1, 31536000 },
	{ "log_cleanup_interval_secs", 1, 31536000 },
	{ "max_file_bytes", 1048576, 17179869184 },
	{ "max_total_bytes", 1048576, 1099511627776 },
	{ "max_trace_buffer_size", 1, 1000000 },
	{ "max_metric_buffer_size", 1, 1000000 },
	{ "max_log_buffer_size", 1, 1000000 },
	{ "receiver.http.port", 1, 65535 },
	{ "receiver.grpc.port", 1, 65535 },
	{ "receiver.grpc.max_concurrent_streams", 1, 10000 },
	{ "receiver.max_request_bytes", 1024, 1073741824 },
	{ "receiver.max_connections", 1, 65536 },
	{ "receiver.max_anyvalue_depth", 1, 128 },
	{ "receiver.max_json_depth", 4, 256 },
	{ "receiver.max_attributes", 1, 65536 },
	{ "receiver.max_header_bytes", 1024, 1048576 },
	{ "receiver.max_headers", 8, 10000 },
	{ "receiver.header_timeout_ms", 100, 600000 },
	{ "receiver.idle_timeout_ms", 100, 3600000 },
	{ "receiver.body_timeout_ms", 100, 600000 },
	{ "receiver.ack_timeout_ms", 100, 600000 },
	{ "receiver.max_buffered_bytes", 1048576, INT64_C(68719476736) },
	{ "queues.writer.max_messages", 1, 1000000 },
	{ "queues.writer.max_bytes", 65536, INT64_C(4294967296) },
	{ "forwarding.timeout_secs", 1, 300 },
	{ "forwarding.max_connections", 1, 16 },
	{ "forwarding.queue.max_items", 1, 1000000 },
	{ "forwarding.queue.max_bytes", 65536, INT64_C(4294967296) },
	{ "forwarding.circuit_breaker.failure_threshold", 1, 1000 },
	{ "forwarding.circuit_breaker.open_timeout_secs", 1, 3600 },
	{ "dashboard.port", 1, 65535 },
	{ "dashboard.max_connections", 1, 4096 },
	{ "dashboard.max_header_bytes", 1024, 65536 },
	{ "dashboard.header_timeout_ms", 100, 600000 },
	{ "dashboard.idle_timeout_ms", 100, 3600000 },
	{ "dashboard.write_timeout_ms", 100, 600000 },
};
#define N_RANGES (sizeof documented_ranges / sizeof documented_ranges[0])

static const struct {
	const char *yaml;
	const char *expect; /* in the message */
} wrong_yaml[] = {
	{ "receiver:\n  http:\n    port: \"4318\"\n", "3:11: receiver.http.port: \"4318\" must be written without quotes (allowed 1..65535)" },
	{ "receiver:\n  http:\n    enabled: yes\n", "3:14: receiver.http.enabled: \"yes\" is not a boolean (allowed true, false)" },
	{ "receiver:\n  http:\n    enabled: 'true'\n", "without quotes" },
	{ "receiver:\n  http:\n    enabled: True\n", "not a boolean" },
	{ "receiver:\n  http:\n    port: [1, 2]\n", "receiver.http.port: expected an integer 1..65535, found a list" },
	{ "receiver:\n  http:\n    port: {a: 1}\n", "found a mapping" },
	{ "receiver:\n  http:\n    port: 0x10\n", "not a decimal integer" },
	{ "receiver:\n  http:\n    port: 1.5\n", "not a decimal integer" },
	{ "receiver:\n  http:\n    port: 010\n", "not a decimal integer" },
	{ "receiver:\n  http:\n    port: 99999999999999999999999\n", "out of range (allowed 1..65535)" },
	{ "receiver:\n  http:\n    port:\n", "receiver.http.port: no value given (expected an integer 1..65535)" },
	{ "receiver:\n  http:\n    port: ~\n", "no value given" },
	{ "output_dir: null\n", "output_dir: no value given" },
	{ "output_dir:\n", "output_dir: no value given" },
	{ "receiver: 5\n", "1:11: receiver: expected a mapping" },
	{ "receiver:\n", "receiver: expected a mapping" },
	{ "receiver: [http]\n", "receiver: expected a mapping" },
	{ "- log_level\n", "must be a mapping" },
	{ "just words\n", "must be a mapping" },
	{ "log_level: verbose\n", "log_level: \"verbose\" is not allowed (allowed error, warn, info, debug)" },
	{ "dashboard:\n  x_frame_options: ALLOWALL\n", "2:20: dashboard.x_frame_options: \"ALLOWALL\" is not allowed (allowed DENY, SAMEORIGIN)" },
	{ "dashboard:\n  x_frame_options: deny\n", "not allowed" },
	{ "? [a]\n: 1\n", "a key must be a word" },
	{ "\"log_level\\0x\": debug\n", "unknown key \"log_level?x\"" },
	{ "\"\": debug\n", "unknown key \"\"" },
	{ "log_level: info\nlog_level: debug\n", "2:1: log_level: duplicate key (first given on line 1)" },
	{ "receiver:\n  http: {port: 1}\nreceiver:\n  grpc: {port: 2}\n", "3:1: receiver: duplicate key" },
	{ "receiver:\n  http: {port: 1, port: 2}\n", "receiver.http.port: duplicate key" },
	{ "receiver: &r\n  http: {port: 1}\n", "anchors (&name) are not allowed" },
	{ "receiver:\n  http: {port: &p 1}\n", "receiver.http.port: anchors" },
	{ "log_level: *lvl\n", "log_level: aliases (*name) are not allowed" },
	{ "a: &x [1]\nb: *x\n", "unknown key \"a\"" },
	{ "receiver:\n  http:\n    port: !!int 5\n", "tags (!name) are not allowed" },
	{ "log_level: info\n---\nlog_level: debug\n", "2:1: only one YAML document is allowed" },
	{ "log_level: info\nuser: a: b\n", "invalid YAML: mapping values are not allowed" },
	{ "log_level: 'info\n", "invalid YAML" },
	{ "output_dir: \"a\\x01b\"\n", "output_dir: the value contains a control character" },
	{ "output_dir: \"a\\0b\"\n", "control character" },
	{ "output_dir: |\n  /x\n", "control character" },
	{ "receiver: {http: {port: {a: {b: {c: {d: {e: {f: {g: 1}}}}}}}}}\n", "found a mapping" },
};

static const struct {
	const char *key;
	const char *value;
	bool ok;
} strings[] = {
	{ "output_dir", "relative/dir", true },
	{ "output_dir", "", false },
	{ "output_dir", "a\nb", false },
	{ "output_dir", "a\rb", false },
	{ "output_dir", "a\x7f", false },
	{ "sandbox.empty_dir", "/var/empty", true },
	{ "sandbox.empty_dir", "var/empty", false },
	{ "user", "otlpd", true },
	{ "user", "otlpd-writer", true },
	{ "user", "-x", false },
	{ "user", "1000", false },
	{ "user", "a b", false },
	{ "group", "", true },
	{ "receiver.http.bind_address", "::", true },
	{ "receiver.http.bind_address", "192.168.1.10", true },
	{ "receiver.http.bind_address", "localhost", false },
	{ "receiver.http.bind_address", "", false },
	{ "receiver.http.bind_address", "1.2.3.4.5", false },
	{ "forwarding.endpoint_url", "https://collector.example:4318/v1", true },
	{ "forwarding.endpoint_url", "http://[::1]:4318", true },
	{ "forwarding.endpoint_url", "ftp://collector.example", false },
	{ "forwarding.endpoint_url", "https://", false },
	{ "forwarding.endpoint_url", "https://user:hunter2@collector.example/", false },
	{ "forwarding.endpoint_url", "https://collector.example/a b", false },
	{ "forwarding.authentication.header_name", "X-API-Key", true },
	{ "forwarding.authentication.header_name", "X API", false },
	{ "forwarding.authentication.header_name", "X:Key", false },
	{ "forwarding.authentication.credentials_env", "MY_TOKEN", true },
	{ "forwarding.authentication.credentials_env", "1TOKEN", false },
	{ "forwarding.authentication.credentials_env", "MY-TOKEN", false },
	{ "forwarding.authentication.credentials_file", "/etc/otlpd/key", true },
	{ "forwarding.authentication.credentials_file", "key.txt", false },
	{ "log_level", "debug", true },
	{ "log_level", "DEBUG", false },
	{ "dashboard.x_frame_options", "ALLOWALL", false },
	{ "dashboard.x_frame_options", "SAMEORIGIN", true },
	{ "forwarding.compression", "gzip", true },
	{ "forwarding.compression", "zstd", false },
	{ "forwarding.enabled", "1", false },
};

static const struct {
	const char *http_addr, *grpc_addr, *dash_addr;
	int64_t http_port, grpc_port, dash_port;
	bool grpc_enabled;
	bool ok;
} ports[] = {
	{ "0.0.0.0", "0.0.0.0", "127.0.0.1", 4318, 4317, 8080, true, true },
	{ "0.0.0.0", "0.0.0.0", "127.0.0.1", 4318, 4318, 8080, true, false },
	{ "0.0.0.0", "0.0.0.0", "127.0.0.1", 4318, 4318, 8080, false, true },
	{ "0.0.0.0", "0.0.0.0", "127.0.0.1", 8080, 4317, 8080, true, false },
	{ "127.0.0.1", "127.0.0.2", "127.0.0.1", 9000, 9000, 8080, true, true },
	{ "127.0.0.1", "127.0.0.1", "127.0.0.1", 9000, 9000, 8080, true, false },
	{ "::", "127.0.0.1", "127.0.0.1", 9000, 9000, 8080, true, false },
	{ "::1", "127.0.0.1", "127.0.0.1", 9000, 9000, 8080, true, true },
	{ "::1", "0:0::1", "127.0.0.1", 9000, 9000, 8080, true, false },
};

#endif
