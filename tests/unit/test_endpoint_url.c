/* forwarding.endpoint_url: what is accepted, how it is split, and that
 * every refusal says what is wrong without repeating a secret. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "endpoint_url.h"

static const struct {
	const char *url;
	bool tls;
	const char *host;
	unsigned port;
	const char *base_path;
	bool is_ip;
} good[] = {
	{ "http://collector.example", false, "collector.example", 80, "", false },
	{ "https://collector.example", true, "collector.example", 443, "", false },
	{ "HTTPS://Collector.Example:4318/", true, "Collector.Example", 4318, "", false },
	{ "https://collector.example:8443/otlp", true, "collector.example", 8443, "/otlp", false },
	{ "https://collector.example/a/b/", true, "collector.example", 443, "/a/b", false },
	{ "https://c.example/v1/a=b=c", true, "c.example", 443, "/v1/a=b=c", false },
	{ "http://127.0.0.1:4318", false, "127.0.0.1", 4318, "", true },
	{ "http://[::1]:4318/x", false, "::1", 4318, "/x", true },
	{ "https://[2001:db8::7]", true, "2001:db8::7", 443, "", true },
	{ "https://xn--bcher-kva.example", true, "xn--bcher-kva.example", 443, "", false },
	{ "https://my_service.internal:65535", true, "my_service.internal", 65535, "", false },
	{ "https://a.example/p%20q", true, "a.example", 443, "/p%20q", false },
};

START_TEST(test_good)
{
	struct endpoint_url u;
	char why[256] = "";
	ck_assert_msg(endpoint_url_parse(good[_i].url, &u, why, sizeof why) == 0, "%s: %s",
		      good[_i].url, why);
	ck_assert(u.tls == good[_i].tls);
	ck_assert_str_eq(u.host, good[_i].host);
	ck_assert_uint_eq(u.port, good[_i].port);
	ck_assert_str_eq(u.base_path, good[_i].base_path);
	ck_assert(u.host_is_ip == good[_i].is_ip);
}
END_TEST

static const struct {
	const char *url;
	const char *expect; /* in the message */
} bad[] = {
	{ "", "empty" },
	{ "ftp://collector.example", "scheme must be http or https" },
	{ "collector.example:4318", "scheme must be http or https" },
	{ "https://", "no host" },
	{ "https:///v1", "no host" },
	{ "https://:4318", "no host" },
	{ "https://user:hunter2@collector.example/", "user:password@" },
	{ "https://token@collector.example/", "user:password@" },
	{ "https://collector.example:0", "out of range" },
	{ "https://collector.example:65536", "out of range" },
	{ "https://collector.example:99999999999999999999", "out of range" },
	{ "https://collector.example/a b", "space" },
	{ "https://collector.example/\x01", "control character" },
	{ "https://bücher.example/", "punycode" },
	{ "https://collector.example/pfad/ä", "percent-encode" },
	{ "https://collector.example/?api_key=1", "?query" },
	{ "https://collector.example/#frag", "#fragment" },
	{ "https://collector.example/v1/traces", "give the base URL" },
	{ "https://collector.example/otlp/v1/logs/", "give the base URL" },
	{ "https://-bad.example/", "not a DNS name" },
	{ "https://a..example/", "not a DNS name" },
	{ "https://ex%61mple.com/", "not a DNS name" },
	{ "https://[v1.x]/", "IPvFuture" },
	{ "https://[::1/", "not a valid URL" },
	{ "https://a.example//b", "empty segment" },
};

START_TEST(test_bad)
{
	struct endpoint_url u;
	char why[256] = "";
	ck_assert_int_eq(endpoint_url_parse(bad[_i].url, &u, why, sizeof why), -EINVAL);
	ck_assert_msg(strstr(why, bad[_i].expect) != NULL, "%s: \"%s\" not in \"%s\"", bad[_i].url,
		      bad[_i].expect, why);
	ck_assert_msg(strstr(why, "hunter2") == NULL, "the message repeats the password");
	ck_assert_str_eq(u.host, "");
}
END_TEST

START_TEST(test_paths_and_authority)
{
	struct endpoint_url u;
	char buf[CONFIG_URL_MAX + 32];
	ck_assert_int_eq(endpoint_url_parse("https://c.example:8443/otlp/", &u, NULL, 0), 0);
	ck_assert_int_eq(endpoint_url_signal_path(&u, "traces", buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "/otlp/v1/traces");
	ck_assert_int_eq(endpoint_url_authority(&u, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "c.example:8443");

	ck_assert_int_eq(endpoint_url_parse("http://[::1]", &u, NULL, 0), 0);
	ck_assert_int_eq(endpoint_url_signal_path(&u, "logs", buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "/v1/logs");
	ck_assert_int_eq(endpoint_url_authority(&u, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "[::1]");
	ck_assert_int_eq(endpoint_url_parse("http://[::1]:4318", &u, NULL, 0), 0);
	ck_assert_int_eq(endpoint_url_authority(&u, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "[::1]:4318");
	/* Too small a buffer is an error, never a cut value. */
	ck_assert_int_eq(endpoint_url_authority(&u, buf, 5), -ENOBUFS);
	ck_assert_int_eq(endpoint_url_signal_path(&u, "metrics", buf, 8), -ENOBUFS);
}
END_TEST

/* The supervisor's config check refuses what the forwarder could not use. */
START_TEST(test_config_validate_uses_it)
{
	struct config c;
	struct config_error err;
	config_defaults(&c);
	ck_assert_int_eq(config_set(&c, "forwarding.enabled", "true", NULL, &err), 0);
	ck_assert_int_eq(config_set(&c, "forwarding.endpoint_url", "https://c.example:70000", NULL,
				    &err), 0);
	ck_assert_int_eq(config_validate(&c, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "forwarding.endpoint_url: the port is out of range") != NULL,
		      "%s", err.msg);
	ck_assert_int_eq(config_set(&c, "forwarding.endpoint_url", "https://c.example/v1/traces",
				    NULL, &err), 0);
	ck_assert_int_eq(config_validate(&c, &err), -EINVAL);
	ck_assert_int_eq(config_set(&c, "forwarding.endpoint_url", "https://c.example:4318/", NULL,
				    &err), 0);
	ck_assert_msg(config_validate(&c, &err) == 0, "%s", err.msg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("endpoint_url");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_good, 0, sizeof good / sizeof good[0]);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tc, test_paths_and_authority);
	tcase_add_test(tc, test_config_validate_uses_it);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
