/* Which answers are retried, the backoff's bounds, and Retry-After in both
 * of its forms. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../forwarder/fwd_limits.h"
#include "../../forwarder/retry.h"

START_TEST(test_verdicts)
{
	static const int retried[] = { 0, 429, 502, 503, 504 };
	for (size_t i = 0; i < sizeof retried / sizeof retried[0]; i++)
		ck_assert_int_eq(retry_verdict(retried[i]), FWD_RETRY);
	static const int delivered[] = { 200, 202, 204, 299 };
	for (size_t i = 0; i < sizeof delivered / sizeof delivered[0]; i++)
		ck_assert_int_eq(retry_verdict(delivered[i]), FWD_DELIVERED);
	static const int permanent[] = { 301, 400, 401, 403, 404, 413, 415, 500, 501, 505 };
	for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++)
		ck_assert_int_eq(retry_verdict(permanent[i]), FWD_PERMANENT);
	for (size_t i = 0; i < sizeof retried / sizeof retried[0]; i++)
		ck_assert(retry_endpoint_failed(retried[i]));
	ck_assert(retry_endpoint_failed(500) && retry_endpoint_failed(501) && retry_endpoint_failed(505));
	ck_assert(!retry_endpoint_failed(200) && !retry_endpoint_failed(400) && !retry_endpoint_failed(413));
}
END_TEST

START_TEST(test_backoff_bounds)
{
	uint64_t prev_base = 0;
	for (uint32_t n = 1; n <= 40; n++) {
		uint64_t base = FWD_BACKOFF_INITIAL_MS;
		for (uint32_t i = 1; i < n && base < FWD_BACKOFF_MAX_MS; i++)
			base *= 2;
		if (base > FWD_BACKOFF_MAX_MS)
			base = FWD_BACKOFF_MAX_MS;
		ck_assert_uint_ge(base, prev_base);
		prev_base = base;
		static const uint32_t randoms[] = { 0, 1, 12345, 0x7fffffff, 0xffffffff };
		for (size_t r = 0; r < sizeof randoms / sizeof randoms[0]; r++) {
			uint64_t d = retry_backoff_ms(n, randoms[r]);
			ck_assert_uint_ge(d, base / 2);
			ck_assert_uint_le(d, base);
		}
		/* Jitter: the lowest and the highest both occur. */
		ck_assert_uint_eq(retry_backoff_ms(n, 0), base / 2);
		ck_assert_uint_eq(retry_backoff_ms(n, (uint32_t)(base - base / 2)), base);
	}
	ck_assert_uint_le(retry_backoff_ms(UINT32_MAX, UINT32_MAX), FWD_BACKOFF_MAX_MS);
	ck_assert_uint_eq(retry_backoff_ms(1, 0), FWD_BACKOFF_INITIAL_MS / 2);
}
END_TEST

/* 1994-11-06 08:49:37 UTC */
#define T0 INT64_C(784111777)

static uint64_t parse_ok(const char *text, int64_t now)
{
	uint64_t ms = 7;
	ck_assert_msg(retry_after_parse(text, strlen(text), now, &ms) == 0, "%s", text);
	return ms;
}

START_TEST(test_retry_after)
{
	ck_assert_uint_eq(parse_ok("0", T0), 0);
	ck_assert_uint_eq(parse_ok("120", T0), 120000);
	ck_assert_uint_eq(parse_ok(" 5 ", T0), 5000);
	/* Capped. */
	ck_assert_uint_eq(parse_ok("86400", T0), FWD_RETRY_AFTER_MAX_MS);
	ck_assert_uint_eq(parse_ok("99999999999999999999999", T0), FWD_RETRY_AFTER_MAX_MS);
	/* The three HTTP-date forms, 30 s ahead. */
	ck_assert_uint_eq(parse_ok("Sun, 06 Nov 1994 08:49:37 GMT", T0 - 30), 30000);
	ck_assert_uint_eq(parse_ok("Sunday, 06-Nov-94 08:49:37 GMT", T0 - 30), 30000);
	ck_assert_uint_eq(parse_ok("Sun Nov  6 08:49:37 1994", T0 - 30), 30000);
	/* In the past: now. */
	ck_assert_uint_eq(parse_ok("Sun, 06 Nov 1994 08:49:37 GMT", T0 + 3600), 0);
	ck_assert_uint_eq(parse_ok("Sun, 06 Nov 1994 08:49:37 GMT", T0 - 86400),
			  FWD_RETRY_AFTER_MAX_MS);

	static const char *const bad[] = { "", "  ", "-1", "1.5", "5s", "soon",
					   "Sun, 06 Nov 1994 08:49:37",
					   "Sun, 06 Nov 1994 08:49:37 GMT trailing",
					   "Sun, 32 Nov 1994 08:49:37 GMT" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t ms = 7;
		ck_assert_msg(retry_after_parse(bad[i], strlen(bad[i]), T0, &ms) == -EINVAL, "%s",
			      bad[i]);
		ck_assert_uint_eq(ms, 7);
	}
	char long_text[100];
	memset(long_text, 'a', sizeof long_text);
	uint64_t ms;
	ck_assert_int_eq(retry_after_parse(long_text, sizeof long_text, T0, &ms), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("forwarder_retry");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_verdicts);
	tcase_add_test(tc, test_backoff_bounds);
	tcase_add_test(tc, test_retry_after);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
