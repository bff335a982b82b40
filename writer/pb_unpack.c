#include "pb_unpack.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "pb_unpack_internal.h"
#include "utf8.h"

/* Bytes of each bump block taken from the arena; bigger objects get an
 * allocation of their own. */
#define PBU_BLOCK ((size_t)32 * 1024)
#define PBU_MAX_VARINT 10
#define PBU_MAX_TAG_BYTES 5
#define PBU_MAX_LEN_BYTES 5

/* An empty string on the wire: not protobuf_c_empty_string, which marks a
 * field never set when protobuf-c merges (see pb_unpack_merge.c). */
static const char wire_empty_string[1] = "";

void *pbu_alloc_slow(struct pbu *u, size_t size, bool top)
{
	if (size > PBU_BLOCK / 4)
		return pb_arena_alloc(u->arena, size);
	uint8_t *b = pb_arena_alloc(u->arena, PBU_BLOCK);
	if (!b)
		return pb_arena_alloc(u->arena, size); /* near the limit: only what is asked */
	u->lo = b;
	u->hi = b + PBU_BLOCK;
	return top ? pbu_alloc_bytes(u, size) : pbu_alloc_obj(u, size);
}

int pbu_alloc_error(const struct pbu *u)
{
	return pb_arena_exhausted(u->arena) ? -E2BIG : -ENOMEM;
}

/* protoc-c emits the fields sorted by number. */
const ProtobufCFieldDescriptor *pbu_find_field(const ProtobufCMessageDescriptor *d, uint32_t tag)
{
	size_t lo = 0, hi = d->n_fields;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t id = d->fields[mid].id;
		if (id == tag)
			return &d->fields[mid];
		if (id < tag)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool has_required_fields(struct pbu *u, const ProtobufCMessageDescriptor *d)
{
	size_t slot = ((uintptr_t)d >> 4) % PBU_REQ_CACHE;
	if (u->req_desc[slot] == d)
		return u->req_has[slot];
	bool has = false;
	for (unsigned i = 0; i < d->n_fields && !has; i++)
		has = d->fields[i].label == PROTOBUF_C_LABEL_REQUIRED;
	u->req_desc[slot] = d;
	u->req_has[slot] = has;
	return has;
}

/* For descriptors without a message_init (never from protoc-c). */
static void init_generic(const ProtobufCMessageDescriptor *d, ProtobufCMessage *m)
{
	memset(m, 0, d->sizeof_message);
	m->descriptor = d;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (!f->default_value || f->label == PROTOBUF_C_LABEL_REPEATED)
			continue;
		void *member = pbu_at(m, f->offset);
		if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
			memcpy(member, &f->default_value, sizeof(void *));
		else
			memcpy(member, f->default_value, pbu_elt_size(f->type));
	}
}

static inline int32_t unzigzag32(uint32_t v)
{
	return (v & 1) ? (int32_t)~(v >> 1) : (int32_t)(v >> 1);
}

static inline int64_t unzigzag64(uint64_t v)
{
	return (v & 1) ? (int64_t)~(v >> 1) : (int64_t)(v >> 1);
}

/* Room for n elements: none, then 4, then powers of two, so that the
 * capacity follows from the count alone. */
static inline size_t capacity(size_t n)
{
	if (n == 0)
		return 0;
	if (n <= 4)
		return 4;
	return (size_t)1 << (64 - __builtin_clzll((unsigned long long)n - 1));
}

/* Grows the field's array by `add` (> 0) elements; returns the first new
 * one, or NULL with *err set. */
static void *append_slow(struct pbu *u, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
			 size_t add, int *err)
{
	size_t *np = pbu_at(m, f->quantifier_offset);
	char **ap = pbu_at(m, f->offset);
	size_t n = *np, es = pbu_elt_size(f->type);
	if (add > SIZE_MAX / 2 - n) {
		*err = -E2BIG;
		return NULL;
	}
	size_t cap = capacity(n + add);
	if (cap > capacity(n)) {
		if (cap > SIZE_MAX / es) {
			*err = -E2BIG;
			return NULL;
		}
		/* es * cap is a multiple of 8: es is 4 only with cap >= 4. */
		char *a = pbu_alloc_obj(u, es * cap);
		if (!a) {
			*err = pbu_alloc_error(u);
			return NULL;
		}
		if (n)
			memcpy(a, *ap, n * es);
		*ap = a;
	}
	*np = n + add;
	return *ap + n * es;
}

