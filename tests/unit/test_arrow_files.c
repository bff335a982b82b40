/* Writes .arrows files from OTLP protobuf request files with the writer's
 * own code, for tests/js/arrow_files.mjs to read back with apache-arrow.
 *
 *   test_arrow_files OUT_DIR MAX_ROWS MAX_FILE_BYTES SIGNAL:FILE.pb ...
 *
 * SIGNAL is traces, metrics or logs. The requests are taken in the order
 * given; at the end every batch is written and every file ended. Prints one
 * JSON line: {"messages":N,"rejected_messages":N,"traces":{"rows":N,
 * "rejected_rows":N,"files":N},...}. Exits 0, or 1 with a message. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "messages.h"
#include "writer.h"

#define INPUT_MAX ((size_t)64 * 1024 * 1024)
/* A fixed clock: file names and ages do not depend on when the test runs. */
#define TEST_NOW ((int64_t)1767225600)

static uint64_t taken;

static void on_taken(void *ctx, uint32_t len)
{
	(void)ctx;
	(void)len;
	taken++;
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	uint8_t *buf = malloc(INPUT_MAX);
	size_t n = buf ? fread(buf, 1, INPUT_MAX, f) : 0;
	int err = !buf ? -ENOMEM : ferror(f) ? -EIO : !feof(f) ? -EFBIG : 0;
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

static int take_file(struct writer *w, const char *arg)
{
	const char *colon = strchr(arg, ':');
	if (!colon)
		return -EINVAL;
	uint32_t type;
	size_t n = (size_t)(colon - arg);
	if (n == 6 && memcmp(arg, "traces", 6) == 0)
		type = MSG_EXPORT_TRACES;
	else if (n == 7 && memcmp(arg, "metrics", 7) == 0)
		type = MSG_EXPORT_METRICS;
	else if (n == 4 && memcmp(arg, "logs", 4) == 0)
		type = MSG_EXPORT_LOGS;
	else
		return -EINVAL;
	uint8_t *buf = NULL;
	size_t len = 0;
	int err = read_file(colon + 1, &buf, &len);
	if (err)
		return err;
	err = writer_take(w, type, buf, (uint32_t)len, TEST_NOW) == 0 ? 0 : -EAGAIN;
	free(buf);
	return err;
}

static void print_result(const struct writer *w)
{
	printf("{\"messages\":%" PRIu64 ",\"rejected_messages\":%" PRIu64, w->messages,
	       w->rejected_messages);
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++) {
		const struct writer_signal *s = &w->sig[i];
		printf(",\"%s\":{\"rows\":%" PRIu64 ",\"rejected_rows\":%" PRIu64
		       ",\"files\":%" PRIu64 ",\"batches\":%" PRIu64 "}",
		       otlp_signal_name(s->id), s->rows_written, s->sink.rejected,
		       s->file.files_opened, s->batches_written);
	}
	printf("}\n");
}

int main(int argc, char **argv)
{
	uint64_t max_rows, max_file_bytes;
	if (argc < 4 || parse_u64(argv[2], &max_rows) || parse_u64(argv[3], &max_file_bytes) ||
	    max_rows == 0 || max_rows > UINT32_MAX) {
		fprintf(stderr, "usage: %s OUT_DIR MAX_ROWS MAX_FILE_BYTES SIGNAL:FILE.pb ...\n",
			argv[0]);
		return 1;
	}
	if (mkdir(argv[1], 0750) != 0 && errno != EEXIST) {
		perror(argv[1]);
		return 1;
	}
	int root = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		perror(argv[1]);
		return 1;
	}
	struct writer_config cfg = {
		.root_dirfd = root,
		.max_rows = {(uint32_t)max_rows, (uint32_t)max_rows, (uint32_t)max_rows},
		.retention_secs = {600, 3600, 3600},
		.write_interval_secs = 5,
		.max_file_bytes = max_file_bytes,
		.max_total_bytes = UINT64_MAX,
		.max_message_bytes = (uint32_t)INPUT_MAX,
		.max_anyvalue_depth = 32,
		.inbox_max_bytes = INPUT_MAX,
		.on_taken = on_taken,
	};
	struct writer w;
	int err = writer_init(&w, &cfg);
	for (int i = 4; !err && i < argc; i++) {
		err = take_file(&w, argv[i]);
		if (err)
			fprintf(stderr, "%s: %s\n", argv[i], strerror(-err));
	}
	if (!err)
		err = writer_finish(&w, TEST_NOW);
	if (!err)
		print_result(&w);
	else
		fprintf(stderr, "writing: %s\n", strerror(-err));
	writer_free(&w);
	close(root);
	return err || taken != (uint64_t)(argc - 4) ? 1 : 0;
}
