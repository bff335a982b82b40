/* Answers to gRPC calls: a message and trailers, or trailers only; the
 * refusals the session finds itself; the end of early answers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grpc_session_internal.h"

static const struct {
	uint32_t status;
	int http_status;
	const char *message;
} errors[GRPC_ERR_COUNT] = {
	[GRPC_ERR_NOT_POST] = {GRPC_UNIMPLEMENTED, 405, "gRPC calls are POST requests"},
	[GRPC_ERR_CONTENT_TYPE] = {GRPC_INVALID_ARGUMENT, 415,
				   "content-type must be application/grpc"},
	[GRPC_ERR_SUBTYPE] = {GRPC_UNIMPLEMENTED, 0,
			      "only application/grpc with protobuf messages is served here"},
	[GRPC_ERR_ENCODING] = {GRPC_UNIMPLEMENTED, 0, "grpc-encoding must be gzip or identity"},
	[GRPC_ERR_BAD_TIMEOUT] = {GRPC_INVALID_ARGUMENT, 0, "grpc-timeout is malformed"},
	[GRPC_ERR_HEADERS_TOO_LARGE] = {GRPC_RESOURCE_EXHAUSTED, 0,
					"the request headers are larger than the limit"},
	[GRPC_ERR_BAD_PREFIX] = {GRPC_INVALID_ARGUMENT, 0,
				 "the message prefix is invalid (compressed flag not 0 or 1)"},
	[GRPC_ERR_COMPRESSED_IDENTITY] = {GRPC_INVALID_ARGUMENT, 0,
					  "the message is flagged compressed but no "
					  "grpc-encoding was given"},
	[GRPC_ERR_NO_MESSAGE] = {GRPC_INVALID_ARGUMENT, 0, "the call carries no message"},
	[GRPC_ERR_TRUNCATED] = {GRPC_INVALID_ARGUMENT, 0,
				"the stream ended before the message was complete"},
	[GRPC_ERR_TOO_LARGE] = {GRPC_RESOURCE_EXHAUSTED, 0,
				"the message is larger than the limit"},
	[GRPC_ERR_EXTRA_DATA] = {GRPC_RESOURCE_EXHAUSTED, 0,
				 "a unary call takes one message; more bytes followed it"},
	[GRPC_ERR_OVERLOADED] = {GRPC_UNAVAILABLE, 0, "the server is busy; retry later"},
	[GRPC_ERR_SLOW_CLIENT] = {GRPC_DEADLINE_EXCEEDED, 0,
				  "the message stalled; it must keep arriving"},
	[GRPC_ERR_DEADLINE] = {GRPC_DEADLINE_EXCEEDED, 0,
			       "the deadline passed before storage took the data"},
};

uint32_t grpc_error_status(enum grpc_error e, int *http_status)
{
	if ((unsigned)e >= GRPC_ERR_COUNT) {
		*http_status = 0;
		return GRPC_INVALID_ARGUMENT;
	}
	*http_status = errors[e].http_status;
	return errors[e].status;
}

const char *grpc_error_message(enum grpc_error e)
{
	return (unsigned)e < GRPC_ERR_COUNT ? errors[e].message : "bad request";
}

#define NV(n, v)                                                                            \
	{ (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE }

/* grpc-status, grpc-message and grpc-status-details-bin of c into nv. */
static size_t status_fields(const struct grpc_call *c, const char *status, nghttp2_nv *nv)
{
	size_t n = 0;
	nv[n++] = (nghttp2_nv)NV("grpc-status", status);
	if (c->trailer_message != NULL)
		nv[n++] = (nghttp2_nv)NV("grpc-message", c->trailer_message);
	if (c->trailer_details != NULL)
		nv[n++] = (nghttp2_nv)NV("grpc-status-details-bin", c->trailer_details);
	return n;
}

