#include "otlp_signal.h"

#include <errno.h>

#include "messages.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

const char *otlp_signal_name(enum otlp_signal s)
{
	switch (s) {
	case OTLP_SIGNAL_TRACES:
		return "traces";
	case OTLP_SIGNAL_METRICS:
		return "metrics";
	case OTLP_SIGNAL_LOGS:
		return "logs";
	case OTLP_SIGNAL_COUNT:
		break;
	}
	return "unknown";
}

uint32_t otlp_signal_msg_type(enum otlp_signal s)
{
	switch (s) {
	case OTLP_SIGNAL_TRACES:
		return MSG_EXPORT_TRACES;
	case OTLP_SIGNAL_METRICS:
		return MSG_EXPORT_METRICS;
	case OTLP_SIGNAL_LOGS:
		return MSG_EXPORT_LOGS;
	case OTLP_SIGNAL_COUNT:
		break;
	}
	return 0;
}

int otlp_signal_from_msg_type(uint32_t type, enum otlp_signal *out)
{
	switch (type) {
	case MSG_EXPORT_TRACES:
		*out = OTLP_SIGNAL_TRACES;
		return 0;
	case MSG_EXPORT_METRICS:
		*out = OTLP_SIGNAL_METRICS;
		return 0;
	case MSG_EXPORT_LOGS:
		*out = OTLP_SIGNAL_LOGS;
		return 0;
	default:
		return -EINVAL;
	}
}

const struct ProtobufCMessageDescriptor *otlp_signal_request_descriptor(enum otlp_signal s)
{
	switch (s) {
	case OTLP_SIGNAL_TRACES:
		return &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor;
	case OTLP_SIGNAL_METRICS:
		return &opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor;
	case OTLP_SIGNAL_LOGS:
		return &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor;
	case OTLP_SIGNAL_COUNT:
		break;
	}
	return NULL;
}
