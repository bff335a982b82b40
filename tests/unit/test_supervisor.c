/* The supervisor's decisions that need no running children: the restart
 * backoff, and the account each child runs as (the config's user/group, else
 * the dedicated otlpd-<child> users, then otlpd, then nobody/nogroup; uid and
 * gid 0 refused). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../supervisor/backoff.h"
#include "../../supervisor/identities.h"

#define NOBODY 65534u

START_TEST(backoff_doubles_to_the_cap)
{
	/* A zeroed struct is a child that has not died yet. */
	static const uint64_t want[] = {100,  200,   400,   800,   1600,  3200,
					6400, 12800, 25600, 30000, 30000, 30000};
	struct backoff b = {0};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_uint_eq(backoff_next(&b, 0), want[i]);
}
END_TEST

START_TEST(backoff_resets_after_a_healthy_minute)
{
	struct backoff b = {0};
	for (int i = 0; i < 20; i++)
		backoff_next(&b, 5000);
	ck_assert_uint_eq(backoff_next(&b, 59999), 30000);
	ck_assert_uint_eq(backoff_next(&b, 60000), 100);
	ck_assert_uint_eq(backoff_next(&b, 0), 200);
	/* READY for less than a minute is not healthy: it keeps doubling. */
	ck_assert_uint_eq(backoff_next(&b, 59999), 400);
	ck_assert_uint_eq(backoff_next(&b, 3600 * 1000), 100);
}
END_TEST

static void load(struct config *c, const char *yaml)
{
	struct config_error err;
	config_defaults(c);
	ck_assert_msg(config_load_buffer(c, "test.yaml", yaml, strlen(yaml), &err) == 0, "%s",
		      err.msg);
}

START_TEST(config_user_nobody_for_every_child)
{
	struct config c;
	load(&c, "user: nobody\ngroup: nogroup\n");
	for (int p = 0; p < SANDBOX_PROFILE_COUNT; p++) {
		struct identity id;
		ck_assert_int_eq(identity_pick(&c, (enum sandbox_profile_id)p, &id), 0);
		ck_assert_uint_eq(id.uid, NOBODY);
		ck_assert_str_eq(id.user, "nobody");
		ck_assert_uint_eq(id.gid, NOBODY);
		ck_assert_str_eq(id.group, "nogroup");
	}
}
END_TEST

START_TEST(config_root_is_refused)
{
	struct config c;
	struct identity id;
	load(&c, "user: root\n");
	for (int p = 0; p < SANDBOX_PROFILE_COUNT; p++)
		ck_assert_int_eq(identity_pick(&c, (enum sandbox_profile_id)p, &id), -EPERM);
	load(&c, "user: nobody\ngroup: root\n");
	ck_assert_int_eq(identity_pick(&c, SANDBOX_WRITER, &id), -EPERM);
}
END_TEST

/* A user the operator named is not silently replaced by a fallback. */
START_TEST(config_unknown_user_is_an_error)
{
	struct config c;
	struct identity id;
	load(&c, "user: otlpd-no-such-user\n");
	ck_assert_int_eq(identity_pick(&c, SANDBOX_RECEIVER, &id), -ENOENT);
	load(&c, "user: nobody\ngroup: otlpd-no-such-group\n");
	ck_assert_int_eq(identity_pick(&c, SANDBOX_RECEIVER, &id), -ENOENT);
}
END_TEST

/* The fallback chain needs account databases without some of the accounts:
 * in a mount namespace of this test's own process, files bind-mounted over
 * /etc/passwd and /etc/group (the host's stay as they are). */
static void bind_file(const char *target, const char *text)
{
	char path[] = "/tmp/otlpd-test-db.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	bool written = write(fd, text, strlen(text)) == (ssize_t)strlen(text) && fchmod(fd, 0644) == 0;
	close(fd);
	int err = written && mount(path, target, NULL, MS_BIND, NULL) != 0 ? errno : 0;
	unlink(path); /* the mount keeps the file */
	ck_assert(written);
	ck_assert_msg(err == 0, "bind %s: %s", target, strerror(err));
}

static void use_accounts(const char *passwd, const char *group)
{
	ck_assert_msg(unshare(CLONE_NEWNS) == 0, "unshare: %s", strerror(errno));
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	bind_file("/etc/passwd", passwd);
	bind_file("/etc/group", group);
}

#define ROOT_PW "root:x:0:0:root:/root:/bin/sh\n"
#define NOBODY_PW "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
#define BASE_GR "root:x:0:\nnogroup:x:65534:\n"

