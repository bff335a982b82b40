#ifndef OTLPD_OTLP_SIGNAL_H
#define OTLPD_OTLP_SIGNAL_H

#include <stdint.h>

enum otlp_signal {
	OTLP_SIGNAL_TRACES = 0,
	OTLP_SIGNAL_METRICS = 1,
	OTLP_SIGNAL_LOGS = 2,
	OTLP_SIGNAL_COUNT = 3,
};

/* The two encodings of OTLP/HTTP bodies: Content-Type application/x-protobuf
 * and application/json. */
enum otlp_encoding {
	OTLP_ENCODING_PROTOBUF = 0,
	OTLP_ENCODING_JSON = 1,
};

/* "traces", "metrics", "logs" */
const char *otlp_signal_name(enum otlp_signal s);
/* MSG_EXPORT_TRACES, ... */
uint32_t otlp_signal_msg_type(enum otlp_signal s);
/* Returns 0 and sets *out for a MSG_EXPORT_* type, -EINVAL else. */
int otlp_signal_from_msg_type(uint32_t type, enum otlp_signal *out);

struct ProtobufCMessageDescriptor;
/* The protobuf-c descriptor of the signal's Export*ServiceRequest; NULL for
 * a value outside the enum. */
const struct ProtobufCMessageDescriptor *otlp_signal_request_descriptor(enum otlp_signal s);

#endif
