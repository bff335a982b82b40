/* Differential check of pb_unpack against protobuf_c_message_unpack, shared
 * by test_pb_unpack and the fuzz target fuzz_pb_unpack: both decoders see the
 * same bytes; they must agree on accepting them (pb_unpack's own limits,
 * -E2BIG, excepted), and what both accept must be the same message: equal
 * field by field (strings by content and NULL-ness, oneof cases, has_ flags,
 * array lengths) and packed by protobuf-c to the same bytes, once protobuf-c's
 * unknown fields (which pb_unpack skips) are dropped. */
#ifndef OTLPD_PB_UNPACK_DIFF_H
#define OTLPD_PB_UNPACK_DIFF_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "pb_arena.h"
#include "pb_unpack.h"

enum pb_diff_result {
	PB_DIFF_BOTH_OK,
	PB_DIFF_BOTH_REJECT,
	PB_DIFF_OWN_LIMIT, /* pb_unpack: -E2BIG; protobuf-c not asked */
	PB_DIFF_MISMATCH,
};

static void pbd_why(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pbd_why(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(why, n, fmt, ap) < 0 && n > 0)
		why[0] = '\0';
	va_end(ap);
}

static const void *pbd_at(const void *m, unsigned offset)
{
	return (const char *)m + offset;
}

/* Drops protobuf-c's unknown fields, in every nested message too. The
 * result came from the default allocator (malloc). */
static void pbd_strip_unknown(ProtobufCMessage *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->n_unknown_fields; i++)
		free(m->unknown_fields[i].data);
	free(m->unknown_fields);
	m->unknown_fields = NULL;
	m->n_unknown_fields = 0;
	const ProtobufCMessageDescriptor *d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		ProtobufCMessage *const *member = pbd_at(m, f->offset);
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			const size_t *n = pbd_at(m, f->quantifier_offset);
			ProtobufCMessage *const *a = *(ProtobufCMessage *const *const *)member;
			for (size_t k = 0; k < *n; k++)
				pbd_strip_unknown(a[k]);
			continue;
		}
		const uint32_t *oneof_case = pbd_at(m, f->quantifier_offset);
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *oneof_case != f->id)
			continue;
		pbd_strip_unknown(*member);
	}
}

static bool pbd_message_equal(const ProtobufCMessage *a, const ProtobufCMessage *b, char *why,
			      size_t n);

static size_t pbd_elt_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

static bool pbd_value_equal(const ProtobufCFieldDescriptor *f, const void *x, const void *y,
			    char *why, size_t n)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(const char *const *)x, *t = *(const char *const *)y;
		if ((!s || !t) ? s == t : strcmp(s, t) == 0)
			return true;
		pbd_why(why, n, "string %s: \"%s\" vs \"%s\"", f->name, s ? s : "(null)",
			t ? t : "(null)");
		return false;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *s = x, *t = y;
		if (s->len == t->len && (s->data == NULL) == (t->data == NULL) &&
		    (s->len == 0 || memcmp(s->data, t->data, s->len) == 0))
			return true;
		pbd_why(why, n, "bytes %s: %zu vs %zu bytes", f->name, s->len, t->len);
		return false;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *s = *(const ProtobufCMessage *const *)x;
		const ProtobufCMessage *t = *(const ProtobufCMessage *const *)y;
		if (!s || !t) {
			if (s == t)
				return true;
			pbd_why(why, n, "message %s: %s vs %s", f->name, s ? "set" : "NULL",
				t ? "set" : "NULL");
			return false;
		}
		return pbd_message_equal(s, t, why, n);
	}
	default:
		if (memcmp(x, y, pbd_elt_size(f->type)) == 0)
			return true;
		pbd_why(why, n, "scalar %s differs", f->name);
		return false;
	}
}

