#ifndef OTLPD_GRPC_TEST_CLIENT_H
#define OTLPD_GRPC_TEST_CLIENT_H

/* An in-process gRPC client for the sans-IO session tests: nghttp2's own
 * client API makes the frames, the session answers, and what came back is
 * kept per stream (headers, trailers, message bytes, reset code). Raw
 * frames (for floods) can be fed too. */

#include <check.h>
#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>

#include "grpc_session.h"

#define TC_STREAMS 64

struct tc_stream {
	int32_t id;
	int http_status;
	int grpc_status; /* -1: none */
	char grpc_message[2048];
	char details_bin[2048];
	char accept_encoding[64]; /* grpc-accept-encoding */
	uint8_t data[4096];
	size_t data_len;
	bool closed;
	uint32_t close_code;
	/* request body */
	const uint8_t *body;
	size_t body_len, body_off;
	bool keep_open; /* the body sent, the stream is left open */
};

struct tc {
	nghttp2_session *cli;
	struct grpc_session *srv;
	uint64_t *now;
	uint8_t *pending; /* server output not yet read by the client; owned */
	size_t pending_len;
	bool server_closed; /* feed or tick said CLOSE */
	bool goaway;
	uint32_t goaway_code;
	unsigned ping_acks; /* the server's answers to our PINGs */
	struct tc_stream streams[TC_STREAMS];
	int n_streams;
};

static inline struct tc_stream *tc_stream(struct tc *t, int32_t id)
{
	for (int i = 0; i < t->n_streams; i++)
		if (t->streams[i].id == id)
			return &t->streams[i];
	return NULL;
}

/* The server's io: output waits until the client reads it. */
static inline int tc_io_send(void *ctx, uint8_t *buf, size_t len)
{
	struct tc *t = ctx;
	t->pending = realloc(t->pending, t->pending_len + len);
	ck_assert_ptr_nonnull(t->pending);
	memcpy(t->pending + t->pending_len, buf, len);
	t->pending_len += len;
	free(buf);
	return 0;
}

static inline int tc_on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
			       size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
			       void *ud)
{
	(void)s;
	(void)flags;
	(void)namelen;
	struct tc_stream *st = tc_stream(ud, f->hd.stream_id);
	if (st == NULL)
		return 0;
	char v[2048];
	size_t n = valuelen < sizeof v - 1 ? valuelen : sizeof v - 1;
	memcpy(v, value, n);
	v[n] = '\0';
	const char *nm = (const char *)name;
	if (strcmp(nm, ":status") == 0)
		st->http_status = (int)strtol(v, NULL, 10);
	else if (strcmp(nm, "grpc-status") == 0)
		st->grpc_status = (int)strtol(v, NULL, 10);
	else if (strcmp(nm, "grpc-message") == 0)
		snprintf(st->grpc_message, sizeof st->grpc_message, "%s", v);
	else if (strcmp(nm, "grpc-status-details-bin") == 0)
		snprintf(st->details_bin, sizeof st->details_bin, "%s", v);
	else if (strcmp(nm, "grpc-accept-encoding") == 0)
		snprintf(st->accept_encoding, sizeof st->accept_encoding, "%.63s", v);
	return 0;
}

static inline int tc_on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
			     size_t len, void *ud)
{
	(void)s;
	(void)flags;
	struct tc_stream *st = tc_stream(ud, id);
	if (st != NULL && len <= sizeof st->data - st->data_len) {
		memcpy(st->data + st->data_len, data, len);
		st->data_len += len;
	}
	return 0;
}

static inline int tc_on_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud)
{
	(void)s;
	struct tc_stream *st = tc_stream(ud, id);
	if (st != NULL) {
		st->closed = true;
		st->close_code = code;
	}
	return 0;
}

static inline int tc_on_frame(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	(void)s;
	struct tc *t = ud;
	if (f->hd.type == NGHTTP2_GOAWAY) {
		t->goaway = true;
		t->goaway_code = f->goaway.error_code;
	}
	if (f->hd.type == NGHTTP2_PING && (f->hd.flags & NGHTTP2_FLAG_ACK))
		t->ping_acks++;
	return 0;
}

