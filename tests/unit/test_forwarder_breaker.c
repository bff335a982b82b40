/* The circuit breaker against a fake clock: every transition, no requests
 * while open, exactly one probe while half-open, and a probe that hangs. */
#include <check.h>
#include <stdlib.h>

#include "../../forwarder/breaker.h"

#define THRESHOLD 3
#define OPEN_MS 30000
#define PROBE_MS 11000

static struct breaker b;
static uint64_t now;

static void setup(void)
{
	breaker_init(&b, THRESHOLD, OPEN_MS, PROBE_MS);
	now = 1000000;
}

static void fail_n(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t probe = 99;
		ck_assert(breaker_allow(&b, now, &probe));
		ck_assert_uint_eq(probe, 0);
		breaker_failure(&b, probe, now);
	}
}

START_TEST(test_closed_to_open_after_threshold)
{
	ck_assert_int_eq(b.state, BREAKER_CLOSED);
	fail_n(THRESHOLD - 1);
	ck_assert_int_eq(b.state, BREAKER_CLOSED);
	/* A success in between starts the count again. */
	breaker_success(&b, 0, now);
	fail_n(THRESHOLD - 1);
	ck_assert_int_eq(b.state, BREAKER_CLOSED);
	fail_n(1);
	ck_assert_int_eq(b.state, BREAKER_OPEN);
	ck_assert_uint_eq(b.opens, 1);
	ck_assert_str_eq(breaker_state_name(b.state), "open");
}
END_TEST

START_TEST(test_nothing_while_open)
{
	fail_n(THRESHOLD);
	uint64_t probe;
	for (uint64_t t = 0; t < OPEN_MS; t += 1000) {
		ck_assert(!breaker_allow(&b, now + t, &probe));
		ck_assert_int_eq(b.state, BREAKER_OPEN);
	}
	ck_assert_uint_eq(breaker_next_change_ms(&b, now + 1000), OPEN_MS - 1000);
	/* Late results of requests sent while closed change nothing. */
	breaker_success(&b, 0, now + 5000);
	ck_assert_int_eq(b.state, BREAKER_OPEN);
	breaker_failure(&b, 0, now + 5000);
	ck_assert(!breaker_allow(&b, now + OPEN_MS - 1, &probe));
}
END_TEST

START_TEST(test_exactly_one_probe)
{
	fail_n(THRESHOLD);
	now += OPEN_MS;
	breaker_tick(&b, now);
	ck_assert_int_eq(b.state, BREAKER_HALF_OPEN);
	uint64_t probe = 0, other = 0;
	ck_assert(breaker_allow(&b, now, &probe));
	ck_assert_uint_ne(probe, 0);
	for (int i = 0; i < 10; i++)
		ck_assert(!breaker_allow(&b, now + (uint64_t)i * 100, &other));
	ck_assert_uint_eq(breaker_next_change_ms(&b, now), PROBE_MS);
}
END_TEST

START_TEST(test_half_open_success_closes)
{
	fail_n(THRESHOLD);
	now += OPEN_MS;
	uint64_t probe = 0;
	ck_assert(breaker_allow(&b, now, &probe));
	/* Another request's late success is not the probe's. */
	breaker_success(&b, 0, now);
	ck_assert_int_eq(b.state, BREAKER_HALF_OPEN);
	breaker_success(&b, probe, now + 10);
	ck_assert_int_eq(b.state, BREAKER_CLOSED);
	uint64_t p2 = 99;
	ck_assert(breaker_allow(&b, now + 20, &p2));
	ck_assert_uint_eq(p2, 0);
	/* Closed again: the full threshold is needed to open once more. */
	fail_n(THRESHOLD - 1);
	ck_assert_int_eq(b.state, BREAKER_CLOSED);
}
END_TEST

START_TEST(test_half_open_failure_reopens)
{
	fail_n(THRESHOLD);
	now += OPEN_MS;
	uint64_t probe = 0;
	ck_assert(breaker_allow(&b, now, &probe));
	breaker_failure(&b, probe, now + 50);
	ck_assert_int_eq(b.state, BREAKER_OPEN);
	ck_assert_uint_eq(b.opens, 2);
	uint64_t p;
	ck_assert(!breaker_allow(&b, now + 50 + OPEN_MS - 1, &p));
	ck_assert(breaker_allow(&b, now + 50 + OPEN_MS, &p));
	ck_assert_uint_ne(p, 0);
	ck_assert_uint_ne(p, probe);
}
END_TEST

START_TEST(test_hanging_probe_counts_as_failure)
{
	fail_n(THRESHOLD);
	now += OPEN_MS;
	uint64_t probe = 0, p;
	ck_assert(breaker_allow(&b, now, &probe));
	breaker_tick(&b, now + PROBE_MS - 1);
	ck_assert_int_eq(b.state, BREAKER_HALF_OPEN);
	breaker_tick(&b, now + PROBE_MS);
	ck_assert_int_eq(b.state, BREAKER_OPEN);
	/* Its answer, arriving after all, is ignored. */
	breaker_success(&b, probe, now + PROBE_MS + 5);
	ck_assert_int_eq(b.state, BREAKER_OPEN);
	ck_assert(!breaker_allow(&b, now + PROBE_MS + 5, &p));
	ck_assert_uint_eq(breaker_next_change_ms(&b, now + PROBE_MS), OPEN_MS);
}
END_TEST

START_TEST(test_threshold_one_and_zero)
{
	breaker_init(&b, 1, 10, 10);
	fail_n(1);
	ck_assert_int_eq(b.state, BREAKER_OPEN);
	breaker_init(&b, 0, 10, 10); /* treated as 1, never "never opens" */
	fail_n(1);
	ck_assert_int_eq(b.state, BREAKER_OPEN);
	ck_assert_uint_eq(breaker_next_change_ms(&b, now + 100), 0);
	breaker_init(&b, 3, 10, 10);
	ck_assert_uint_eq(breaker_next_change_ms(&b, now), UINT64_MAX);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("forwarder_breaker");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_closed_to_open_after_threshold);
	tcase_add_test(tc, test_nothing_while_open);
	tcase_add_test(tc, test_exactly_one_probe);
	tcase_add_test(tc, test_half_open_success_closes);
	tcase_add_test(tc, test_half_open_failure_reopens);
	tcase_add_test(tc, test_hanging_probe_counts_as_failure);
	tcase_add_test(tc, test_threshold_one_and_zero);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
