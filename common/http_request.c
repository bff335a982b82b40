#include "http_request.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The headers we keep a value of. */
enum kept_header {
	KEPT_NONE = 0,
	KEPT_CONTENT_TYPE,
	KEPT_CONTENT_ENCODING,
	KEPT_EXPECT,
	KEPT_RANGE,
	KEPT_IF_NONE_MATCH,
};

static struct http_session *session_of(llhttp_t *p)
{
	return p->data;
}

/* ---- budget ---- */

static int budget_take(struct http_session *s, uint64_t n)
{
	struct http_budget *b = s->limits->budget;
	if (b == NULL)
		return 0;
	uint64_t others = b->used - s->req.reserved;
	if (others > 0 && (b->used > b->max || n > b->max - b->used))
		return -ENOBUFS;
	b->used += n;
	s->req.reserved += n;
	return 0;
}

static void budget_release(struct http_session *s)
{
	struct http_budget *b = s->limits->budget;
	if (b != NULL)
		b->used -= s->req.reserved;
	s->req.reserved = 0;
}

/* ---- parser callbacks ---- */

/* A failure found inside a callback, reported to the handler by feed. */
static int cb_fail(struct http_session *s, enum http_error e)
{
	s->cb_error = e;
	s->cb_error_set = true;
	return HPE_USER;
}

static int on_message_begin(llhttp_t *p)
{
	session_of(p)->phase = HTTP_PHASE_HEADERS;
	return 0;
}

/* Keeps the query after '?' up to '#'; a longer one is marked, not cut. */
static void keep_query(struct http_session *s, const char *at, size_t len)
{
	struct http_request *r = &s->req;
	for (size_t i = 0; i < len && !s->in_fragment && !r->query_too_long; i++) {
		if (at[i] == '#') {
			s->in_fragment = true;
			break;
		}
		if (s->query_len + 1 >= sizeof r->query) {
			r->query_too_long = true;
			s->query_len = 0;
			break;
		}
		r->query[s->query_len++] = at[i];
	}
	r->query[s->query_len] = '\0';
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
	struct http_session *s = session_of(p);
	struct http_request *r = &s->req;
	size_t i = 0;
	for (; i < len && !s->in_query && !s->in_fragment; i++) {
		if (at[i] == '?' || at[i] == '#') {
			s->in_query = at[i] == '?';
			s->in_fragment = at[i] == '#';
			i++;
			break;
		}
		if (r->path_too_long)
			continue;
		if (s->path_len + 1 >= sizeof r->path) {
			r->path_too_long = true;
			s->path_len = 0;
			continue;
		}
		r->path[s->path_len++] = at[i];
	}
	r->path[s->path_len] = '\0';
	if (s->in_query && i < len)
		keep_query(s, at + i, len - i);
	return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
	struct http_session *s = session_of(p);
	/* Names longer than any we keep are never compared. */
	if (len >= sizeof s->name - s->name_len) {
		s->name_len = sizeof s->name; /* marks "too long" */
		return 0;
	}
	memcpy(s->name + s->name_len, at, len);
	s->name_len = (uint16_t)(s->name_len + len);
	return 0;
}

static int on_header_field_complete(llhttp_t *p)
{
	struct http_session *s = session_of(p);
	if (++s->header_count > s->limits->max_headers)
		return cb_fail(s, HTTP_ERR_TOO_MANY_HEADERS);
	s->cur_header = KEPT_NONE;
	if (s->name_len < sizeof s->name) {
		s->name[s->name_len] = '\0';
		if (strcasecmp(s->name, "content-type") == 0)
			s->cur_header = KEPT_CONTENT_TYPE;
		else if (strcasecmp(s->name, "content-encoding") == 0)
			s->cur_header = KEPT_CONTENT_ENCODING;
		else if (strcasecmp(s->name, "expect") == 0)
			s->cur_header = KEPT_EXPECT;
		else if (strcasecmp(s->name, "range") == 0)
			s->cur_header = KEPT_RANGE;
		else if (strcasecmp(s->name, "if-none-match") == 0)
			s->cur_header = KEPT_IF_NONE_MATCH;
	}
	s->name_len = 0;
	s->value_len = 0;
	s->value_too_long = false;
	return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct http_session *s = session_of(p);
	if (s->cur_header == KEPT_NONE || s->value_too_long)
		return 0;
	if (len >= sizeof s->value - s->value_len) {
		s->value_too_long = true;
		return 0;
	}
	memcpy(s->value + s->value_len, at, len);
	s->value_len = (uint16_t)(s->value_len + len);
	return 0;
}

