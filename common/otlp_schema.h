#ifndef OTLPD_OTLP_SCHEMA_H
#define OTLPD_OTLP_SCHEMA_H

#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "otlp_signal.h"

/* The OTLP message types as tables for otlp_validate(): built once from the
 * protobuf-c descriptors, so a field is found by its number with one index
 * and the few fields that item rules look at are marked. Internal to
 * common/otlp_*.c. */

/* Every field number of the OTLP messages is below this (checked when the
 * tables are built); larger numbers are unknown fields. */
#define OTLP_SCHEMA_FIELDS 32
#define OTLP_SCHEMA_NODES 48
#define OTLP_SCHEMA_SLOTS 3

enum otlp_kind {
	OTLP_KIND_PLAIN = 0,
	OTLP_KIND_ANYVALUE,        /* counts towards the AnyValue depth */
	OTLP_KIND_SPAN,            /* an item */
	OTLP_KIND_LOG_RECORD,      /* an item */
	OTLP_KIND_NUMBER_POINT,    /* an item */
	OTLP_KIND_HISTOGRAM_POINT, /* an item */
	OTLP_KIND_EXP_HISTOGRAM_POINT, /* an item */
	OTLP_KIND_SUMMARY_POINT,   /* an item */
	OTLP_KIND_LINK,            /* part of an item with rules of its own */
	OTLP_KIND_EXEMPLAR,        /* part of an item with rules of its own */
	OTLP_KIND_METRIC,          /* rules that concern all its data points */
};

/* Which record a node's marked fields are noted in (items do not nest in
 * items, links and exemplars do not nest either, so one record each). */
enum otlp_record {
	OTLP_REC_NONE = 0,
	OTLP_REC_ITEM = 1,
	OTLP_REC_PART = 2,
	OTLP_REC_METRIC = 3,
	OTLP_REC_COUNT = 4,
};

enum otlp_field_flag {
	OTLP_F_REPEATED = 1u << 0,
	OTLP_F_PACKABLE = 1u << 1,     /* repeated scalar: packed form accepted too */
	OTLP_F_ATTRIBUTES = 1u << 2,   /* repeated KeyValue counted against max_attributes */
	OTLP_F_PROFILE_ONLY = 1u << 3, /* *_strindex: refers to a profiles string table */
};

struct otlp_field {
	const char *name; /* NULL: not a field of this message */
	uint8_t wire;     /* ProtobufCWireType of one element */
	uint8_t type;     /* ProtobufCType */
	uint8_t flags;    /* enum otlp_field_flag */
	uint8_t slot;     /* 0, or 1 + slot in the node's record */
	uint8_t child;    /* node index of a message field */
};

struct otlp_node {
	const ProtobufCMessageDescriptor *desc;
	uint8_t kind;   /* enum otlp_kind */
	uint8_t record; /* enum otlp_record */
	struct otlp_field fields[OTLP_SCHEMA_FIELDS];
};

/* Returns the node of a signal's Export*ServiceRequest, or NULL when the
 * tables could not be built (a descriptor outside the assumptions above;
 * a build mistake, reported once in the log). */
const struct otlp_node *otlp_schema_root(enum otlp_signal s);
const struct otlp_node *otlp_schema_node(uint8_t index);

static inline int otlp_kind_is_item(uint8_t kind)
{
	return kind >= OTLP_KIND_SPAN && kind <= OTLP_KIND_SUMMARY_POINT;
}

#endif
