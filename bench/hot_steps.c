/* Micro-benchmarks of the hot steps between the socket and the writer, on
 * one core, each for about a second per round:
 *
 *   validate    the receiver's one-pass protobuf check (otlp_validate)
 *   unpack      protobuf-c's decode (protobuf_c_message_unpack) into a bump arena
 *   unpack-own  the writer's own single-pass decode (pb_unpack) into the arena
 *   json        OTLP/JSON to protobuf (otlp_json_to_protobuf)
 *   framing     a data message through a socketpair: frame_send_blocking on
 *               one end, frame_reader_recv/next on the other
 *
 *   hot_steps [ROUNDS]   bodies: the bench dir's traces_100.{pb,json}
 *
 * Prints spans/s, ns/span and MB/s of input for each; Arrow encoding has
 * its own benchmark (arrow_encode). Not a test: nothing is asserted. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"
#include "framing.h"
#include "otlp_json.h"
#include "otlp_signal.h"
#include "otlp_validate.h"
#include "pb_arena.h"
#include "pb_unpack.h"

#ifndef OTLPD_SHARED_BENCH_DIR
#error "OTLPD_SHARED_BENCH_DIR must name the directory of the bench bodies"
#endif

struct input {
	uint8_t *pb, *json; /* owned */
	size_t pb_len, json_len;
	uint64_t spans; /* per request */
};

/* One request through a step; returns 0 or a negative errno. */
typedef int (*step_fn)(const struct input *in, void *state);

static int step_validate(const struct input *in, void *state)
{
	(void)state;
	struct otlp_limits limits = {.max_depth = 32, .max_attributes = 1024};
	struct otlp_check check;
	return otlp_validate(OTLP_SIGNAL_TRACES, in->pb, in->pb_len, &limits, &check);
}

static int step_unpack(const struct input *in, void *state)
{
	struct pb_arena *arena = state;
	ProtobufCMessage *m = protobuf_c_message_unpack(
		otlp_signal_request_descriptor(OTLP_SIGNAL_TRACES), &arena->allocator, in->pb_len,
		in->pb);
	pb_arena_reset(arena);
	return m ? 0 : -EBADMSG;
}

static int step_unpack_own(const struct input *in, void *state)
{
	struct pb_arena *arena = state;
	ProtobufCMessage *m;
	int err = pb_unpack_text(otlp_signal_request_descriptor(OTLP_SIGNAL_TRACES), in->pb,
				 in->pb_len, arena, 64, &m);
	pb_arena_reset(arena);
	return err;
}

static int step_json(const struct input *in, void *state)
{
	(void)state;
	struct otlp_json_limits limits = {.max_depth = 64};
	uint8_t *out = NULL;
	size_t out_len = 0;
	int err = otlp_json_to_protobuf(OTLP_SIGNAL_TRACES, in->json, in->json_len, &limits, &out,
					&out_len, NULL, 0);
	free(out);
	return err;
}

struct framing_state {
	int sv[2];
	struct frame_reader reader;
	uint32_t seq;
};

/* The receiving side reads while the socket buffer cannot hold a whole
 * message, so both ends run on this one core, in turn. */
static int step_framing(const struct input *in, void *state)
{
	struct framing_state *f = state;
	struct frame_header h = {.type = otlp_signal_msg_type(OTLP_SIGNAL_TRACES),
				 .flags = FRAME_FLAG_CREDITED,
				 .len = (uint32_t)in->pb_len,
				 .seq = ++f->seq};
	uint8_t hdr[FRAME_HEADER_SIZE];
	frame_header_encode(&h, hdr);
	struct iovec iov[2] = {{hdr, sizeof hdr}, {in->pb, in->pb_len}};
	size_t total = sizeof hdr + in->pb_len, sent = 0;
	struct frame got;
	int r = 0;
	while (r == 0) {
		if (sent < total) {
			struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
			ssize_t n = sendmsg(f->sv[0], &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN)
				return -errno;
			for (size_t i = 0; n > 0 && i < 2; i++) {
				size_t used = (size_t)n < iov[i].iov_len ? (size_t)n : iov[i].iov_len;
				iov[i].iov_base = (uint8_t *)iov[i].iov_base + used;
				iov[i].iov_len -= used;
				sent += used;
				n -= (ssize_t)used;
			}
		}
		int rc = frame_reader_recv(&f->reader, f->sv[1]);
		if (rc < 0 && rc != -EAGAIN)
			return rc;
		r = frame_reader_next(&f->reader, &got);
	}
	if (r < 0)
		return r;
	return got.h.len == in->pb_len ? 0 : -EPROTO;
}

