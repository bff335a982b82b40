/* A singular message field given twice: protobuf-c 1.4.1 decodes the second
 * occurrence on its own, then folds the first into it (merge_messages()).
 * Its rules are not plain protobuf merging, and pb_unpack must give the same
 * values, so they are kept here one by one:
 *  - repeated fields: the first occurrence's elements, then the second's;
 *  - a nested singular message set in both: merged the same way;
 *  - string, bytes, message set only in the first (the second holds the
 *    field's default pointer, or NULL): taken from the first;
 *  - scalars with a has_ flag: taken from the first when only it has one;
 *  - proto3 scalars without presence: the second's value, even 0 (protobuf-c
 *    compares the first word of both messages there, never a has_ flag);
 *  - a oneof unset in the second: the first's member is taken, except a
 *    string (its zeroed union slot is not the default pointer) or empty
 *    bytes, which are lost; unset in both, the whole unpack fails;
 *  - required fields: the second's. */
#include <errno.h>
#include <string.h>

#include "pb_unpack_internal.h"

static int concat(struct pbu *u, const ProtobufCFieldDescriptor *f, ProtobufCMessage *earlier,
		  ProtobufCMessage *latter)
{
	size_t *ne = pbu_at(earlier, f->quantifier_offset);
	size_t *nl = pbu_at(latter, f->quantifier_offset);
	char **ae = pbu_at(earlier, f->offset);
	char **al = pbu_at(latter, f->offset);
	if (*ne == 0)
		return 0;
	if (*nl == 0) {
		*nl = *ne;
		*al = *ae;
	} else {
		size_t es = pbu_elt_size(f->type);
		if (*ne > SIZE_MAX / 2 - *nl || *ne + *nl > SIZE_MAX / es)
			return -E2BIG;
		/* Rounded up to 8 for the bump allocator; the spare bytes
		 * stay unused, as the array never grows again. */
		char *a = pbu_alloc_obj(u, ((*ne + *nl) * es + 7) & ~(size_t)7);
		if (!a)
			return pbu_alloc_error(u);
		memcpy(a, *ae, *ne * es);
		memcpy(a + *ne * es, *al, *nl * es);
		*al = a;
		*nl += *ne;
	}
	*ne = 0;
	*ae = NULL;
	return 0;
}

int pbu_merge(struct pbu *u, ProtobufCMessage *earlier, ProtobufCMessage *latter)
{
	const ProtobufCMessageDescriptor *d = latter->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			int err = concat(u, f, earlier, latter);
			if (err)
				return err;
			continue;
		}
		if (f->label != PROTOBUF_C_LABEL_OPTIONAL && f->label != PROTOBUF_C_LABEL_NONE)
			continue;
		uint32_t *ecase = pbu_at(earlier, f->quantifier_offset);
		uint32_t *lcase = pbu_at(latter, f->quantifier_offset);
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			if (*lcase != 0)
				continue;
			f = pbu_find_field(d, *ecase);
			if (!f)
				return -EBADMSG;
		}
		void *ev = pbu_at(earlier, f->offset);
		void *lv = pbu_at(latter, f->offset);
		bool take = false;
		switch (f->type) {
		case PROTOBUF_C_TYPE_MESSAGE: {
			ProtobufCMessage *em = *(ProtobufCMessage **)ev, *lm = *(ProtobufCMessage **)lv;
			if (em && lm) {
				int err = pbu_merge(u, em, lm);
				if (err)
					return err;
			}
			take = em && !lm;
			break;
		}
		case PROTOBUF_C_TYPE_BYTES: {
			const uint8_t *e = ((ProtobufCBinaryData *)ev)->data;
			const uint8_t *l = ((ProtobufCBinaryData *)lv)->data;
			const ProtobufCBinaryData *def = f->default_value;
			take = e && (!def || e != def->data) && (!l || (def && l == def->data));
			break;
		}
		case PROTOBUF_C_TYPE_STRING: {
			const char *e = *(char **)ev, *l = *(char **)lv;
			take = e != f->default_value && l == f->default_value;
			break;
		}
		default:
			/* With no has_ flag (quantifier_offset 0) protobuf-c
			 * reads the same descriptor word in both: never taken. */
			take = f->quantifier_offset != 0 && *ecase != 0 && *lcase == 0;
			break;
		}
		if (!take)
			continue;
		size_t es = pbu_elt_size(f->type);
		memcpy(lv, ev, es);
		memset(ev, 0, es);
		if (f->quantifier_offset != 0) {
			*lcase = *ecase;
			*ecase = 0;
		}
	}
	return 0;
}
