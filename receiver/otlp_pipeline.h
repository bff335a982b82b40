#ifndef OTLPD_OTLP_PIPELINE_H
#define OTLPD_OTLP_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlp_decode.h"
#include "otlp_response.h"
#include "otlp_signal.h"

/* What OTLP/HTTP and OTLP/gRPC do alike with a request body, without any
 * transport: inflate it (bounded), decode it once (otlp_decode.h), queue
 * the canonical protobuf to the writer (and, best effort, the forwarder),
 * and hand the writer's acknowledgement back to the transport that waits
 * for it. Each transport turns the outcome into its own status codes and
 * keeps its own counters. */

enum otlp_dest {
	OTLP_DEST_WRITER,
	OTLP_DEST_FORWARDER,
};

/* The queues, abstract so that tests and the fuzzer can stand in. */
struct otlp_sink {
	/* Queues one request (copied). A writer message is acknowledged later
	 * through otlp_pending_acked(token); a forwarder message is fire and
	 * forget. Returns 0, -EAGAIN (no credit), -ENOTCONN (peer away),
	 * -EMSGSIZE or another negative errno. */
	int (*send)(void *ctx, enum otlp_dest dest, enum otlp_signal signal, const uint8_t *buf,
		    size_t len, void *token);
	/* Whether a message of len bytes could be queued now (len 0: any
	 * message): 0, -EAGAIN or -ENOTCONN. */
	int (*check)(void *ctx, enum otlp_dest dest, uint64_t len);
	void *ctx;
};

/* Why a request was refused, for the counters of both transports. */
enum otlp_reject {
	OTLP_REJECT_TOO_LARGE,
	OTLP_REJECT_UNSUPPORTED_TYPE,
	OTLP_REJECT_BAD_REQUEST,
	OTLP_REJECT_NO_CREDIT,
	OTLP_REJECT_WRITER_DOWN,
	OTLP_REJECT_TIMEOUT,
	OTLP_REJECT_TOO_MANY_CONNECTIONS,
	OTLP_REJECT_HEADER_TOO_LARGE,
	OTLP_REJECT_SLOW_CLIENT,
	OTLP_REJECT_NOT_FOUND,
	OTLP_REJECT_METHOD_NOT_ALLOWED,
	OTLP_REJECT_OVERLOADED,
	OTLP_REJECT_COUNT,
};

const char *otlp_reject_name(enum otlp_reject r);

struct otlp_pipeline {
	uint64_t max_request_bytes; /* body before and after decompression */
	struct otlp_codec_limits codec;
	bool forwarding;
	struct otlp_sink sink;
};

struct otlp_pending;
/* The writer took (status 0) or lost (status < 0) the pending request. */
typedef void (*otlp_pending_cb)(struct otlp_pending *p, int status);

/* A request queued to the writer and not yet answered; it is the token of
 * its message and outlives the client's connection when that goes first. */
struct otlp_pending {
	otlp_pending_cb on_ack;
	void *transport; /* the transport's own state (struct otlp_http, ...) */
	void *waiter;    /* what answers the client; NULL: answered or gone */
	enum otlp_signal signal;
	enum otlp_encoding encoding;
	uint64_t items;
	uint64_t rejected;
	char message[sizeof(((struct otlp_check *)0)->message)];
};

enum otlp_outcome_kind {
	OTLP_OUTCOME_QUEUED, /* answer when pending is acknowledged */
	OTLP_OUTCOME_DONE,   /* nothing to store (empty, or every item rejected): succeed now */
	OTLP_OUTCOME_FAILED, /* refuse now: why, message */
};

struct otlp_outcome {
	enum otlp_outcome_kind kind;
	bool decoded;        /* the body was well formed: rejected counts */
	uint64_t rejected;   /* items dropped with partial_success */
	bool forward_dropped;
	enum otlp_reject why;
	char message[OTLP_RESPONSE_MESSAGE_MAX];
	struct otlp_pending *pending; /* QUEUED: the token, owned by the ack path */
};

/* Inflates a gzip body into *out (malloc, the caller frees) of at most
 * max_request_bytes. On failure fills why and message and returns the
 * error (-EFBIG: too large, -ENOMEM: overloaded, else not gzip). */
int otlp_pipeline_inflate(const struct otlp_pipeline *p, const uint8_t *in, size_t len,
			  uint8_t **out, size_t *out_len, struct otlp_outcome *o);

/* Decodes a plain body and queues it. On QUEUED, o->pending carries
 * on_ack and transport; the caller sets pending->waiter. The body may be
 * freed when this returns. */
void otlp_pipeline_submit(const struct otlp_pipeline *p, enum otlp_signal signal,
			  enum otlp_encoding encoding, const uint8_t *body, size_t len,
			  otlp_pending_cb on_ack, void *transport, struct otlp_outcome *o);

/* The reason and words for a refusal by the queue (sink.check or
 * sink.send): -EMSGSIZE never fits, -ENOTCONN/-EPIPE the writer is away,
 * anything else no credit. */
enum otlp_reject otlp_queue_error(int err, const char **message);

/* The writer's acknowledgement of token (a struct otlp_pending, or NULL for
 * forwarder messages, ignored): calls its on_ack, then frees it. */
void otlp_pending_acked(void *token, int status);

#endif
