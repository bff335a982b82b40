#include "otlp_json.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "json_lexer.h"
#include "json_scalar.h"
#include "pb_arena.h"

#define MIB ((size_t)1 << 20)
/* Longest member name that can match a field; longer ones are unknown. */
#define KEY_MAX 64

struct path_entry {
	const ProtobufCFieldDescriptor *field;
	long index; /* element of a repeated field, or -1 */
};

struct conv {
	struct json_lexer lx;
	struct pb_arena arena;
	char *err;
	size_t err_cap;
	unsigned depth; /* entries in path */
	struct path_entry path[JSON_MAX_DEPTH + 1];
};

/* "resourceSpans[0].scopeSpans[0]" for the open fields. */
static void write_path(const struct conv *c, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < c->depth && used + 1 < cap; i++) {
		if (i > 0)
			buf[used++] = '.';
		for (const char *s = c->path[i].field->name; *s && used + 1 < cap; s++) {
			if (*s == '_' && s[1] >= 'a' && s[1] <= 'z')
				buf[used++] = (char)(*++s - 'a' + 'A');
			else
				buf[used++] = *s;
		}
		buf[used] = '\0';
		if (c->path[i].index >= 0 && used < cap) {
			int n = snprintf(buf + used, cap - used, "[%ld]", c->path[i].index);
			if (n > 0)
				used = (size_t)n < cap - used ? used + (size_t)n : cap - 1;
		}
	}
	if (used == 0)
		snprintf(buf, cap, "request");
}

static int conv_error(struct conv *c, int rc, size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int conv_error(struct conv *c, int rc, size_t offset, const char *fmt, ...)
{
	if (c->err_cap == 0)
		return rc;
	char path[160], what[160];
	write_path(c, path, sizeof path);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (offset == SIZE_MAX)
		snprintf(c->err, c->err_cap, "%s: %s", path, what);
	else
		snprintf(c->err, c->err_cap, "%s: %s at byte %zu", path, what, offset);
	return rc;
}

static int lexer_error(struct conv *c, int rc)
{
	return conv_error(c, rc, SIZE_MAX, "%s", c->lx.error);
}

static int next(struct conv *c, struct json_token *tok)
{
	int rc = json_next(&c->lx, tok);
	return rc < 0 ? lexer_error(c, rc) : 0;
}

static void *alloc(struct conv *c, size_t size, int *rc)
{
	void *p = pb_arena_alloc(&c->arena, size);
	if (!p)
		*rc = pb_arena_exhausted(&c->arena) ?
			conv_error(c, -E2BIG, SIZE_MAX,
				   "decoding needs more than %zu bytes of memory", c->arena.limit) :
			conv_error(c, -ENOMEM, SIZE_MAX, "out of memory");
	return p;
}

/* The field's lowerCamelCase name or its proto name equals the key. */
static bool name_matches(const char *name, const uint8_t *key, size_t len)
{
	/* Both spellings start with the proto name's first letter. */
	if (len == 0 || (uint8_t)name[0] != key[0])
		return false;
	size_t i = 0;
	const char *s = name;
	for (; *s; s++, i++) {
		char ch = *s;
		if (ch == '_' && s[1] >= 'a' && s[1] <= 'z')
			ch = (char)(*++s - 'a' + 'A');
		if (i >= len || key[i] != (uint8_t)ch)
			break;
	}
	if (!*s && i == len)
		return true;
	/* The proto spelling differs only when it has an underscore. */
	return memchr(key, '_', len) && strlen(name) == len && memcmp(name, key, len) == 0;
}

/* Keys mostly come in field order, so the search starts after the last hit. */
static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *d,
						  const uint8_t *key, size_t len, unsigned *hint)
{
	unsigned n = d->n_fields, i = *hint < n ? *hint : 0;
	for (unsigned k = 0; k < n; k++) {
		if (name_matches(d->fields[i].name, key, len)) {
			*hint = i + 1;
			return &d->fields[i];
		}
		if (++i == n)
			i = 0;
	}
	return NULL;
}

static bool is_hex_id(const ProtobufCFieldDescriptor *f)
{
	return strcmp(f->name, "trace_id") == 0 || strcmp(f->name, "span_id") == 0 ||
	       strcmp(f->name, "parent_span_id") == 0;
}

/* The characters of a string token, unescaped when needed (into the arena). */
static const uint8_t *string_text(struct conv *c, const struct json_token *tok, size_t *len,
				  int *rc)
{
	if (!tok->escaped) {
		*len = tok->len;
		return tok->start;
	}
	uint8_t *buf = alloc(c, tok->len + 1, rc);
	if (!buf)
		return NULL;
	*len = json_unescape(tok, buf);
	return buf;
}

static int parse_message(struct conv *c, const ProtobufCMessageDescriptor *d,
			 ProtobufCMessage **out);

