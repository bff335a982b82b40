/* The dashboard's path checks, Range parsing and confined opens: hostile
 * paths are refused before any file system call, and even a path that got
 * through could not leave the root or follow a symlink. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../dashboard/dash_buf.h"
#include "../../dashboard/dash_files.h"
#include "../../dashboard/dash_path.h"
#include "../../dashboard/dash_range.h"

static int data_path(const char *p, char *rel, size_t cap)
{
	enum dash_signal s;
	return dash_data_path(p, rel, cap, &s);
}

START_TEST(test_valid_paths)
{
	char rel[DASH_REL_PATH_MAX];
	enum dash_signal s;
	ck_assert_int_eq(dash_data_path("/data/traces/otlp_traces_20260101_000000_000001.arrows", rel,
					sizeof rel, &s), 0);
	ck_assert_str_eq(rel, "otlp/traces/otlp_traces_20260101_000000_000001.arrows");
	ck_assert_int_eq(s, DASH_SIGNAL_TRACES);
	ck_assert_int_eq(dash_data_path("/data/metrics/a-b_c.1", rel, sizeof rel, &s), 0);
	ck_assert_str_eq(rel, "otlp/metrics/a-b_c.1");
	ck_assert_int_eq(dash_data_path("/data/logs/%61.arrows", rel, sizeof rel, &s), 0);
	ck_assert_str_eq(rel, "otlp/logs/a.arrows");
	ck_assert_int_eq(s, DASH_SIGNAL_LOGS);
}
END_TEST

static const char *const hostile[] = {
	"/data/traces/../../etc/passwd",
	"/data/traces/..",
	"/data/traces/.",
	"/data/traces/",
	"/data/traces/.hidden",
	"/data/traces/..%2f..%2fetc%2fpasswd",
	"/data/traces/%2e%2e",
	"/data/traces/%2e%2e%2fx",
	"/data/traces/%252e%252e",
	"/data/traces/..%c0%afx",
	"/data/traces/%c0%ae%c0%ae",
	"/data/traces/..%5cx",
	"/data/traces/a\\b",
	"/data/traces/\\\\server\\share",
	"/data//traces/x",
	"/data/traces//x",
	"/data/traces/x/y",
	"/data/traces/....//x",
	"/etc/passwd",
	"/data/%2fetc%2fpasswd",
	"/data/traces/%2fetc%2fpasswd",
	"/data/traces/C:x",
	"/data/traces/x%00.arrows",
	"/data/traces/x%0a",
	"/data/traces/x%7f",
	"/data/traces/x\x01",
	"/data/traces/%ff",
	"/data/traces/%ed%a0%80",
	"/data/traces/%e2%80%ae",
	"/data/traces/%",
	"/data/traces/%4",
	"/data/traces/%g0",
	"/data/secret",
	"/data/TRACES/x",
	"/data/tracesx/y",
	"/data/otlp/traces/x",
	"data/traces/x",
	"",
	"/",
	"/data/",
};

START_TEST(test_hostile_paths)
{
	char rel[DASH_REL_PATH_MAX];
	ck_assert_msg(data_path(hostile[_i], rel, sizeof rel) == -EACCES, "accepted #%d", _i);
}
END_TEST

START_TEST(test_long_names)
{
	char path[512], rel[DASH_REL_PATH_MAX];
	int n = snprintf(path, sizeof path, "/data/logs/");
	memset(path + n, 'a', DASH_FILE_NAME_MAX);
	path[n + DASH_FILE_NAME_MAX] = '\0';
	ck_assert_int_eq(data_path(path, rel, sizeof rel), 0);
	path[n + DASH_FILE_NAME_MAX] = 'a';
	path[n + DASH_FILE_NAME_MAX + 1] = '\0';
	ck_assert_int_eq(data_path(path, rel, sizeof rel), -EACCES);
	/* A rel buffer too small is an error, not a cut path. */
	ck_assert_int_eq(data_path("/data/logs/abc", rel, 12), -EACCES);
}
END_TEST

