#include "otlp_response.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "utf8.h"

#define RETRY_INFO_TYPE_URL "type.googleapis.com/google.rpc.RetryInfo"

/* A bounded output buffer: once something did not fit, it stays failed. */
struct out {
	uint8_t *buf;
	size_t cap, used;
	bool full;
};

static void put(struct out *o, const void *data, size_t n)
{
	if (o->full || n > o->cap - o->used) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->used, data, n);
	o->used += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct out *o, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		o->full = true;
		return;
	}
	put(o, tmp, (size_t)n);
}

/* A JSON string literal, quotes included. */
static void put_json_string(struct out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strlen(s);
	put(o, "\"", 1);
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };
			put(o, esc, 2);
			i++;
		} else if (c < 0x20) {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			put(o, esc, 6);
			i++;
		} else if (c < 0x80) {
			put(o, &c, 1);
			i++;
		} else {
			unsigned len = utf8_sequence(p + i, n - i);
			if (len) {
				put(o, p + i, len);
				i += len;
			} else {
				puts_(o, "\\ufffd");
				i++;
			}
		}
	}
	put(o, "\"", 1);
}

static int finish(const struct out *o, size_t *len)
{
	if (o->full)
		return -ENOBUFS;
	*len = o->used;
	return 0;
}

static int pack(const ProtobufCMessage *m, uint8_t *out, size_t cap, size_t *len)
{
	size_t size = protobuf_c_message_get_packed_size(m);
	if (size > cap)
		return -ENOBUFS;
	*len = protobuf_c_message_pack(m, out);
	return 0;
}

/* The partial_success messages of the three signals have one layout:
 * 1: int64 rejected_<items>, 2: string error_message. */
static int export_protobuf(enum otlp_signal signal, int64_t rejected, char *message,
			   uint8_t *out, size_t cap, size_t *len)
{
	bool partial = rejected > 0 || message[0];
	switch (signal) {
	case OTLP_SIGNAL_TRACES: {
		Opentelemetry__Proto__Collector__Trace__V1__ExportTracePartialSuccess ps =
			OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;
		Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse r =
			OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
		ps.rejected_spans = rejected;
		ps.error_message = message;
		r.partial_success = partial ? &ps : NULL;
		return pack(&r.base, out, cap, len);
	}
	case OTLP_SIGNAL_METRICS: {
		Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsPartialSuccess ps =
			OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_PARTIAL_SUCCESS__INIT;
		Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceResponse r =
			OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_RESPONSE__INIT;
		ps.rejected_data_points = rejected;
		ps.error_message = message;
		r.partial_success = partial ? &ps : NULL;
		return pack(&r.base, out, cap, len);
	}
	case OTLP_SIGNAL_LOGS: {
		Opentelemetry__Proto__Collector__Logs__V1__ExportLogsPartialSuccess ps =
			OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_PARTIAL_SUCCESS__INIT;
		Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceResponse r =
			OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_RESPONSE__INIT;
		ps.rejected_log_records = rejected;
		ps.error_message = message;
		r.partial_success = partial ? &ps : NULL;
		return pack(&r.base, out, cap, len);
	}
	default:
		return -EINVAL;
	}
}

static const char *rejected_key(enum otlp_signal signal)
{
	switch (signal) {
	case OTLP_SIGNAL_TRACES:
		return "rejectedSpans";
	case OTLP_SIGNAL_METRICS:
		return "rejectedDataPoints";
	case OTLP_SIGNAL_LOGS:
		return "rejectedLogRecords";
	default:
		return NULL;
	}
}

int otlp_export_response(enum otlp_signal signal, enum otlp_encoding encoding, uint64_t rejected,
			 const char *message, uint8_t *out, size_t cap, size_t *len)
{
	const char *key = rejected_key(signal);
	if (!key || !out || !len || rejected > INT64_MAX)
		return -EINVAL;
	char *text = (char *)(message ? message : "");
	if (encoding == OTLP_ENCODING_PROTOBUF)
		return export_protobuf(signal, (int64_t)rejected, text, out, cap, len);

	struct out o = { .buf = out, .cap = cap };
	if (rejected == 0 && !text[0]) {
		puts_(&o, "{}");
		return finish(&o, len);
	}
	puts_(&o, "{\"partialSuccess\":{");
	if (rejected > 0)
		putf(&o, "\"%s\":\"%" PRIu64 "\"%s", key, rejected, text[0] ? "," : "");
	if (text[0]) {
		puts_(&o, "\"errorMessage\":");
		put_json_string(&o, text);
	}
	puts_(&o, "}}");
	return finish(&o, len);
}

static int status_protobuf(int32_t code, char *message, uint32_t retry_after_s, uint8_t *out,
			   size_t cap, size_t *len)
{
	Google__Protobuf__Duration delay = GOOGLE__PROTOBUF__DURATION__INIT;
	Google__Rpc__RetryInfo info = GOOGLE__RPC__RETRY_INFO__INIT;
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	Google__Protobuf__Any *details[1] = { &any };
	Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
	uint8_t info_buf[32];
	st.code = code;
	st.message = message;
	if (retry_after_s > 0) {
		delay.seconds = retry_after_s;
		info.retry_delay = &delay;
		size_t n = protobuf_c_message_get_packed_size(&info.base);
		if (n > sizeof info_buf)
			return -ENOBUFS;
		any.type_url = (char *)RETRY_INFO_TYPE_URL;
		any.value.len = protobuf_c_message_pack(&info.base, info_buf);
		any.value.data = info_buf;
		st.n_details = 1;
		st.details = details;
	}
	return pack(&st.base, out, cap, len);
}

int otlp_status_body(enum otlp_encoding encoding, int32_t grpc_code, const char *message,
		     uint32_t retry_after_s, uint8_t *out, size_t cap, size_t *len)
{
	if (!out || !len)
		return -EINVAL;
	char *text = (char *)(message ? message : "");
	if (encoding == OTLP_ENCODING_PROTOBUF)
		return status_protobuf(grpc_code, text, retry_after_s, out, cap, len);

	struct out o = { .buf = out, .cap = cap };
	putf(&o, "{\"code\":%" PRId32, grpc_code);
	if (text[0]) {
		puts_(&o, ",\"message\":");
		put_json_string(&o, text);
	}
	if (retry_after_s > 0) {
		puts_(&o, ",\"details\":[{\"@type\":\"" RETRY_INFO_TYPE_URL "\",\"retryDelay\":");
		putf(&o, "\"%" PRIu32 "s\"}]", retry_after_s);
	}
	puts_(&o, "}");
	return finish(&o, len);
}
