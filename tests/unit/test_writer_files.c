/* Files and retention (writer/arrow_file.c, writer/retention.c) in a
 * temporary directory: names, schema first and end marker last, rotation by
 * size and age, no torn batch after a failed write, and which files the
 * retention rules remove. */

#include <check.h>
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

#include "arrow_file.h"
#include "arrow_ipc.h"
#include "retention.h"

#define NOW ((int64_t)1767225600) /* 2026-01-01 00:00:00 UTC */

static char dir_path[64];
static int dirfd_ = -1;
static struct abuf schema;
static struct arrow_batch batch;
static struct arrow_ipc_encoder enc;

static const struct arrow_field fields[] = {{"s", ARROW_UTF8, 0, false, false}};
static const struct arrow_schema tiny = {"traces", "1", fields, 1};

static void setup(void)
{
	umask(022);
	snprintf(dir_path, sizeof dir_path, "/tmp/otlpd-test-files-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir_path));
	dirfd_ = open(dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dirfd_, 0);
	schema = (struct abuf){0};
	ck_assert_int_eq(arrow_ipc_schema(&tiny, &schema), 0);
	ck_assert_int_eq(arrow_batch_init(&batch, &tiny), 0);
	arrow_ipc_encoder_init(&enc);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	close(dirfd_);
	nftw(dir_path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	abuf_free(&schema);
	arrow_batch_free(&batch);
	arrow_ipc_encoder_free(&enc);
}

/* Encodes a batch of one row holding n bytes. */
static void make_batch(size_t n)
{
	arrow_batch_reset(&batch);
	char *s = malloc(n + 1);
	ck_assert_ptr_nonnull(s);
	memset(s, 'x', n);
	ck_assert_int_eq(arrow_column_append_bytes(&batch.cols[0], s, n), 0);
	ck_assert_int_eq(arrow_batch_end_row(&batch), 0);
	free(s);
	ck_assert_int_eq(arrow_ipc_record_batch(&enc, &batch), 0);
}

static int write_batch(struct arrow_file *f, const struct arrow_file_limits *lim, int64_t now)
{
	return arrow_file_write(f, enc.iov, enc.iovcnt, enc.len, lim, now);
}

static off_t file_size(const char *name)
{
	struct stat st;
	ck_assert_int_eq(fstatat(dirfd_, name, &st, 0), 0);
	return st.st_size;
}

static uint8_t *file_bytes(const char *name, size_t *len)
{
	int fd = openat(dirfd_, name, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	struct stat st;
	ck_assert_int_eq(fstat(fd, &st), 0);
	uint8_t *p = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

START_TEST(names_are_utc_time_and_sequence)
{
	char name[ARROW_FILE_NAME_MAX];
	ck_assert_int_eq(arrow_file_name(name, sizeof name, "traces", NOW, 1), 0);
	ck_assert_str_eq(name, "otlp_traces_20260101_000000_000001.arrows");
	ck_assert_int_eq(arrow_file_name(name, sizeof name, "logs", NOW - 1, 1234567), 0);
	ck_assert_str_eq(name, "otlp_logs_20251231_235959_1234567.arrows");
	ck_assert_int_eq(arrow_file_name(name, 20, "metrics", NOW, 1), -ENAMETOOLONG);
}
END_TEST

START_TEST(a_file_is_schema_batches_and_end_marker)
{
	struct arrow_file f;
	struct arrow_file_limits lim = {.max_bytes = 1 << 20, .max_age_secs = 60};
	arrow_file_init(&f, dirfd_, "traces", &schema);
	make_batch(10);
	ck_assert_int_eq(write_batch(&f, &lim, NOW), 0);
	ck_assert(arrow_file_is_open(&f));
	const char *name = "otlp_traces_20260101_000000_000001.arrows";
	ck_assert_str_eq(f.name, name);
	struct stat st;
	ck_assert_int_eq(fstatat(dirfd_, name, &st, 0), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0640);
	ck_assert_int_eq(arrow_file_close(&f), 0);
	ck_assert(!arrow_file_is_open(&f));
	ck_assert_int_eq(arrow_file_close(&f), 0); /* closing twice is harmless */
	size_t len;
	uint8_t *p = file_bytes(name, &len);
	ck_assert_uint_eq(len, schema.len + enc.len + ARROW_IPC_EOS_LEN);
	ck_assert_mem_eq(p, schema.data, schema.len);
	ck_assert_mem_eq(p + schema.len, enc.iov[0].iov_base, enc.iov[0].iov_len);
	ck_assert_mem_eq(p + len - ARROW_IPC_EOS_LEN, arrow_ipc_eos, ARROW_IPC_EOS_LEN);
	ck_assert_uint_eq(f.files_opened, 1);
	ck_assert_uint_eq(f.bytes_written, len);
	free(p);
}
END_TEST

/* Batches go into a file while they fit; the one that would cross
 * max_bytes starts the next file. */
START_TEST(rotation_by_size)
{
	make_batch(1000);
	struct arrow_file f;
	struct arrow_file_limits lim = {
		.max_bytes = schema.len + 2 * enc.len + ARROW_IPC_EOS_LEN + enc.len / 2,
		.max_age_secs = 60,
	};
	arrow_file_init(&f, dirfd_, "traces", &schema);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(write_batch(&f, &lim, NOW), 0);
	ck_assert_int_eq(arrow_file_close(&f), 0);
	ck_assert_uint_eq(f.files_opened, 3);
	const off_t two = (off_t)(schema.len + 2 * enc.len + ARROW_IPC_EOS_LEN);
	ck_assert_int_eq(file_size("otlp_traces_20260101_000000_000001.arrows"), two);
	ck_assert_int_eq(file_size("otlp_traces_20260101_000000_000002.arrows"), two);
	ck_assert_int_eq(file_size("otlp_traces_20260101_000000_000003.arrows"),
			 (off_t)(schema.len + enc.len + ARROW_IPC_EOS_LEN));
	ck_assert((uint64_t)two <= lim.max_bytes);
}
END_TEST

/* A batch bigger than max_bytes is not refused: it gets a file of its own. */
START_TEST(a_batch_bigger_than_a_file)
{
	make_batch(5000);
	struct arrow_file f;
	struct arrow_file_limits lim = {.max_bytes = 1000, .max_age_secs = 60};
	arrow_file_init(&f, dirfd_, "traces", &schema);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(write_batch(&f, &lim, NOW), 0);
	ck_assert_int_eq(arrow_file_close(&f), 0);
	ck_assert_uint_eq(f.files_opened, 3);
	ck_assert_int_eq(file_size("otlp_traces_20260101_000000_000002.arrows"),
			 (off_t)(schema.len + enc.len + ARROW_IPC_EOS_LEN));
}
END_TEST

START_TEST(rotation_by_age)
{
	make_batch(10);
	struct arrow_file f;
	struct arrow_file_limits lim = {.max_bytes = 1 << 20, .max_age_secs = 10};
	arrow_file_init(&f, dirfd_, "traces", &schema);
	ck_assert_int_eq(write_batch(&f, &lim, NOW), 0);
	ck_assert_int_eq(write_batch(&f, &lim, NOW + 9), 0);
	ck_assert_uint_eq(f.files_opened, 1);
	ck_assert_int_eq(write_batch(&f, &lim, NOW + 10), 0);
	ck_assert_uint_eq(f.files_opened, 2);
	ck_assert_str_eq(f.name, "otlp_traces_20260101_000010_000002.arrows");
	/* An idle file ends once it is old enough, not before. */
	ck_assert_int_eq(arrow_file_expire(&f, &lim, NOW + 19), 0);
	ck_assert(arrow_file_is_open(&f));
	ck_assert_int_eq(arrow_file_expire(&f, &lim, NOW + 20), 0);
	ck_assert(!arrow_file_is_open(&f));
	size_t len;
	uint8_t *p = file_bytes("otlp_traces_20260101_000010_000002.arrows", &len);
	ck_assert_mem_eq(p + len - ARROW_IPC_EOS_LEN, arrow_ipc_eos, ARROW_IPC_EOS_LEN);
	free(p);
}
END_TEST

START_TEST(names_taken_are_stepped_over)
{
	int fd = openat(dirfd_, "otlp_traces_20260101_000000_000001.arrows", O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "keep", 4), 4);
	close(fd);
	make_batch(10);
	struct arrow_file f;
	struct arrow_file_limits lim = {.max_bytes = 1 << 20, .max_age_secs = 10};
	arrow_file_init(&f, dirfd_, "traces", &schema);
	ck_assert_int_eq(write_batch(&f, &lim, NOW), 0);
	ck_assert_str_eq(f.name, "otlp_traces_20260101_000000_000002.arrows");
	ck_assert_int_eq(arrow_file_close(&f), 0);
	ck_assert_int_eq(file_size("otlp_traces_20260101_000000_000001.arrows"), 4);
}
END_TEST

/* A write the file system refuses part-way (here RLIMIT_FSIZE) leaves the
 * file with its whole batches and the end marker, nothing of the new one. */
START_TEST(a_failed_write_leaves_no_torn_batch)
{
	make_batch(4000);
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl = {.rlim_cur = schema.len + enc.len + ARROW_IPC_EOS_LEN + enc.len / 2};
	rl.rlim_max = rl.rlim_cur;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	struct arrow_file f;
	struct arrow_file_limits lim = {.max_bytes = 1 << 20, .max_age_secs = 10};
	arrow_file_init(&f, dirfd_, "traces", &schema);
	ck_assert_int_eq(write_batch(&f, &lim, NOW), 0);
	ck_assert_int_eq(write_batch(&f, &lim, NOW), -EFBIG);
	ck_assert(!arrow_file_is_open(&f));
	size_t len;
	uint8_t *p = file_bytes("otlp_traces_20260101_000000_000001.arrows", &len);
	ck_assert_uint_eq(len, schema.len + enc.len + ARROW_IPC_EOS_LEN);
	ck_assert_mem_eq(p + len - ARROW_IPC_EOS_LEN, arrow_ipc_eos, ARROW_IPC_EOS_LEN);
	free(p);
}
END_TEST

/* A batch written in steps gets its first 8 bytes last: meanwhile a reader
 * finds zeros where the message starts (an end of stream to Arrow readers)
 * after the whole batches, never a part of a batch; the same holds for a
 * file left by a writer that died mid-batch. */
START_TEST(a_batch_in_steps_is_hidden_until_whole)
{
	make_batch(20000);
	struct arrow_file f;
	struct arrow_file_limits lim = {.max_bytes = 1 << 20, .max_age_secs = 60};
	arrow_file_init(&f, dirfd_, "traces", &schema);
	ck_assert_int_eq(write_batch(&f, &lim, NOW), 0);
	uint64_t whole = f.size;
	make_batch(20000);
	ck_assert_int_eq(arrow_file_begin(&f, enc.iov, enc.iovcnt, enc.len, &lim, NOW), 0);
	static const uint8_t zeros[8];
	unsigned steps = 0;
	int rc;
	while ((rc = arrow_file_continue(&f, 4096)) == 1) {
		steps++;
		size_t len;
		uint8_t *p = file_bytes(f.name, &len);
		ck_assert_uint_gt(len, whole); /* the batch is going in ... */
		ck_assert_mem_eq(p + whole, zeros, sizeof zeros); /* ... unseen */
		free(p);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_ge(steps, 4);
	size_t len;
	uint8_t *p = file_bytes(f.name, &len);
	ck_assert_uint_eq(len, whole + enc.len);
	ck_assert_mem_eq(p + whole, enc.iov[0].iov_base, enc.iov[0].iov_len);
	free(p);
	ck_assert_int_eq(arrow_file_close(&f), 0);
}
END_TEST

/* Closing a file with a batch half written finishes the batch first. */
START_TEST(closing_finishes_a_batch_under_way)
{
	make_batch(20000);
	struct arrow_file f;
	struct arrow_file_limits lim = {.max_bytes = 1 << 20, .max_age_secs = 60};
	arrow_file_init(&f, dirfd_, "traces", &schema);
	ck_assert_int_eq(arrow_file_begin(&f, enc.iov, enc.iovcnt, enc.len, &lim, NOW), 0);
	ck_assert_int_eq(arrow_file_continue(&f, 4096), 1);
	char name[ARROW_FILE_NAME_MAX];
	memcpy(name, f.name, sizeof name);
	ck_assert_int_eq(arrow_file_close(&f), 0);
	size_t len;
	uint8_t *p = file_bytes(name, &len);
	ck_assert_uint_eq(len, schema.len + enc.len + ARROW_IPC_EOS_LEN);
	ck_assert_mem_eq(p + schema.len, enc.iov[0].iov_base, enc.iov[0].iov_len);
	ck_assert_mem_eq(p + len - ARROW_IPC_EOS_LEN, arrow_ipc_eos, ARROW_IPC_EOS_LEN);
	free(p);
}
END_TEST

/* ---- retention ---- */

static int sub[3];
static const char *const prefixes[3] = {"otlp_traces_", "otlp_metrics_", "otlp_logs_"};

static void make_file(int d, const char *name, size_t size, int64_t mtime)
{
	int fd = openat(sub[d], name, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0640);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	struct timespec ts[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
	ck_assert_int_eq(futimens(fd, ts), 0);
	close(fd);
}

static bool sub_exists(int d, const char *name)
{
	struct stat st;
	return fstatat(sub[d], name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void setup_dirs(void)
{
	static const char *const names[3] = {"traces", "metrics", "logs"};
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(mkdirat(dirfd_, names[i], 0750), 0);
		sub[i] = openat(dirfd_, names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ck_assert_int_ge(sub[i], 0);
	}
}

static void close_dirs(void)
{
	for (int i = 0; i < 3; i++)
		close(sub[i]);
}

static void dirs_with(struct retention_dir d[3], int64_t max_age, const char *open_trace)
{
	for (int i = 0; i < 3; i++)
		d[i] = (struct retention_dir){sub[i], prefixes[i], max_age, NULL};
	d[0].open_name = open_trace;
}

START_TEST(old_files_go_by_age)
{
	setup_dirs();
	make_file(0, "otlp_traces_a.arrows", 10, NOW - 600);
	make_file(0, "otlp_traces_b.arrows", 10, NOW - 599);
	make_file(0, "otlp_traces_open.arrows", 10, NOW - 7200);
	make_file(0, "notes.arrows", 10, NOW - 7200);       /* not ours */
	make_file(0, "otlp_traces_c.arrows.tmp", 10, NOW - 7200);
	make_file(1, "otlp_traces_x.arrows", 10, NOW - 7200); /* another signal's prefix */
	make_file(2, "otlp_logs_old.arrows", 10, NOW - 3600);
	ck_assert_int_eq(mkdirat(sub[2], "otlp_logs_dir.arrows", 0750), 0);
	struct retention_dir d[3];
	dirs_with(d, 600, "otlp_traces_open.arrows");
	d[2].max_age_secs = 3600;
	struct retention_result res;
	ck_assert_int_eq(retention_run(d, 3, UINT64_MAX, 0, NOW, &res), 0);
	ck_assert_uint_eq(res.removed_files, 2);
	ck_assert_uint_eq(res.removed_bytes, 20);
	ck_assert(!sub_exists(0, "otlp_traces_a.arrows"));
	ck_assert(sub_exists(0, "otlp_traces_b.arrows"));
	ck_assert(sub_exists(0, "otlp_traces_open.arrows"));
	ck_assert(sub_exists(0, "notes.arrows"));
	ck_assert(sub_exists(0, "otlp_traces_c.arrows.tmp"));
	ck_assert(sub_exists(1, "otlp_traces_x.arrows"));
	ck_assert(!sub_exists(2, "otlp_logs_old.arrows"));
	ck_assert(sub_exists(2, "otlp_logs_dir.arrows"));
	ck_assert_uint_eq(res.kept_files, 2);
	ck_assert_uint_eq(res.kept_bytes, 20);
	close_dirs();
}
END_TEST

/* Over the total, the oldest files of any signal go first; the open one
 * counts but stays. */
START_TEST(oldest_files_go_past_the_total)
{
	setup_dirs();
	make_file(0, "otlp_traces_1.arrows", 100, NOW - 50);
	make_file(1, "otlp_metrics_1.arrows", 100, NOW - 40);
	make_file(2, "otlp_logs_1.arrows", 100, NOW - 30);
	make_file(0, "otlp_traces_2.arrows", 100, NOW - 20);
	make_file(0, "otlp_traces_open.arrows", 100, NOW - 60);
	make_file(1, "otlp_metrics_2.arrows", 100, NOW - 30);
	struct retention_dir d[3];
	dirs_with(d, 3600, "otlp_traces_open.arrows");
	struct retention_result res;
	ck_assert_int_eq(retention_run(d, 3, 350, 0, NOW, &res), 0);
	ck_assert_uint_eq(res.removed_files, 3);
	ck_assert(!sub_exists(0, "otlp_traces_1.arrows"));
	ck_assert(!sub_exists(1, "otlp_metrics_1.arrows"));
	/* Same mtime: the name decides, "otlp_logs_1" before "otlp_metrics_2". */
	ck_assert(!sub_exists(2, "otlp_logs_1.arrows"));
	ck_assert(sub_exists(1, "otlp_metrics_2.arrows"));
	ck_assert(sub_exists(0, "otlp_traces_2.arrows"));
	ck_assert(sub_exists(0, "otlp_traces_open.arrows"));
	ck_assert_uint_eq(res.kept_bytes, 300);
	ck_assert_uint_eq(res.kept_files, 3);
	/* Under the cap nothing goes. */
	ck_assert_int_eq(retention_run(d, 3, 300, 0, NOW, &res), 0);
	ck_assert_uint_eq(res.removed_files, 0);
	close_dirs();
}
END_TEST

/* With a step, one pass removes at most that many files and says there is
 * more; passes go on, oldest first, until every rule is met. */
START_TEST(removal_goes_one_step_at_a_time)
{
	setup_dirs();
	make_file(0, "otlp_traces_old.arrows", 100, NOW - 7200); /* past its age */
	make_file(0, "otlp_traces_1.arrows", 100, NOW - 50);
	make_file(1, "otlp_metrics_1.arrows", 100, NOW - 40);
	make_file(2, "otlp_logs_1.arrows", 100, NOW - 30);
	struct retention_dir d[3];
	dirs_with(d, 3600, NULL);
	struct retention_result res;
	ck_assert_int_eq(retention_run(d, 3, 150, 1, NOW, &res), 0);
	ck_assert_uint_eq(res.removed_files, 1);
	ck_assert(res.more);
	ck_assert(!sub_exists(0, "otlp_traces_old.arrows"));
	ck_assert_int_eq(retention_run(d, 3, 150, 1, NOW, &res), 0);
	ck_assert(res.more);
	ck_assert(!sub_exists(0, "otlp_traces_1.arrows"));
	ck_assert_int_eq(retention_run(d, 3, 150, 1, NOW, &res), 0);
	ck_assert(!sub_exists(1, "otlp_metrics_1.arrows"));
	ck_assert_uint_eq(res.kept_bytes, 100);
	/* The last one was needed to get under the total: nothing more. */
	ck_assert_int_eq(retention_run(d, 3, 150, 1, NOW, &res), 0);
	ck_assert(!res.more);
	ck_assert_uint_eq(res.removed_files, 0);
	ck_assert(sub_exists(2, "otlp_logs_1.arrows"));
	close_dirs();
}
END_TEST

START_TEST(a_directory_that_is_gone_is_reported)
{
	setup_dirs();
	struct retention_dir d[3];
	dirs_with(d, 600, NULL);
	d[1].dirfd = -1;
	make_file(0, "otlp_traces_a.arrows", 10, NOW - 6000);
	struct retention_result res;
	ck_assert_int_eq(retention_run(d, 3, UINT64_MAX, 0, NOW, &res), -EBADF);
	ck_assert_uint_eq(res.removed_files, 1); /* the others are still done */
	close_dirs();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("writer_files");
	TCase *tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, names_are_utc_time_and_sequence);
	tcase_add_test(tc, a_file_is_schema_batches_and_end_marker);
	tcase_add_test(tc, rotation_by_size);
	tcase_add_test(tc, a_batch_bigger_than_a_file);
	tcase_add_test(tc, rotation_by_age);
	tcase_add_test(tc, names_taken_are_stepped_over);
	tcase_add_test(tc, a_failed_write_leaves_no_torn_batch);
	tcase_add_test(tc, a_batch_in_steps_is_hidden_until_whole);
	tcase_add_test(tc, closing_finishes_a_batch_under_way);
	suite_add_tcase(s, tc);
	TCase *rt = tcase_create("retention");
	tcase_add_checked_fixture(rt, setup, teardown);
	tcase_add_test(rt, old_files_go_by_age);
	tcase_add_test(rt, oldest_files_go_past_the_total);
	tcase_add_test(rt, removal_goes_one_step_at_a_time);
	tcase_add_test(rt, a_directory_that_is_gone_is_reported);
	suite_add_tcase(s, rt);
	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK); /* the rlimit test must stay in its own process */
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