START_TEST(test_percent_decode)
{
	char out[32];
	ck_assert_int_eq(dash_percent_decode("a%41%2f", 7, out, sizeof out), 3);
	ck_assert_str_eq(out, "aA/");
	/* Once only: %25 becomes '%', which is not decoded again. */
	ck_assert_int_eq(dash_percent_decode("%252e", 5, out, sizeof out), 3);
	ck_assert_str_eq(out, "%2e");
	ck_assert_int_eq(dash_percent_decode("%c3%a9", 6, out, sizeof out), 2);
	ck_assert_int_eq(dash_percent_decode("%c3", 3, out, sizeof out), -EINVAL);
	ck_assert_int_eq(dash_percent_decode("%e0%80%af", 9, out, sizeof out), -EINVAL);
	ck_assert_int_eq(dash_percent_decode("%00", 3, out, sizeof out), -EINVAL);
	ck_assert_int_eq(dash_percent_decode("abcdef", 6, out, 4), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_range)
{
	uint64_t start, len;
	ck_assert_int_eq(dash_range_parse("bytes=0-9", 100, &start, &len), 0);
	ck_assert_uint_eq(start, 0);
	ck_assert_uint_eq(len, 10);
	ck_assert_int_eq(dash_range_parse("bytes=90-", 100, &start, &len), 0);
	ck_assert_uint_eq(start, 90);
	ck_assert_uint_eq(len, 10);
	ck_assert_int_eq(dash_range_parse("bytes=90-1000", 100, &start, &len), 0);
	ck_assert_uint_eq(len, 10);
	ck_assert_int_eq(dash_range_parse("bytes=-5", 100, &start, &len), 0);
	ck_assert_uint_eq(start, 95);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(dash_range_parse("bytes=-500", 100, &start, &len), 0);
	ck_assert_uint_eq(start, 0);
	ck_assert_int_eq(dash_range_parse("bytes=100-", 100, &start, &len), -ERANGE);
	ck_assert_int_eq(dash_range_parse("bytes=0-", 0, &start, &len), -ERANGE);
	ck_assert_int_eq(dash_range_parse("bytes=-0", 100, &start, &len), -ERANGE);
	ck_assert_int_eq(dash_range_parse("bytes=5-1", 100, &start, &len), -EINVAL);
	ck_assert_int_eq(dash_range_parse("bytes=0-1,5-6", 100, &start, &len), -EINVAL);
	ck_assert_int_eq(dash_range_parse("items=0-1", 100, &start, &len), -EINVAL);
	ck_assert_int_eq(dash_range_parse("bytes=-", 100, &start, &len), -EINVAL);
	ck_assert_int_eq(dash_range_parse("bytes=99999999999999999999-", 100, &start, &len),
			 -EINVAL);
}
END_TEST

/* A root with otlp/traces/{real,link-out} and otlp/logs -> outside. */
static char tmp[64];
static int root_fd = -1;

static void make_tree(void)
{
	snprintf(tmp, sizeof tmp, "/tmp/dash-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	char p[256];
	snprintf(p, sizeof p, "%s/root", tmp);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/root/otlp", tmp);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/root/otlp/traces", tmp);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/outside", tmp);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/outside/x.arrows", tmp);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("outside", f);
	fclose(f);
	snprintf(p, sizeof p, "%s/root/otlp/traces/real.arrows", tmp);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("inside!", f);
	fclose(f);
	char target[256];
	snprintf(target, sizeof target, "%s/outside/x.arrows", tmp);
	snprintf(p, sizeof p, "%s/root/otlp/traces/link.arrows", tmp);
	ck_assert_int_eq(symlink(target, p), 0);
	snprintf(target, sizeof target, "%s/outside", tmp);
	snprintf(p, sizeof p, "%s/root/otlp/logs", tmp);
	ck_assert_int_eq(symlink(target, p), 0);
	snprintf(p, sizeof p, "%s/root", tmp);
	root_fd = open(p, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(root_fd, 0);
}

static void remove_tree(void)
{
	char cmd[128];
	close(root_fd);
	/* Test cleanup only: paths are our own mkdtemp's. */
	const char *parts[] = {"root/otlp/traces/real.arrows", "root/otlp/traces/link.arrows",
			       "root/otlp/logs", "root/otlp/traces", "root/otlp", "root",
			       "outside/x.arrows", "outside", ""};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		snprintf(cmd, sizeof cmd, "%s/%s", tmp, parts[i]);
		if (remove(cmd) != 0)
			rmdir(cmd);
	}
}

