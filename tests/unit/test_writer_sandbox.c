/* The writer's file work inside the real writer sandbox (chroot or Landlock
 * into the output directory, uid nobody, the "writer" seccomp profile): set
 * up the directories, take requests, write and rotate files, apply
 * retention, end the files. A syscall the profile does not allow kills the
 * forked test with SIGSYS. After sandbox_enter only raw calls report, since
 * Check's own reporting needs syscalls the profile forbids. */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "messages.h"
#include "sandbox.h"
#include "writer.h"

#ifndef OTLPD_SHARED_BENCH_DIR
#error "OTLPD_SHARED_BENCH_DIR must name the directory of the bench bodies"
#endif

#define NOBODY 65534
#define NOW ((int64_t)1767225600)
#define BODY_MAX ((size_t)4 << 20)
#define MAX_FILE_BYTES (64 * 1024 + 30000)
#define MAX_TOTAL_BYTES 100000

static char jail_path[96];
static unsigned taken;

static void on_taken(void *ctx, uint32_t len)
{
	(void)ctx;
	(void)len;
	taken++;
}

static void fail_step(int line, const char *what, int err)
{
	char buf[256];
	int n = snprintf(buf, sizeof buf, "sandboxed writer failed at line %d: %s (%d)\n", line, what,
			 err);
	if (n > 0 && write(STDERR_FILENO, buf, strnlen(buf, sizeof buf)) < 0)
		_exit(2);
	_exit(1 + line % 200); /* never 0 */
}

#define REQUIRE(cond, what, err)                        \
	do {                                            \
		if (!(cond))                            \
			fail_step(__LINE__, what, err); \
	} while (0)

static uint8_t *bench_body(const char *name, uint32_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", OTLPD_SHARED_BENCH_DIR, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	uint8_t *buf = malloc(BODY_MAX);
	ck_assert_ptr_nonnull(buf);
	*len = (uint32_t)fread(buf, 1, BODY_MAX, f);
	ck_assert(feof(f));
	fclose(f);
	return buf;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* In the parent: the tests _exit() inside their sandbox, so cleaning up is
 * done once, after all of them. */
static char base_dir[] = "/tmp/otlpd-test-wsandbox-XXXXXX";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(base_dir));
}

static void teardown(void)
{
	nftw(base_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh output directory, writable by the user the sandbox drops to. */
static void make_jail(void)
{
	snprintf(jail_path, sizeof jail_path, "%s/jail-XXXXXX", base_dir);
	ck_assert_ptr_nonnull(mkdtemp(jail_path));
	ck_assert_int_eq(chmod(jail_path, 0777), 0);
}

static void run_in_sandbox(enum jail_method method)
{
	uint32_t lens[3];
	uint8_t *bodies[3] = {bench_body("traces_100.pb", &lens[0]),
			      bench_body("metrics_100.pb", &lens[1]),
			      bench_body("logs_100.pb", &lens[2])};
	static const uint32_t types[3] = {MSG_EXPORT_TRACES, MSG_EXPORT_METRICS, MSG_EXPORT_LOGS};
	make_jail();
	int jail = open(jail_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(jail, 0);
	struct sandbox_params p = {.jail_fd = jail, .method = method, .uid = NOBODY,
				   .gid = NOBODY, .seccomp = SECCOMP_MODE_ENFORCE};
	char why[256];
	int err = sandbox_enter(SANDBOX_WRITER, &p, why, sizeof why);
	REQUIRE(err == 0, why, err);

	struct writer w;
	struct writer_config cfg = {
		.root_dirfd = AT_FDCWD,
		.max_rows = {7, 7, 7},
		.retention_secs = {600, 3600, 3600},
		.write_interval_secs = 5,
		.max_file_bytes = MAX_FILE_BYTES,
		.max_total_bytes = MAX_TOTAL_BYTES,
		.max_message_bytes = BODY_MAX,
		.max_anyvalue_depth = 32,
		.inbox_max_bytes = BODY_MAX,
		.on_taken = on_taken,
	};
	err = writer_init(&w, &cfg);
	REQUIRE(err == 0, "writer_init", err);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 3; i++) {
			err = writer_take(&w, types[i], bodies[i], lens[i], NOW + round);
			REQUIRE(err == 0, "writer_take", err);
		}
		err = writer_flush(&w, NOW + round);
		REQUIRE(err == 0, "writer_flush", err);
	}
	REQUIRE(taken == 9, "every request taken", (int)taken);
	REQUIRE(w.sig[OTLP_SIGNAL_TRACES].file.files_opened > 1, "rotation", 0);
	/* Files past the total go, then (two hours on) every closed file by
	 * age; the three open ones stay. */
	err = writer_retention(&w, NOW + 3);
	REQUIRE(err == 0, "writer_retention", err);
	REQUIRE(w.removed_files > 0 && w.kept_bytes <= MAX_TOTAL_BYTES + 3 * MAX_FILE_BYTES,
		"retention by size", 0);
	err = writer_retention(&w, NOW + 7200);
	REQUIRE(err == 0, "writer_retention", err);
	REQUIRE(w.kept_bytes <= 3 * MAX_FILE_BYTES, "retention by age", 0);
	err = writer_finish(&w, NOW + 7200);
	REQUIRE(err == 0, "writer_finish", err);
	writer_free(&w);
	_exit(0);
}

START_TEST(writer_works_under_chroot)
{
	if (geteuid() != 0)
		_exit(0); /* chroot needs root; the Landlock case still runs */
	run_in_sandbox(JAIL_METHOD_CHROOT);
}
END_TEST

START_TEST(writer_works_under_landlock)
{
	if (sandbox_landlock_available() != 0)
		_exit(0);
	run_in_sandbox(JAIL_METHOD_LANDLOCK);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("writer_sandbox");
	TCase *tc = tcase_create("sandbox");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_exit_test(tc, writer_works_under_chroot, 0);
	tcase_add_exit_test(tc, writer_works_under_landlock, 0);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK); /* each sandbox needs its own process */
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
