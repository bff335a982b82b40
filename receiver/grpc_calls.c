/* The calls of a gRPC session: request headers, message bytes, the end of
 * each stream, as nghttp2 reports them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grpc_session_internal.h"
#include "http_request.h"
#include "log.h"

static struct grpc_session *session_of(void *user_data)
{
	return user_data;
}

static struct grpc_call *call_of(struct grpc_session *s, int32_t stream_id)
{
	return nghttp2_session_get_stream_user_data(s->ng, stream_id);
}

/* ---- calls ---- */

static int budget_take(struct grpc_session *s, struct grpc_call *c, size_t n)
{
	struct http_budget *b = s->limits->budget;
	if (b == NULL)
		return 0;
	uint64_t others = b->used - c->reserved;
	if (others > 0 && (b->used > b->max || n > b->max - b->used))
		return -ENOBUFS;
	b->used += n;
	c->reserved += n;
	return 0;
}

void grpc_call_drop_message(struct grpc_session *s, struct grpc_call *c)
{
	grpc_reader_free(&c->reader);
	if (s->limits->budget != NULL)
		s->limits->budget->used -= c->reserved;
	c->reserved = 0;
}

void grpc_call_free(struct grpc_session *s, struct grpc_call *c)
{
	grpc_call_drop_message(s, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (--s->open_calls == 0)
		s->idle_since_ms = s->now_ms;
	free(c->out);
	free(c->trailer_message);
	free(c->trailer_details);
	free(c);
}

/* The handler answers e; a call it leaves unanswered is reset. */
void grpc_call_error(struct grpc_session *s, struct grpc_call *c, enum grpc_error e)
{
	grpc_call_drop_message(s, c);
	s->handler->on_error(s, c, e, s->handler_ctx);
	if (c->state != CALL_ANSWERED) {
		c->state = CALL_ANSWERED;
		nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE, c->stream_id,
					  NGHTTP2_INTERNAL_ERROR);
	}
}

static void headers_done(struct grpc_session *s, struct grpc_call *c)
{
	if (c->state != CALL_HEADERS)
		return;
	c->state = CALL_RECEIVING;
	c->last_data_ms = s->now_ms;
	enum grpc_error e = GRPC_ERR_COUNT;
	if (c->headers_too_large)
		e = GRPC_ERR_HEADERS_TOO_LARGE;
	else if (!c->post)
		e = GRPC_ERR_NOT_POST;
	else if (!c->content_type_seen || c->content_type_repeated ||
		 c->content_type == GRPC_CT_NOT_GRPC)
		e = GRPC_ERR_CONTENT_TYPE;
	else if (c->content_type == GRPC_CT_OTHER)
		e = GRPC_ERR_SUBTYPE;
	else if (c->coding == GRPC_CODING_UNSUPPORTED)
		e = GRPC_ERR_ENCODING;
	else if (c->timeout_bad)
		e = GRPC_ERR_BAD_TIMEOUT;
	if (e != GRPC_ERR_COUNT)
		grpc_call_error(s, c, e);
	else
		s->handler->on_call(s, c, s->handler_ctx);
}

static void stream_ended(struct grpc_session *s, struct grpc_call *c)
{
	static const uint8_t no_bytes[1];
	if (c->state != CALL_RECEIVING)
		return;
	int err = grpc_reader_finish(&c->reader);
	if (err) {
		grpc_call_error(s, c, err == -ENODATA ? GRPC_ERR_NO_MESSAGE : GRPC_ERR_TRUNCATED);
		return;
	}
	c->state = CALL_HANDLER;
	const uint8_t *msg = c->reader.buf ? c->reader.buf : no_bytes;
	s->handler->on_message(s, c, msg, c->reader.len, c->reader.compressed, s->handler_ctx);
	/* Inside feed nothing is sent, so c lives on until the next flush. */
	grpc_call_drop_message(s, c);
}

/* ---- nghttp2 callbacks ---- */

static int on_begin_headers(nghttp2_session *ng, const nghttp2_frame *frame, void *user_data)
{
	(void)ng;
	struct grpc_session *s = session_of(user_data);
	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	struct grpc_call *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	c->session = s;
	c->stream_id = frame->hd.stream_id;
	c->deadline_ms = UINT64_MAX;
	c->content_type = GRPC_CT_NOT_GRPC;
	grpc_reader_init(&c->reader, s->limits->max_message_bytes);
	c->next = s->calls;
	if (s->calls)
		s->calls->prev = c;
	s->calls = c;
	s->open_calls++;
	s->stats->calls++;
	nghttp2_session_set_stream_user_data(s->ng, c->stream_id, c);
	return 0;
}

static bool name_is(const uint8_t *name, size_t len, const char *want)
{
	size_t n = strlen(want);
	return len == n && memcmp(name, want, n) == 0;
}

static void set_timeout(struct grpc_session *s, struct grpc_call *c, const uint8_t *v, size_t len)
{
	uint64_t ms;
	if (grpc_timeout_parse(v, len, &ms) != 0) {
		c->timeout_bad = true;
		return;
	}
	grpc_session_set_deadline(s, c, ms);
}

