/* Credentials: the names each auth type needs (and the classic mix-ups),
 * the three sources, the credentials file's permission check, the sealed
 * memfd, inline credentials that never reach struct config, and custom
 * headers. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "credentials.h"
#include "header_list.h"

#define SECRET_VALUE "s3cr3t-Value_42"

static void assert_secret(const struct secret *s, const char *want)
{
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(secret_len(s), strlen(want));
	ck_assert(memcmp(secret_data(s), want, strlen(want)) == 0);
}

static int parse(enum credentials_source src, enum auth_type t, const char *text,
		 struct credentials *c, char *why, size_t cap)
{
	return credentials_parse(src, t, text, strlen(text), c, why, cap);
}

START_TEST(test_map_per_type)
{
	struct credentials c;
	char why[256];
	ck_assert_int_eq(parse(CREDENTIALS_FILE, AUTH_API_KEY, "key: " SECRET_VALUE "\n", &c, why,
			       sizeof why), 0);
	assert_secret(c.key, SECRET_VALUE);
	ck_assert_ptr_null(c.token);
	credentials_free(&c);

	ck_assert_int_eq(parse(CREDENTIALS_FILE, AUTH_BEARER_TOKEN,
			       "# comment\ntoken: \"" SECRET_VALUE "\"\n", &c, why, sizeof why), 0);
	assert_secret(c.token, SECRET_VALUE);
	credentials_free(&c);

	ck_assert_int_eq(parse(CREDENTIALS_INLINE, AUTH_BASIC,
			       "username: alice\npassword: 'p a:ss'\n", &c, why, sizeof why), 0);
	assert_secret(c.username, "alice");
	assert_secret(c.password, "p a:ss");
	credentials_free(&c);
	ck_assert_ptr_null(c.username);
}
END_TEST

static const struct {
	enum auth_type type;
	const char *text;
	const char *expect;
} mismatches[] = {
	/* The classic bug: checking for "api_key" or "token" where the name is "key". */
	{ AUTH_API_KEY, "api_key: x\n", "\"api_key\" is not a credential name" },
	{ AUTH_API_KEY, "token: x\n", "\"token\" is not used by auth_type api_key (it needs \"key\")" },
	{ AUTH_BEARER_TOKEN, "key: x\n", "\"key\" is not used by auth_type bearer_token" },
	{ AUTH_BEARER_TOKEN, "bearer_token: x\n", "not a credential name" },
	{ AUTH_BASIC, "username: a\n", "\"password\" is missing" },
	{ AUTH_BASIC, "password: a\n", "\"username\" is missing" },
	{ AUTH_BASIC, "username: a\npassword: b\ntoken: c\n", "\"token\" is not used" },
	{ AUTH_API_KEY, "key: a\nkey: b\n", "given twice" },
	{ AUTH_API_KEY, "", "a map of credentials" },
	{ AUTH_API_KEY, "just-the-key\n", "a map of credentials" },
	{ AUTH_API_KEY, "key: [a, b]\n", "must be a single value" },
	{ AUTH_API_KEY, "key: \"\"\n", "is empty" },
	{ AUTH_API_KEY, "key: \"a\\r\\nX-Evil: 1\"\n", "control character" },
	{ AUTH_BEARER_TOKEN, "token: a b\n", "visible ASCII" },
	{ AUTH_BASIC, "username: a:b\npassword: c\n", "must not contain ':'" },
	{ AUTH_API_KEY, "key: 'unterminated\n", "not valid YAML" },
	{ AUTH_NONE, "key: x\n", "auth_type none takes no credentials" },
};

START_TEST(test_name_mismatch)
{
	struct credentials c;
	char why[256] = "";
	ck_assert_int_eq(parse(CREDENTIALS_FILE, mismatches[_i].type, mismatches[_i].text, &c, why,
			       sizeof why) < 0, 1);
	ck_assert_msg(strstr(why, mismatches[_i].expect) != NULL, "\"%s\" not in \"%s\"",
		      mismatches[_i].expect, why);
	/* No value in any message. */
	ck_assert_ptr_null(strstr(why, "X-Evil"));
	ck_assert_ptr_null(c.key);
	ck_assert_ptr_null(c.username);
}
END_TEST

