#include "otlp_grpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_response.h"

static const char *const service_paths[OTLP_SIGNAL_COUNT] = {
	[OTLP_SIGNAL_TRACES] = "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
	[OTLP_SIGNAL_METRICS] = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
	[OTLP_SIGNAL_LOGS] = "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
};

void otlp_grpc_init(struct otlp_grpc *g, const struct otlp_grpc_config *cfg,
		    const struct otlp_sink *sink)
{
	memset(g, 0, sizeof *g);
	g->pipe = (struct otlp_pipeline){.max_request_bytes = cfg->max_request_bytes,
					 .codec = cfg->codec,
					 .forwarding = cfg->forwarding,
					 .sink = *sink};
	g->ack_timeout_ms = cfg->ack_timeout_ms;
}

static int route(const struct grpc_call *c, enum otlp_signal *out)
{
	if (c->path_too_long)
		return -1;
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++) {
		if (strcmp(c->path, service_paths[i]) == 0) {
			*out = (enum otlp_signal)i;
			return 0;
		}
	}
	return -1;
}

/* ---- answers ---- */

/* A failure: grpc-status and grpc-message naming the problem (never
 * request bytes); UNAVAILABLE carries RetryInfo so that clients retry. */
static void fail(struct otlp_grpc *g, struct grpc_call *c, uint32_t status, int http_status,
		 enum otlp_reject why, const char *message)
{
	g->stats.rejects[why]++;
	g->stats.responses[status < GRPC_STATUS_COUNT ? status : 0]++;
	uint8_t details[OTLP_RESPONSE_MAX];
	size_t dlen = 0;
	if (status == GRPC_UNAVAILABLE &&
	    otlp_status_body(OTLP_ENCODING_PROTOBUF, (int32_t)status, message, GRPC_RETRY_AFTER_S,
			     details, sizeof details, &dlen) != 0)
		dlen = 0;
	struct grpc_response r = {.http_status = http_status, .status = status, .message = message,
				  .details = dlen ? details : NULL, .details_len = dlen};
	grpc_session_respond(c->session, c, &r);
}

static void succeed(struct otlp_grpc *g, struct grpc_call *c, enum otlp_signal sig,
		    uint64_t rejected, const char *message)
{
	uint8_t body[OTLP_RESPONSE_MAX];
	size_t len = 0;
	if (otlp_export_response(sig, OTLP_ENCODING_PROTOBUF, rejected, rejected ? message : NULL,
				 body, sizeof body, &len) != 0)
		len = 0;
	g->stats.responses[GRPC_OK]++;
	struct grpc_response r = {.status = GRPC_OK, .body = body, .body_len = len,
				  .has_body = true};
	grpc_session_respond(c->session, c, &r);
}

/* The grpc-status of a refusal by the pipeline. */
static uint32_t reject_status(enum otlp_reject why)
{
	switch (why) {
	case OTLP_REJECT_TOO_LARGE: return GRPC_RESOURCE_EXHAUSTED;
	case OTLP_REJECT_BAD_REQUEST: return GRPC_INVALID_ARGUMENT;
	default: return GRPC_UNAVAILABLE;
	}
}

static enum otlp_reject error_reason(enum grpc_error e)
{
	switch (e) {
	case GRPC_ERR_NOT_POST: return OTLP_REJECT_METHOD_NOT_ALLOWED;
	case GRPC_ERR_CONTENT_TYPE:
	case GRPC_ERR_SUBTYPE:
	case GRPC_ERR_ENCODING: return OTLP_REJECT_UNSUPPORTED_TYPE;
	case GRPC_ERR_HEADERS_TOO_LARGE: return OTLP_REJECT_HEADER_TOO_LARGE;
	case GRPC_ERR_TOO_LARGE:
	case GRPC_ERR_EXTRA_DATA: return OTLP_REJECT_TOO_LARGE;
	case GRPC_ERR_OVERLOADED: return OTLP_REJECT_OVERLOADED;
	case GRPC_ERR_SLOW_CLIENT: return OTLP_REJECT_SLOW_CLIENT;
	case GRPC_ERR_DEADLINE: return OTLP_REJECT_TIMEOUT;
	default: return OTLP_REJECT_BAD_REQUEST;
	}
}

/* ---- the handler ---- */

static void release_pending(struct grpc_call *c)
{
	struct otlp_pending *p = c->user;
	if (p != NULL)
		p->waiter = NULL;
	c->user = NULL;
}

static void on_call(struct grpc_session *s, struct grpc_call *c, void *ctx)
{
	(void)s;
	struct otlp_grpc *g = ctx;
	enum otlp_signal sig;
	if (route(c, &sig) != 0) {
		fail(g, c, GRPC_UNIMPLEMENTED, 0, OTLP_REJECT_NOT_FOUND,
		     "unknown method; OTLP/gRPC serves the Export method of "
		     "opentelemetry.proto.collector.{trace,metrics,logs}.v1");
		return;
	}
	/* Without room in the writer's queue now, the message is not worth
	 * reading: the client retries after RetryInfo's delay. */
	int err = g->pipe.sink.check(g->pipe.sink.ctx, OTLP_DEST_WRITER, 0);
	if (err) {
		const char *message;
		enum otlp_reject why = otlp_queue_error(err, &message);
		fail(g, c, reject_status(why), 0, why, message);
	}
}

