/* The writer's whole per-request work on one core: check, decode, rows,
 * Arrow batches and file writes, as writer_take() does it for each message
 * from the receiver's queue, with the default limits and buffer sizes.
 *
 *   writer_take [BODY.pb [SECONDS [traces|metrics|logs]]]
 *       default: the bench dir's traces_100.pb, 3 s, traces
 *
 * Files go to a fresh directory under /tmp that is removed at the end
 * (kept, and named, when the environment has KEEP=1).
 * Prints items/s and ns per item. Not a test: nothing is asserted. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "config.h"
#include "otlp_validate.h"
#include "writer.h"

#ifndef OTLPD_SHARED_BENCH_DIR
#error "OTLPD_SHARED_BENCH_DIR must name the directory of the bench bodies"
#endif

static void on_taken(void *ctx, uint32_t len)
{
	(void)ctx;
	(void)len;
}

static int parse_signal(const char *name, enum otlp_signal *out, uint32_t *type)
{
	static const struct {
		const char *name;
		enum otlp_signal signal;
	} names[] = {{"traces", OTLP_SIGNAL_TRACES},
		     {"metrics", OTLP_SIGNAL_METRICS},
		     {"logs", OTLP_SIGNAL_LOGS}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].signal;
			*type = otlp_signal_msg_type(names[i].signal);
			return 0;
		}
	}
	return -EINVAL;
}

static struct writer_config default_writer_config(int dirfd)
{
	struct config c;
	config_defaults(&c);
	return (struct writer_config){
		.root_dirfd = dirfd,
		.max_rows = {(uint32_t)c.max_trace_buffer_size, (uint32_t)c.max_metric_buffer_size,
			     (uint32_t)c.max_log_buffer_size},
		.retention_secs = {c.trace_cleanup_interval_secs, c.metric_cleanup_interval_secs,
				   c.log_cleanup_interval_secs},
		.write_interval_secs = c.write_interval_secs,
		.max_file_bytes = (uint64_t)c.max_file_bytes,
		.max_total_bytes = (uint64_t)c.max_total_bytes,
		.max_message_bytes = (uint32_t)c.writer_queue.max_bytes,
		.max_anyvalue_depth = (uint32_t)c.receiver.max_anyvalue_depth,
		.inbox_max_bytes = (uint64_t)c.writer_queue.max_bytes,
		.on_taken = on_taken,
	};
}

static int run(int dirfd, uint32_t type, enum otlp_signal signal, const uint8_t *body,
	       size_t len, double seconds)
{
	struct writer w;
	struct writer_config cfg = default_writer_config(dirfd);
	int err = writer_init(&w, &cfg);
	if (err) {
		writer_free(&w);
		return err;
	}
	struct otlp_limits limits = {.max_depth = cfg.max_anyvalue_depth, .max_attributes = 1024};
	struct otlp_check check;
	err = otlp_validate(signal, body, len, &limits, &check);
	uint64_t requests = 0;
	double start = bench_now(), elapsed = 0;
	int64_t now = (int64_t)time(NULL); /* file names and ages are wall clock */
	while (!err && elapsed < seconds) {
		for (int i = 0; i < 100 && !err; i++) {
			err = writer_take(&w, type, body, (uint32_t)len, now);
			requests++;
		}
		elapsed = bench_now() - start;
	}
	if (!err)
		err = writer_finish(&w, now);
	elapsed = bench_now() - start;
	if (!err && w.rejected_messages)
		err = -EBADMSG;
	if (!err) {
		double items = (double)requests * (double)check.items;
		printf("writer_take: %llu requests of %llu items in %.2f s: %.0f items/s, "
		       "%.0f ns/item (one core, files included)\n",
		       (unsigned long long)requests, (unsigned long long)check.items, elapsed,
		       items / elapsed, elapsed * 1e9 / items);
	}
	writer_free(&w);
	return err;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : OTLPD_SHARED_BENCH_DIR "/traces_100.pb";
	double seconds = argc > 2 ? strtod(argv[2], NULL) : 3.0;
	enum otlp_signal signal;
	uint32_t type;
	if (seconds <= 0 || seconds > 600 ||
	    parse_signal(argc > 3 ? argv[3] : "traces", &signal, &type) != 0) {
		fprintf(stderr, "usage: %s [BODY.pb [SECONDS [traces|metrics|logs]]]\n", argv[0]);
		return 1;
	}
	uint8_t *body = NULL;
	size_t len = 0;
	int err = bench_read_file(path, &body, &len);
	if (err) {
		fprintf(stderr, "%s: %s\n", path, strerror(-err));
		return 1;
	}
	char dir[] = "/tmp/otlpd-writer-bench.XXXXXX";
	if (!mkdtemp(dir)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		free(body);
		return 1;
	}
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = dirfd < 0 ? -errno : run(dirfd, type, signal, body, len, seconds);
	if (dirfd >= 0)
		close(dirfd);
	free(body);
	const char *keep = getenv("KEEP");
	if (keep && strcmp(keep, "1") == 0)
		printf("files kept in %s\n", dir);
	else
		bench_remove_tree(dir);
	if (err) {
		fprintf(stderr, "writer: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