/* One more element: room is left unless n is 0 or a power of two >= 4. */
static inline void *append_one(struct pbu *u, ProtobufCMessage *m,
			       const ProtobufCFieldDescriptor *f, int *err)
{
	size_t *np = pbu_at(m, f->quantifier_offset);
	size_t n = *np;
	if (n != 0 && (n < 4 || (n & (n - 1)) != 0)) {
		char **ap = pbu_at(m, f->offset);
		*np = n + 1;
		return *ap + n * pbu_elt_size(f->type);
	}
	return append_slow(u, m, f, 1, err);
}

/* A varint of at most 10 bytes within [p, end): its length, or 0. */
static inline size_t varint_len(const uint8_t *p, const uint8_t *end)
{
	size_t max = (size_t)(end - p) < PBU_MAX_VARINT ? (size_t)(end - p) : PBU_MAX_VARINT;
	for (size_t i = 0; i < max; i++)
		if (!(p[i] & 0x80))
			return i + 1;
	return 0;
}

/* Bits past 64 fall off, as in protobuf-c. */
static inline uint64_t varint_value(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
	return v;
}

static int parse_packed(struct pbu *u, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
			const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;
	size_t count = 0;
	int err = 0;
	switch (f->type) {
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE: {
		size_t es = pbu_elt_size(f->type);
		if (n % es != 0)
			return -EBADMSG;
		if (n == 0)
			return 0;
		void *a = append_slow(u, m, f, n / es, &err);
		if (!a)
			return err;
		memcpy(a, p, n);
		return 0;
	}
	case PROTOBUF_C_TYPE_BOOL: {
		if (n == 0)
			return 0;
		protobuf_c_boolean *a = append_slow(u, m, f, n, &err);
		if (!a)
			return err;
		for (size_t i = 0; i < n; i++) {
			if (p[i] > 1)
				return -EBADMSG;
			a[i] = p[i];
		}
		return 0;
	}
	case PROTOBUF_C_TYPE_ENUM:
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_UINT64:
		break;
	default:
		return -EBADMSG; /* protobuf-c cannot count packed strings or messages */
	}
	for (size_t i = 0; i < n; i++)
		count += !(p[i] & 0x80);
	if (count == 0)
		return n == 0 ? 0 : -EBADMSG;
	void *a = append_slow(u, m, f, count, &err);
	if (!a)
		return err;
	int32_t *i32 = a;
	uint32_t *u32 = a;
	int64_t *i64 = a;
	uint64_t *u64 = a;
	/* Each varint ends in one of the bytes counted, so a well-formed run
	 * fills exactly `count` elements. */
	for (size_t i = 0; p < end; i++) {
		size_t vl = varint_len(p, end);
		if (vl == 0)
			return -EBADMSG;
		uint64_t v = varint_value(p, vl);
		p += vl;
		switch (f->type) {
		case PROTOBUF_C_TYPE_SINT32:
			i32[i] = unzigzag32((uint32_t)v);
			break;
		case PROTOBUF_C_TYPE_INT64:
		case PROTOBUF_C_TYPE_UINT64:
			u64[i] = v;
			break;
		case PROTOBUF_C_TYPE_SINT64:
			i64[i] = unzigzag64(v);
			break;
		default:
			u32[i] = (uint32_t)v;
			break;
		}
	}
	return 0;
}

/* One field's value as it sits on the wire. */
struct wire_value {
	const uint8_t *start; /* the value, with its length prefix if any */
	const uint8_t *payload; /* after the length prefix */
	size_t len;           /* bytes from start, the prefix included */
	size_t n;             /* bytes from payload */
	uint64_t varint;
	unsigned type;
};