/* A member of a message, found by a descriptor offset. */
static void *member(ProtobufCMessage *m, unsigned offset)
{
	return (char *)m + offset;
}

static int parse_bytes(struct conv *c, const ProtobufCFieldDescriptor *f,
		       const struct json_token *tok, ProtobufCBinaryData *dst)
{
	int rc = 0;
	if (tok->type != JSON_STRING)
		return conv_error(c, -EBADMSG, tok->offset, "expected a string");
	size_t len;
	const uint8_t *text = string_text(c, tok, &len, &rc);
	if (!text)
		return rc;
	uint8_t *buf = alloc(c, len / 4 * 3 + 3, &rc); /* room for hex or base64 */
	if (!buf)
		return rc;
	size_t n;
	if (is_hex_id(f)) {
		if (json_hex_decode(text, len, buf, &n) < 0)
			return conv_error(c, -EBADMSG, tok->offset,
					  "not hex (OTLP/JSON ids are hex, not base64)");
	} else if (json_base64_decode(text, len, buf, &n) < 0) {
		return conv_error(c, -EBADMSG, tok->offset, "not base64");
	}
	dst->data = n ? buf : NULL;
	dst->len = n;
	return 0;
}

static int parse_string(struct conv *c, const struct json_token *tok, char **dst)
{
	int rc = 0;
	if (tok->type != JSON_STRING)
		return conv_error(c, -EBADMSG, tok->offset, "expected a string");
	char *s = alloc(c, tok->len + 1, &rc);
	if (!s)
		return rc;
	s[json_unescape(tok, (uint8_t *)s)] = '\0';
	*dst = s;
	return 0;
}

/* One value of field f (not a list) into dst, which is the field's member
 * or an element of its array. */
static int parse_value(struct conv *c, const ProtobufCFieldDescriptor *f,
		       const struct json_token *tok, void *dst)
{
	union json_number_value v;
	int rc;
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
		if (tok->type != JSON_OBJECT_BEGIN)
			return conv_error(c, -EBADMSG, tok->offset, "expected an object");
		return parse_message(c, f->descriptor, dst);
	case PROTOBUF_C_TYPE_STRING:
		return parse_string(c, tok, dst);
	case PROTOBUF_C_TYPE_BYTES:
		return parse_bytes(c, f, tok, dst);
	case PROTOBUF_C_TYPE_BOOL:
		if (tok->type != JSON_TRUE && tok->type != JSON_FALSE)
			return conv_error(c, -EBADMSG, tok->offset, "expected true or false");
		*(protobuf_c_boolean *)dst = tok->type == JSON_TRUE;
		return 0;
	case PROTOBUF_C_TYPE_ENUM:
		if (tok->type == JSON_STRING)
			return conv_error(c, -EBADMSG, tok->offset,
					  "enum value given as a string; OTLP/JSON requires an integer");
		break;
	default:
		break;
	}
	if (tok->type != JSON_NUMBER && tok->type != JSON_STRING)
		return conv_error(c, -EBADMSG, tok->offset, "expected a number");
	if (tok->type == JSON_STRING && tok->escaped)
		return conv_error(c, -EBADMSG, tok->offset, "not a number");
	rc = json_number(f->type, tok->start, tok->len, tok->type == JSON_STRING, &v);
	if (rc == -ERANGE)
		return conv_error(c, -EBADMSG, tok->offset, "number out of range for the field");
	if (rc < 0)
		return conv_error(c, -EBADMSG, tok->offset, "%s",
				  json_number_is_float(f->type) ? "not a number" : "not an integer");
	memcpy(dst, &v, json_number_size(f->type));
	return 0;
}

static size_t element_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	default:
		return json_number_size(t);
	}
}

/* A JSON array of values of the repeated field f (its '[' is tok). */
static int parse_list(struct conv *c, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
		      const struct json_token *tok)
{
	if (tok->type != JSON_ARRAY_BEGIN)
		return conv_error(c, -EBADMSG, tok->offset, "expected a list");
	size_t size = element_size(f->type), n = 0, cap = 0;
	uint8_t *data = NULL;
	struct path_entry *pe = &c->path[c->depth - 1];
	for (;;) {
		struct json_token t;
		int rc = next(c, &t);
		if (rc < 0)
			return rc;
		if (t.type == JSON_ARRAY_END)
			break;
		pe->index = (long)n;
		if (t.type == JSON_NULL)
			return conv_error(c, -EBADMSG, t.offset, "null is not allowed in a list");
		if (n == cap) {
			size_t new_cap = cap ? cap * 2 : 4;
			uint8_t *grown = alloc(c, new_cap * size, &rc);
			if (!grown)
				return rc;
			if (n)
				memcpy(grown, data, n * size);
			data = grown;
			cap = new_cap;
		}
		rc = parse_value(c, f, &t, data + n * size);
		if (rc < 0)
			return rc;
		n++;
	}
	pe->index = -1;
	size_t *count = member(m, f->quantifier_offset);
	void **array = member(m, f->offset);
	*count = n;
	*array = data;
	return 0;
}