/* Copies the value; a header given twice is remembered as such. */
static void keep_value(struct http_session *s, char *dst, bool *seen, bool *too_long,
		       bool *repeated)
{
	if (*seen)
		*repeated = true;
	*seen = true;
	if (s->value_too_long) {
		*too_long = true;
		dst[0] = '\0';
		return;
	}
	memcpy(dst, s->value, s->value_len);
	dst[s->value_len] = '\0';
}

static int on_header_value_complete(llhttp_t *p)
{
	struct http_session *s = session_of(p);
	struct http_request *r = &s->req;
	switch (s->cur_header) {
	case KEPT_CONTENT_TYPE:
		keep_value(s, r->content_type, &r->content_type_seen, &r->content_type_too_long,
			   &r->content_type_repeated);
		break;
	case KEPT_CONTENT_ENCODING:
		keep_value(s, r->content_encoding, &r->content_encoding_seen,
			   &r->content_encoding_too_long, &r->content_encoding_repeated);
		break;
	case KEPT_RANGE:
		keep_value(s, r->range, &r->range_seen, &r->range_too_long, &r->range_repeated);
		break;
	case KEPT_IF_NONE_MATCH:
		keep_value(s, r->if_none_match, &r->if_none_match_seen, &r->if_none_match_too_long,
			   &r->if_none_match_repeated);
		break;
	case KEPT_EXPECT:
		s->value[s->value_too_long ? 0 : s->value_len] = '\0';
		if (!s->value_too_long && strcasecmp(s->value, "100-continue") == 0)
			r->expect_continue = true;
		else
			r->expect_unknown = true;
		break;
	default:
		break;
	}
	s->cur_header = KEPT_NONE;
	return 0;
}

static int on_headers_complete(llhttp_t *p)
{
	struct http_session *s = session_of(p);
	struct http_request *r = &s->req;
	r->method = llhttp_get_method(p);
	r->http_major = llhttp_get_http_major(p);
	r->http_minor = llhttp_get_http_minor(p);
	r->has_length = (p->flags & F_CONTENT_LENGTH) != 0;
	r->length = r->has_length ? p->content_length : 0;
	r->chunked = (p->flags & F_CHUNKED) != 0;
	/* Expect is an HTTP/1.1 feature (RFC 9110, 10.1.1). */
	if (r->http_major == 1 && r->http_minor == 0)
		r->expect_continue = r->expect_unknown = false;
	s->at_headers = true;
	return HPE_PAUSED;
}

static int grow_body(struct http_session *s, size_t need)
{
	struct http_request *r = &s->req;
	uint64_t cap_max = r->has_length ? r->length : s->limits->max_body_bytes;
	size_t cap = r->body_cap ? r->body_cap : HTTP_BODY_INITIAL_BYTES;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > cap_max)
		cap = (size_t)cap_max;
	uint8_t *nb = realloc(r->body, cap);
	if (nb == NULL)
		return -ENOMEM;
	r->body = nb;
	r->body_cap = cap;
	return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
	struct http_session *s = session_of(p);
	struct http_request *r = &s->req;
	if (s->discarding)
		return 0;
	if (len > s->limits->max_body_bytes - s->body_received)
		return cb_fail(s, HTTP_ERR_BODY_TOO_LARGE);
	s->body_received += len;
	if (!r->has_length && budget_take(s, len) != 0)
		return cb_fail(s, HTTP_ERR_OVERLOADED);
	if (r->body_len + len > r->body_cap && grow_body(s, r->body_len + len) != 0)
		return cb_fail(s, HTTP_ERR_OVERLOADED);
	memcpy(r->body + r->body_len, at, len);
	r->body_len += len;
	return 0;
}