static int compare_rates(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

#define MAX_ROUNDS 60

/* Prints the best and median of rounds of a second each. */
static int measure(const char *name, step_fn fn, const struct input *in, void *state,
		   size_t bytes_per_request, int rounds)
{
	double rates[MAX_ROUNDS];
	for (int r = 0; r < rounds; r++) {
		uint64_t n = 0;
		double start = bench_now(), elapsed;
		do {
			for (int i = 0; i < 50; i++) {
				int err = fn(in, state);
				if (err) {
					fprintf(stderr, "%s: %s\n", name, strerror(-err));
					return err;
				}
				n++;
			}
			elapsed = bench_now() - start;
		} while (elapsed < 1.0);
		rates[r] = (double)n / elapsed;
	}
	qsort(rates, (size_t)rounds, sizeof rates[0], compare_rates);
	double best = rates[rounds - 1], median = rates[rounds / 2];
	printf("%-10s %12.0f %12.0f %10.1f %10.0f\n", name, best * (double)in->spans,
	       median * (double)in->spans, 1e9 / (best * (double)in->spans),
	       best * (double)bytes_per_request / 1e6);
	return 0;
}

static int load(struct input *in)
{
	int err = bench_read_file(OTLPD_SHARED_BENCH_DIR "/traces_100.pb", &in->pb, &in->pb_len);
	if (!err)
		err = bench_read_file(OTLPD_SHARED_BENCH_DIR "/traces_100.json", &in->json,
				      &in->json_len);
	struct otlp_limits limits = {.max_depth = 32, .max_attributes = 1024};
	struct otlp_check check;
	if (!err)
		err = otlp_validate(OTLP_SIGNAL_TRACES, in->pb, in->pb_len, &limits, &check);
	if (!err)
		in->spans = check.items;
	return err;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 3;
	if (rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: %s [ROUNDS (1..%d)]\n", argv[0], MAX_ROUNDS);
		return 1;
	}
	struct input in = {0};
	int err = load(&in);
	if (err) {
		fprintf(stderr, "bench bodies: %s\n", strerror(-err));
		return 1;
	}
	printf("traces_100: %llu spans, %zu bytes protobuf, %zu bytes JSON; best and median of "
	       "%ld rounds\n",
	       (unsigned long long)in.spans, in.pb_len, in.json_len, rounds);
	printf("%-10s %12s %12s %10s %10s\n", "step", "best span/s", "median", "ns/span",
	       "MB/s in");
	struct pb_arena arena;
	pb_arena_init(&arena, (size_t)256 << 10, (size_t)1 << 30);
	struct framing_state f = {.sv = {-1, -1}};
	err = measure("validate", step_validate, &in, NULL, in.pb_len, (int)rounds);
	if (!err)
		err = measure("unpack", step_unpack, &in, &arena, in.pb_len, (int)rounds);
	if (!err)
		err = measure("unpack-own", step_unpack_own, &in, &arena, in.pb_len, (int)rounds);
	if (!err)
		err = measure("json", step_json, &in, NULL, in.json_len, (int)rounds);
	if (!err && socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, f.sv) != 0)
		err = -errno;
	if (!err)
		err = frame_reader_init(&f.reader, (uint32_t)in.pb_len, ~(uint64_t)0);
	if (!err)
		err = measure("framing", step_framing, &in, &f, in.pb_len, (int)rounds);
	frame_reader_free(&f.reader);
	for (int i = 0; i < 2; i++)
		if (f.sv[i] >= 0)
			close(f.sv[i]);
	pb_arena_destroy(&arena);
	free(in.pb);
	free(in.json);
	return err ? 1 : 0;
}