/* Sends the response message, then the trailers. */
static ssize_t read_body(nghttp2_session *ng, int32_t stream_id, uint8_t *buf, size_t length,
			 uint32_t *data_flags, nghttp2_data_source *source, void *user_data)
{
	(void)user_data;
	struct grpc_call *c = source->ptr;
	size_t n = c->out_len - c->out_off;
	if (n > length)
		n = length;
	memcpy(buf, c->out + c->out_off, n);
	c->out_off += n;
	if (c->out_off < c->out_len)
		return (ssize_t)n;
	*data_flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
	char status[12];
	snprintf(status, sizeof status, "%u", (unsigned)c->trailer_status);
	nghttp2_nv nv[3];
	size_t nvlen = status_fields(c, status, nv);
	if (nghttp2_submit_trailer(ng, stream_id, nv, nvlen) != 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	return (ssize_t)n;
}

/* Keeps what the trailers need: grpc-message percent-encoded,
 * details in base64. */
static int keep_trailers(struct grpc_call *c, const struct grpc_response *r)
{
	c->trailer_status = r->status;
	if (r->message != NULL && r->message[0] != '\0') {
		size_t cap = strlen(r->message) * 3 + 1;
		c->trailer_message = malloc(cap);
		if (c->trailer_message == NULL ||
		    grpc_percent_encode(r->message, c->trailer_message, cap) != 0)
			return -ENOMEM;
	}
	if (r->details != NULL && r->details_len > 0) {
		size_t cap = r->details_len / 3 * 4 + 4, len;
		c->trailer_details = malloc(cap);
		if (c->trailer_details == NULL ||
		    grpc_base64(r->details, r->details_len, c->trailer_details, cap, &len) != 0)
			return -ENOMEM;
	}
	return 0;
}

static int with_message(struct grpc_session *s, struct grpc_call *c, const struct grpc_response *r)
{
	if (r->body_len > UINT32_MAX - GRPC_PREFIX_BYTES)
		return -EMSGSIZE;
	c->out = malloc(GRPC_PREFIX_BYTES + r->body_len);
	if (c->out == NULL)
		return -ENOMEM;
	grpc_prefix_write(c->out, false, (uint32_t)r->body_len);
	if (r->body_len > 0)
		memcpy(c->out + GRPC_PREFIX_BYTES, r->body, r->body_len);
	c->out_len = GRPC_PREFIX_BYTES + r->body_len;
	const nghttp2_nv nv[] = {
		NV(":status", "200"),
		NV("content-type", "application/grpc"),
		NV("grpc-accept-encoding", "identity,gzip"),
	};
	nghttp2_data_provider dp = {.source.ptr = c, .read_callback = read_body};
	return nghttp2_submit_response(s->ng, c->stream_id, nv, sizeof nv / sizeof nv[0], &dp) == 0
		       ? 0
		       : -EPIPE;
}

/* Trailers-Only: one HEADERS frame that ends the stream. */
static int trailers_only(struct grpc_session *s, struct grpc_call *c, const struct grpc_response *r)
{
	char http_status[8], status[12];
	snprintf(http_status, sizeof http_status, "%d", r->http_status ? r->http_status : 200);
	snprintf(status, sizeof status, "%u", (unsigned)r->status);
	nghttp2_nv nv[6] = {
		NV(":status", http_status),
		NV("content-type", "application/grpc"),
		NV("grpc-accept-encoding", "identity,gzip"),
	};
	size_t n = 3 + status_fields(c, status, nv + 3);
	return nghttp2_submit_response(s->ng, c->stream_id, nv, n, NULL) == 0 ? 0 : -EPIPE;
}

int grpc_session_respond(struct grpc_session *s, struct grpc_call *c,
			 const struct grpc_response *r)
{
	if (s->dead || s->io_failed || c->state == CALL_ANSWERED)
		return -EPIPE;
	c->state = CALL_ANSWERED;
	grpc_call_drop_message(s, c);
	int err = keep_trailers(c, r);
	if (!err)
		err = r->has_body && r->http_status == 0 ? with_message(s, c, r)
							 : trailers_only(s, c, r);
	if (err)
		nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE, c->stream_id,
					  NGHTTP2_INTERNAL_ERROR);
	if (s->depth == 0) {
		/* c may be freed by the flush: the stream closes. */
		grpc_session_flush(s);
		if (s->io->changed != NULL)
			s->io->changed(s->io_ctx);
	}
	return err;
}

int grpc_on_frame_send(nghttp2_session *ng, const nghttp2_frame *frame, void *user_data)
{
	struct grpc_session *s = user_data;
	if (frame->hd.type == NGHTTP2_GOAWAY) {
		/* Ours set s->goaway first; the others are nghttp2's own verdicts. */
		if (!s->goaway && frame->goaway.error_code == NGHTTP2_ENHANCE_YOUR_CALM)
			s->stats->floods++;
		else if (!s->goaway && frame->goaway.error_code != NGHTTP2_NO_ERROR)
			s->stats->protocol_errors++;
		s->goaway = true;
		return 0;
	}
	if (frame->hd.type != NGHTTP2_HEADERS || !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	/* An answer before the whole request: RFC 9113 8.1 lets the server
	 * ask the client to stop sending with RST_STREAM NO_ERROR. */
	int32_t id = frame->hd.stream_id;
	if (nghttp2_session_get_stream_remote_close(ng, id) == 0)
		nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, id, NGHTTP2_NO_ERROR);
	return 0;
}
