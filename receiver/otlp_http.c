#include "otlp_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "otlp_decode.h"
#include "otlp_response.h"
#include "receiver_limits.h"

/* The request's content type, which is also the response's (the spec: "The
 * server MUST use the same Content-Type in the response as it received in
 * the request"). Where the request's type is missing or not one of ours
 * (404, 405, 415, 408, 431 before the headers were read) the answer is a
 * google.rpc.Status in JSON: the spec's failure body, readable by the
 * person at the other end of curl, and what an OTLP/JSON client expects;
 * an OTLP/protobuf client always sends its type, so it gets protobuf. */
static const char *const content_types[] = {
	[OTLP_ENCODING_PROTOBUF] = "application/x-protobuf",
	[OTLP_ENCODING_JSON] = "application/json",
};

enum body_coding {
	CODING_IDENTITY,
	CODING_GZIP,
	CODING_UNSUPPORTED,
};

void otlp_http_init(struct otlp_http *h, const struct otlp_http_config *cfg,
		    const struct otlp_sink *sink)
{
	memset(h, 0, sizeof *h);
	h->pipe = (struct otlp_pipeline){.max_request_bytes = cfg->max_request_bytes,
					 .codec = cfg->codec,
					 .forwarding = cfg->forwarding,
					 .sink = *sink};
}

/* ---- negotiation ---- */

static int route(const char *path, enum otlp_signal *out)
{
	static const char *const paths[OTLP_SIGNAL_COUNT] = {
		[OTLP_SIGNAL_TRACES] = "/v1/traces",
		[OTLP_SIGNAL_METRICS] = "/v1/metrics",
		[OTLP_SIGNAL_LOGS] = "/v1/logs",
	};
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++) {
		if (strcmp(path, paths[i]) == 0) {
			*out = (enum otlp_signal)i;
			return 0;
		}
	}
	return -ENOENT;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* [start, end) without surrounding spaces and tabs. */
static void trim(const char **start, const char **end)
{
	while (*start < *end && is_ows(**start))
		(*start)++;
	while (*end > *start && is_ows((*end)[-1]))
		(*end)--;
}

static bool span_is(const char *a, const char *end, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(end - a) == n && strncasecmp(a, word, n) == 0;
}

/* JSON is UTF-8 (RFC 8259); a charset parameter may only say so. */
static bool params_ok(const char *p, bool json)
{
	while (*p == ';') {
		const char *start = p + 1;
		const char *end = strchr(start, ';');
		if (end == NULL)
			end = start + strlen(start);
		p = end;
		const char *eq = memchr(start, '=', (size_t)(end - start));
		if (eq == NULL)
			return false;
		const char *name = start, *name_end = eq, *val = eq + 1, *val_end = end;
		trim(&name, &name_end);
		trim(&val, &val_end);
		if (val_end - val >= 2 && *val == '"' && val_end[-1] == '"') {
			val++;
			val_end--;
		}
		if (json && span_is(name, name_end, "charset") && !span_is(val, val_end, "utf-8"))
			return false;
	}
	return *p == '\0';
}

static int request_encoding(const struct http_request *r, enum otlp_encoding *out)
{
	if (!r->content_type_seen || r->content_type_too_long || r->content_type_repeated)
		return -EINVAL;
	const char *start = r->content_type;
	const char *end = strchr(start, ';');
	if (end == NULL)
		end = start + strlen(start);
	const char *params = end;
	trim(&start, &end);
	if (span_is(start, end, content_types[OTLP_ENCODING_PROTOBUF]))
		*out = OTLP_ENCODING_PROTOBUF;
	else if (span_is(start, end, content_types[OTLP_ENCODING_JSON]))
		*out = OTLP_ENCODING_JSON;
	else
		return -EINVAL;
	return params_ok(params, *out == OTLP_ENCODING_JSON) ? 0 : -EINVAL;
}

static enum body_coding request_coding(const struct http_request *r)
{
	if (!r->content_encoding_seen)
		return CODING_IDENTITY;
	if (r->content_encoding_too_long || r->content_encoding_repeated)
		return CODING_UNSUPPORTED;
	const char *start = r->content_encoding, *end = start + strlen(start);
	trim(&start, &end);
	if (span_is(start, end, "gzip") || span_is(start, end, "x-gzip"))
		return CODING_GZIP;
	if (start == end || span_is(start, end, "identity"))
		return CODING_IDENTITY;
	return CODING_UNSUPPORTED;
}

/* ---- answers ---- */

/* google.rpc.Code for the Status body; the spec leaves it optional. */
static int32_t rpc_code(int status)
{
	switch (status) {
	case 400: return 3;  /* INVALID_ARGUMENT */
	case 404: return 5;  /* NOT_FOUND */
	case 405: return 12; /* UNIMPLEMENTED */
	case 408: return 4;  /* DEADLINE_EXCEEDED */
	case 413:
	case 429:
	case 431: return 8;  /* RESOURCE_EXHAUSTED */
	case 415: return 3;
	case 417: return 9;  /* FAILED_PRECONDITION */
	case 503: return 14; /* UNAVAILABLE */
	default: return 2;   /* UNKNOWN */
	}
}