START_TEST(test_env_value)
{
	struct credentials c;
	char why[256];
	ck_assert_int_eq(parse(CREDENTIALS_ENV, AUTH_API_KEY, SECRET_VALUE, &c, why, sizeof why),
			 0);
	assert_secret(c.key, SECRET_VALUE);
	credentials_free(&c);
	ck_assert_int_eq(parse(CREDENTIALS_ENV, AUTH_BASIC, "bob:pa:ss", &c, why, sizeof why), 0);
	assert_secret(c.username, "bob");
	assert_secret(c.password, "pa:ss");
	credentials_free(&c);
	ck_assert_int_eq(parse(CREDENTIALS_ENV, AUTH_BASIC, "bob", &c, why, sizeof why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "username:password"));
	ck_assert_int_eq(parse(CREDENTIALS_ENV, AUTH_BEARER_TOKEN, "tok\n", &c, why, sizeof why),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "control character"));
}
END_TEST

static char dir[] = "/tmp/otlpd-test-cred.XXXXXX";

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

START_TEST(test_file_permissions)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[256], link[256];
	snprintf(path, sizeof path, "%s/cred.yaml", dir);
	snprintf(link, sizeof link, "%s/link.yaml", dir);
	char why[512];
	int fd = -1;
	static const mode_t refused[] = { 0640, 0604, 0644, 0660, 0610, 0601, 0700 | 0020 };
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		write_file(path, "token: " SECRET_VALUE "\n", refused[i]);
		ck_assert_int_eq(credentials_open_file(path, &fd, why, sizeof why), -EPERM);
		ck_assert_int_eq(fd, -1);
		ck_assert_msg(strstr(why, "group or others may access it") && strstr(why, "chmod 600"),
			      "%s", why);
		ck_assert_ptr_null(strstr(why, SECRET_VALUE));
	}
	write_file(path, "token: " SECRET_VALUE "\n", 0400);
	ck_assert_int_eq(credentials_open_file(path, &fd, why, sizeof why), 0);
	struct credentials c;
	ck_assert_int_eq(credentials_read_fd(fd, CREDENTIALS_FILE, AUTH_BEARER_TOKEN, &c, why,
					     sizeof why), 0);
	assert_secret(c.token, SECRET_VALUE);
	credentials_free(&c);
	/* pread: a second read of the same descriptor sees it all again. */
	ck_assert_int_eq(credentials_read_fd(fd, CREDENTIALS_FILE, AUTH_BEARER_TOKEN, &c, why,
					     sizeof why), 0);
	credentials_free(&c);
	close(fd);

	/* Not a regular file, a symbolic link, missing. */
	ck_assert_int_eq(credentials_open_file(dir, &fd, why, sizeof why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "not a regular file"));
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(credentials_open_file(link, &fd, why, sizeof why), -ELOOP);
	ck_assert_ptr_nonnull(strstr(why, "symbolic links"));
	ck_assert_int_eq(credentials_open_file("/nonexistent/otlpd-cred", &fd, why, sizeof why),
			 -ENOENT);
	/* Larger than any credentials file. */
	char *big = malloc(CREDENTIALS_TEXT_MAX + 2);
	memset(big, 'a', CREDENTIALS_TEXT_MAX + 1);
	big[CREDENTIALS_TEXT_MAX + 1] = '\0';
	write_file(path, big, 0600);
	free(big);
	ck_assert_int_eq(credentials_open_file(path, &fd, why, sizeof why), -EFBIG);
	unlink(link);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_memfd_sealed)
{
	int fd = -1;
	ck_assert_int_eq(credentials_memfd("key: abc\n", 9, &fd), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "x", 1), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(ftruncate(fd, 0), -1);
	int seals = fcntl(fd, F_GET_SEALS);
	ck_assert(seals & F_SEAL_WRITE);
	ck_assert(seals & F_SEAL_SEAL);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	struct credentials c;
	char why[128];
	ck_assert_int_eq(credentials_read_fd(fd, CREDENTIALS_INLINE, AUTH_API_KEY, &c, why,
					     sizeof why), 0);
	assert_secret(c.key, "abc");
	credentials_free(&c);
	close(fd);
}
END_TEST

static const char inline_yaml[] = "forwarding:\n"
				  "  enabled: true\n"
				  "  endpoint_url: https://c.example\n"
				  "  authentication:\n"
				  "    auth_type: basic\n"
				  "    credentials:\n"
				  "      username: \"al\\\"ice\"\n"
				  "      password: " SECRET_VALUE "\n";

