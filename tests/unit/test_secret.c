#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "secret.h"

static const char token[] = "s3cr3t-token-7f1d";

START_TEST(test_holds_bytes_and_redacts)
{
	struct secret *s = NULL;
	ck_assert_int_eq(secret_new(token, strlen(token), &s), 0);
	ck_assert_uint_eq(secret_len(s), strlen(token));
	ck_assert_mem_eq(secret_data(s), token, strlen(token));
	ck_assert_str_eq(secret_redacted(s), "[REDACTED]");

	char line[128];
	snprintf(line, sizeof line, "token=%s", secret_redacted(s));
	ck_assert_ptr_null(strstr(line, token));
	secret_free(s);
}
END_TEST

START_TEST(test_rejects_bad_sizes)
{
	struct secret *s = (struct secret *)1;
	ck_assert_int_eq(secret_new(token, 0, &s), -EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(secret_new(NULL, 4, &s), -EINVAL);
	ck_assert_int_eq(secret_new(token, SECRET_MAX_BYTES + 1, &s), -EINVAL);
	secret_free(NULL);
}
END_TEST

/* The pages are locked and excluded from core dumps: /proc/self/smaps shows
 * the mapping as locked ("Locked:" non-zero) and with the "dd" VmFlag. */
START_TEST(test_pages_locked_and_not_dumped)
{
	struct secret *s = NULL;
	ck_assert_int_eq(secret_new(token, strlen(token), &s), 0);
	unsigned long addr = (unsigned long)(const void *)secret_data(s);

	FILE *f = fopen("/proc/self/smaps", "r");
	ck_assert_ptr_nonnull(f);
	char line[512];
	int in_map = 0, locked = 0, dontdump = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in_map = addr >= lo && addr < hi;
			continue;
		}
		if (!in_map)
			continue;
		unsigned long kb;
		if (sscanf(line, "Locked: %lu kB", &kb) == 1 && kb > 0)
			locked = 1;
		if (strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " dd"))
			dontdump = 1;
	}
	fclose(f);
	ck_assert_int_eq(locked, 1);
	ck_assert_int_eq(dontdump, 1);
	secret_free(s);
}
END_TEST

/* secret_free wipes with secret_wipe before unmapping; the pages are gone
 * afterwards, so the wipe is checked on a buffer of our own. */
START_TEST(test_wipe_clears)
{
	char buf[32];
	memcpy(buf, token, sizeof token);
	secret_wipe(buf, sizeof token);
	for (size_t i = 0; i < sizeof token; i++)
		ck_assert_int_eq(buf[i], 0);
	secret_wipe(NULL, 10);
}
END_TEST

/* MADV_DONTFORK: a child forked after the secret was made does not get the
 * pages at all (touching them faults). */
START_TEST(test_not_inherited_by_fork)
{
	struct secret *s = NULL;
	ck_assert_int_eq(secret_new(token, strlen(token), &s), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* The kernel's verdict, not a sanitizer's report of it. */
		signal(SIGSEGV, SIG_DFL);
		volatile const uint8_t *p = secret_data(s);
		_exit(p[0] == (uint8_t)token[0] ? 0 : 1);
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	secret_free(s);
}
END_TEST

static Suite *secret_suite(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("secret");
	tcase_add_test(tc, test_holds_bytes_and_redacts);
	tcase_add_test(tc, test_rejects_bad_sizes);
	tcase_add_test(tc, test_pages_locked_and_not_dumped);
	tcase_add_test(tc, test_wipe_clears);
	tcase_add_test(tc, test_not_inherited_by_fork);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(secret_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
