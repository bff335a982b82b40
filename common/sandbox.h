#ifndef OTLPD_SANDBOX_H
#define OTLPD_SANDBOX_H

#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "messages.h"

/* Each child has one profile, declared as data in sandbox_profiles.c: its
 * jail, and a seccomp allowlist built from named syscall groups. */

enum sandbox_profile_id {
	SANDBOX_RECEIVER = 0,
	SANDBOX_WRITER,
	SANDBOX_FORWARDER,
	SANDBOX_DASHBOARD,
	SANDBOX_PROFILE_COUNT,
};

enum sandbox_jail {
	SANDBOX_JAIL_EMPTY,     /* an empty, root-owned directory */
	SANDBOX_JAIL_OUTPUT_RW, /* the output directory, read-write */
	SANDBOX_JAIL_OUTPUT_RO, /* the output directory, read-only */
};

struct sandbox_params {
	int jail_fd;            /* directory to jail in; closed by sandbox_enter */
	enum jail_method method;
	uid_t uid;              /* target ids; ignored when not running as root */
	gid_t gid;
	enum sandbox_seccomp_mode seccomp;
};

const char *sandbox_profile_name(enum sandbox_profile_id id);
/* Returns 0 and sets *out for "receiver", "writer", "forwarder", "dashboard". */
int sandbox_profile_by_name(const char *name, enum sandbox_profile_id *out);
enum sandbox_jail sandbox_profile_jail(enum sandbox_profile_id id);

/* Enters the profile, in the one order of practice 3: jail (chroot as root,
 * with a Landlock ruleset on top where the kernel has it, since seccomp
 * cannot see openat2's flags; Landlock alone when not root) -> drop groups,
 * gid, uid -> verify root cannot be
 * regained -> rlimits, no-new-privs, non-dumpable where the profile says ->
 * seccomp. On failure returns a negative errno and writes which step failed
 * into why; the caller must exit, never carry on. */
int sandbox_enter(enum sandbox_profile_id id, const struct sandbox_params *p, char *why,
		  size_t why_len);

/* Prints the profile for operators: jail, user, rlimits and every allowed
 * syscall with its argument rule, group by group. user_desc describes who it
 * runs as (e.g. "otlpd-receiver (uid 998)"). Returns 0 or -errno. */
int sandbox_print_profile(enum sandbox_profile_id id, const char *user_desc, FILE *out);

/* 0 when Landlock is usable here, -ENOSYS / -EOPNOTSUPP when not. */
int sandbox_landlock_available(void);

#endif