static int on_message_complete(llhttp_t *p)
{
	struct http_session *s = session_of(p);
	s->req.keep_alive = llhttp_should_keep_alive(p) && !p->upgrade;
	s->at_message_end = true;
	return HPE_PAUSED;
}

static const llhttp_settings_t settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_field_complete = on_header_field_complete,
	.on_header_value = on_header_value,
	.on_header_value_complete = on_header_value_complete,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

/* ---- responses ---- */

static void reset_request(struct http_session *s)
{
	free(s->req.body);
	budget_release(s);
	memset(&s->req, 0, sizeof s->req);
	s->header_bytes = 0;
	s->header_count = 0;
	s->body_received = 0;
	s->cur_header = KEPT_NONE;
	s->name_len = s->value_len = 0;
	s->value_too_long = false;
	s->path_len = 0;
	s->query_len = 0;
	s->in_query = false;
	s->in_fragment = false;
	s->at_headers = s->at_message_end = false;
}

static void release_stream(const struct http_stream *st)
{
	if (st != NULL && st->release != NULL)
		st->release(st->ctx);
}

/* An answer before the body was read keeps the connection when the rest of
 * the body has a known, small length and the client will send it anyway
 * (not waiting for 100 Continue) and wants to go on. */
static bool can_discard(struct http_session *s)
{
	const struct http_request *r = &s->req;
	if (s->closing || (s->phase != HTTP_PHASE_HEADERS && s->phase != HTTP_PHASE_BODY))
		return false;
	if (!r->has_length || r->chunked || r->expect_continue ||
	    !llhttp_should_keep_alive(&s->parser))
		return false;
	uint64_t rest = r->length - (r->length < s->body_received ? r->length : s->body_received);
	uint64_t max = s->limits->max_body_bytes < HTTP_DISCARD_MAX_BYTES
			       ? s->limits->max_body_bytes
			       : HTTP_DISCARD_MAX_BYTES;
	return rest <= max;
}

int http_session_respond(struct http_session *s, const struct http_response *resp)
{
	if (s->phase == HTTP_PHASE_CLOSED || s->responded) {
		release_stream(resp->stream);
		return -EALREADY;
	}
	struct http_request *r = &s->req;
	bool discard = can_discard(s);
	bool last = s->closing || (!discard && (s->phase != HTTP_PHASE_BUSY || !r->keep_alive));
	bool http10_keep_alive = !last && r->http_major == 1 && r->http_minor == 0;
	char head[HTTP_RESPONSE_HEAD_MAX];
	int n = http_format_head(head, sizeof head, resp, last, http10_keep_alive);
	bool streaming = resp->stream != NULL && !resp->head_only && resp->stream->length > 0;
	if (resp->stream != NULL && !streaming)
		release_stream(resp->stream);
	if (streaming && (n < 0 || s->io->send_stream == NULL || resp->content_type == NULL)) {
		release_stream(resp->stream);
		n = n < 0 ? n : -ENOTSUP;
		streaming = false;
	}
	size_t body_len = resp->content_type && !resp->head_only && resp->stream == NULL
				  ? resp->body_len
				  : 0;
	uint8_t *buf = n < 0 ? NULL : malloc((size_t)n + body_len);
	s->responded = true;
	reset_request(s);
	if (last) {
		s->closing = true;
		s->phase = HTTP_PHASE_CLOSED;
	} else if (discard) {
		s->discarding = true;
		s->phase = HTTP_PHASE_BODY;
	} else {
		s->phase = HTTP_PHASE_IDLE;
		s->served_one = true;
	}
	if (buf == NULL) {
		if (streaming)
			release_stream(resp->stream);
		s->closing = true;
		s->phase = HTTP_PHASE_CLOSED;
		return n < 0 ? n : -ENOMEM;
	}
	memcpy(buf, head, (size_t)n);
	if (body_len > 0)
		memcpy(buf + n, resp->body, body_len);
	enum http_send_kind kind = last ? HTTP_SEND_LAST : HTTP_SEND_FINAL;
	int err = streaming ? s->io->send_stream(s->io_ctx, buf, (size_t)n, resp->stream, kind)
			    : s->io->send(s->io_ctx, buf, (size_t)n + body_len, kind);
	if (err) {
		s->closing = true;
		s->phase = HTTP_PHASE_CLOSED;
	}
	return err;
}

