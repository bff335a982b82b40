#ifndef OTLPD_OTLP_TEST_UTIL_H
#define OTLPD_OTLP_TEST_UTIL_H

/* Helpers shared by the OTLP codec tests (test_otlp_*.c): bench bodies and
 * a builder that writes protobuf from the inside out, for nesting far
 * deeper than the protobuf-c structs could be packed. */

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_signal.h"

#ifndef OTLPD_SHARED_BENCH_DIR
#error "OTLPD_SHARED_BENCH_DIR must name the directory of the bench bodies"
#endif

#define BENCH_BODY_MAX ((size_t)4 * 1024 * 1024)

/* Reads a bench body (caller frees) or fails the test. */
static inline uint8_t *load_bench(const char *name, size_t *len)
{
	char path[512];
	int n = snprintf(path, sizeof path, "%s/%s", OTLPD_SHARED_BENCH_DIR, name);
	ck_assert_msg(n > 0 && (size_t)n < sizeof path, "bench path too long");
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	uint8_t *buf = malloc(BENCH_BODY_MAX + 1);
	ck_assert_ptr_nonnull(buf);
	size_t got = fread(buf, 1, BENCH_BODY_MAX + 1, f);
	ck_assert_msg(!ferror(f), "reading %s", path);
	fclose(f);
	ck_assert_msg(got <= BENCH_BODY_MAX, "%s is too large", path);
	*len = got;
	return buf;
}

static inline enum otlp_signal bench_signal(const char *name)
{
	if (strncmp(name, "metrics", 7) == 0)
		return OTLP_SIGNAL_METRICS;
	if (strncmp(name, "logs", 4) == 0)
		return OTLP_SIGNAL_LOGS;
	return OTLP_SIGNAL_TRACES;
}

/* Protobuf written back to front: the content so far is always the whole
 * of [start, cap), so wrapping it into a field is one prepend. */
struct rbuf {
	uint8_t *base;
	size_t cap, start;
};

static inline void rb_init(struct rbuf *r, size_t cap)
{
	r->base = malloc(cap);
	ck_assert_ptr_nonnull(r->base);
	r->cap = r->start = cap;
}

static inline size_t rb_len(const struct rbuf *r)
{
	return r->cap - r->start;
}

static inline const uint8_t *rb_data(const struct rbuf *r)
{
	return r->base + r->start;
}

static inline void rb_prepend(struct rbuf *r, const void *p, size_t n)
{
	/* No ck_assert on this hot path: each one is a message to Check's parent. */
	if (r->start < n)
		ck_abort_msg("rbuf of %zu bytes is too small", r->cap);
	r->start -= n;
	memcpy(r->base + r->start, p, n);
}

static inline void rb_prepend_varint(struct rbuf *r, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	do {
		tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	rb_prepend(r, tmp, n);
}

static inline void rb_prepend_tag(struct rbuf *r, uint32_t field, unsigned wire)
{
	rb_prepend_varint(r, (uint64_t)field << 3 | wire);
}

/* Everything so far becomes the length-delimited field `field`. */
static inline void rb_wrap(struct rbuf *r, uint32_t field)
{
	rb_prepend_varint(r, rb_len(r));
	rb_prepend_tag(r, field, 2);
}

/* A length-delimited field with the given bytes, in front of what is there. */
static inline void rb_prepend_field(struct rbuf *r, uint32_t field, const void *p, size_t n)
{
	rb_prepend(r, p, n);
	rb_prepend_varint(r, n);
	rb_prepend_tag(r, field, 2);
}

/* Request > ResourceSpans > ScopeSpans > Span (valid ids) around the span
 * fields already in r. */
static inline void rb_wrap_span(struct rbuf *r)
{
	static const uint8_t sid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t tid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	rb_prepend_field(r, 2, sid, sizeof sid);
	rb_prepend_field(r, 1, tid, sizeof tid);
	rb_wrap(r, 2); /* ScopeSpans.spans */
	rb_wrap(r, 2); /* ResourceSpans.scope_spans */
	rb_wrap(r, 1); /* ExportTraceServiceRequest.resource_spans */
}

/* A span attribute "k" whose value nests `depth` AnyValues through
 * array_value (depth 1: a plain string). */
static inline void rb_deep_attribute(struct rbuf *r, size_t depth, uint32_t via_field)
{
	rb_prepend_field(r, 1, "x", 1); /* innermost AnyValue.string_value */
	for (size_t i = 1; i < depth; i++) {
		if (via_field == 6) { /* KeyValue{key, value} inside the KeyValueList */
			rb_wrap(r, 2);
			rb_prepend_field(r, 1, "k", 1);
		}
		rb_wrap(r, 1);         /* ArrayValue.values / KeyValueList.values */
		rb_wrap(r, via_field); /* AnyValue.array_value (5) / kvlist_value (6) */
	}
	rb_wrap(r, 2);                  /* KeyValue.value */
	rb_prepend_field(r, 1, "k", 1); /* KeyValue.key */
	rb_wrap(r, 9);                  /* Span.attributes */
}

#endif
