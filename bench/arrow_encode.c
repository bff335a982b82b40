/* Encode throughput of the writer's Arrow path, on one core.
 *
 *   arrow_encode [BODY.pb [ROUNDS]]   default: the bench dir's traces_100.pb, 5 rounds
 *
 * Decodes the request once, then turns its spans into rows of record
 * batches (10000 rows each, as the default max_trace_buffer_size) and
 * encodes each full batch into its IPC message in memory, again and again.
 * Prints spans/s for that (the target is 2,000,000), the encoded bytes per
 * span (what a file holds per span, the schema and end marker aside), and
 * for comparison spans/s of decoding into the writer's arena, by protobuf-c
 * and by the writer's own decoder (pb_unpack).
 * Not a test: nothing is asserted. */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow_ipc.h"
#include "bench_util.h"
#include "pb_arena.h"
#include "pb_unpack.h"
#include "rows.h"

#ifndef OTLPD_SHARED_BENCH_DIR
#error "OTLPD_SHARED_BENCH_DIR must name the directory of the bench bodies"
#endif

#define BATCH_ROWS 10000

static size_t request_spans(const TraceRequest *req)
{
	size_t n = 0;
	for (size_t r = 0; r < req->n_resource_spans; r++)
		for (size_t s = 0; s < req->resource_spans[r]->n_scope_spans; s++)
			n += req->resource_spans[r]->scope_spans[s]->n_spans;
	return n;
}

/* Encodes rows and batches for about a second; returns spans/s, adds the
 * spans and encoded bytes. */
static int encode_round(struct row_sink *sink, struct arrow_ipc_encoder *enc,
			const TraceRequest *req, uint64_t *spans, uint64_t *bytes, double *rate)
{
	struct arrow_batch *batch = sink->batch;
	uint64_t n = 0;
	int err = 0;
	double start = bench_now(), elapsed;
	do {
		for (int i = 0; i < 100 && !err; i++) {
			struct row_cursor cur = {0};
			while (!err && rows_append_traces(sink, req, &cur) == ROWS_FULL) {
				err = arrow_ipc_record_batch(enc, batch);
				n += batch->rows;
				*bytes += enc->len;
				arrow_batch_reset(batch);
			}
		}
		elapsed = bench_now() - start;
	} while (!err && elapsed < 1.0);
	*spans += n;
	*rate = (double)n / elapsed;
	return err ? err : sink->rejected ? -EBADMSG : 0;
}

static int compare_rates(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

#define MAX_ROUNDS 600

/* Rounds of a second; the machine may be shared, so the best and the
 * median round are reported. */
static int encode_rounds(const TraceRequest *req, int rounds, double *best, double *median,
			 double *bytes_per_span, uint64_t *total)
{
	static double rates[MAX_ROUNDS];
	struct arrow_batch batch;
	struct arrow_ipc_encoder enc;
	int err = arrow_batch_init(&batch, &rows_trace_schema);
	if (err)
		return err;
	arrow_ipc_encoder_init(&enc);
	struct row_sink sink = {.batch = &batch, .max_rows = BATCH_ROWS, .max_bytes = (size_t)1 << 30};
	uint64_t spans = 0, bytes = 0;
	for (int i = 0; !err && i < rounds; i++)
		err = encode_round(&sink, &enc, req, &spans, &bytes, &rates[i]);
	if (!err) {
		qsort(rates, (size_t)rounds, sizeof rates[0], compare_rates);
		*best = rates[rounds - 1];
		*median = rates[rounds / 2];
		*bytes_per_span = (double)bytes / (double)spans;
		*total = spans;
	}
	arrow_ipc_encoder_free(&enc);
	arrow_batch_free(&batch);
	row_context_free(&sink.ctx);
	return err;
}

/* own: pb_unpack, else protobuf_c_message_unpack. */
static double decode_rate(const uint8_t *body, size_t len, size_t spans_per_request, bool own)
{
	const ProtobufCMessageDescriptor *d =
		&opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor;
	struct pb_arena arena;
	pb_arena_init(&arena, (size_t)256 << 10, (size_t)1 << 30);
	double start = bench_now(), elapsed;
	uint64_t n = 0;
	do {
		for (int i = 0; i < 100; i++) {
			ProtobufCMessage *m = NULL;
			if (own)
				(void)pb_unpack_text(d, body, len, &arena, 64, &m);
			else
				m = protobuf_c_message_unpack(d, &arena.allocator, len, body);
			if (!m) {
				pb_arena_destroy(&arena);
				return 0;
			}
			pb_arena_reset(&arena);
			n += spans_per_request;
		}
		elapsed = bench_now() - start;
	} while (elapsed < 1.0);
	pb_arena_destroy(&arena);
	return (double)n / elapsed;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : OTLPD_SHARED_BENCH_DIR "/traces_100.pb";
	long rounds = argc > 2 ? strtol(argv[2], NULL, 10) : 5;
	if (rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: %s [BODY.pb [ROUNDS (1..%d)]]\n", argv[0], MAX_ROUNDS);
		return 1;
	}
	uint8_t *body = NULL;
	size_t len = 0;
	int err = bench_read_file(path, &body, &len);
	if (err) {
		fprintf(stderr, "%s: %s\n", path, strerror(-err));
		return 1;
	}
	TraceRequest *req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
		NULL, len, body);
	if (!req) {
		fprintf(stderr, "%s: not an ExportTraceServiceRequest\n", path);
		return 1;
	}
	size_t per_request = request_spans(req);
	double best = 0, median = 0, per_span = 0;
	uint64_t total = 0;
	err = encode_rounds(req, (int)rounds, &best, &median, &per_span, &total);
	if (err) {
		fprintf(stderr, "encoding: %s\n", strerror(-err));
		return 1;
	}
	printf("input: %s, %zu spans, %.1f bytes/span of protobuf\n", path, per_request,
	       (double)len / (double)per_request);
	printf("encode (rows + IPC batches of %d rows), one core, %ld rounds of 1 s: "
	       "best %.0f spans/s (%.1f ns/span), median %.0f spans/s\n",
	       BATCH_ROWS, rounds, best, 1e9 / best, median);
	printf("on disk: %.1f bytes/span (%llu spans encoded)\n", per_span,
	       (unsigned long long)total);
	printf("decode (protobuf-c, arena): %.0f spans/s on one core\n",
	       decode_rate(body, len, per_request, false));
	printf("decode (pb_unpack, arena): %.0f spans/s on one core\n",
	       decode_rate(body, len, per_request, true));
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
	free(body);
	return 0;
}
