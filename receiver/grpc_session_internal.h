#ifndef OTLPD_GRPC_SESSION_INTERNAL_H
#define OTLPD_GRPC_SESSION_INTERNAL_H

#include <nghttp2/nghttp2.h>

#include "grpc_session.h"

/* Shared by grpc_session.c (reading, timers) and grpc_respond.c (answers). */

enum call_state {
	CALL_HEADERS,   /* request headers arriving */
	CALL_RECEIVING, /* accepted; its message arriving */
	CALL_HANDLER,   /* the handler has the message */
	CALL_ANSWERED,  /* the response is submitted */
};

/* Frees the call's message and returns its bytes to the budget. */
void grpc_call_drop_message(struct grpc_session *s, struct grpc_call *c);
/* Unlinks and frees a call whose stream is gone. */
void grpc_call_free(struct grpc_session *s, struct grpc_call *c);
/* The handler answers e; a call it leaves unanswered is reset. */
void grpc_call_error(struct grpc_session *s, struct grpc_call *c, enum grpc_error e);
/* grpc_calls.c's nghttp2 callbacks for what the client sends. */
void grpc_set_recv_callbacks(nghttp2_session_callbacks *cb);

/* Sends what nghttp2 has queued, unless inside our own API (the outermost
 * call sends). */
void grpc_session_flush(struct grpc_session *s);

/* Counts one frame of a flood-prone kind; past the bucket, GOAWAY
 * ENHANCE_YOUR_CALM. */
void grpc_session_take(struct grpc_session *s, struct grpc_bucket *b, uint32_t burst,
		       uint32_t per_s);

/* nghttp2 callback: a frame went out (early answers end with RST_STREAM
 * NO_ERROR so that the client stops sending; GOAWAYs are counted). */
int grpc_on_frame_send(nghttp2_session *ng, const nghttp2_frame *frame, void *user_data);

#endif
