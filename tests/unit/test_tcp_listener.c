/* tcp_fit_descriptor_limit (common/tcp_listener.c): max_connections must fit
 * the descriptor limit, raised up to its hard limit when it can be. Each
 * test runs in its own process (Check forks), so the limits set here stay
 * here. */

#include <check.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "tcp_listener.h"

static void set_nofile(rlim_t soft, rlim_t hard)
{
	struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard};
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

static rlim_t soft_nofile(void)
{
	struct rlimit rl;
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	return rl.rlim_cur;
}

START_TEST(lowered_to_what_the_hard_limit_allows)
{
	set_nofile(64, 64);
	ck_assert_uint_eq(tcp_fit_descriptor_limit(1000, 20, "test"), 44);
	/* Nothing left beside the reserve: still one. */
	ck_assert_uint_eq(tcp_fit_descriptor_limit(1000, 200, "test"), 1);
}
END_TEST

START_TEST(soft_limit_raised_when_the_hard_one_allows)
{
	set_nofile(64, 4096);
	ck_assert_uint_eq(tcp_fit_descriptor_limit(1000, 20, "test"), 1000);
	ck_assert_uint_eq(soft_nofile(), 1020);
	/* Already enough: unchanged. */
	ck_assert_uint_eq(tcp_fit_descriptor_limit(100, 20, "test"), 100);
	ck_assert_uint_eq(soft_nofile(), 1020);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tcp_listener");
	TCase *tc = tcase_create("descriptors");
	tcase_add_test(tc, lowered_to_what_the_hard_limit_allows);
	tcase_add_test(tc, soft_limit_raised_when_the_hard_one_allows);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
