#ifndef OTLPD_GRPC_TEST_RIG_H
#define OTLPD_GRPC_TEST_RIG_H

/* The sans-IO gRPC session with the OTLP/gRPC handler and fake queues, a
 * clock the test moves, and the in-process client of grpc_test_client.h. */

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grpc_test_client.h"
#include "http_request.h"
#include "otlp_grpc.h"

#ifndef OTLPD_SHARED_BENCH_DIR
#error "OTLPD_SHARED_BENCH_DIR must name the shared bench folder"
#endif

#define RIG_MAX_MESSAGE (4u << 20)
#define TRACES_PATH "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
#define METRICS_PATH "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
#define LOGS_PATH "/opentelemetry.proto.collector.logs.v1.LogsService/Export"

struct sent {
	enum otlp_dest dest;
	enum otlp_signal signal;
	uint8_t *buf;
	size_t len;
	void *token;
};

struct rig {
	uint64_t now;
	struct grpc_limits limits;
	struct http_budget budget;
	struct grpc_session_stats stats;
	struct otlp_grpc g;
	struct grpc_session s;
	struct tc t;
	int check_result[2];
	int send_result[2];
	struct sent sent[64];
	int n_sent;
};

static inline int rig_sink_send(void *ctx, enum otlp_dest dest, enum otlp_signal signal,
			 const uint8_t *buf, size_t len, void *token)
{
	struct rig *g = ctx;
	if (g->send_result[dest])
		return g->send_result[dest];
	ck_assert_int_lt(g->n_sent, 64);
	struct sent *m = &g->sent[g->n_sent++];
	*m = (struct sent){.dest = dest, .signal = signal, .buf = malloc(len ? len : 1),
			   .len = len, .token = token};
	memcpy(m->buf, buf, len);
	return 0;
}

static inline int rig_sink_check(void *ctx, enum otlp_dest dest, uint64_t len)
{
	(void)len;
	return ((struct rig *)ctx)->check_result[dest];
}

static const struct grpc_io rig_io = {.send = tc_io_send};

/* ack_timeout_ms and the budget may be changed before rig_start. */
static inline struct rig *rig_new(void)
{
	struct rig *g = calloc(1, sizeof *g);
	ck_assert_ptr_nonnull(g);
	g->now = 1000000;
	g->budget.max = 64u << 20;
	g->limits = (struct grpc_limits){
		.max_concurrent_streams = 100,
		.max_header_bytes = 16384,
		.max_headers = 100,
		.max_message_bytes = RIG_MAX_MESSAGE,
		.header_timeout_ms = 10000,
		.idle_timeout_ms = 60000,
		.body_timeout_ms = 30000,
		.budget = &g->budget,
	};
	return g;
}

static inline void rig_start(struct rig *g, uint64_t ack_timeout_ms)
{
	struct otlp_grpc_config cfg = {
		.max_request_bytes = RIG_MAX_MESSAGE,
		.codec = {.items = {.max_depth = 32, .max_attributes = 1024}, .max_json_depth = 64},
		.ack_timeout_ms = ack_timeout_ms,
	};
	struct otlp_sink sink = {.send = rig_sink_send, .check = rig_sink_check, .ctx = g};
	otlp_grpc_init(&g->g, &cfg, &sink);
	tc_init(&g->t, &g->s, &g->now);
	ck_assert_int_eq(grpc_session_init(&g->s, &g->limits, &otlp_grpc_handler, &g->g, &rig_io,
					   &g->t, &g->stats, g->now),
			 0);
}

static inline struct rig *rig_default(void)
{
	struct rig *g = rig_new();
	rig_start(g, 10000);
	return g;
}

static inline void rig_ack(struct rig *g, int i, int status)
{
	ck_assert_int_lt(i, g->n_sent);
	otlp_pending_acked(g->sent[i].token, status);
	g->sent[i].token = NULL;
}

static inline void rig_free(struct rig *g)
{
	grpc_session_close(&g->s);
	ck_assert_uint_eq(g->s.mem_used, 0);
	for (int i = 0; i < g->n_sent; i++) {
		if (g->sent[i].dest == OTLP_DEST_WRITER && g->sent[i].token)
			otlp_pending_acked(g->sent[i].token, -EPIPE);
		free(g->sent[i].buf);
	}
	ck_assert_uint_eq(g->budget.used, 0);
	tc_free(&g->t);
	free(g);
}

static uint8_t *read_bench(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", OTLPD_SHARED_BENCH_DIR, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* A gRPC message: flag, big-endian length (declared may differ from len),
 * then len bytes of pb. */
static uint8_t *framed(const uint8_t *pb, size_t len, uint8_t flag, uint32_t declared,
		       size_t *out_len)
{
	uint8_t *m = malloc(len + 5);
	m[0] = flag;
	m[1] = (uint8_t)(declared >> 24);
	m[2] = (uint8_t)(declared >> 16);
	m[3] = (uint8_t)(declared >> 8);
	m[4] = (uint8_t)declared;
	if (len)
		memcpy(m + 5, pb, len);
	*out_len = len + 5;
	return m;
}

static uint8_t *message(const uint8_t *pb, size_t len, size_t *out_len)
{
	return framed(pb, len, 0, (uint32_t)len, out_len);
}

/* The client's grpc-message, percent-decoded. */
static inline const char *said(struct tc_stream *st)
{
	static char out[512];
	size_t o = 0;
	for (const char *p = st->grpc_message; *p && o + 1 < sizeof out; p++) {
		if (p[0] == '%' && p[1] && p[2]) {
			char hex[3] = {p[1], p[2], 0};
			out[o++] = (char)strtol(hex, NULL, 16);
			p += 2;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return out;
}

/* A 9-byte HTTP/2 frame header. */
static inline size_t frame_head(uint8_t *out, uint32_t len, uint8_t type, uint8_t flags, uint32_t sid)
{
	out[0] = (uint8_t)(len >> 16);
	out[1] = (uint8_t)(len >> 8);
	out[2] = (uint8_t)len;
	out[3] = type;
	out[4] = flags;
	out[5] = (uint8_t)(sid >> 24);
	out[6] = (uint8_t)(sid >> 16);
	out[7] = (uint8_t)(sid >> 8);
	out[8] = (uint8_t)sid;
	return 9;
}

/* The error code of the first GOAWAY the server wrote, or -1. */
static inline long server_goaway(const struct tc *t)
{
	size_t off = 0;
	while (off + 9 <= t->pending_len) {
		const uint8_t *h = t->pending + off;
		size_t len = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
		if (off + 9 + len > t->pending_len)
			break;
		if (h[3] == NGHTTP2_GOAWAY && len >= 8) {
			const uint8_t *p = h + 9 + 4;
			return (long)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
				      (uint32_t)p[2] << 8 | p[3]);
		}
		off += 9 + len;
	}
	return -1;
}

#endif
