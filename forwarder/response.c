#include "response.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "google/rpc/status.pb-c.h"
#include "fwd_limits.h"
#include "messages.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

void fwd_escape(const uint8_t *p, size_t len, size_t max, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (cap == 0)
		return;
	size_t n = len < max ? len : max;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = p[i];
		bool plain = ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != '"';
		size_t need = plain ? 1 : 4;
		if (o + need + 4 > cap)
			break;
		if (plain) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	if (len > n && o + 4 <= cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static void set_message(const char *msg, char *out, size_t cap)
{
	if (!msg)
		msg = "";
	fwd_escape((const uint8_t *)msg, strlen(msg), FWD_ERROR_SNIPPET_MAX, out, cap);
}

int fwd_partial_success(uint32_t msg_type, const uint8_t *body, size_t len, uint64_t *rejected,
			char *message, size_t cap)
{
	*rejected = 0;
	if (cap > 0)
		message[0] = '\0';
	if (len == 0)
		return 0;
	int64_t n = 0;
	int err = 0;
	switch (msg_type) {
	case MSG_EXPORT_TRACES: {
		Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *r =
			opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(
				NULL, len, body);
		if (!r)
			return -EBADMSG;
		if (r->partial_success) {
			n = r->partial_success->rejected_spans;
			set_message(r->partial_success->error_message, message, cap);
		}
		opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(
			r, NULL);
		break;
	}
	case MSG_EXPORT_METRICS: {
		Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceResponse *r =
			opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__unpack(
				NULL, len, body);
		if (!r)
			return -EBADMSG;
		if (r->partial_success) {
			n = r->partial_success->rejected_data_points;
			set_message(r->partial_success->error_message, message, cap);
		}
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__free_unpacked(
			r, NULL);
		break;
	}
	case MSG_EXPORT_LOGS: {
		Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceResponse *r =
			opentelemetry__proto__collector__logs__v1__export_logs_service_response__unpack(
				NULL, len, body);
		if (!r)
			return -EBADMSG;
		if (r->partial_success) {
			n = r->partial_success->rejected_log_records;
			set_message(r->partial_success->error_message, message, cap);
		}
		opentelemetry__proto__collector__logs__v1__export_logs_service_response__free_unpacked(
			r, NULL);
		break;
	}
	default:
		err = -EINVAL;
		break;
	}
	*rejected = n > 0 ? (uint64_t)n : 0;
	return err;
}

void fwd_error_message(const uint8_t *body, size_t len, bool protobuf, char *out, size_t cap)
{
	if (protobuf && len > 0) {
		Google__Rpc__Status *st = google__rpc__status__unpack(NULL, len, body);
		if (st) {
			set_message(st->message, out, cap);
			google__rpc__status__free_unpacked(st, NULL);
			return;
		}
	}
	fwd_escape(body, len, FWD_ERROR_SNIPPET_MAX, out, cap);
}