static void respond_body(struct otlp_http *h, struct http_session *s, int status,
			 enum otlp_encoding enc, const uint8_t *body, size_t len,
			 const char *allow)
{
	struct http_response resp = {
		.status = status,
		.content_type = content_types[enc],
		.body = body,
		.body_len = len,
		.retry_after_s = (status == 429 || status == 503) ? RECEIVER_RETRY_AFTER_S : 0,
		.allow = allow,
	};
	h->stats.responses[status / 100 < 6 ? status / 100 : 0]++;
	http_session_respond(s, &resp);
}

/* A failure: a google.rpc.Status body with a message that names the
 * problem, never request bytes. */
static void fail(struct otlp_http *h, struct http_session *s, const struct http_request *r,
		 int status, enum otlp_reject why, const char *message)
{
	enum otlp_encoding enc;
	if (request_encoding(r, &enc) != 0)
		enc = OTLP_ENCODING_JSON;
	h->stats.rejects[why]++;
	uint8_t body[OTLP_RESPONSE_MAX];
	size_t len = 0;
	if (otlp_status_body(enc, rpc_code(status), message, 0, body, sizeof body, &len) != 0)
		len = 0;
	respond_body(h, s, status, enc, body, len, status == 405 ? "POST" : NULL);
}

static void succeed(struct otlp_http *h, struct http_session *s, enum otlp_signal sig,
		    enum otlp_encoding enc, uint64_t rejected, const char *message)
{
	uint8_t body[OTLP_RESPONSE_MAX];
	size_t len = 0;
	if (otlp_export_response(sig, enc, rejected, rejected ? message : NULL, body, sizeof body,
				 &len) != 0)
		len = 0;
	respond_body(h, s, 200, enc, body, len, NULL);
}

/* ---- the handler ---- */

static void release_pending(struct http_request *r)
{
	struct otlp_pending *p = r->user;
	if (p != NULL)
		p->waiter = NULL;
	r->user = NULL;
}

/* The HTTP status of a refusal by the pipeline. */
static int reject_status(enum otlp_reject why)
{
	switch (why) {
	case OTLP_REJECT_TOO_LARGE: return 413;
	case OTLP_REJECT_BAD_REQUEST: return 400;
	default: return 503;
	}
}

static void on_headers(struct http_session *s, struct http_request *r, void *ctx)
{
	struct otlp_http *h = ctx;
	enum otlp_signal sig;
	enum otlp_encoding enc;
	if (route(r->path, &sig) != 0) {
		fail(h, s, r, 404, OTLP_REJECT_NOT_FOUND,
		     "not found; OTLP/HTTP paths are /v1/traces, /v1/metrics and /v1/logs");
		return;
	}
	if (r->method != HTTP_POST) {
		fail(h, s, r, 405, OTLP_REJECT_METHOD_NOT_ALLOWED, "only POST is allowed here");
		return;
	}
	if (request_encoding(r, &enc) != 0) {
		fail(h, s, r, 415, OTLP_REJECT_UNSUPPORTED_TYPE,
		     "Content-Type must be application/x-protobuf or application/json");
		return;
	}
	enum body_coding coding = request_coding(r);
	if (coding == CODING_UNSUPPORTED) {
		fail(h, s, r, 415, OTLP_REJECT_UNSUPPORTED_TYPE,
		     "Content-Encoding must be gzip or identity");
		return;
	}
	/* Without room in the writer's queue now, the body is not worth
	 * reading: the client retries after Retry-After. The size of what is
	 * queued is known up front only for plain protobuf. */
	uint64_t need = coding == CODING_IDENTITY && enc == OTLP_ENCODING_PROTOBUF ? r->length : 0;
	int err = h->pipe.sink.check(h->pipe.sink.ctx, OTLP_DEST_WRITER, need);
	if (err) {
		const char *message;
		enum otlp_reject why = otlp_queue_error(err, &message);
		fail(h, s, r, reject_status(why), why, message);
	}
}

static void http_acked(struct otlp_pending *p, int status);