static void assert_identity(enum sandbox_profile_id p, const char *user, unsigned uid,
			    const char *group, unsigned gid)
{
	struct config c;
	struct identity id;
	config_defaults(&c);
	ck_assert_int_eq(identity_pick(&c, p, &id), 0);
	ck_assert_str_eq(id.user, user);
	ck_assert_uint_eq(id.uid, uid);
	ck_assert_str_eq(id.group, group);
	ck_assert_uint_eq(id.gid, gid);
}

START_TEST(default_dedicated_then_otlpd)
{
	use_accounts(ROOT_PW "otlpd-writer:x:994:995::/nonexistent:/usr/sbin/nologin\n"
			     "otlpd:x:999:995::/nonexistent:/usr/sbin/nologin\n" NOBODY_PW,
		     BASE_GR "otlpd:x:995:\n");
	assert_identity(SANDBOX_WRITER, "otlpd-writer", 994, "otlpd", 995);
	assert_identity(SANDBOX_RECEIVER, "otlpd", 999, "otlpd", 995);
	assert_identity(SANDBOX_FORWARDER, "otlpd", 999, "otlpd", 995);
	assert_identity(SANDBOX_DASHBOARD, "otlpd", 999, "otlpd", 995);
}
END_TEST

START_TEST(default_without_otlpd_accounts_is_nobody)
{
	use_accounts(ROOT_PW NOBODY_PW, BASE_GR);
	for (int p = 0; p < SANDBOX_PROFILE_COUNT; p++)
		assert_identity((enum sandbox_profile_id)p, "nobody", NOBODY, "nogroup", NOBODY);
}
END_TEST

START_TEST(default_fallback_user_with_uid_0_is_refused)
{
	use_accounts(ROOT_PW "otlpd:x:0:0::/root:/bin/sh\n" NOBODY_PW, BASE_GR);
	struct config c;
	struct identity id;
	config_defaults(&c);
	ck_assert_int_eq(identity_pick(&c, SANDBOX_RECEIVER, &id), -EPERM);
}
END_TEST

START_TEST(default_fallback_group_with_gid_0_is_refused)
{
	use_accounts(ROOT_PW NOBODY_PW, BASE_GR "otlpd:x:0:\n");
	struct config c;
	struct identity id;
	config_defaults(&c);
	ck_assert_int_eq(identity_pick(&c, SANDBOX_RECEIVER, &id), -EPERM);
}
END_TEST

/* As root, identities_resolve gives each child its pick and a chroot. */
START_TEST(resolve_as_root)
{
	use_accounts(ROOT_PW NOBODY_PW, BASE_GR);
	struct config c;
	struct identities ids;
	config_defaults(&c);
	ck_assert_int_eq(identities_resolve(&c, &ids), 0);
	ck_assert(ids.root);
	ck_assert_int_eq(ids.method, JAIL_METHOD_CHROOT);
	for (int p = 0; p < SANDBOX_PROFILE_COUNT; p++) {
		ck_assert_uint_eq(ids.child[p].uid, NOBODY);
		ck_assert_uint_eq(ids.child[p].gid, NOBODY);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("supervisor");
	TCase *tc = tcase_create("backoff");
	tcase_add_test(tc, backoff_doubles_to_the_cap);
	tcase_add_test(tc, backoff_resets_after_a_healthy_minute);
	suite_add_tcase(s, tc);

	tc = tcase_create("identities");
	tcase_add_test(tc, config_user_nobody_for_every_child);
	tcase_add_test(tc, config_root_is_refused);
	tcase_add_test(tc, config_unknown_user_is_an_error);
	suite_add_tcase(s, tc);

	if (geteuid() == 0) {
		tc = tcase_create("identity fallback");
		tcase_add_test(tc, default_dedicated_then_otlpd);
		tcase_add_test(tc, default_without_otlpd_accounts_is_nobody);
		tcase_add_test(tc, default_fallback_user_with_uid_0_is_refused);
		tcase_add_test(tc, default_fallback_group_with_gid_0_is_refused);
		tcase_add_test(tc, resolve_as_root);
		suite_add_tcase(s, tc);
	} else {
		printf("test_supervisor: not root: skipping the account fallback tests, which "
		       "mount their own /etc/passwd (CI runs them as root)\n");
	}

	SRunner *sr = srunner_create(s);
	/* The fallback tests change their mount namespace: one process each. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