START_TEST(test_open_confined)
{
	make_tree();
	int fd = -1;
	uint64_t size = 0;
	int64_t mtime = 0;
	ck_assert_int_eq(dash_open_data(root_fd, "otlp/traces/real.arrows", &fd, &size, &mtime), 0);
	ck_assert_uint_eq(size, 7);
	close(fd);
	ck_assert_int_eq(dash_open_data(root_fd, "otlp/traces/absent.arrows", &fd, &size, &mtime),
			 -ENOENT);
	/* Symlinks are never followed, to a file or through a directory. */
	ck_assert_int_eq(dash_open_data(root_fd, "otlp/traces/link.arrows", &fd, &size, &mtime),
			 -EACCES);
	ck_assert_int_eq(dash_open_data(root_fd, "otlp/logs/x.arrows", &fd, &size, &mtime), -EACCES);
	/* Paths the checks would refuse cannot leave the root either. */
	ck_assert_int_eq(dash_open_data(root_fd, "../outside/x.arrows", &fd, &size, &mtime),
			 -EACCES);
	ck_assert_int_eq(dash_open_data(root_fd, "otlp/../../outside/x.arrows", &fd, &size, &mtime),
			 -EACCES);
	char abs[256];
	snprintf(abs, sizeof abs, "%s/outside/x.arrows", tmp);
	ck_assert_int_eq(dash_open_data(root_fd, abs, &fd, &size, &mtime), -EACCES);
	ck_assert_int_eq(dash_open_data(root_fd, "otlp/traces", &fd, &size, &mtime), -EACCES);

	struct dash_buf b;
	dash_buf_init(&b, 4096);
	ck_assert_int_eq(dash_list_json(root_fd, DASH_SIGNAL_TRACES, DASH_LIST_MAX, &b), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\"name\":\"real.arrows\",\"size\":7"));
	ck_assert_ptr_null(strstr(b.data, "link"));
	dash_buf_free(&b);
	/* No directory yet: an empty list; a symlinked one: an error. */
	ck_assert_int_eq(dash_list_json(root_fd, DASH_SIGNAL_METRICS, DASH_LIST_MAX, &b), 0);
	ck_assert_str_eq(b.data, "{\"signal\":\"metrics\",\"files\":[]}");
	dash_buf_free(&b);
	ck_assert_int_lt(dash_list_json(root_fd, DASH_SIGNAL_LOGS, DASH_LIST_MAX, &b), 0);
	dash_buf_free(&b);
	remove_tree();
}
END_TEST

/* A data directory of n trace files whose ages follow neither their names
 * nor the order they were made in: file i is f<i> with mtime base + age(i)
 * seconds, age a permutation of 0..n-1 divided by tie (so that ties are
 * broken by name). */
struct planted {
	char dir[64];
	int root_fd;
	size_t n;
};

static size_t age_of(size_t i, size_t n, size_t tie)
{
	/* 7919 is prime and no test uses a multiple of it: a permutation. */
	return ((i * 7919u) % n) / tie;
}