/* Answers with the handler's help when there is one, plainly otherwise. */
static void answer_error(struct http_session *s, enum http_error e, bool close)
{
	if (s->phase == HTTP_PHASE_CLOSED || s->responded)
		return;
	if (close)
		s->closing = true;
	if (s->handler && s->handler->on_error)
		s->handler->on_error(s, &s->req, e, s->handler_ctx);
	if (!s->responded && s->phase != HTTP_PHASE_CLOSED) {
		const char *msg = http_error_message(e);
		int status = http_error_status(e);
		struct http_response resp = {
			.status = status,
			.content_type = "text/plain",
			.body = (const uint8_t *)msg,
			.body_len = strlen(msg),
			.retry_after_s = status == 503 ? HTTP_RETRY_AFTER_S : 0,
		};
		http_session_respond(s, &resp);
	}
}

/* ---- the session ---- */

void http_session_init(struct http_session *s, const struct http_limits *limits,
		       const struct http_handler *handler, void *handler_ctx,
		       const struct http_io *io, void *io_ctx)
{
	memset(s, 0, sizeof *s);
	s->limits = limits;
	s->handler = handler;
	s->handler_ctx = handler_ctx;
	s->io = io;
	s->io_ctx = io_ctx;
	llhttp_init(&s->parser, HTTP_REQUEST, &settings);
	s->parser.data = s;
	s->phase = HTTP_PHASE_IDLE;
}

/* The checks that need the whole header block, then the handler's. Returns
 * true when the body is to be read. */

/* send() takes the copy in every case. */
static int send_copy(struct http_session *s, const char *text, size_t len,
		     enum http_send_kind kind)
{
	uint8_t *buf = malloc(len);
	if (buf == NULL)
		return -ENOMEM;
	memcpy(buf, text, len);
	return s->io->send(s->io_ctx, buf, len, kind);
}
static bool headers_done(struct http_session *s)
{
	struct http_request *r = &s->req;
	if (s->header_bytes > s->limits->max_header_bytes) {
		answer_error(s, HTTP_ERR_HEADERS_TOO_LARGE, true);
		return false;
	}
	if (r->expect_unknown) {
		answer_error(s, HTTP_ERR_EXPECTATION, true);
		return false;
	}
	if (r->has_length && r->length > s->limits->max_body_bytes) {
		answer_error(s, HTTP_ERR_BODY_TOO_LARGE, true);
		return false;
	}
	if (s->handler && s->handler->on_headers)
		s->handler->on_headers(s, r, s->handler_ctx);
	if (s->responded || s->phase == HTTP_PHASE_CLOSED)
		return s->discarding;
	if (r->has_length && budget_take(s, r->length) != 0) {
		/* No memory for the body; dropping it as it comes needs none. */
		answer_error(s, HTTP_ERR_OVERLOADED, false);
		return s->discarding;
	}
	s->phase = HTTP_PHASE_BODY;
	if (r->expect_continue) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		int err = send_copy(s, cont, sizeof cont - 1, HTTP_SEND_INTERIM);
		if (err) {
			if (err == -ENOMEM)
				answer_error(s, HTTP_ERR_OVERLOADED, true);
			s->closing = true;
			s->phase = HTTP_PHASE_CLOSED;
			return false;
		}
	}
	return true;
}

static enum http_feed_result after_response(const struct http_session *s)
{
	if (s->phase == HTTP_PHASE_CLOSED)
		return HTTP_FEED_CLOSE;
	return HTTP_FEED_WAIT;
}

