/* The OTLP/HTTP request path without sockets: raw client bytes go through
 * the HTTP session and the OTLP handler into fake queues, and every response
 * comes out. The first input byte picks how the rest is cut into reads and
 * how the fake writer answers, so splits, pipelining, acks, refusals and
 * timeouts are all reached. Nothing may crash, hang or leak. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_http.h"

struct rig {
	struct http_session s;
	struct http_limits limits;
	struct http_budget budget;
	struct otlp_http h;
	uint8_t mode;
	size_t out_bytes;
	void *tokens[64]; /* writer messages not yet acknowledged */
	int n_tokens;
};

static int rig_send(void *ctx, uint8_t *buf, size_t len, enum http_send_kind kind)
{
	struct rig *g = ctx;
	(void)kind;
	g->out_bytes += len;
	free(buf);
	return 0;
}

static const struct http_io rig_io = {.send = rig_send};

static int sink_send(void *ctx, enum otlp_dest dest, enum otlp_signal signal, const uint8_t *buf,
		     size_t len, void *token)
{
	struct rig *g = ctx;
	(void)signal;
	(void)buf;
	(void)len;
	if (dest == OTLP_DEST_FORWARDER)
		return (g->mode & 0x10) ? -EAGAIN : 0;
	if ((g->mode & 0x20) || g->n_tokens == 64)
		return -EAGAIN;
	g->tokens[g->n_tokens++] = token;
	return 0;
}

static int sink_check(void *ctx, enum otlp_dest dest, uint64_t len)
{
	struct rig *g = ctx;
	(void)dest;
	if ((g->mode & 0x40) && len > 1000)
		return -EAGAIN;
	return 0;
}

/* The writer's answer to what is in flight: taken, lost, or late. */
static void settle(struct rig *g)
{
	while (g->n_tokens > 0) {
		void *t = g->tokens[--g->n_tokens];
		if (g->mode & 0x80) {
			http_session_timeout(&g->s);
			otlp_http_acked(&g->h, t, 0);
		} else {
			otlp_http_acked(&g->h, t, (g->mode & 0x08) ? -EPIPE : 0);
		}
	}
	if (http_session_phase(&g->s) == HTTP_PHASE_BUSY)
		http_session_timeout(&g->s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static struct rig g;
	memset(&g, 0, sizeof g);
	g.mode = data[0];
	data++;
	size--;
	g.budget.max = 1u << 20;
	g.limits = (struct http_limits){.max_header_bytes = 2048, .max_headers = 32,
					.max_body_bytes = 1u << 20, .budget = &g.budget};
	struct otlp_http_config cfg = {
		.max_request_bytes = 1u << 20,
		.codec = {.items = {.max_depth = 16, .max_attributes = 64}, .max_json_depth = 32},
		.forwarding = (g.mode & 0x04) != 0,
	};
	struct otlp_sink sink = {.send = sink_send, .check = sink_check, .ctx = &g};
	otlp_http_init(&g.h, &cfg, &sink);
	http_session_init(&g.s, &g.limits, &otlp_http_handler, &g.h, &rig_io, &g);

	size_t step = (size_t)(g.mode & 0x03) == 0 ? size : (size_t)1 << (2 * (g.mode & 0x03));
	size_t off = 0;
	while (off < size) {
		size_t n = size - off < step ? size - off : step;
		size_t used = 0;
		enum http_feed_result r = http_session_feed(&g.s, data + off, n, &used);
		off += used;
		if (r == HTTP_FEED_CLOSE)
			break;
		if (r == HTTP_FEED_WAIT)
			settle(&g);
	}
	if (http_session_phase(&g.s) == HTTP_PHASE_HEADERS || http_session_phase(&g.s) == HTTP_PHASE_BODY)
		http_session_timeout(&g.s);
	http_session_close(&g.s);
	settle(&g);
	if (g.budget.used != 0)
		abort(); /* every reservation must come back */
	return 0;
}