START_TEST(test_inline_never_in_config)
{
	struct config c;
	struct config_error err;
	struct config_inline_credentials cred = { NULL, 0 };
	config_defaults(&c);
	ck_assert_msg(config_load_buffer_credentials(&c, "t.yaml", inline_yaml,
						     strlen(inline_yaml), &cred, &err) == 0,
		      "%s", err.msg);
	ck_assert_uint_eq(c.forwarding.authentication.credentials_inline,
			  CREDENTIAL_USERNAME | CREDENTIAL_PASSWORD);
	ck_assert_ptr_null(memmem(&c, sizeof c, SECRET_VALUE, strlen(SECRET_VALUE)));
	ck_assert_msg(config_validate(&c, &err) == 0, "%s", err.msg);
	/* What the forwarder will parse. */
	struct credentials parsed;
	char why[256];
	ck_assert_int_eq(credentials_parse(CREDENTIALS_INLINE, AUTH_BASIC, cred.text, cred.len,
					   &parsed, why, sizeof why), 0);
	assert_secret(parsed.username, "al\"ice");
	assert_secret(parsed.password, SECRET_VALUE);
	credentials_free(&parsed);

	/* --check-config prints every key: the value is not among them. */
	char path[] = "/tmp/otlpd-test-print.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(config_print(&c, fd), 0);
	char out[65536];
	ssize_t n = pread(fd, out, sizeof out - 1, 0);
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
	ck_assert_ptr_null(strstr(out, SECRET_VALUE));
	close(fd);
	unlink(path);

	config_inline_credentials_wipe(&cred);
	ck_assert_ptr_null(cred.text);
	ck_assert_uint_eq(cred.len, 0);

	/* Without a sink the values are checked and dropped. */
	config_defaults(&c);
	ck_assert_int_eq(config_load_buffer(&c, "t.yaml", inline_yaml, strlen(inline_yaml), &err),
			 0);
	ck_assert_uint_eq(c.forwarding.authentication.credentials_inline,
			  CREDENTIAL_USERNAME | CREDENTIAL_PASSWORD);
}
END_TEST

static const struct {
	const char *yaml;
	const char *expect;
} inline_bad[] = {
	{ "forwarding: {authentication: {auth_type: api_key, credentials: {api_key: x}}}\n",
	  "\"api_key\" is not a credential name" },
	{ "forwarding: {authentication: {auth_type: api_key, credentials: {key: x, key: y}}}\n",
	  "given twice" },
	{ "forwarding: {authentication: {auth_type: api_key, credentials: x}}\n",
	  "expected a map of credentials" },
	{ "forwarding: {authentication: {auth_type: api_key, credentials: {key: [x]}}}\n",
	  "a credential must be a single value" },
	{ "forwarding: {authentication: {auth_type: api_key, credentials: {key: \"a\\nb\"}}}\n",
	  "control character" },
};

START_TEST(test_inline_refused)
{
	struct config c;
	struct config_error err;
	struct config_inline_credentials cred = { NULL, 0 };
	config_defaults(&c);
	ck_assert_int_eq(config_load_buffer_credentials(&c, "t.yaml", inline_bad[_i].yaml,
							strlen(inline_bad[_i].yaml), &cred, &err),
			 -EINVAL);
	ck_assert_msg(strstr(err.msg, inline_bad[_i].expect) != NULL, "\"%s\" not in \"%s\"",
		      inline_bad[_i].expect, err.msg);
	ck_assert_ptr_null(cred.text);
}
END_TEST

START_TEST(test_validate_sources)
{
	struct config c;
	struct config_error err;
	const char *yaml = "forwarding: {authentication: {auth_type: bearer_token, "
			   "credentials: {key: x}}}\n";
	config_defaults(&c);
	ck_assert_int_eq(config_load_buffer(&c, "t.yaml", yaml, strlen(yaml), &err), 0);
	ck_assert_int_eq(config_validate(&c, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "\"key\" is not used by auth_type bearer_token"), "%s",
		      err.msg);

	yaml = "forwarding: {authentication: {auth_type: bearer_token, credentials_env: TOK, "
	       "credentials: {token: x}}}\n";
	config_defaults(&c);
	ck_assert_int_eq(config_load_buffer(&c, "t.yaml", yaml, strlen(yaml), &err), 0);
	ck_assert_int_eq(config_validate(&c, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "exactly one of"), "%s", err.msg);

	yaml = "forwarding: {authentication: {credentials: {token: x}}}\n";
	config_defaults(&c);
	ck_assert_int_eq(config_load_buffer(&c, "t.yaml", yaml, strlen(yaml), &err), 0);
	ck_assert_int_eq(config_validate(&c, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "auth_type is none"), "%s", err.msg);

	config_defaults(&c);
	ck_assert_int_eq(config_set(&c, "forwarding.tls.cert_file", "/c.pem", NULL, &err), 0);
	ck_assert_int_eq(config_validate(&c, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "key_file"), "%s", err.msg);
}
END_TEST

