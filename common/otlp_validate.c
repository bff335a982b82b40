#include "otlp_validate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "otlp_schema.h"
#include "utf8.h"

/* The frame stack is bounded by the largest depth limit: a hostile request
 * cannot get past it. */
#define MAX_FRAMES OTLP_MESSAGE_DEPTH(OTLP_MAX_ANYVALUE_DEPTH)
/* Paths longer than this many messages show their first and last parts. */
#define PATH_HEAD 6
#define PATH_TAIL 5

#define WIRE_VARINT PROTOBUF_C_WIRE_TYPE_VARINT
#define WIRE_64BIT PROTOBUF_C_WIRE_TYPE_64BIT
#define WIRE_LEN PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED
#define WIRE_32BIT PROTOBUF_C_WIRE_TYPE_32BIT

struct frame {
	const uint8_t *start; /* first byte of the message's fields */
	const uint8_t *end;
	const struct otlp_node *node;
	uint32_t attrs;  /* entries of its attributes list so far */
	uint32_t single; /* bit per field number: singular message fields seen */
	uint8_t field;   /* number of the field holding it in the parent */
};

/* What the marked fields (otlp_schema.c) of the open item, link/exemplar or
 * metric held: the length of a string or bytes field (the last occurrence
 * wins, as in protobuf), the number of values of a repeated one. */
struct record {
	uint32_t len[OTLP_SCHEMA_SLOTS];
	uint8_t seen;    /* bit per slot */
	uint8_t nonzero; /* bit per slot: the bytes were not all zero */
};

struct state {
	const uint8_t *buf;
	const struct otlp_limits *limits;
	struct otlp_check *check;
	int top;
	uint32_t anyvalue_depth;
	bool item_bad; /* the open item breaks a rule (also via a link or exemplar) */
	uint64_t metric_items, metric_rejected; /* counters when the open metric began */
	uint32_t metric_data;                   /* field number of its data so far, or 0 */
	struct record rec[OTLP_REC_COUNT];
	struct frame frames[MAX_FRAMES];
};

static const char *const wire_names[8] = {
	"varint", "64-bit", "length-delimited", "group start", "group end", "32-bit", "6", "7",
};

/* Reads a varint of at most max bytes before end. Returns its length, or 0
 * when it is unterminated within max bytes or runs past end. */
static inline unsigned varint(const uint8_t *p, const uint8_t *end, unsigned max, uint64_t *out)
{
	size_t avail = (size_t)(end - p);
	unsigned n = avail < max ? (unsigned)avail : max;
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*out = v;
			return i + 1;
		}
	}
	return 0;
}

/* Moves *p past one field's value (already validated bytes only; used to
 * find positions for messages). Returns false on anything unexpected. */
static bool skip_value(const uint8_t **p, const uint8_t *end, unsigned wire)
{
	uint64_t v;
	unsigned n;
	switch (wire) {
	case WIRE_VARINT:
		n = varint(*p, end, 10, &v);
		if (!n)
			return false;
		*p += n;
		return true;
	case WIRE_64BIT:
	case WIRE_32BIT: {
		size_t size = wire == WIRE_64BIT ? 8 : 4;
		if ((size_t)(end - *p) < size)
			return false;
		*p += size;
		return true;
	}
	case WIRE_LEN:
		n = varint(*p, end, 5, &v);
		if (!n || v > INT32_MAX || v > (uint64_t)(end - *p - n))
			return false;
		*p += n + v;
		return true;
	default:
		return false;
	}
}

/* The index among the occurrences of field `num` in [start, end) of the one
 * whose tag starts at `at`, or with by_content, whose content does (an empty
 * message's content starts where the next field's tag does). */
static uint32_t occurrence(const uint8_t *start, const uint8_t *end, uint32_t num,
			   const uint8_t *at, bool by_content)
{
	uint32_t index = 0;
	const uint8_t *p = start;
	while (p < end && p <= at) {
		const uint8_t *tag_at = p;
		uint64_t tag, len;
		unsigned n = varint(p, end, 5, &tag);
		if (!n)
			break;
		p += n;
		const uint8_t *content = p;
		if ((tag & 7) == WIRE_LEN && (n = varint(p, end, 5, &len)) != 0)
			content = p + n;
		if ((tag >> 3) == num) {
			if ((by_content ? content : tag_at) == at)
				break;
			index++;
		}
		if (!skip_value(&p, end, (unsigned)(tag & 7)))
			break;
	}
	return index;
}