static inline void tc_init(struct tc *t, struct grpc_session *srv, uint64_t *now)
{
	memset(t, 0, sizeof *t);
	t->srv = srv;
	t->now = now;
	nghttp2_session_callbacks *cb;
	ck_assert_int_eq(nghttp2_session_callbacks_new(&cb), 0);
	nghttp2_session_callbacks_set_on_header_callback(cb, tc_on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, tc_on_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, tc_on_close);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, tc_on_frame);
	/* Header blocks of any size: the server's limits are under test. */
	nghttp2_option *opt;
	ck_assert_int_eq(nghttp2_option_new(&opt), 0);
	nghttp2_option_set_max_send_header_block_length(opt, 1u << 24);
	ck_assert_int_eq(nghttp2_session_client_new2(&t->cli, cb, t, opt), 0);
	nghttp2_option_del(opt);
	nghttp2_session_callbacks_del(cb);
	ck_assert_int_eq(nghttp2_submit_settings(t->cli, NGHTTP2_FLAG_NONE, NULL, 0), 0);
}

static inline void tc_free(struct tc *t)
{
	nghttp2_session_del(t->cli);
	free(t->pending);
}

/* Feeds raw bytes to the server as if the client had sent them. */
static inline void tc_feed_raw(struct tc *t, const uint8_t *data, size_t len)
{
	if (grpc_session_feed(t->srv, data, len, *t->now) == GRPC_FEED_CLOSE)
		t->server_closed = true;
}

/* Moves bytes both ways until neither side has anything to say. */
static inline void tc_pump(struct tc *t)
{
	for (int round = 0; round < 1000; round++) {
		bool moved = false;
		const uint8_t *data;
		ssize_t n;
		while (!t->server_closed && (n = nghttp2_session_mem_send(t->cli, &data)) > 0) {
			tc_feed_raw(t, data, (size_t)n);
			moved = true;
		}
		if (t->pending_len > 0) {
			uint8_t *buf = t->pending;
			size_t len = t->pending_len;
			t->pending = NULL;
			t->pending_len = 0;
			nghttp2_session_mem_recv(t->cli, buf, len);
			free(buf);
			moved = true;
		}
		if (!moved)
			return;
	}
	ck_abort_msg("the client and the server keep talking");
}

static inline ssize_t tc_read_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length,
				   uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	(void)s;
	(void)id;
	(void)ud;
	struct tc_stream *st = src->ptr;
	size_t n = st->body_len - st->body_off;
	if (n > length)
		n = length;
	memcpy(buf, st->body + st->body_off, n);
	st->body_off += n;
	if (n == 0 && st->keep_open)
		return NGHTTP2_ERR_DEFERRED;
	if (st->body_off == st->body_len && !st->keep_open)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* Starts a call: POST path with content-type application/grpc and the extra
 * headers ("name", "value" pairs, NULL-terminated), body as the DATA
 * (kept by the caller until sent; NULL: headers only, ending the stream). */
static inline struct tc_stream *tc_call_h(struct tc *t, const char *path, const uint8_t *body,
					  size_t len, const char *const *extra)
{
	ck_assert_int_lt(t->n_streams, TC_STREAMS);
	size_t n_extra = 0;
	const char *method = "POST";
	bool has_type = false;
	for (size_t i = 0; extra && extra[i]; i += 2) {
		n_extra++;
		if (strcmp(extra[i], ":method") == 0)
			method = extra[i + 1];
		has_type |= strcmp(extra[i], "content-type") == 0;
	}
	nghttp2_nv *nv = calloc(n_extra + 8, sizeof *nv);
	ck_assert_ptr_nonnull(nv);
	size_t n = 0;
#define TC_NV(a, b)                                                                         \
	nv[n++] = (nghttp2_nv){(uint8_t *)(a), (uint8_t *)(b), strlen(a), strlen(b),        \
			       NGHTTP2_NV_FLAG_NONE}
	TC_NV(":method", method);
	TC_NV(":scheme", "http");
	TC_NV(":authority", "test");
	TC_NV(":path", path);
	if (!has_type)
		TC_NV("content-type", "application/grpc");
	TC_NV("te", "trailers");
	for (size_t i = 0; extra && extra[i]; i += 2)
		if (strcmp(extra[i], ":method") != 0)
			TC_NV(extra[i], extra[i + 1]);
#undef TC_NV
	struct tc_stream *st = &t->streams[t->n_streams];
	memset(st, 0, sizeof *st);
	st->grpc_status = -1;
	st->body = body;
	st->body_len = len;
	nghttp2_data_provider dp = {.source.ptr = st, .read_callback = tc_read_body};
	int32_t id = nghttp2_submit_request(t->cli, NULL, nv, n, body ? &dp : NULL, NULL);
	free(nv);
	ck_assert_int_gt(id, 0);
	st->id = id;
	t->n_streams++;
	return st;
}

static inline struct tc_stream *tc_call(struct tc *t, const char *path, const uint8_t *body,
					size_t len)
{
	return tc_call_h(t, path, body, len, NULL);
}

#endif