static int on_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
		     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
		     void *user_data)
{
	(void)ng;
	(void)flags;
	struct grpc_session *s = session_of(user_data);
	struct grpc_call *c = call_of(s, frame->hd.stream_id);
	if (c == NULL || c->headers_too_large)
		return 0;
	/* RFC 9113 6.5.2: a field counts its name, its value and 32. */
	uint64_t add = (uint64_t)namelen + valuelen + 32u;
	if (add > s->limits->max_header_bytes - c->header_bytes ||
	    c->header_count >= s->limits->max_headers) {
		c->headers_too_large = true;
		return 0;
	}
	c->header_bytes += (uint32_t)add;
	c->header_count++;
	if (frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0; /* trailers: counted, not used */
	if (name_is(name, namelen, ":method")) {
		c->post = name_is(value, valuelen, "POST");
	} else if (name_is(name, namelen, ":path")) {
		c->path_too_long = valuelen >= sizeof c->path;
		if (!c->path_too_long) {
			memcpy(c->path, value, valuelen);
			c->path[valuelen] = '\0';
		}
	} else if (name_is(name, namelen, "content-type")) {
		c->content_type_repeated = c->content_type_seen;
		c->content_type_seen = true;
		c->content_type = grpc_content_type(value, valuelen);
	} else if (name_is(name, namelen, "grpc-encoding")) {
		c->coding = grpc_coding_parse(value, valuelen);
	} else if (name_is(name, namelen, "grpc-timeout")) {
		set_timeout(s, c, value, valuelen);
	}
	return 0;
}

static int on_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame, void *user_data)
{
	(void)ng;
	struct grpc_session *s = session_of(user_data);
	struct grpc_call *c = frame->hd.stream_id ? call_of(s, frame->hd.stream_id) : NULL;
	bool end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
	switch (frame->hd.type) {
	case NGHTTP2_HEADERS:
		if (c != NULL && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
			headers_done(s, c);
		if (c != NULL && end)
			stream_ended(s, c);
		break;
	case NGHTTP2_DATA:
		if (frame->hd.length == 0 && !end)
			grpc_session_take(s, &s->empty, GRPC_EMPTY_BURST, GRPC_EMPTY_PER_S);
		if (c != NULL && end)
			stream_ended(s, c);
		break;
	case NGHTTP2_SETTINGS:
		if (!(frame->hd.flags & NGHTTP2_FLAG_ACK)) {
			s->greeted = true;
			grpc_session_take(s, &s->settings, GRPC_SETTINGS_BURST, GRPC_SETTINGS_PER_S);
		}
		break;
	case NGHTTP2_PING:
		if (!(frame->hd.flags & NGHTTP2_FLAG_ACK))
			grpc_session_take(s, &s->ping, GRPC_PING_BURST, GRPC_PING_PER_S);
		break;
	case NGHTTP2_RST_STREAM:
		s->stats->resets_received++;
		if (c != NULL)
			c->reset_by_peer = true;
		grpc_session_take(s, &s->reset, GRPC_RESET_BURST, GRPC_RESET_PER_S);
		break;
	case NGHTTP2_PRIORITY:
		grpc_session_take(s, &s->empty, GRPC_EMPTY_BURST, GRPC_EMPTY_PER_S);
		break;
	default:
		break;
	}
	return 0;
}

static int on_data_chunk(nghttp2_session *ng, uint8_t flags, int32_t stream_id,
			 const uint8_t *data, size_t len, void *user_data)
{
	(void)ng;
	(void)flags;
	struct grpc_session *s = session_of(user_data);
	struct grpc_call *c = call_of(s, stream_id);
	if (c == NULL || c->state != CALL_RECEIVING)
		return 0; /* answered early: dropped, nghttp2 keeps the window open */
	c->last_data_ms = s->now_ms;
	if (budget_take(s, c, len) != 0) {
		grpc_call_error(s, c, GRPC_ERR_OVERLOADED);
		return 0;
	}
	int err = grpc_reader_feed(&c->reader, data, len);
	if (err == 0 && grpc_reader_has_prefix(&c->reader) && c->reader.compressed &&
	    c->coding == GRPC_CODING_IDENTITY) {
		grpc_call_error(s, c, GRPC_ERR_COMPRESSED_IDENTITY);
		return 0;
	}
	switch (err) {
	case 0:
		break;
	case -EBADMSG:
		grpc_call_error(s, c, GRPC_ERR_BAD_PREFIX);
		break;
	case -EMSGSIZE:
		grpc_call_error(s, c, GRPC_ERR_TOO_LARGE);
		break;
	case -E2BIG:
		grpc_call_error(s, c, GRPC_ERR_EXTRA_DATA);
		break;
	default:
		grpc_call_error(s, c, GRPC_ERR_OVERLOADED);
		break;
	}
	return 0;
}

static int on_stream_close(nghttp2_session *ng, int32_t stream_id, uint32_t error_code,
			   void *user_data)
{
	(void)ng;
	struct grpc_session *s = session_of(user_data);
	struct grpc_call *c = call_of(s, stream_id);
	if (c == NULL)
		return 0;
	/* Streams the client made us reset count like the ones it resets. */
	if (error_code != NGHTTP2_NO_ERROR && !c->reset_by_peer)
		grpc_session_take(s, &s->reset, GRPC_RESET_BURST, GRPC_RESET_PER_S);
	if (c->state == CALL_RECEIVING || c->state == CALL_HANDLER)
		s->handler->on_cancel(s, c, s->handler_ctx);
	nghttp2_session_set_stream_user_data(s->ng, stream_id, NULL);
	grpc_call_free(s, c);
	return 0;
}

static int on_error(nghttp2_session *ng, int code, const char *msg, size_t len, void *user_data)
{
	(void)ng;
	(void)user_data;
	(void)msg;
	(void)len;
	/* nghttp2's text may quote header names the client sent: the code only. */
	log_debug("grpc: HTTP/2 error from nghttp2: %s", nghttp2_strerror(code));
	return 0;
}

void grpc_set_recv_callbacks(nghttp2_session_callbacks *cb)
{
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	nghttp2_session_callbacks_set_error_callback2(cb, on_error);
}