static int parse_message(struct pbu *u, const ProtobufCMessageDescriptor *d, const uint8_t *p,
			 size_t len, uint32_t depth, ProtobufCMessage **out);

/* protobuf-c's parse_required_member(): `merge` when a message already in
 * place is merged with the new one rather than replaced. */
static inline __attribute__((always_inline)) int
store_value(struct pbu *u, const ProtobufCFieldDescriptor *f, const struct wire_value *w,
	    uint32_t depth, void *member, bool merge)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_ENUM:
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_UINT32:
		if (w->type != PROTOBUF_C_WIRE_TYPE_VARINT)
			return -EBADMSG;
		*(uint32_t *)member = (uint32_t)w->varint;
		return 0;
	case PROTOBUF_C_TYPE_SINT32:
		if (w->type != PROTOBUF_C_WIRE_TYPE_VARINT)
			return -EBADMSG;
		*(int32_t *)member = unzigzag32((uint32_t)w->varint);
		return 0;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_UINT64:
		if (w->type != PROTOBUF_C_WIRE_TYPE_VARINT)
			return -EBADMSG;
		*(uint64_t *)member = w->varint;
		return 0;
	case PROTOBUF_C_TYPE_SINT64:
		if (w->type != PROTOBUF_C_WIRE_TYPE_VARINT)
			return -EBADMSG;
		*(int64_t *)member = unzigzag64(w->varint);
		return 0;
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		if (w->type != PROTOBUF_C_WIRE_TYPE_32BIT)
			return -EBADMSG;
		memcpy(member, w->start, 4);
		return 0;
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		if (w->type != PROTOBUF_C_WIRE_TYPE_64BIT)
			return -EBADMSG;
		memcpy(member, w->start, 8);
		return 0;
	case PROTOBUF_C_TYPE_BOOL: {
		/* protobuf-c takes any wire type here: true when any byte of
		 * the value (a length prefix included) has a bit of payload. */
		protobuf_c_boolean b = 0;
		for (size_t i = 0; i < w->len && !b; i++)
			b = (w->start[i] & 0x7f) != 0;
		*(protobuf_c_boolean *)member = b;
		return 0;
	}
	case PROTOBUF_C_TYPE_STRING: {
		if (w->type != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED)
			return -EBADMSG;
		if (w->n == 0) {
			*(const char **)member = wire_empty_string;
			return 0;
		}
		size_t bad_at;
		if (u->text && utf8_check(w->payload, w->n, &bad_at) != UTF8_OK)
			return -EBADMSG;
		char *s = pbu_alloc_bytes(u, w->n + 1);
		if (!s)
			return pbu_alloc_error(u);
		memcpy(s, w->payload, w->n);
		s[w->n] = '\0';
		*(char **)member = s;
		return 0;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		if (w->type != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED)
			return -EBADMSG;
		ProtobufCBinaryData *bd = member;
		bd->data = NULL;
		if (w->n > 0) {
			bd->data = pbu_alloc_bytes(u, w->n);
			if (!bd->data)
				return pbu_alloc_error(u);
			memcpy(bd->data, w->payload, w->n);
		}
		bd->len = w->n;
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		if (w->type != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED)
			return -EBADMSG;
		ProtobufCMessage *sub, **pm = member;
		int err = parse_message(u, f->descriptor, w->payload, w->n, depth + 1, &sub);
		if (err)
			return err;
		if (merge && *pm && *pm != f->default_value)
			err = pbu_merge(u, *pm, sub);
		*pm = sub;
		return err;
	}
	}
	return -EBADMSG;
}

static inline bool packable(ProtobufCType t)
{
	return t != PROTOBUF_C_TYPE_STRING && t != PROTOBUF_C_TYPE_BYTES &&
	       t != PROTOBUF_C_TYPE_MESSAGE;
}

