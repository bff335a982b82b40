/* utf8_check (common/utf8.c), whose fast paths take 8 bytes at a time and
 * the last 8 overlapping: every problem must be found, with its offset, at
 * every position and string length around those blocks. The reference is a
 * byte-at-a-time walk with utf8_sequence. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

static enum utf8_result reference(const uint8_t *p, size_t n, size_t *bad_at)
{
	for (size_t i = 0; i < n;) {
		if (p[i] == 0) {
			*bad_at = i;
			return UTF8_NUL;
		}
		unsigned len = utf8_sequence(p + i, n - i);
		if (len == 0) {
			*bad_at = i;
			return UTF8_INVALID;
		}
		i += len;
	}
	return UTF8_OK;
}

static const struct {
	const char *bytes;
	size_t len;
} inserts[] = {
	{"\x00", 1},		 /* NUL */
	{"\xff", 1},		 /* never valid */
	{"\xc3\xa9", 2},	 /* é */
	{"\xe2\x82\xac", 3},	 /* € */
	{"\xf0\x9f\x98\x80", 4}, /* an emoji */
	{"\xc3", 1},		 /* cut short (or followed by ASCII) */
	{"\xc0\xaf", 2},	 /* overlong '/' */
	{"\xed\xa0\x80", 3},	 /* UTF-16 surrogate */
	{"\xf4\x90\x80\x80", 4}, /* past U+10FFFF */
	{"\x7f", 1},		 /* DEL: ASCII */
	{"\x80", 1},		 /* a lone continuation byte */
};

START_TEST(every_position_and_length)
{
	uint8_t buf[64];
	for (size_t k = 0; k < sizeof inserts / sizeof inserts[0]; k++) {
		for (size_t len = inserts[k].len; len <= 40; len++) {
			for (size_t at = 0; at + inserts[k].len <= len; at++) {
				memset(buf, 'a', len);
				memcpy(buf + at, inserts[k].bytes, inserts[k].len);
				size_t got_at = SIZE_MAX, want_at = SIZE_MAX;
				enum utf8_result want = reference(buf, len, &want_at);
				enum utf8_result got = utf8_check(buf, len, &got_at);
				ck_assert_msg(got == want && got_at == want_at,
					      "insert %zu, length %zu, at %zu: got %d@%zu, want %d@%zu", k,
					      len, at, got, got_at, want, want_at);
			}
		}
	}
}
END_TEST

START_TEST(known_answers)
{
	size_t at = SIZE_MAX;
	ck_assert_int_eq(utf8_check((const uint8_t *)"", 0, &at), UTF8_OK);
	ck_assert_int_eq(utf8_check((const uint8_t *)"plain ascii text", 16, &at), UTF8_OK);
	ck_assert_int_eq(utf8_check((const uint8_t *)"abcdefghij\xff", 11, &at), UTF8_INVALID);
	ck_assert_uint_eq(at, 10);
	ck_assert_int_eq(utf8_check((const uint8_t *)"abcdefghijk\0", 12, &at), UTF8_NUL);
	ck_assert_uint_eq(at, 11);
	/* A sequence cut by the end of the string, after a plain block. */
	ck_assert_int_eq(utf8_check((const uint8_t *)"abcdefgh\xe2\x82", 10, &at), UTF8_INVALID);
	ck_assert_uint_eq(at, 8);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("check");
	tcase_add_test(tc, every_position_and_length);
	tcase_add_test(tc, known_answers);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