static void on_request(struct http_session *s, struct http_request *r, void *ctx)
{
	struct otlp_http *h = ctx;
	enum otlp_signal sig;
	enum otlp_encoding enc;
	/* on_headers let only these through. */
	if (route(r->path, &sig) != 0 || request_encoding(r, &enc) != 0) {
		fail(h, s, r, 400, OTLP_REJECT_BAD_REQUEST, "unexpected request");
		return;
	}
	h->stats.requests[sig]++;
	h->stats.bytes_in += r->body_len;
	struct otlp_outcome o;
	const uint8_t *data = r->body;
	size_t len = r->body_len;
	uint8_t *inflated = NULL;
	if (request_coding(r) == CODING_GZIP) {
		int err = otlp_pipeline_inflate(&h->pipe, r->body, r->body_len, &inflated, &len, &o);
		http_session_drop_body(s);
		if (err) {
			fail(h, s, r, reject_status(o.why), o.why, o.message);
			return;
		}
		data = inflated;
	}
	otlp_pipeline_submit(&h->pipe, sig, enc, data, len, http_acked, h, &o);
	free(inflated);
	http_session_drop_body(s);
	if (o.decoded)
		h->stats.items_rejected[sig] += o.rejected;
	switch (o.kind) {
	case OTLP_OUTCOME_DONE:
		succeed(h, s, sig, enc, o.rejected, o.message);
		break;
	case OTLP_OUTCOME_FAILED:
		fail(h, s, r, reject_status(o.why), o.why, o.message);
		break;
	case OTLP_OUTCOME_QUEUED:
		o.pending->waiter = s;
		r->user = o.pending;
		h->stats.in_flight++;
		h->stats.forward_dropped += o.forward_dropped;
		break;
	}
}

static void http_acked(struct otlp_pending *p, int status)
{
	struct otlp_http *h = p->transport;
	h->stats.in_flight--;
	if (status == 0)
		h->stats.items_accepted[p->signal] += p->items - p->rejected;
	struct http_session *s = p->waiter;
	if (s == NULL)
		return;
	s->req.user = NULL;
	if (status == 0)
		succeed(h, s, p->signal, p->encoding, p->rejected, p->message);
	else
		fail(h, s, &s->req, 503, OTLP_REJECT_WRITER_DOWN,
		     "storage restarted before taking the data; retry");
}

void otlp_http_acked(struct otlp_http *h, void *token, int status)
{
	(void)h;
	otlp_pending_acked(token, status);
}

static enum otlp_reject error_reason(enum http_error e)
{
	switch (e) {
	case HTTP_ERR_HEADERS_TOO_LARGE:
	case HTTP_ERR_TOO_MANY_HEADERS:
		return OTLP_REJECT_HEADER_TOO_LARGE;
	case HTTP_ERR_BODY_TOO_LARGE:
		return OTLP_REJECT_TOO_LARGE;
	case HTTP_ERR_HEADER_TIMEOUT:
	case HTTP_ERR_BODY_TIMEOUT:
		return OTLP_REJECT_SLOW_CLIENT;
	case HTTP_ERR_OVERLOADED:
		return OTLP_REJECT_OVERLOADED;
	case HTTP_ERR_HANDLER_TIMEOUT:
		return OTLP_REJECT_TIMEOUT;
	case HTTP_ERR_TOO_MANY_CONNECTIONS:
		return OTLP_REJECT_TOO_MANY_CONNECTIONS;
	default:
		return OTLP_REJECT_BAD_REQUEST;
	}
}

static void on_error(struct http_session *s, struct http_request *r, enum http_error e, void *ctx)
{
	release_pending(r);
	fail(ctx, s, r, http_error_status(e), error_reason(e), http_error_message(e));
}

static void on_cancel(struct http_session *s, struct http_request *r, void *ctx)
{
	(void)s;
	(void)ctx;
	release_pending(r);
}

const struct http_handler otlp_http_handler = {
	.on_headers = on_headers,
	.on_request = on_request,
	.on_error = on_error,
	.on_cancel = on_cancel,
};

int otlp_http_add_stats(const struct otlp_http *h, struct stats_buf *b)
{
	char name[STATS_NAME_MAX];
	int err = 0;
	for (int i = 0; i < OTLP_SIGNAL_COUNT && !err; i++) {
		const char *sig = otlp_signal_name((enum otlp_signal)i);
		snprintf(name, sizeof name, "http_requests_%s", sig);
		err = stats_add(b, name, h->stats.requests[i]);
		snprintf(name, sizeof name, "http_items_accepted_%s", sig);
		if (!err)
			err = stats_add(b, name, h->stats.items_accepted[i]);
		snprintf(name, sizeof name, "http_items_rejected_%s", sig);
		if (!err)
			err = stats_add(b, name, h->stats.items_rejected[i]);
	}
	for (int c = 2; c <= 5 && !err; c++) {
		snprintf(name, sizeof name, "http_responses_%dxx", c);
		err = stats_add(b, name, h->stats.responses[c]);
	}
	for (int i = 0; i < OTLP_REJECT_COUNT && !err; i++) {
		snprintf(name, sizeof name, "http_rejects_%s", otlp_reject_name((enum otlp_reject)i));
		err = stats_add(b, name, h->stats.rejects[i]);
	}
	if (!err)
		err = stats_add(b, "http_bytes_in", h->stats.bytes_in);
	if (!err)
		err = stats_add(b, "http_in_flight", h->stats.in_flight);
	if (!err)
		err = stats_add(b, "forward_dropped", h->stats.forward_dropped);
	return err;
}