static inline __attribute__((always_inline)) int
parse_field(struct pbu *u, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
	    const struct wire_value *w, uint32_t depth)
{
	void *member = pbu_at(m, f->offset);
	int err = 0;
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		if (w->type == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED &&
		    ((f->flags & PROTOBUF_C_FIELD_FLAG_PACKED) || packable(f->type)))
			return parse_packed(u, m, f, w->payload, w->n);
		member = append_one(u, m, f, &err);
		if (!member)
			return err;
		return store_value(u, f, w, depth, member, false);
	}
	if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) {
		err = store_value(u, f, w, depth, member, true);
		if (!err && f->quantifier_offset != 0 && f->label != PROTOBUF_C_LABEL_REQUIRED) {
			protobuf_c_boolean *has = pbu_at(m, f->quantifier_offset);
			*has = 1;
		}
		return err;
	}
	/* A member given again, or another member of the same oneof, replaces
	 * the value: never merged. As in protobuf-c, the union is all zero
	 * before it is set. */
	uint32_t *oneof_case = pbu_at(m, f->quantifier_offset);
	if (*oneof_case != 0) {
		const ProtobufCFieldDescriptor *old = pbu_find_field(m->descriptor, *oneof_case);
		if (old)
			memset(member, 0, pbu_elt_size(old->type));
	}
	err = store_value(u, f, w, depth, member, false);
	if (!err)
		*oneof_case = f->id;
	return err;
}

/* The tag when longer than one byte: protobuf-c refuses more than 5
 * bytes; a longer encoding of field 0 is an unknown field. */
static size_t read_long_tag(const uint8_t *p, const uint8_t *end, uint32_t *tag)
{
	size_t max = (size_t)(end - p) < PBU_MAX_TAG_BYTES ? (size_t)(end - p) : PBU_MAX_TAG_BYTES;
	uint32_t t = (p[0] & 0x7f) >> 3;
	for (size_t i = 1; i < max; i++) {
		t |= (uint32_t)(p[i] & 0x7f) << (4 + 7 * (i - 1));
		if (!(p[i] & 0x80)) {
			*tag = t;
			return i + 1;
		}
	}
	return 0;
}

/* The tag at p: its length, or 0 when protobuf-c refuses it (a first byte
 * whose field bits are all zero, more than 5 bytes). */
static inline size_t read_tag(const uint8_t *p, const uint8_t *end, uint32_t *tag)
{
	if ((p[0] & 0xf8) == 0)
		return 0;
	if (!(p[0] & 0x80)) {
		*tag = p[0] >> 3;
		return 1;
	}
	return read_long_tag(p, end, tag);
}

/* Fills *w with the extent of the value at p; 0 or -EBADMSG. */
static inline __attribute__((always_inline)) int
read_value(const uint8_t *p, const uint8_t *end, unsigned type, struct wire_value *w)
{
	size_t rem = (size_t)(end - p);
	w->start = p;
	w->payload = p;
	w->n = 0;
	w->varint = 0;
	w->type = type;
	switch (type) {
	case PROTOBUF_C_WIRE_TYPE_VARINT:
		if (rem == 0)
			return -EBADMSG;
		if (!(p[0] & 0x80)) {
			w->len = 1;
			w->varint = p[0];
			return 0;
		}
		w->len = varint_len(p, end);
		if (w->len == 0)
			return -EBADMSG;
		w->varint = varint_value(p, w->len);
		return 0;
	case PROTOBUF_C_WIRE_TYPE_64BIT:
		w->len = 8;
		return rem < 8 ? -EBADMSG : 0;
	case PROTOBUF_C_WIRE_TYPE_32BIT:
		w->len = 4;
		return rem < 4 ? -EBADMSG : 0;
	case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED: {
		size_t prefix;
		uint64_t n;
		if (rem == 0)
			return -EBADMSG;
		if (!(p[0] & 0x80)) {
			prefix = 1;
			n = p[0];
		} else {
			size_t max = rem < PBU_MAX_LEN_BYTES ? rem : PBU_MAX_LEN_BYTES, i;
			n = 0;
			for (i = 0; i < max; i++) {
				n |= (uint64_t)(p[i] & 0x7f) << (7 * i);
				if (!(p[i] & 0x80))
					break;
			}
			if (i == max || n > INT_MAX)
				return -EBADMSG;
			prefix = i + 1;
		}
		if (n > rem - prefix)
			return -EBADMSG;
		w->payload = p + prefix;
		w->n = (size_t)n;
		w->len = prefix + (size_t)n;
		return 0;
	}
	default:
		return -EBADMSG; /* groups (3, 4) and the unused 6, 7 */
	}
}

