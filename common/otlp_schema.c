#include "otlp_schema.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "log.h"
#include "opentelemetry/proto/logs/v1/logs.pb-c.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb-c.h"
#include "opentelemetry/proto/trace/v1/trace.pb-c.h"

#define COMMON(n) opentelemetry__proto__common__v1__##n##__descriptor
#define TRACE(n) opentelemetry__proto__trace__v1__##n##__descriptor
#define METRICS(n) opentelemetry__proto__metrics__v1__##n##__descriptor
#define LOGS(n) opentelemetry__proto__logs__v1__##n##__descriptor

static const struct {
	const ProtobufCMessageDescriptor *desc;
	enum otlp_kind kind;
} kinds[] = {
	{ &COMMON(any_value), OTLP_KIND_ANYVALUE },
	{ &TRACE(span), OTLP_KIND_SPAN },
	{ &TRACE(span__link), OTLP_KIND_LINK },
	{ &LOGS(log_record), OTLP_KIND_LOG_RECORD },
	{ &METRICS(metric), OTLP_KIND_METRIC },
	{ &METRICS(number_data_point), OTLP_KIND_NUMBER_POINT },
	{ &METRICS(histogram_data_point), OTLP_KIND_HISTOGRAM_POINT },
	{ &METRICS(exponential_histogram_data_point), OTLP_KIND_EXP_HISTOGRAM_POINT },
	{ &METRICS(summary_data_point), OTLP_KIND_SUMMARY_POINT },
	{ &METRICS(exemplar), OTLP_KIND_EXEMPLAR },
};

/* The fields the item rules of otlp_validate.c read, by slot. */
static const struct {
	enum otlp_kind kind;
	const char *field;
	uint8_t slot;
} marked[] = {
	{ OTLP_KIND_SPAN, "trace_id", 0 },
	{ OTLP_KIND_SPAN, "span_id", 1 },
	{ OTLP_KIND_SPAN, "parent_span_id", 2 },
	{ OTLP_KIND_LINK, "trace_id", 0 },
	{ OTLP_KIND_LINK, "span_id", 1 },
	{ OTLP_KIND_LOG_RECORD, "trace_id", 0 },
	{ OTLP_KIND_LOG_RECORD, "span_id", 1 },
	{ OTLP_KIND_EXEMPLAR, "trace_id", 0 },
	{ OTLP_KIND_EXEMPLAR, "span_id", 1 },
	{ OTLP_KIND_METRIC, "name", 0 },
	{ OTLP_KIND_METRIC, "gauge", 1 },
	{ OTLP_KIND_METRIC, "sum", 1 },
	{ OTLP_KIND_METRIC, "histogram", 1 },
	{ OTLP_KIND_METRIC, "exponential_histogram", 1 },
	{ OTLP_KIND_METRIC, "summary", 1 },
	{ OTLP_KIND_HISTOGRAM_POINT, "bucket_counts", 0 },
	{ OTLP_KIND_HISTOGRAM_POINT, "explicit_bounds", 1 },
};

static struct otlp_node nodes[OTLP_SCHEMA_NODES];
static unsigned n_nodes;
static uint8_t roots[OTLP_SIGNAL_COUNT];
static bool built;
static pthread_once_t build_once = PTHREAD_ONCE_INIT;

static enum otlp_kind kind_of(const ProtobufCMessageDescriptor *d)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (kinds[i].desc == d)
			return kinds[i].kind;
	}
	return OTLP_KIND_PLAIN;
}

static enum otlp_record record_of(enum otlp_kind k)
{
	if (otlp_kind_is_item(k))
		return OTLP_REC_ITEM;
	if (k == OTLP_KIND_LINK || k == OTLP_KIND_EXEMPLAR)
		return OTLP_REC_PART;
	if (k == OTLP_KIND_METRIC)
		return OTLP_REC_METRIC;
	return OTLP_REC_NONE;
}

static uint8_t wire_of(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		return PROTOBUF_C_WIRE_TYPE_32BIT;
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return PROTOBUF_C_WIRE_TYPE_64BIT;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE:
		return PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
	default:
		return PROTOBUF_C_WIRE_TYPE_VARINT;
	}
}

/* Returns the node index of d, adding it (not yet filled) when new; -1 when
 * the table is full. */
static int node_index(const ProtobufCMessageDescriptor *d)
{
	for (unsigned i = 0; i < n_nodes; i++) {
		if (nodes[i].desc == d)
			return (int)i;
	}
	if (n_nodes == OTLP_SCHEMA_NODES)
		return -1;
	nodes[n_nodes].desc = d;
	return (int)n_nodes++;
}

static int fill_node(struct otlp_node *n)
{
	n->kind = (uint8_t)kind_of(n->desc);
	n->record = (uint8_t)record_of(n->kind);
	for (unsigned i = 0; i < n->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &n->desc->fields[i];
		if (fd->id >= OTLP_SCHEMA_FIELDS) {
			log_error("otlp schema: %s.%s has field number %u (tables hold < %d)",
				  n->desc->name, fd->name, fd->id, OTLP_SCHEMA_FIELDS);
			return -1;
		}
		struct otlp_field *f = &n->fields[fd->id];
		f->name = fd->name;
		f->type = (uint8_t)fd->type;
		f->wire = wire_of(fd->type);
		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			f->flags |= OTLP_F_REPEATED;
			if (f->wire != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED)
				f->flags |= OTLP_F_PACKABLE;
		}
		if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
			int child = node_index(fd->descriptor);
			if (child < 0) {
				log_error("otlp schema: more than %d message types", OTLP_SCHEMA_NODES);
				return -1;
			}
			f->child = (uint8_t)child;
			if (fd->descriptor == &COMMON(key_value) &&
			    n->desc != &COMMON(key_value_list) && (f->flags & OTLP_F_REPEATED))
				f->flags |= OTLP_F_ATTRIBUTES;
		}
		if (strstr(fd->name, "_strindex"))
			f->flags |= OTLP_F_PROFILE_ONLY;
		for (size_t m = 0; m < sizeof marked / sizeof marked[0]; m++) {
			if (marked[m].kind == n->kind && strcmp(marked[m].field, fd->name) == 0)
				f->slot = (uint8_t)(marked[m].slot + 1);
		}
	}
	return 0;
}

static void build(void)
{
	for (int s = 0; s < OTLP_SIGNAL_COUNT; s++) {
		int r = node_index(otlp_signal_request_descriptor((enum otlp_signal)s));
		if (r < 0)
			return;
		roots[s] = (uint8_t)r;
	}
	/* node_index() appends while this walks: a breadth-first closure. */
	for (unsigned i = 0; i < n_nodes; i++) {
		if (fill_node(&nodes[i]) < 0)
			return;
	}
	built = true;
}

const struct otlp_node *otlp_schema_root(enum otlp_signal s)
{
	if ((unsigned)s >= OTLP_SIGNAL_COUNT)
		return NULL;
	pthread_once(&build_once, build);
	return built ? &nodes[roots[s]] : NULL;
}

const struct otlp_node *otlp_schema_node(uint8_t index)
{
	return &nodes[index];
}