static size_t append(char *buf, size_t cap, size_t used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t append(char *buf, size_t cap, size_t used, const char *fmt, ...)
{
	if (used >= cap)
		return used;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + used, cap - used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return used;
	return used + (size_t)n < cap ? used + (size_t)n : cap - 1;
}

/* One path component: the field that holds frame i (in frame i - 1). */
static size_t append_frame(const struct state *st, int i, char *buf, size_t cap, size_t used)
{
	const struct frame *parent = &st->frames[i - 1];
	const struct frame *fr = &st->frames[i];
	const struct otlp_field *f = &parent->node->fields[fr->field];
	used = append(buf, cap, used, "%s%s", i > 1 ? "." : "", f->name);
	if (f->flags & OTLP_F_REPEATED)
		used = append(buf, cap, used, "[%" PRIu32 "]",
			      occurrence(parent->start, parent->end, fr->field, fr->start, true));
	return used;
}

/* Writes "<path>: <problem>" for frames 1..top plus, when field is not
 * zero, the field `field` of frame top whose tag starts at field_at. */
static void describe(struct state *st, uint32_t field, const uint8_t *field_at,
		     const char *problem)
{
	char path[200];
	size_t used = 0;
	int top = st->top;
	path[0] = '\0';
	for (int i = 1; i <= top; i++) {
		if (top > PATH_HEAD + PATH_TAIL && i > PATH_HEAD && i <= top - PATH_TAIL) {
			if (i == PATH_HEAD + 1)
				used = append(path, sizeof path, used, "...");
			continue;
		}
		used = append_frame(st, i, path, sizeof path, used);
	}
	if (field) {
		const struct frame *fr = &st->frames[top];
		const struct otlp_field *f = field < OTLP_SCHEMA_FIELDS ?
			&fr->node->fields[field] : NULL;
		const char *dot = top > 0 ? "." : "";
		if (f && f->name) {
			used = append(path, sizeof path, used, "%s%s", dot, f->name);
			if ((f->flags & OTLP_F_REPEATED) && field_at)
				used = append(path, sizeof path, used, "[%" PRIu32 "]",
					      occurrence(fr->start, fr->end, field, field_at, false));
		} else {
			used = append(path, sizeof path, used, "%sfield %" PRIu32, dot, field);
		}
	}
	if (used == 0)
		append(path, sizeof path, used, "request");
	snprintf(st->check->message, sizeof st->check->message, "%s: %s", path, problem);
}

/* An error that fails the request: its message replaces any earlier one. */
static int fail(struct state *st, int rc, uint32_t field, const uint8_t *field_at,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(struct state *st, int rc, uint32_t field, const uint8_t *field_at,
		const char *fmt, ...)
{
	char problem[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(problem, sizeof problem, fmt, ap);
	va_end(ap);
	describe(st, field, field_at, problem);
	return rc;
}

/* A broken rule in the message at the top (the first one is described);
 * field names the field of that message at fault, or is NULL. */
static void note(struct state *st, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(struct state *st, const char *field, const char *fmt, ...)
{
	if (st->check->message[0])
		return;
	const struct otlp_node *node = st->frames[st->top].node;
	uint32_t num = 0;
	for (uint32_t i = 1; field && i < OTLP_SCHEMA_FIELDS; i++) {
		if (node->fields[i].name && strcmp(node->fields[i].name, field) == 0)
			num = i;
	}
	char problem[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(problem, sizeof problem, fmt, ap);
	va_end(ap);
	describe(st, num, NULL, problem);
}

static inline uint32_t add_count(uint32_t a, uint64_t b)
{
	return b >= UINT32_MAX - a ? UINT32_MAX : a + (uint32_t)b;
}

/* Notes `count` more values of a marked repeated field, or the presence of
 * a marked message field. */
static inline void mark_count(struct state *st, const struct frame *fr,
			      const struct otlp_field *f, uint64_t count)
{
	struct record *r = &st->rec[fr->node->record];
	unsigned slot = f->slot - 1u;
	r->len[slot] = add_count(r->len[slot], count);
	r->seen |= (uint8_t)(1u << slot);
}

/* Notes the length (and whether it is all zero) of a marked string or
 * bytes field; a later occurrence replaces an earlier one. */
static void mark_bytes(struct state *st, const struct frame *fr, const struct otlp_field *f,
		       const uint8_t *p, uint64_t len)
{
	struct record *r = &st->rec[fr->node->record];
	unsigned slot = f->slot - 1u;
	uint8_t bit = (uint8_t)(1u << slot);
	bool nonzero = false;
	for (uint64_t i = 0; i < len && !nonzero; i++)
		nonzero = p[i] != 0;
	r->len[slot] = (uint32_t)len;
	r->seen |= bit;
	r->nonzero = (uint8_t)(nonzero ? r->nonzero | bit : r->nonzero & ~bit);
}

static size_t offset(const struct state *st, const uint8_t *p)
{
	return (size_t)(p - st->buf);
}

/* A packed repeated scalar field; *pp is just past its tag. */
static int packed(struct state *st, const struct otlp_field *f, uint32_t num,
		  const uint8_t **pp)
{
	const struct frame *fr = &st->frames[st->top];
	const uint8_t *p = *pp;
	uint64_t size, v;
	unsigned n = varint(p, fr->end, 5, &size);
	if (!n)
		return fail(st, -EBADMSG, num, NULL, "malformed length at byte %zu", offset(st, p));
	p += n;
	if (size > INT32_MAX || size > (uint64_t)(fr->end - p))
		return fail(st, -EBADMSG, num, NULL,
			    "length %" PRIu64 " at byte %zu runs past the end of its message", size,
			    offset(st, p - n));
	const uint8_t *end = p + size;
	uint64_t count = 0;
	switch (f->wire) {
	case WIRE_32BIT:
	case WIRE_64BIT: {
		unsigned width = f->wire == WIRE_32BIT ? 4 : 8;
		if (size % width)
			return fail(st, -EBADMSG, num, NULL,
				    "packed values of %" PRIu64 " bytes, not a multiple of %u", size,
				    width);
		count = size / width;
		break;
	}
	default:
		/* protobuf-c reads packed bools as one byte each. */
		for (const uint8_t *q = p; q < end; count++) {
			n = f->type == PROTOBUF_C_TYPE_BOOL ? (*q <= 1) : varint(q, end, 10, &v);
			if (!n)
				return fail(st, -EBADMSG, num, NULL,
					    "malformed packed value at byte %zu", offset(st, q));
			q += n;
		}
		break;
	}
	if (f->slot)
		mark_count(st, fr, f, count);
	*pp = end;
	return 0;
}

/* Enters a sub-message of `size` bytes at p. */
static int push(struct state *st, const struct otlp_field *f, uint32_t num,
		const uint8_t *field_at, const uint8_t *p, uint64_t size)
{
	struct frame *fr = &st->frames[st->top];
	const struct otlp_node *child = otlp_schema_node(f->child);
	/* protobuf-c merges a singular message given twice, and its merge
	 * fails on a oneof that neither copy sets (1.4.1); no encoder splits
	 * a message that way, so it is refused. */
	if (!(f->flags & OTLP_F_REPEATED)) {
		if (fr->single & (UINT32_C(1) << num))
			return fail(st, -EBADMSG, num, field_at, "given more than once");
		fr->single |= UINT32_C(1) << num;
	}
	/* Of a oneof given twice, protobuf-c keeps the last member: the
	 * data points of a metric's earlier data do not count. */
	if (fr->node->kind == OTLP_KIND_METRIC && f->slot == 2) {
		if (st->metric_data && st->metric_data != num) {
			st->check->items = st->metric_items;
			st->check->rejected = st->metric_rejected;
		}
		st->metric_data = num;
	}
	if ((f->flags & OTLP_F_ATTRIBUTES) && ++fr->attrs > st->limits->max_attributes)
		return fail(st, -E2BIG, num, NULL,
			    "more than %" PRIu32 " entries (limit receiver.max_attributes)",
			    st->limits->max_attributes);
	if (child->kind == OTLP_KIND_ANYVALUE && ++st->anyvalue_depth > st->limits->max_depth)
		return fail(st, -E2BIG, num, field_at,
			    "values nested deeper than %" PRIu32
			    " levels (limit receiver.max_anyvalue_depth)",
			    st->limits->max_depth);
	if (st->top + 1 >= MAX_FRAMES)
		return fail(st, -E2BIG, num, field_at, "messages nested deeper than %d", MAX_FRAMES);
	if (f->slot)
		mark_count(st, fr, f, 1);
	switch (child->record) {
	case OTLP_REC_ITEM:
		st->check->items++;
		st->item_bad = false;
		memset(&st->rec[OTLP_REC_ITEM], 0, sizeof st->rec[0]);
		break;
	case OTLP_REC_PART:
		memset(&st->rec[OTLP_REC_PART], 0, sizeof st->rec[0]);
		break;
	case OTLP_REC_METRIC:
		memset(&st->rec[OTLP_REC_METRIC], 0, sizeof st->rec[0]);
		st->metric_items = st->check->items;
		st->metric_rejected = st->check->rejected;
		st->metric_data = 0;
		break;
	default:
		break;
	}
	st->top++;
	st->frames[st->top] = (struct frame){
		.start = p, .end = p + size, .node = child, .field = (uint8_t)num,
	};
	return 0;
}

/* An id of `want` bytes; an optional one may also be empty, a required one
 * must not be all zero. */
static bool id_ok(struct state *st, const struct record *r, unsigned slot, const char *name,
		  uint32_t want, bool optional)
{
	uint8_t bit = (uint8_t)(1u << slot);
	uint32_t len = (r->seen & bit) ? r->len[slot] : 0;
	if (optional && len == 0)
		return true;
	if (len != want) {
		note(st, name, "%" PRIu32 " bytes, must be %s%" PRIu32, len,
		     optional ? "empty or " : "", want);
		return false;
	}
	if (!optional && !(r->nonzero & bit)) {
		note(st, name, "all zero, which is not a valid id");
		return false;
	}
	return true;
}

static void end_metric(struct state *st, const struct record *r)
{
	struct otlp_check *c = st->check;
	if (!(r->seen & 2)) {
		c->items++;
		c->rejected++;
		note(st, NULL, "no data (one of gauge, sum, histogram, exponential_histogram, "
			       "summary must be set)");
	}
	if (r->len[0] == 0) {
		uint64_t points = c->items - st->metric_items;
		uint64_t already = c->rejected - st->metric_rejected;
		c->rejected += points - already;
		note(st, "name", "empty, so its %" PRIu64 " data points are rejected", points);
	}
}

/* The rules of the message at the top, now that all of it was read. */
static void end_message(struct state *st)
{
	const struct otlp_node *node = st->frames[st->top].node;
	const struct record *r = &st->rec[node->record];
	bool ok = true;
	switch (node->kind) {
	case OTLP_KIND_ANYVALUE:
		st->anyvalue_depth--;
		return;
	case OTLP_KIND_METRIC:
		end_metric(st, r);
		return;
	case OTLP_KIND_SPAN:
		ok = id_ok(st, r, 0, "trace_id", 16, false);
		ok = id_ok(st, r, 1, "span_id", 8, false) && ok;
		ok = id_ok(st, r, 2, "parent_span_id", 8, true) && ok;
		break;
	case OTLP_KIND_LINK:
		ok = id_ok(st, r, 0, "trace_id", 16, false);
		ok = id_ok(st, r, 1, "span_id", 8, false) && ok;
		st->item_bad = st->item_bad || !ok;
		return;
	case OTLP_KIND_LOG_RECORD:
		ok = id_ok(st, r, 0, "trace_id", 16, true);
		ok = id_ok(st, r, 1, "span_id", 8, true) && ok;
		break;
	case OTLP_KIND_EXEMPLAR:
		ok = id_ok(st, r, 0, "trace_id", 16, true);
		ok = id_ok(st, r, 1, "span_id", 8, true) && ok;
		st->item_bad = st->item_bad || !ok;
		return;
	case OTLP_KIND_HISTOGRAM_POINT:
		if (r->len[0] != 0 && (uint64_t)r->len[0] != (uint64_t)r->len[1] + 1) {
			note(st, "bucket_counts",
			     "%" PRIu32 " values, must be empty or one more than explicit_bounds (%" PRIu32 ")",
			     r->len[0], r->len[1]);
			ok = false;
		}
		break;
	default:
		break;
	}
	if (otlp_kind_is_item(node->kind) && (!ok || st->item_bad))
		st->check->rejected++;
}

/* One field of the message at the top; *pp is at its tag. */
static int read_field(struct state *st, const uint8_t **pp)
{
	const struct frame *fr = &st->frames[st->top];
	const uint8_t *field_at = *pp;
	const uint8_t *p = field_at;
	uint64_t tag, v;
	unsigned n;
	if (*p < 0x80) {
		tag = *p++;
	} else {
		n = varint(p, fr->end, 5, &tag);
		if (!n)
			return fail(st, -EBADMSG, 0, NULL, "malformed field tag at byte %zu",
				    offset(st, p));
		p += n;
	}
	uint64_t num64 = tag >> 3;
	unsigned wire = (unsigned)(tag & 7);
	if (num64 == 0 || num64 > 0x1fffffff)
		return fail(st, -EBADMSG, 0, NULL, "field number %" PRIu64 " at byte %zu is not valid",
			    num64, offset(st, field_at));
	uint32_t num = (uint32_t)num64;
	const struct otlp_field *f = num < OTLP_SCHEMA_FIELDS ? &fr->node->fields[num] : NULL;
	if (!f || !f->name) {
		/* Unknown fields are kept by protobuf-c and passed on as they are. */
		if (wire != WIRE_VARINT && wire != WIRE_64BIT && wire != WIRE_LEN && wire != WIRE_32BIT)
			return fail(st, -EBADMSG, num, field_at, "wire type %s is not supported",
				    wire_names[wire]);
		if (!skip_value(&p, fr->end, wire))
			return fail(st, -EBADMSG, num, field_at,
				    "malformed or truncated value at byte %zu", offset(st, p));
		*pp = p;
		return 0;
	}
	if (f->flags & OTLP_F_PROFILE_ONLY)
		return fail(st, -EBADMSG, num, field_at,
			    "a profiles-only field, not allowed outside profiles");
	if (wire != f->wire) {
		if (wire == WIRE_LEN && (f->flags & OTLP_F_PACKABLE)) {
			*pp = p;
			return packed(st, f, num, pp);
		}
		return fail(st, -EBADMSG, num, field_at, "wire type %s, expected %s",
			    wire_names[wire], wire_names[f->wire]);
	}
	switch (wire) {
	case WIRE_VARINT:
		n = varint(p, fr->end, 10, &v);
		if (!n)
			return fail(st, -EBADMSG, num, field_at, "malformed varint at byte %zu",
				    offset(st, p));
		p += n;
		break;
	case WIRE_64BIT:
	case WIRE_32BIT: {
		size_t width = wire == WIRE_64BIT ? 8 : 4;
		if ((size_t)(fr->end - p) < width)
			return fail(st, -EBADMSG, num, field_at,
				    "%zu-byte value at byte %zu runs past the end of its message",
				    width, offset(st, p));
		p += width;
		break;
	}
	default: {
		uint64_t size;
		n = varint(p, fr->end, 5, &size);
		if (!n)
			return fail(st, -EBADMSG, num, field_at, "malformed length at byte %zu",
				    offset(st, p));
		p += n;
		if (size > INT32_MAX || size > (uint64_t)(fr->end - p))
			return fail(st, -EBADMSG, num, field_at,
				    "length %" PRIu64 " at byte %zu runs past the end of its message",
				    size, offset(st, p - n));
		if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			*pp = p;
			return push(st, f, num, field_at, p, size);
		}
		if (f->type == PROTOBUF_C_TYPE_STRING) {
			size_t bad = 0;
			enum utf8_result u = utf8_check(p, (size_t)size, &bad);
			if (u != UTF8_OK)
				return fail(st, -EBADMSG, num, field_at, "%s at byte %zu",
					    u == UTF8_NUL ? "a NUL character" : "not valid UTF-8",
					    offset(st, p + bad));
		}
		if (f->slot && !(f->flags & OTLP_F_REPEATED)) {
			mark_bytes(st, fr, f, p, size);
			f = NULL;
		}
		p += size;
		break;
	}
	}
	if (f && f->slot)
		mark_count(st, fr, f, 1);
	*pp = p;
	return 0;
}

int otlp_validate(enum otlp_signal signal, const uint8_t *buf, size_t len,
		  const struct otlp_limits *limits, struct otlp_check *check)
{
	static const uint8_t empty[1];
	if (!check)
		return -EINVAL;
	memset(check, 0, sizeof *check);
	if (!limits || limits->max_depth < 1 || limits->max_depth > OTLP_MAX_ANYVALUE_DEPTH ||
	    limits->max_attributes < 1 || (!buf && len)) {
		snprintf(check->message, sizeof check->message, "invalid arguments");
		return -EINVAL;
	}
	const struct otlp_node *root = otlp_schema_root(signal);
	if (!root) {
		snprintf(check->message, sizeof check->message, "no schema for signal %d",
			 (int)signal);
		return -EINVAL;
	}
	if (!buf)
		buf = empty;
	struct state st;
	st.buf = buf;
	st.limits = limits;
	st.check = check;
	st.top = 0;
	st.anyvalue_depth = 0;
	st.item_bad = false;
	st.metric_items = st.metric_rejected = 0;
	memset(st.rec, 0, sizeof st.rec);
	st.frames[0] = (struct frame){ .start = buf, .end = buf + len, .node = root };

	const uint8_t *p = buf;
	for (;;) {
		if (p == st.frames[st.top].end) {
			end_message(&st);
			if (st.top == 0)
				return 0;
			st.top--;
			continue;
		}
		int rc = read_field(&st, &p);
		if (rc < 0)
			return rc;
	}
}