/* Most messages number their fields 1, 2, 3...: the field is then at
 * index tag - 1. */
static inline const ProtobufCFieldDescriptor *lookup(const ProtobufCMessageDescriptor *d,
						     uint32_t tag)
{
	if (tag - 1 < d->n_fields && d->fields[tag - 1].id == tag)
		return &d->fields[tag - 1];
	return pbu_find_field(d, tag);
}

static int check_required(const ProtobufCMessageDescriptor *d, const uint8_t *p,
			  const uint8_t *end);

static int parse_message(struct pbu *u, const ProtobufCMessageDescriptor *d, const uint8_t *p,
			 size_t len, uint32_t depth, ProtobufCMessage **out)
{
	if (depth > u->max_depth)
		return -E2BIG;
	ProtobufCMessage *m = pbu_alloc_obj(u, (d->sizeof_message + 7) & ~(size_t)7);
	if (!m)
		return pbu_alloc_error(u);
	if (d->message_init)
		d->message_init(m);
	else
		init_generic(d, m);
	const uint8_t *const begin = p, *const end = p + len;
	while (p < end) {
		uint32_t tag;
		size_t tl = read_tag(p, end, &tag);
		if (tl == 0)
			return -EBADMSG;
		struct wire_value w;
		int err = read_value(p + tl, end, p[0] & 7, &w);
		if (err)
			return err;
		p += tl + w.len;
		const ProtobufCFieldDescriptor *f = lookup(d, tag);
		if (!f)
			continue; /* unknown: skipped */
		err = parse_field(u, m, f, &w, depth);
		if (err)
			return err;
	}
	if (has_required_fields(u, d)) {
		int err = check_required(d, begin, end);
		if (err)
			return err;
	}
	*out = m;
	return 0;
}

/* Rare (proto2 only), so it scans the bytes again rather than tracking
 * every field on the hot path. */
static int check_required(const ProtobufCMessageDescriptor *d, const uint8_t *p,
			  const uint8_t *end)
{
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->label != PROTOBUF_C_LABEL_REQUIRED || f->default_value)
			continue;
		bool seen = false;
		for (const uint8_t *q = p; q < end && !seen;) {
			uint32_t tag;
			struct wire_value w;
			size_t tl = read_tag(q, end, &tag);
			if (tl == 0 || read_value(q + tl, end, q[0] & 7, &w) != 0)
				return -EBADMSG;
			seen = tag == f->id;
			q += tl + w.len;
		}
		if (!seen)
			return -EBADMSG;
	}
	return 0;
}

static int unpack(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
		  struct pb_arena *arena, uint32_t max_depth, bool text, ProtobufCMessage **out)
{
	static const uint8_t empty[1];
	if (out)
		*out = NULL;
	if (!d || d->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC || !arena || !out ||
	    (!buf && len))
		return -EINVAL;
	struct pbu u;
	memset(&u, 0, sizeof u);
	u.arena = arena;
	u.max_depth = max_depth;
	u.text = text;
	ProtobufCMessage *m;
	int err = parse_message(&u, d, len ? buf : empty, len, 1, &m);
	if (err)
		return err;
	*out = m;
	return 0;
}

int pb_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
	      struct pb_arena *arena, uint32_t max_depth, ProtobufCMessage **out)
{
	return unpack(d, buf, len, arena, max_depth, false, out);
}

int pb_unpack_text(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
		   struct pb_arena *arena, uint32_t max_depth, ProtobufCMessage **out)
{
	return unpack(d, buf, len, arena, max_depth, true, out);
}