static void plant(struct planted *p, size_t n, size_t tie)
{
	snprintf(p->dir, sizeof p->dir, "/tmp/dash-list.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(p->dir));
	char path[128];
	snprintf(path, sizeof path, "%s/otlp", p->dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/otlp/traces", p->dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	int dir = open(path, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dir, 0);
	const time_t base = 1767225600; /* 2026-01-01 */
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "f%05zu.arrows", i);
		int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
		ck_assert_int_ge(fd, 0);
		struct timespec t[2] = {{.tv_sec = base, .tv_nsec = 0},
					{.tv_sec = base + (time_t)age_of(i, n, tie), .tv_nsec = 0}};
		ck_assert_int_eq(futimens(fd, t), 0);
		close(fd);
	}
	close(dir);
	p->n = n;
	p->root_fd = open(p->dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(p->root_fd, 0);
}

static void unplant(struct planted *p)
{
	char path[128];
	close(p->root_fd);
	for (size_t i = 0; i < p->n; i++) {
		snprintf(path, sizeof path, "%s/otlp/traces/f%05zu.arrows", p->dir, i);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/otlp/traces", p->dir);
	rmdir(path);
	snprintf(path, sizeof path, "%s/otlp", p->dir);
	rmdir(path);
	rmdir(p->dir);
}

/* Newest first: later mtime, then the greater name. */
static size_t sort_n, sort_tie;
static int newer_first(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	size_t ax = age_of(x, sort_n, sort_tie), ay = age_of(y, sort_n, sort_tie);
	if (ax != ay)
		return ax > ay ? -1 : 1;
	return x > y ? -1 : 1;
}

/* Lists the planted directory with at most max files and checks the answer
 * is exactly the newest max, newest first. */
static void check_newest(size_t n, size_t tie, size_t max)
{
	struct planted p = {.root_fd = -1};
	plant(&p, n, tie);
	size_t *order = malloc(n * sizeof *order);
	ck_assert_ptr_nonnull(order);
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	sort_n = n;
	sort_tie = tie;
	qsort(order, n, sizeof *order, newer_first);
	struct dash_buf b;
	dash_buf_init(&b, 1024u * 1024u);
	ck_assert_int_eq(dash_list_json(p.root_fd, DASH_SIGNAL_TRACES, max, &b), 0);
	const char *at = b.data;
	size_t listed = 0;
	while ((at = strstr(at, "\"name\":\"")) != NULL) {
		at += sizeof "\"name\":\"" - 1;
		char want[32];
		ck_assert_uint_lt(listed, max < n ? max : n);
		snprintf(want, sizeof want, "f%05zu.arrows\"", order[listed]);
		ck_assert_msg(strncmp(at, want, strlen(want)) == 0, "entry %zu is not %s", listed,
			      want);
		listed++;
	}
	ck_assert_uint_eq(listed, max < n ? max : n);
	dash_buf_free(&b);
	free(order);
	unplant(&p);
}

START_TEST(test_list_newest)
{
	/* Fewer than the limit: all of them, ties broken by name. */
	check_newest(30, 3, 100);
	/* More: the newest 8 of 40, whatever the directory's order. */
	check_newest(40, 3, 8);
	check_newest(40, 1, 1);
	/* The real limit, with files past it: the newest are never left out. */
	check_newest(DASH_LIST_MAX + 20, 1, DASH_LIST_MAX);
	/* A limit of 0 lists nothing. */
	check_newest(5, 1, 0);
}
END_TEST

START_TEST(test_buf_max)
{
	struct dash_buf b;
	dash_buf_init(&b, 8);
	ck_assert_int_eq(dash_buf_str(&b, "12345678"), 0);
	ck_assert_int_eq(dash_buf_str(&b, "9"), -ENOBUFS);
	ck_assert_str_eq(b.data, "12345678");
	dash_buf_free(&b);
	dash_buf_init(&b, 64);
	ck_assert_int_eq(dash_buf_json_str(&b, "a\"\\\n", 4), 0);
	ck_assert_str_eq(b.data, "\"a\\\"\\\\\\u000a\"");
	dash_buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dashboard_path");
	TCase *tc = tcase_create("paths");
	tcase_add_test(tc, test_valid_paths);
	tcase_add_loop_test(tc, test_hostile_paths, 0, (int)(sizeof hostile / sizeof hostile[0]));
	tcase_add_test(tc, test_long_names);
	tcase_add_test(tc, test_percent_decode);
	tcase_add_test(tc, test_range);
	tcase_add_test(tc, test_open_confined);
	tcase_add_test(tc, test_list_newest);
	tcase_add_test(tc, test_buf_max);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