struct collected {
	char text[512];
	size_t len;
};

static int collect(void *ctx, const char *name, size_t nlen, const char *value, size_t vlen)
{
	struct collected *c = ctx;
	int n = snprintf(c->text + c->len, sizeof c->text - c->len, "[%.*s|%.*s]", (int)nlen, name,
			 (int)vlen, value);
	c->len += (size_t)n;
	return 0;
}

START_TEST(test_header_list)
{
	struct collected got = { "", 0 };
	char why[256];
	const char *text = " X-Tenant = a%2Cb ,X-Pct=100%25, ,Empty=";
	ck_assert_int_eq(header_list_parse(text, strlen(text), collect, &got, why, sizeof why), 0);
	ck_assert_str_eq(got.text, "[X-Tenant|a,b][X-Pct|100%][Empty|]");

	static const struct {
		const char *text;
		const char *expect;
	} bad[] = {
		{ "X-A", "Name=value" },	   { "=v", "no name" },
		{ "X A=v", "header name" },	   { "Host=x", "sets this header itself" },
		{ "content-length=1", "itself" }, { "X-A=1,x-a=2", "given twice" },
		{ "X-A=%zz", "%XX" },		   { "X-A=%0d%0aEvil: 1", "control character" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = '\0';
		ck_assert_int_eq(header_list_parse(bad[i].text, strlen(bad[i].text), NULL, NULL, why,
						   sizeof why), -EINVAL);
		ck_assert_msg(strstr(why, bad[i].expect) != NULL, "%s: %s", bad[i].text, why);
	}

	char buf[64];
	size_t used = 0;
	ck_assert_int_eq(header_list_append(buf, sizeof buf, &used, "A", 1, "x,y%", 4), 0);
	ck_assert_int_eq(header_list_append(buf, sizeof buf, &used, "B", 1, "z", 1), 0);
	ck_assert_str_eq(buf, "A=x%2Cy%25,B=z");
	ck_assert_int_eq(header_list_append(buf, 16, &used, "C", 1, "zz", 2), -ENOBUFS);
	ck_assert_str_eq(buf, "A=x%2Cy%25,B=z");

	/* The YAML map form and the conflict with the auth header. */
	struct config c;
	struct config_error err;
	const char *yaml = "forwarding:\n  headers:\n    X-Tenant: \"a,b\"\n    X-Env: prod\n";
	config_defaults(&c);
	ck_assert_msg(config_load_buffer(&c, "t.yaml", yaml, strlen(yaml), &err) == 0, "%s",
		      err.msg);
	ck_assert_str_eq(c.forwarding.headers, "X-Tenant=a%2Cb,X-Env=prod");
	ck_assert_int_eq(config_validate(&c, &err), 0);
	yaml = "forwarding:\n  headers: {x-api-key: k}\n  authentication: {auth_type: api_key, "
	       "credentials_env: K}\n";
	config_defaults(&c);
	ck_assert_int_eq(config_load_buffer(&c, "t.yaml", yaml, strlen(yaml), &err), 0);
	ck_assert_int_eq(config_validate(&c, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "X-API-Key is the header of the configured authentication"),
		      "%s", err.msg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("credentials");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_map_per_type);
	tcase_add_loop_test(tc, test_name_mismatch, 0, sizeof mismatches / sizeof mismatches[0]);
	tcase_add_test(tc, test_env_value);
	tcase_add_test(tc, test_file_permissions);
	tcase_add_test(tc, test_memfd_sealed);
	tcase_add_test(tc, test_inline_never_in_config);
	tcase_add_loop_test(tc, test_inline_refused, 0, sizeof inline_bad / sizeof inline_bad[0]);
	tcase_add_test(tc, test_validate_sources);
	tcase_add_test(tc, test_header_list);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