static bool pbd_message_equal(const ProtobufCMessage *a, const ProtobufCMessage *b, char *why,
			      size_t n)
{
	const ProtobufCMessageDescriptor *d = a->descriptor;
	if (b->descriptor != d) {
		pbd_why(why, n, "descriptors differ");
		return false;
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			const size_t *pna = pbd_at(a, f->quantifier_offset);
			const size_t *pnb = pbd_at(b, f->quantifier_offset);
			size_t na = *pna, nb = *pnb;
			if (na != nb) {
				pbd_why(why, n, "%s.%s: %zu vs %zu elements", d->name, f->name, na, nb);
				return false;
			}
			const char *const *pxa = pbd_at(a, f->offset);
			const char *const *pxb = pbd_at(b, f->offset);
			const char *xa = *pxa, *xb = *pxb;
			size_t es = pbd_elt_size(f->type);
			for (size_t k = 0; k < na; k++)
				if (!pbd_value_equal(f, xa + k * es, xb + k * es, why, n))
					return false;
			continue;
		}
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			const uint32_t *pca = pbd_at(a, f->quantifier_offset);
			const uint32_t *pcb = pbd_at(b, f->quantifier_offset);
			uint32_t ca = *pca, cb = *pcb;
			if (ca != cb) {
				pbd_why(why, n, "%s oneof case %u vs %u", d->name, ca, cb);
				return false;
			}
			if (ca != f->id)
				continue;
		} else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset != 0) {
			const protobuf_c_boolean *pha = pbd_at(a, f->quantifier_offset);
			const protobuf_c_boolean *phb = pbd_at(b, f->quantifier_offset);
			protobuf_c_boolean ha = *pha, hb = *phb;
			if (ha != hb) {
				pbd_why(why, n, "%s.has_%s %d vs %d", d->name, f->name, ha, hb);
				return false;
			}
		}
		if (!pbd_value_equal(f, pbd_at(a, f->offset), pbd_at(b, f->offset), why, n))
			return false;
	}
	return true;
}

static bool pbd_pack_equal(const ProtobufCMessage *a, const ProtobufCMessage *b, char *why,
			   size_t n)
{
	size_t la = protobuf_c_message_get_packed_size(a);
	size_t lb = protobuf_c_message_get_packed_size(b);
	if (la != lb) {
		pbd_why(why, n, "packed sizes %zu vs %zu", la, lb);
		return false;
	}
	uint8_t *x = malloc(la + 1), *y = malloc(lb + 1);
	bool same = x && y && protobuf_c_message_pack(a, x) == la &&
		    protobuf_c_message_pack(b, y) == lb && memcmp(x, y, la) == 0;
	if (!same)
		pbd_why(why, n, "packed bytes differ (%zu bytes)", la);
	free(x);
	free(y);
	return same;
}

/* pb_unpack runs first: past its own limits (-E2BIG), protobuf-c is not
 * asked, as it would recurse without bound on deep nesting. */
static enum pb_diff_result pb_diff(const ProtobufCMessageDescriptor *d, const uint8_t *buf,
				   size_t len, uint32_t max_depth, size_t arena_limit, char *why,
				   size_t why_len)
{
	pbd_why(why, why_len, "%s", "");
	struct pb_arena arena;
	pb_arena_init(&arena, 4096, arena_limit);
	ProtobufCMessage *own = NULL;
	int err = pb_unpack(d, buf, len, &arena, max_depth, &own);
	enum pb_diff_result r;
	if (err == -E2BIG) {
		r = PB_DIFF_OWN_LIMIT;
	} else if (err != 0 && err != -EBADMSG) {
		pbd_why(why, why_len, "pb_unpack: unexpected error %d", err);
		r = PB_DIFF_MISMATCH;
	} else {
		ProtobufCMessage *ref = protobuf_c_message_unpack(d, NULL, len, buf);
		if (!ref || err) {
			r = (!ref && err) ? PB_DIFF_BOTH_REJECT : PB_DIFF_MISMATCH;
			if (r == PB_DIFF_MISMATCH)
				pbd_why(why, why_len, "protobuf-c %s, pb_unpack %s",
					ref ? "accepts" : "rejects", err ? "rejects" : "accepts");
		} else {
			pbd_strip_unknown(ref);
			r = pbd_message_equal(ref, own, why, why_len) &&
					    pbd_pack_equal(ref, own, why, why_len)
				    ? PB_DIFF_BOTH_OK
				    : PB_DIFF_MISMATCH;
		}
		protobuf_c_message_free_unpacked(ref, NULL);
	}
	pb_arena_destroy(&arena);
	return r;
}

#endif