/* The value of member f of message m; tok is its first token. */
static int parse_member(struct conv *c, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
			const struct json_token *tok)
{
	if (tok->type == JSON_NULL)
		return 0;
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return parse_list(c, m, f, tok);
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t *which = member(m, f->quantifier_offset);
		if (*which != 0 && *which != f->id) {
			const ProtobufCFieldDescriptor *other =
				protobuf_c_message_descriptor_get_field(m->descriptor, *which);
			return conv_error(c, -EBADMSG, tok->offset,
					  "only one of the oneof members may be set, %s was set already",
					  other ? other->name : "another");
		}
		*which = f->id;
	} else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset) {
		protobuf_c_boolean *has = member(m, f->quantifier_offset);
		*has = 1;
	}
	return parse_value(c, f, tok, member(m, f->offset));
}

/* A JSON object as message type d; its '{' was read. */
static int parse_message(struct conv *c, const ProtobufCMessageDescriptor *d,
			 ProtobufCMessage **out)
{
	int rc = 0;
	ProtobufCMessage *m = alloc(c, d->sizeof_message, &rc);
	if (!m)
		return rc;
	protobuf_c_message_init(d, m);
	uint64_t seen = 0;
	unsigned hint = 0;
	for (;;) {
		struct json_token key, value;
		rc = next(c, &key);
		if (rc < 0)
			return rc;
		if (key.type == JSON_OBJECT_END)
			break;
		uint8_t name[KEY_MAX];
		const ProtobufCFieldDescriptor *f = NULL;
		if (key.len <= KEY_MAX)
			f = find_field(d, name, json_unescape(&key, name), &hint);
		rc = next(c, &value);
		if (rc < 0)
			return rc;
		if (!f) {
			rc = json_skip(&c->lx, &value);
			if (rc < 0)
				return lexer_error(c, rc);
			continue;
		}
		unsigned index = (unsigned)(f - d->fields);
		uint64_t bit = index < 64 ? UINT64_C(1) << index : 0;
		if (seen & bit)
			return conv_error(c, -EBADMSG, key.offset, "%s given twice", f->name);
		seen |= bit;
		c->path[c->depth++] = (struct path_entry){ .field = f, .index = -1 };
		rc = parse_member(c, m, f, &value);
		c->depth--;
		if (rc < 0)
			return rc;
	}
	*out = m;
	return 0;
}

int otlp_json_to_protobuf(enum otlp_signal signal, const uint8_t *json, size_t len,
			  const struct otlp_json_limits *limits, uint8_t **out, size_t *out_len,
			  char *err, size_t err_cap)
{
	const ProtobufCMessageDescriptor *d = otlp_signal_request_descriptor(signal);
	if (err_cap)
		err[0] = '\0';
	if (!d || !limits || !out || !out_len || (!json && len))
		return -EINVAL;
	struct conv *c = malloc(sizeof *c);
	if (!c)
		return -ENOMEM;
	c->err = err;
	c->err_cap = err_cap;
	c->depth = 0;
	int rc = json_lexer_init(&c->lx, json, len, limits->max_depth);
	if (rc < 0) {
		free(c);
		return rc;
	}
	size_t limit = limits->max_memory;
	if (limit == 0)
		limit = len > (SIZE_MAX - MIB) / 16 ? SIZE_MAX : 16 * len + MIB;
	pb_arena_init(&c->arena, len + 4096, limit);

	ProtobufCMessage *msg = NULL;
	struct json_token tok;
	rc = next(c, &tok);
	if (rc == 0 && tok.type != JSON_OBJECT_BEGIN)
		rc = conv_error(c, -EBADMSG, tok.offset, "the body must be a JSON object");
	if (rc == 0)
		rc = parse_message(c, d, &msg);
	if (rc == 0)
		rc = next(c, &tok); /* JSON_END: only whitespace may follow */
	if (rc == 0) {
		size_t size = protobuf_c_message_get_packed_size(msg);
		if (limits->max_output && size > limits->max_output) {
			rc = conv_error(c, -E2BIG, SIZE_MAX,
					"the protobuf form takes %zu bytes, more than %zu", size,
					limits->max_output);
		} else {
			*out = malloc(size ? size : 1);
			if (!*out) {
				rc = conv_error(c, -ENOMEM, SIZE_MAX, "out of memory");
			} else {
				*out_len = protobuf_c_message_pack(msg, *out);
			}
		}
	}
	pb_arena_destroy(&c->arena);
	free(c);
	return rc;
}
