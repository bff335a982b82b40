/* The authentication header for each auth type, built from credentials
 * parsed the way the forwarder parses them. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../forwarder/auth.h"

static struct secret *build(enum auth_type t, const char *header_name,
			    enum credentials_source src, const char *text)
{
	struct credentials c;
	char why[256];
	ck_assert_msg(credentials_parse(src, t, text, strlen(text), &c, why, sizeof why) == 0, "%s",
		      why);
	struct secret *s = NULL;
	ck_assert_int_eq(auth_header_build(t, header_name, &c, &s), 0);
	credentials_free(&c);
	return s;
}

static void assert_line(const struct secret *s, const char *want)
{
	ck_assert_ptr_nonnull(s);
	ck_assert_msg(secret_len(s) == strlen(want) &&
			      memcmp(secret_data(s), want, strlen(want)) == 0,
		      "got \"%.*s\"", (int)secret_len(s), (const char *)secret_data(s));
	ck_assert_str_eq(secret_redacted(s), "[REDACTED]");
}

START_TEST(test_api_key)
{
	struct secret *s = build(AUTH_API_KEY, "", CREDENTIALS_FILE, "key: k-123\n");
	assert_line(s, "X-API-Key: k-123\r\n");
	secret_free(s);
	s = build(AUTH_API_KEY, "X-Honeycomb-Team", CREDENTIALS_ENV, "k-456");
	assert_line(s, "X-Honeycomb-Team: k-456\r\n");
	secret_free(s);
}
END_TEST

START_TEST(test_bearer)
{
	struct secret *s = build(AUTH_BEARER_TOKEN, "ignored", CREDENTIALS_INLINE,
				 "token: \"eyJhbGciOi.J9\"\n");
	assert_line(s, "Authorization: Bearer eyJhbGciOi.J9\r\n");
	secret_free(s);
}
END_TEST

START_TEST(test_basic)
{
	/* RFC 7617's example. */
	struct secret *s = build(AUTH_BASIC, "", CREDENTIALS_FILE,
				 "username: Aladdin\npassword: open sesame\n");
	assert_line(s, "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n");
	secret_free(s);
	s = build(AUTH_BASIC, "", CREDENTIALS_ENV, "u:p:w");
	assert_line(s, "Authorization: Basic dTpwOnc=\r\n");
	secret_free(s);
}
END_TEST

START_TEST(test_none_and_missing)
{
	struct credentials c = { NULL, NULL, NULL, NULL };
	struct secret *s = (struct secret *)1;
	ck_assert_int_eq(auth_header_build(AUTH_NONE, "", &c, &s), 0);
	ck_assert_ptr_null(s);
	/* The credential the type needs is absent: an error, never an empty header. */
	ck_assert_int_eq(auth_header_build(AUTH_BEARER_TOKEN, "", &c, &s), -EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(auth_header_build(AUTH_API_KEY, "", &c, &s), -EINVAL);
	ck_assert_int_eq(auth_header_build(AUTH_BASIC, "", &c, &s), -EINVAL);
}
END_TEST

START_TEST(test_longest_credentials)
{
	char *text = malloc(2 * CREDENTIALS_VALUE_MAX + 64);
	memcpy(text, "username: ", 10);
	memset(text + 10, 'u', CREDENTIALS_VALUE_MAX);
	memcpy(text + 10 + CREDENTIALS_VALUE_MAX, "\npassword: ", 11);
	memset(text + 21 + CREDENTIALS_VALUE_MAX, 'p', CREDENTIALS_VALUE_MAX);
	memcpy(text + 21 + 2 * CREDENTIALS_VALUE_MAX, "\n", 2);
	struct secret *s = build(AUTH_BASIC, "", CREDENTIALS_FILE, text);
	ck_assert_uint_eq(secret_len(s), 21 + (2 * CREDENTIALS_VALUE_MAX + 1 + 2) / 3 * 4 + 2);
	secret_free(s);
	free(text);
}
END_TEST

START_TEST(test_base64)
{
	static const struct {
		const char *in, *out;
	} v[] = { { "", "" },	      { "f", "Zg==" },	      { "fo", "Zm8=" },
		  { "foo", "Zm9v" }, { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		  { "foobar", "Zm9vYmFy" } };
	char out[16];
	size_t len;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		ck_assert_int_eq(auth_base64((const uint8_t *)v[i].in, strlen(v[i].in), out,
					     sizeof out, &len), 0);
		ck_assert_str_eq(out, v[i].out);
		ck_assert_uint_eq(len, strlen(v[i].out));
	}
	ck_assert_int_eq(auth_base64((const uint8_t *)"foobar", 6, out, 8, &len), -ENOBUFS);
	ck_assert_int_eq(auth_base64((const uint8_t *)"\xff\xfe", 2, out, sizeof out, &len), 0);
	ck_assert_str_eq(out, "//4=");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("forwarder_auth");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_api_key);
	tcase_add_test(tc, test_bearer);
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_none_and_missing);
	tcase_add_test(tc, test_longest_credentials);
	tcase_add_test(tc, test_base64);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