static void grpc_acked(struct otlp_pending *p, int status);

static void on_message(struct grpc_session *s, struct grpc_call *c, const uint8_t *msg,
		       size_t len, bool compressed, void *ctx)
{
	struct otlp_grpc *g = ctx;
	enum otlp_signal sig;
	if (route(c, &sig) != 0) { /* on_call let only these through */
		fail(g, c, GRPC_INVALID_ARGUMENT, 0, OTLP_REJECT_BAD_REQUEST, "unexpected call");
		return;
	}
	g->stats.requests[sig]++;
	g->stats.bytes_in += len;
	struct otlp_outcome o;
	uint8_t *inflated = NULL;
	if (compressed) {
		if (otlp_pipeline_inflate(&g->pipe, msg, len, &inflated, &len, &o) != 0) {
			fail(g, c, reject_status(o.why), 0, o.why, o.message);
			return;
		}
		msg = inflated;
	}
	otlp_pipeline_submit(&g->pipe, sig, OTLP_ENCODING_PROTOBUF, msg, len, grpc_acked, g, &o);
	free(inflated);
	if (o.decoded)
		g->stats.items_rejected[sig] += o.rejected;
	switch (o.kind) {
	case OTLP_OUTCOME_DONE:
		succeed(g, c, sig, o.rejected, o.message);
		break;
	case OTLP_OUTCOME_FAILED:
		fail(g, c, reject_status(o.why), 0, o.why, o.message);
		break;
	case OTLP_OUTCOME_QUEUED:
		o.pending->waiter = c;
		c->user = o.pending;
		g->stats.in_flight++;
		g->stats.forward_dropped += o.forward_dropped;
		grpc_session_set_deadline(s, c, g->ack_timeout_ms);
		break;
	}
}

static void grpc_acked(struct otlp_pending *p, int status)
{
	struct otlp_grpc *g = p->transport;
	g->stats.in_flight--;
	if (status == 0)
		g->stats.items_accepted[p->signal] += p->items - p->rejected;
	struct grpc_call *c = p->waiter;
	if (c == NULL)
		return;
	c->user = NULL;
	if (status == 0)
		succeed(g, c, p->signal, p->rejected, p->message);
	else
		fail(g, c, GRPC_UNAVAILABLE, 0, OTLP_REJECT_WRITER_DOWN,
		     "storage restarted before taking the data; retry");
}

static void on_error(struct grpc_session *s, struct grpc_call *c, enum grpc_error e, void *ctx)
{
	(void)s;
	release_pending(c);
	int http_status;
	uint32_t status = grpc_error_status(e, &http_status);
	fail(ctx, c, status, http_status, error_reason(e), grpc_error_message(e));
}

static void on_cancel(struct grpc_session *s, struct grpc_call *c, void *ctx)
{
	(void)s;
	(void)ctx;
	release_pending(c);
}

const struct grpc_handler otlp_grpc_handler = {
	.on_call = on_call,
	.on_message = on_message,
	.on_error = on_error,
	.on_cancel = on_cancel,
};

/* ---- counters ---- */

int otlp_grpc_add_stats(const struct otlp_grpc *g, struct stats_buf *b)
{
	static const struct {
		uint32_t code;
		const char *name;
	} codes[] = {
		{GRPC_OK, "ok"},
		{GRPC_INVALID_ARGUMENT, "invalid_argument"},
		{GRPC_DEADLINE_EXCEEDED, "deadline_exceeded"},
		{GRPC_RESOURCE_EXHAUSTED, "resource_exhausted"},
		{GRPC_UNIMPLEMENTED, "unimplemented"},
		{GRPC_UNAVAILABLE, "unavailable"},
	};
	char name[STATS_NAME_MAX];
	int err = 0;
	for (int i = 0; i < OTLP_SIGNAL_COUNT && !err; i++) {
		const char *sig = otlp_signal_name((enum otlp_signal)i);
		snprintf(name, sizeof name, "grpc_requests_%s", sig);
		err = stats_add(b, name, g->stats.requests[i]);
		snprintf(name, sizeof name, "grpc_items_accepted_%s", sig);
		if (!err)
			err = stats_add(b, name, g->stats.items_accepted[i]);
		snprintf(name, sizeof name, "grpc_items_rejected_%s", sig);
		if (!err)
			err = stats_add(b, name, g->stats.items_rejected[i]);
	}
	for (size_t i = 0; i < sizeof codes / sizeof codes[0] && !err; i++) {
		snprintf(name, sizeof name, "grpc_responses_%s", codes[i].name);
		err = stats_add(b, name, g->stats.responses[codes[i].code]);
	}
	for (int i = 0; i < OTLP_REJECT_COUNT && !err; i++) {
		snprintf(name, sizeof name, "grpc_rejects_%s", otlp_reject_name((enum otlp_reject)i));
		err = stats_add(b, name, g->stats.rejects[i]);
	}
	if (!err)
		err = stats_add(b, "grpc_bytes_in", g->stats.bytes_in);
	if (!err)
		err = stats_add(b, "grpc_in_flight", g->stats.in_flight);
	if (!err)
		err = stats_add(b, "grpc_forward_dropped", g->stats.forward_dropped);
	return err;
}
