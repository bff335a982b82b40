#include "otlp_pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gzip.h"

static const char *const reject_names[OTLP_REJECT_COUNT] = {
	[OTLP_REJECT_TOO_LARGE] = "too_large",
	[OTLP_REJECT_UNSUPPORTED_TYPE] = "unsupported_type",
	[OTLP_REJECT_BAD_REQUEST] = "bad_request",
	[OTLP_REJECT_NO_CREDIT] = "no_credit",
	[OTLP_REJECT_WRITER_DOWN] = "writer_down",
	[OTLP_REJECT_TIMEOUT] = "timeout",
	[OTLP_REJECT_TOO_MANY_CONNECTIONS] = "too_many_connections",
	[OTLP_REJECT_HEADER_TOO_LARGE] = "header_too_large",
	[OTLP_REJECT_SLOW_CLIENT] = "slow_client",
	[OTLP_REJECT_NOT_FOUND] = "not_found",
	[OTLP_REJECT_METHOD_NOT_ALLOWED] = "method_not_allowed",
	[OTLP_REJECT_OVERLOADED] = "overloaded",
};

const char *otlp_reject_name(enum otlp_reject r)
{
	return (unsigned)r < OTLP_REJECT_COUNT ? reject_names[r] : "unknown";
}

static void failed(struct otlp_outcome *o, enum otlp_reject why, const char *message)
{
	o->kind = OTLP_OUTCOME_FAILED;
	o->why = why;
	snprintf(o->message, sizeof o->message, "%s", message);
}

enum otlp_reject otlp_queue_error(int err, const char **message)
{
	switch (err) {
	case -EMSGSIZE:
		*message = "the request is larger than the queue to storage can ever take";
		return OTLP_REJECT_TOO_LARGE;
	case -ENOTCONN:
	case -EPIPE:
		*message = "storage is restarting; retry later";
		return OTLP_REJECT_WRITER_DOWN;
	default:
		*message = "storage is busy; retry later";
		return OTLP_REJECT_NO_CREDIT;
	}
}

int otlp_pipeline_inflate(const struct otlp_pipeline *p, const uint8_t *in, size_t len,
			  uint8_t **out, size_t *out_len, struct otlp_outcome *o)
{
	int err = gzip_inflate(in, len, p->max_request_bytes, out, out_len);
	if (err == -EFBIG)
		failed(o, OTLP_REJECT_TOO_LARGE, "the decompressed body is larger than the limit");
	else if (err == -ENOMEM)
		failed(o, OTLP_REJECT_OVERLOADED, "out of memory; retry later");
	else if (err)
		failed(o, OTLP_REJECT_BAD_REQUEST, "the body is not valid gzip (corrupt or truncated)");
	return err;
}

/* Sends the canonical request to the writer (the answer waits for its
 * ack) and, best effort, to the forwarder. */
static void queue(const struct otlp_pipeline *p, enum otlp_signal sig, enum otlp_encoding enc,
		  const struct otlp_request *req, otlp_pending_cb on_ack, void *transport,
		  struct otlp_outcome *o)
{
	if (req->len > p->max_request_bytes) {
		failed(o, OTLP_REJECT_TOO_LARGE, "the request in protobuf is larger than the limit");
		return;
	}
	struct otlp_pending *pending = malloc(sizeof *pending);
	int err = pending ? p->sink.send(p->sink.ctx, OTLP_DEST_WRITER, sig, req->data, req->len,
					 pending)
			  : -ENOMEM;
	if (err) {
		free(pending);
		const char *message;
		enum otlp_reject why = otlp_queue_error(err, &message);
		failed(o, why, message);
		return;
	}
	*pending = (struct otlp_pending){.on_ack = on_ack, .transport = transport, .signal = sig,
					 .encoding = enc, .items = req->check.items,
					 .rejected = req->check.rejected};
	memcpy(pending->message, req->check.message, sizeof pending->message);
	o->kind = OTLP_OUTCOME_QUEUED;
	o->pending = pending;
	/* A full or absent forwarder never slows or fails the client. */
	o->forward_dropped =
		p->forwarding &&
		p->sink.send(p->sink.ctx, OTLP_DEST_FORWARDER, sig, req->data, req->len, NULL) != 0;
}

void otlp_pipeline_submit(const struct otlp_pipeline *p, enum otlp_signal signal,
			  enum otlp_encoding encoding, const uint8_t *body, size_t len,
			  otlp_pending_cb on_ack, void *transport, struct otlp_outcome *o)
{
	memset(o, 0, sizeof *o);
	struct otlp_request req = {0};
	int err = otlp_request_decode(signal, encoding, body, len, &p->codec, &req);
	if (err == -ENOMEM) {
		failed(o, OTLP_REJECT_OVERLOADED, "out of memory; retry later");
	} else if (err) {
		o->kind = OTLP_OUTCOME_FAILED;
		o->why = OTLP_REJECT_BAD_REQUEST;
		snprintf(o->message, sizeof o->message, "invalid OTLP/%s: %s",
			 encoding == OTLP_ENCODING_JSON ? "JSON" : "protobuf", req.check.message);
	} else {
		o->decoded = true;
		o->rejected = req.check.rejected;
		if (req.check.items == req.check.rejected) {
			/* Nothing to store: an empty request, or every item rejected. */
			o->kind = OTLP_OUTCOME_DONE;
			if (req.check.rejected > 0)
				snprintf(o->message, sizeof o->message, "%s", req.check.message);
		} else {
			queue(p, signal, encoding, &req, on_ack, transport, o);
		}
	}
	otlp_request_release(&req);
}

void otlp_pending_acked(void *token, int status)
{
	struct otlp_pending *p = token;
	if (p == NULL)
		return;
	p->on_ack(p, status);
	free(p);
}
