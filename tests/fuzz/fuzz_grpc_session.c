/* The OTLP/gRPC input path without sockets: raw client bytes (HTTP/2 with
 * gRPC calls) go through the sans-IO session, nghttp2 and the OTLP/gRPC
 * handler into fake queues. The first input byte picks how the rest is cut
 * into reads, how time moves between reads (deadlines, timeouts) and how the
 * fake writer answers (taken, lost, refused, late). Nothing may crash, hang
 * or leak, every budget reservation comes back and nghttp2's memory stays
 * under its cap. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grpc_session.h"
#include "http_request.h"
#include "otlp_grpc.h"

struct rig {
	struct grpc_session s;
	struct grpc_limits limits;
	struct http_budget budget;
	struct grpc_session_stats stats;
	struct otlp_grpc g;
	uint8_t mode;
	uint64_t now;
	size_t out_bytes;
	void *tokens[128]; /* writer messages not yet acknowledged */
	int n_tokens;
};

static int rig_send(void *ctx, uint8_t *buf, size_t len)
{
	struct rig *g = ctx;
	g->out_bytes += len;
	free(buf);
	return 0;
}

static const struct grpc_io rig_io = {.send = rig_send};

static int sink_send(void *ctx, enum otlp_dest dest, enum otlp_signal signal, const uint8_t *buf,
		     size_t len, void *token)
{
	struct rig *g = ctx;
	(void)signal;
	(void)buf;
	(void)len;
	if (dest == OTLP_DEST_FORWARDER)
		return (g->mode & 0x10) ? -EAGAIN : 0;
	if ((g->mode & 0x20) || g->n_tokens == 128)
		return -EAGAIN;
	g->tokens[g->n_tokens++] = token;
	return 0;
}

static int sink_check(void *ctx, enum otlp_dest dest, uint64_t len)
{
	struct rig *g = ctx;
	(void)dest;
	(void)len;
	return (g->mode & 0x40) && g->n_tokens > 2 ? -EAGAIN : 0;
}

/* The writer's answer to what is in flight: taken or lost, now or after
 * the deadlines have passed. */
static void settle(struct rig *g)
{
	if (g->mode & 0x80) {
		g->now += 20000;
		grpc_session_tick(&g->s, g->now);
	}
	while (g->n_tokens > 0)
		otlp_pending_acked(g->tokens[--g->n_tokens], (g->mode & 0x08) ? -EPIPE : 0);
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
	g.now = 1000;
	g.budget.max = 1u << 20;
	g.limits = (struct grpc_limits){
		.max_concurrent_streams = 16,
		.max_header_bytes = 4096,
		.max_headers = 32,
		.max_message_bytes = 1u << 20,
		.header_timeout_ms = 1000,
		.idle_timeout_ms = 5000,
		.body_timeout_ms = 2000,
		.budget = &g.budget,
	};
	struct otlp_grpc_config cfg = {
		.max_request_bytes = 1u << 20,
		.codec = {.items = {.max_depth = 16, .max_attributes = 64}, .max_json_depth = 32},
		.forwarding = (g.mode & 0x04) != 0,
		.ack_timeout_ms = 3000,
	};
	struct otlp_sink sink = {.send = sink_send, .check = sink_check, .ctx = &g};
	otlp_grpc_init(&g.g, &cfg, &sink);
	if (grpc_session_init(&g.s, &g.limits, &otlp_grpc_handler, &g.g, &rig_io, &g, &g.stats,
			      g.now) != 0)
		return 0;

	size_t step = (size_t)(g.mode & 0x03) == 0 ? size : (size_t)1 << (3 * (g.mode & 0x03));
	size_t off = 0;
	while (off < size) {
		size_t n = size - off < step ? size - off : step;
		enum grpc_feed_result r = grpc_session_feed(&g.s, data + off, n, g.now);
		off += n;
		if (r == GRPC_FEED_CLOSE)
			break;
		/* Time passes between reads: half a second, or up to the next wake. */
		uint64_t wake = grpc_session_next_wake(&g.s);
		g.now = (g.mode & 0x80) && wake != UINT64_MAX && wake > g.now ? wake : g.now + 500;
		if (grpc_session_tick(&g.s, g.now) == GRPC_FEED_CLOSE)
			break;
		if (g.n_tokens > 0 && (off / step) % 2 == 0)
			settle(&g);
	}
	settle(&g);
	if (g.s.mem_peak > GRPC_SESSION_MEM_MAX)
		abort();
	grpc_session_close(&g.s);
	while (g.n_tokens > 0)
		otlp_pending_acked(g.tokens[--g.n_tokens], 0);
	if (g.budget.used != 0 || g.s.mem_used != 0)
		abort(); /* every reservation and allocation must come back */
	return 0;
}