enum http_feed_result http_session_feed(struct http_session *s, const uint8_t *data, size_t len,
					size_t *used)
{
	*used = 0;
	if (s->phase == HTTP_PHASE_CLOSED)
		return HTTP_FEED_CLOSE;
	if (s->phase == HTTP_PHASE_BUSY)
		return HTTP_FEED_WAIT;
	if (len == 0)
		return HTTP_FEED_MORE;
	if (s->phase == HTTP_PHASE_IDLE) {
		s->phase = HTTP_PHASE_HEADERS;
		s->responded = false;
		if (s->paused) {
			llhttp_resume(&s->parser);
			s->paused = false;
		}
	}
	size_t off = 0;
	/* After the headers the parser may finish a request without another
	 * byte (no body), so it runs once more even on an empty rest. */
	bool again = false;
	while (off < len || again) {
		again = false;
		const char *start = (const char *)data + off;
		llhttp_errno_t err = llhttp_execute(&s->parser, start, len - off);
		size_t taken = len - off;
		if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE)
			taken = (size_t)(llhttp_get_error_pos(&s->parser) - start);
		bool in_headers = s->phase == HTTP_PHASE_HEADERS;
		if (in_headers) {
			uint64_t total = (uint64_t)s->header_bytes + taken;
			s->header_bytes = total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
		}
		off += taken;
		*used = off;
		if (err == HPE_OK) {
			if (in_headers && s->header_bytes > s->limits->max_header_bytes) {
				answer_error(s, HTTP_ERR_HEADERS_TOO_LARGE, true);
				return HTTP_FEED_CLOSE;
			}
			continue;
		}
		if (err == HPE_PAUSED && s->at_headers) {
			s->at_headers = false;
			llhttp_resume(&s->parser);
			if (!headers_done(s))
				return HTTP_FEED_CLOSE;
			again = true;
			continue;
		}
		if (err == HPE_PAUSED && s->at_message_end && s->discarding) {
			/* The early answer's body is all in: on to the next request. */
			s->at_message_end = false;
			s->discarding = false;
			s->served_one = true;
			s->responded = false;
			llhttp_resume(&s->parser);
			s->phase = off < len ? HTTP_PHASE_HEADERS : HTTP_PHASE_IDLE;
			continue;
		}
		if (err == HPE_PAUSED && s->at_message_end) {
			s->at_message_end = false;
			s->paused = true; /* resumed when the next request starts */
			s->phase = HTTP_PHASE_BUSY;
			if (s->handler && s->handler->on_request)
				s->handler->on_request(s, &s->req, s->handler_ctx);
			else
				answer_error(s, HTTP_ERR_BAD_REQUEST, true);
			return after_response(s);
		}
		/* A protocol error, a refusal from a callback, or an upgrade. */
		enum http_error e = s->cb_error_set ? s->cb_error : HTTP_ERR_BAD_REQUEST;
		s->cb_error_set = false;
		answer_error(s, e, true);
		return HTTP_FEED_CLOSE;
	}
	return s->phase == HTTP_PHASE_CLOSED ? HTTP_FEED_CLOSE : HTTP_FEED_MORE;
}

enum http_feed_result http_session_timeout(struct http_session *s)
{
	switch (s->phase) {
	case HTTP_PHASE_HEADERS:
		answer_error(s, HTTP_ERR_HEADER_TIMEOUT, true);
		return HTTP_FEED_CLOSE;
	case HTTP_PHASE_BODY:
		answer_error(s, HTTP_ERR_BODY_TIMEOUT, true);
		return HTTP_FEED_CLOSE;
	case HTTP_PHASE_BUSY:
		answer_error(s, HTTP_ERR_HANDLER_TIMEOUT, false);
		return after_response(s);
	default:
		s->closing = true;
		s->phase = HTTP_PHASE_CLOSED;
		return HTTP_FEED_CLOSE;
	}
}

void http_session_refuse(struct http_session *s, enum http_error e)
{
	answer_error(s, e, true);
}

void http_session_drop_body(struct http_session *s)
{
	free(s->req.body);
	s->req.body = NULL;
	s->req.body_len = s->req.body_cap = 0;
	budget_release(s);
}

void http_session_close(struct http_session *s)
{
	if (s->phase == HTTP_PHASE_BUSY && !s->responded && s->handler && s->handler->on_cancel)
		s->handler->on_cancel(s, &s->req, s->handler_ctx);
	reset_request(s);
	s->closing = true;
	s->phase = HTTP_PHASE_CLOSED;
}

enum http_phase http_session_phase(const struct http_session *s)
{
	return s->phase;
}

bool http_session_started(const struct http_session *s)
{
	return s->phase == HTTP_PHASE_HEADERS || s->phase == HTTP_PHASE_BODY ||
	       s->phase == HTTP_PHASE_BUSY;
}
