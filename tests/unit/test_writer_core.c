/* The writer's intake (writer/writer.c) on a temporary output directory:
 * requests become rows, full batches are written as they fill, credit goes
 * back in order once a request is in, a failing disk holds requests back
 * instead of dropping them, and what cannot be used is counted. */

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "messages.h"
#include "otlp_test_util.h"
#include "otlp_validate.h"
#include "writer.h"

#ifndef OTLPD_SHARED_BENCH_DIR
#error "OTLPD_SHARED_BENCH_DIR must name the directory of the bench bodies"
#endif

#define NOW ((int64_t)1767225600)
#define BODY_MAX ((size_t)4 << 20)

static char dir_path[64];
static int root = -1;
static struct writer w;
static uint32_t taken_len[16];
static unsigned taken;
static size_t chunk_bytes; /* the writer's write_chunk_bytes; 0 in most tests */
static uint32_t retention_step; /* its retention_step_files; 0 (all) in most tests */

static void on_taken(void *ctx, uint32_t len)
{
	(void)ctx;
	if (taken < 16)
		taken_len[taken] = len;
	taken++;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void setup(void)
{
	snprintf(dir_path, sizeof dir_path, "/tmp/otlpd-test-writer-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir_path));
	root = open(dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(root, 0);
	taken = 0;
	chunk_bytes = 0;
	retention_step = 0;
}

static void teardown(void)
{
	writer_free(&w);
	close(root);
	nftw(dir_path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void start(uint32_t max_rows, uint64_t max_file_bytes)
{
	struct writer_config cfg = {
		.root_dirfd = root,
		.max_rows = {max_rows, max_rows, max_rows},
		.retention_secs = {600, 3600, 3600},
		.write_interval_secs = 5,
		.max_file_bytes = max_file_bytes,
		.max_total_bytes = UINT64_MAX,
		.max_message_bytes = BODY_MAX,
		.max_anyvalue_depth = 32,
		.inbox_max_bytes = BODY_MAX,
		.write_chunk_bytes = chunk_bytes,
		.retention_step_files = retention_step,
		.on_taken = on_taken,
	};
	ck_assert_int_eq(writer_init(&w, &cfg), 0);
}

static uint8_t *bench_body(const char *name, uint32_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", OTLPD_SHARED_BENCH_DIR, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	uint8_t *buf = malloc(BODY_MAX);
	ck_assert_ptr_nonnull(buf);
	size_t n = fread(buf, 1, BODY_MAX, f);
	ck_assert(feof(f));
	fclose(f);
	*len = (uint32_t)n;
	return buf;
}

static int take_bench(uint32_t type, const char *name, uint32_t *len_out)
{
	uint32_t len;
	uint8_t *body = bench_body(name, &len);
	int rc = writer_take(&w, type, body, len, NOW);
	free(body); /* the writer keeps nothing of the payload it was handed */
	if (len_out)
		*len_out = len;
	return rc;
}

static unsigned count_files(const char *sub)
{
	char path[128];
	snprintf(path, sizeof path, "otlp/%s", sub);
	int fd = openat(root, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	DIR *d = fdopendir(fd);
	unsigned n = 0;
	for (struct dirent *de; (de = readdir(d));)
		n += strstr(de->d_name, ".arrows") != NULL;
	closedir(d);
	return n;
}

START_TEST(requests_become_rows_and_files)
{
	start(10000, 64 << 20);
	uint32_t lens[3];
	ck_assert_int_eq(take_bench(MSG_EXPORT_TRACES, "traces_100.pb", &lens[0]), 0);
	ck_assert_int_eq(take_bench(MSG_EXPORT_METRICS, "metrics_100.pb", &lens[1]), 0);
	ck_assert_int_eq(take_bench(MSG_EXPORT_LOGS, "logs_100.pb", &lens[2]), 0);
	ck_assert_uint_eq(taken, 3);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(taken_len[i], lens[i]);
	/* Taken means in the batch; nothing is on disk before a flush. */
	ck_assert_uint_eq(writer_signal_buffered_rows(&w.sig[OTLP_SIGNAL_TRACES]), 100);
	ck_assert_uint_eq(count_files("traces"), 0);
	ck_assert_int_eq(writer_flush(&w, NOW), 0);
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++) {
		ck_assert_uint_eq(w.sig[i].rows_written, 100);
		ck_assert_uint_eq(w.sig[i].batches_written, 1);
		ck_assert_uint_eq(w.sig[i].sink.rejected, 0);
	}
	ck_assert_int_eq(writer_finish(&w, NOW), 0);
	ck_assert_uint_eq(count_files("traces"), 1);
	ck_assert_uint_eq(count_files("metrics"), 1);
	ck_assert_uint_eq(count_files("logs"), 1);
	ck_assert_uint_eq(w.messages, 3);
}
END_TEST

/* A request of 100 spans with room for 14 (7 per batch): 14 full batches go
 * out while it is taken, 2 rows wait for the next flush. */
START_TEST(a_request_is_split_across_batches)
{
	start(14, 64 << 20);
	ck_assert_int_eq(take_bench(MSG_EXPORT_TRACES, "traces_100.pb", NULL), 0);
	const struct writer_signal *s = &w.sig[OTLP_SIGNAL_TRACES];
	ck_assert_uint_eq(s->batches_written, 14);
	ck_assert_uint_eq(s->rows_written, 98);
	ck_assert_uint_eq(writer_signal_buffered_rows(s), 2);
	ck_assert_int_eq(writer_finish(&w, NOW), 0);
	ck_assert_uint_eq(s->rows_written, 100);
	ck_assert_uint_eq(s->batches_written, 15);
}
END_TEST

/* Batches are also bounded in bytes: max_file_bytes leaves ~20 kB each
 * (100 spans take ~62 kB, their resource and scope once per batch). */
START_TEST(batches_are_bounded_in_bytes)
{
	start(10000, 64 * 1024 + 20000);
	ck_assert_int_eq(take_bench(MSG_EXPORT_TRACES, "traces_100.pb", NULL), 0);
	ck_assert_int_eq(take_bench(MSG_EXPORT_TRACES, "traces_100.pb", NULL), 0);
	const struct writer_signal *s = &w.sig[OTLP_SIGNAL_TRACES];
	ck_assert_uint_ge(s->batches_written, 6);
	ck_assert_uint_le(arrow_batch_bytes(s->sink.batch), 20000);
	ck_assert_int_eq(writer_finish(&w, NOW), 0);
	ck_assert_uint_eq(s->rows_written, 200);
	/* Each file took what fitted under max_file_bytes. */
	ck_assert_uint_eq(count_files("traces"), s->file.files_opened);
	ck_assert_uint_ge(s->file.files_opened, 2);
}
END_TEST

/* Whatever max_file_bytes and the row limit allow, a batch stops at
 * WRITER_BATCH_MAX_BYTES: 8000 spans of ~640 bytes fit the rows (10000 per
 * batch) but not the bytes. */
START_TEST(a_batch_stops_at_its_byte_cap)
{
	start(20000, (uint64_t)1 << 30);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(take_bench(MSG_EXPORT_TRACES, "traces_1000.pb", NULL), 0);
	const struct writer_signal *s = &w.sig[OTLP_SIGNAL_TRACES];
	ck_assert_uint_eq(s->batches_written, 1);
	ck_assert_uint_lt(s->rows_written, 8000);
	ck_assert_uint_le(s->file.bytes_written, s->schema.len + WRITER_BATCH_MAX_BYTES +
							 WRITER_BATCH_OVERHEAD);
	ck_assert_uint_gt(s->file.bytes_written, WRITER_BATCH_MAX_BYTES * 3 / 4);
	ck_assert_int_eq(writer_finish(&w, NOW), 0);
	ck_assert_uint_eq(s->rows_written, 8000);
}
END_TEST

/* What the receiver lets through (AnyValues max_anyvalue_depth deep, here
 * 32, as arrays or kvlists) the writer's decoder takes; a request nested
 * far deeper is refused, not decoded. */
START_TEST(nesting_the_receiver_allows_is_taken)
{
	start(200, 64 << 20);
	for (uint32_t via = 5; via <= 6; via++) {
		struct rbuf r;
		rb_init(&r, 1u << 16);
		rb_deep_attribute(&r, 32, via);
		rb_wrap_span(&r);
		ck_assert_int_eq(writer_take(&w, MSG_EXPORT_TRACES, rb_data(&r), (uint32_t)rb_len(&r), NOW), 0);
		free(r.base);
	}
	ck_assert_uint_eq(w.rejected_messages, 0);
	ck_assert_uint_eq(writer_signal_buffered_rows(&w.sig[OTLP_SIGNAL_TRACES]), 2);
	struct rbuf r;
	rb_init(&r, 1u << 16);
	rb_deep_attribute(&r, OTLP_MAX_ANYVALUE_DEPTH, 6);
	rb_wrap_span(&r);
	ck_assert_int_eq(writer_take(&w, MSG_EXPORT_TRACES, rb_data(&r), (uint32_t)rb_len(&r), NOW), 0);
	free(r.base);
	ck_assert_uint_eq(w.rejected_messages, 1);
	ck_assert_uint_eq(writer_signal_buffered_rows(&w.sig[OTLP_SIGNAL_TRACES]), 2);
}
END_TEST

/* Retention one file per call: due while expired files are left, then not
 * until the writer opens a file of its own. */
START_TEST(retention_is_due_while_files_are_left)
{
	retention_step = 1;
	start(200, 64 << 20);
	ck_assert_int_eq(writer_retention(&w, NOW), 0);
	ck_assert(!writer_retention_due(&w));
	int dir = openat(root, "otlp/traces", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dir, 0);
	for (int i = 0; i < 3; i++) {
		char name[64];
		snprintf(name, sizeof name, "otlp_traces_20250101_000000_00000%d.arrows", i);
		int fd = openat(dir, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0640);
		ck_assert_int_ge(fd, 0);
		struct timespec old[2] = {{.tv_sec = NOW - 7200}, {.tv_sec = NOW - 7200}};
		ck_assert_int_eq(futimens(fd, old), 0);
		close(fd);
	}
	close(dir);
	unsigned calls = 0;
	do {
		ck_assert_int_eq(writer_retention(&w, NOW), 0);
		calls++;
	} while (writer_retention_due(&w) && calls < 10);
	ck_assert_uint_eq(w.removed_files, 3);
	ck_assert_uint_le(calls, 4);
	ck_assert(!writer_retention_due(&w));
	ck_assert_int_eq(take_bench(MSG_EXPORT_TRACES, "traces_100.pb", NULL), 0);
	ck_assert_int_eq(writer_flush(&w, NOW), 0);
	ck_assert(writer_retention_due(&w)); /* a file was opened */
}
END_TEST

START_TEST(unusable_messages_are_counted_and_taken)
{
	start(100, 64 << 20);
	static const uint8_t garbage[] = {0xff, 0xff, 0xff};
	ck_assert_int_eq(writer_take(&w, MSG_EXPORT_TRACES, garbage, sizeof garbage, NOW), 0);
	ck_assert_int_eq(writer_take(&w, MSG_CONFIG, garbage, sizeof garbage, NOW), 0);
	uint8_t *big = calloc(1, BODY_MAX + 1);
	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(writer_take(&w, MSG_EXPORT_LOGS, big, BODY_MAX + 1, NOW), 0);
	free(big);
	/* Well-formed protobuf, but a span name that is not UTF-8: the
	 * receiver never sends it, the writer does not trust it not to. */
	static const uint8_t not_text[] = {0x0a, 0x08, 0x12, 0x06, 0x12, 0x04, 0x2a, 0x02, 0xc3, 0x28};
	ck_assert_int_eq(writer_take(&w, MSG_EXPORT_TRACES, not_text, sizeof not_text, NOW), 0);
	ck_assert_uint_eq(w.rejected_messages, 4);
	ck_assert_uint_eq(taken, 4);
	ck_assert_uint_eq(taken_len[2], BODY_MAX + 1);
	/* An empty request is valid and has no rows. */
	ck_assert_int_eq(writer_take(&w, MSG_EXPORT_METRICS, NULL, 0, NOW), 0);
	ck_assert_uint_eq(w.rejected_messages, 4);
	ck_assert_uint_eq(w.messages, 1);
}
END_TEST

/* While a full batch cannot be written, the request in hand and those after
 * it wait (no credit back); once the disk works again they are taken, in
 * order. */
START_TEST(a_failing_disk_holds_requests_back)
{
	start(14, 64 << 20);
	struct writer_signal *s = &w.sig[OTLP_SIGNAL_TRACES];
	/* A regular file where the directory should be: every open fails. */
	int not_a_dir = openat(root, "not-a-dir", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	ck_assert_int_ge(not_a_dir, 0);
	int real_dir = s->file.dirfd;
	s->file.dirfd = not_a_dir;
	uint32_t lens[2];
	ck_assert_int_eq(take_bench(MSG_EXPORT_TRACES, "traces_100.pb", &lens[0]), 1);
	ck_assert_int_eq(take_bench(MSG_EXPORT_LOGS, "logs_100.pb", &lens[1]), 1);
	ck_assert_uint_eq(taken, 0);
	ck_assert(writer_waiting(&w));
	ck_assert_uint_eq(writer_signal_buffered_rows(s), 7); /* a full batch, no further */
	ck_assert_uint_ge(s->write_errors, 1);
	ck_assert_int_eq(writer_retry(&w, NOW), -EAGAIN);
	ck_assert_uint_eq(taken, 0);
	s->file.dirfd = real_dir;
	ck_assert_int_eq(writer_retry(&w, NOW), 0);
	ck_assert(!writer_waiting(&w));
	ck_assert_uint_eq(taken, 2);
	ck_assert_uint_eq(taken_len[0], lens[0]);
	ck_assert_uint_eq(taken_len[1], lens[1]);
	ck_assert_int_eq(writer_finish(&w, NOW), 0);
	ck_assert_uint_eq(s->rows_written, 100);
	ck_assert_uint_eq(w.sig[OTLP_SIGNAL_LOGS].rows_written, 100);
	close(not_a_dir);
}
END_TEST

/* With a chunk size, a full batch is written step by step by writer_pump
 * while rows go into the other batch; only a third batch's worth waits. */
START_TEST(full_batches_are_written_in_steps)
{
	chunk_bytes = 4096;
	start(200, 64 << 20);
	struct writer_signal *s = &w.sig[OTLP_SIGNAL_TRACES];
	ck_assert_int_eq(take_bench(MSG_EXPORT_TRACES, "traces_100.pb", NULL), 0);
	ck_assert(!writer_writing(&w));
	ck_assert_int_eq(take_bench(MSG_EXPORT_TRACES, "traces_100.pb", NULL), 0);
	ck_assert(writer_writing(&w));
	ck_assert_uint_eq(writer_signal_buffered_rows(s), 200);
	ck_assert_int_eq(take_bench(MSG_EXPORT_TRACES, "traces_100.pb", NULL), 1);
	ck_assert(writer_waiting(&w));
	ck_assert_uint_eq(taken, 2);
	/* The timer's flush finds the batch under way: no error. */
	ck_assert_int_eq(writer_flush(&w, NOW), 0);
	unsigned steps = 0;
	while (writer_pump(&w, NOW))
		steps++;
	ck_assert_uint_gt(steps, 10); /* ~50 KB batches, 4 KiB at a time */
	ck_assert(!writer_waiting(&w));
	ck_assert_uint_eq(taken, 3);
	ck_assert_uint_eq(s->rows_written, 200);
	ck_assert_uint_eq(s->batches_written, 2);
	ck_assert_int_eq(writer_finish(&w, NOW), 0);
	ck_assert_uint_eq(s->rows_written, 300);
	ck_assert_uint_eq(s->batches_written, 3);
	ck_assert_uint_eq(s->write_errors, 0);
	ck_assert_uint_eq(count_files("traces"), 1);
}
END_TEST

/* max_*_buffer_size bounds the rows of a signal in memory, the batch being
 * written included: with 50 allowed, requests of 100 spans go in 25 at a
 * time, and a request waits (no credit back) rather than pass the bound. */
START_TEST(the_buffer_never_holds_more_than_its_limit)
{
	chunk_bytes = 4096;
	start(50, 64 << 20);
	struct writer_signal *s = &w.sig[OTLP_SIGNAL_TRACES];
	uint32_t most = 0;
	unsigned waits = 0;
	for (int i = 0; i < 3; i++) {
		ck_assert_int_ge(take_bench(MSG_EXPORT_TRACES, "traces_100.pb", NULL), 0);
		for (;;) {
			uint32_t rows = writer_signal_buffered_rows(s);
			ck_assert_uint_le(rows, 50);
			most = rows > most ? rows : most;
			if (!writer_waiting(&w))
				break;
			waits++;
			(void)writer_pump(&w, NOW); /* takes the request once there is room */
		}
	}
	ck_assert_uint_eq(most, 50);
	ck_assert_uint_gt(waits, 0);
	ck_assert_uint_eq(taken, 3);
	ck_assert_int_eq(writer_finish(&w, NOW), 0);
	ck_assert_uint_eq(s->rows_written, 300);
	ck_assert_uint_eq(s->write_errors, 0);
}
END_TEST

/* Every .arrows file under otlp/<sub> ends with the end-of-stream marker. */
static void assert_files_ended(const char *sub)
{
	static const uint8_t eos[8] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
	char path[128];
	snprintf(path, sizeof path, "otlp/%s", sub);
	int dfd = openat(root, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	DIR *d = fdopendir(dfd);
	for (struct dirent *de; (de = readdir(d));) {
		if (!strstr(de->d_name, ".arrows"))
			continue;
		int fd = openat(dfd, de->d_name, O_RDONLY | O_CLOEXEC);
		ck_assert_int_ge(fd, 0);
		uint8_t tail[8];
		off_t size = lseek(fd, 0, SEEK_END);
		ck_assert_int_eq(pread(fd, tail, sizeof tail, size - 8), 8);
		ck_assert_msg(memcmp(tail, eos, 8) == 0, "%s does not end with the marker", de->d_name);
		close(fd);
	}
	closedir(d);
}

/* A write that fails half way through a batch (the file size limit here)
 * leaves no part of it in the file, which is ended; the batch is written
 * again, whole, into a new file once writing works. */
START_TEST(a_write_failing_midway_is_cut_back_and_retried)
{
	chunk_bytes = 4096;
	start(200, 64 << 20);
	struct writer_signal *s = &w.sig[OTLP_SIGNAL_TRACES];
	ck_assert(signal(SIGXFSZ, SIG_IGN) != SIG_ERR);
	ck_assert_int_eq(take_bench(MSG_EXPORT_TRACES, "traces_100.pb", NULL), 0);
	ck_assert_int_eq(take_bench(MSG_EXPORT_TRACES, "traces_100.pb", NULL), 0);
	ck_assert(writer_writing(&w));
	struct rlimit lim = {.rlim_cur = (rlim_t)s->file.size + 10000, .rlim_max = RLIM_INFINITY};
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	while (writer_pump(&w, NOW))
		;
	ck_assert_uint_ge(s->write_errors, 1);
	ck_assert(!writer_writing(&w));
	ck_assert_uint_eq(s->rows_written, 0);
	ck_assert(!arrow_file_is_open(&s->file)); /* cut back and ended */
	lim.rlim_cur = RLIM_INFINITY;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ck_assert_int_eq(writer_flush(&w, NOW), 0);
	while (writer_pump(&w, NOW))
		;
	ck_assert_uint_eq(s->rows_written, 100);
	ck_assert_int_eq(writer_finish(&w, NOW), 0);
	ck_assert_uint_eq(s->rows_written, 200);
	ck_assert_uint_eq(count_files("traces"), 2);
	assert_files_ended("traces");
}
END_TEST

START_TEST(invalid_items_are_skipped_and_counted)
{
	start(200, 64 << 20);
	uint32_t len;
	uint8_t *body = bench_body("traces_100.pb", &len);
	TraceRequest *req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
		NULL, len, body);
	ck_assert_ptr_nonnull(req);
	Opentelemetry__Proto__Trace__V1__Span *sp = req->resource_spans[0]->scope_spans[0]->spans[3];
	sp->trace_id.len = 3;
	sp = req->resource_spans[0]->scope_spans[0]->spans[4];
	memset(sp->span_id.data, 0, sp->span_id.len);
	size_t packed_len = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(req);
	uint8_t *packed = malloc(packed_len);
	ck_assert_ptr_nonnull(packed);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(req, packed);
	ck_assert_int_eq(writer_take(&w, MSG_EXPORT_TRACES, packed, (uint32_t)packed_len, NOW), 0);
	ck_assert_uint_eq(writer_signal_buffered_rows(&w.sig[OTLP_SIGNAL_TRACES]), 98);
	ck_assert_uint_eq(w.sig[OTLP_SIGNAL_TRACES].sink.rejected, 2);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
	free(packed);
	free(body);
}
END_TEST

START_TEST(stats_name_every_counter)
{
	start(10000, 64 << 20);
	ck_assert_int_eq(take_bench(MSG_EXPORT_LOGS, "logs_100.pb", NULL), 0);
	ck_assert_int_eq(writer_flush(&w, NOW), 0);
	ck_assert_int_eq(writer_retention(&w, NOW), 0);
	struct stats_buf b;
	stats_reset(&b);
	ck_assert_int_eq(writer_stats_add(&w, &b), 0);
	ck_assert_uint_lt(b.len, sizeof b.text);
	b.text[b.len] = '\0';
	static const char *const want[] = {
		"traces.rows 0\n", "logs.rows 100\n", "logs.batches 1\n", "logs.files 1\n",
		"logs.rejected_rows 0\n", "metrics.write_errors 0\n", "logs.buffered_rows 0\n",
		"messages 1\n", "rejected_messages 0\n", "waiting_messages 0\n",
		"retention.removed_files 0\n", "retention.removed_bytes 0\n",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_msg(strstr(b.text, want[i]) != NULL, "no \"%s\" in:\n%s", want[i], b.text);
	ck_assert_ptr_nonnull(strstr(b.text, "logs.bytes "));
	ck_assert_ptr_nonnull(strstr(b.text, "retention.kept_bytes "));
}
END_TEST

START_TEST(bad_configurations_are_refused)
{
	struct writer_config cfg = {
		.root_dirfd = root,
		.max_rows = {1, 1, 0},
		.retention_secs = {1, 1, 1},
		.write_interval_secs = 5,
		.max_file_bytes = 1 << 20,
		.on_taken = on_taken,
	};
	ck_assert_int_eq(writer_init(&w, &cfg), -EINVAL);
	writer_free(&w);
	cfg.max_rows[2] = 1;
	cfg.on_taken = NULL;
	ck_assert_int_eq(writer_init(&w, &cfg), -EINVAL);
	writer_free(&w);
	cfg.on_taken = on_taken;
	cfg.root_dirfd = -1;
	ck_assert_int_eq(writer_init(&w, &cfg), -EBADF);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("writer_core");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, requests_become_rows_and_files);
	tcase_add_test(tc, a_request_is_split_across_batches);
	tcase_add_test(tc, batches_are_bounded_in_bytes);
	tcase_add_test(tc, a_batch_stops_at_its_byte_cap);
	tcase_add_test(tc, unusable_messages_are_counted_and_taken);
	tcase_add_test(tc, retention_is_due_while_files_are_left);
	tcase_add_test(tc, nesting_the_receiver_allows_is_taken);
	tcase_add_test(tc, a_failing_disk_holds_requests_back);
	tcase_add_test(tc, full_batches_are_written_in_steps);
	tcase_add_test(tc, the_buffer_never_holds_more_than_its_limit);
	tcase_add_test(tc, a_write_failing_midway_is_cut_back_and_retried);
	tcase_add_test(tc, invalid_items_are_skipped_and_counted);
	tcase_add_test(tc, stats_name_every_counter);
	tcase_add_test(tc, bad_configurations_are_refused);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
