#ifndef OTLPD_SANDBOX_INTERNAL_H
#define OTLPD_SANDBOX_INTERNAL_H

/* Shared between the sandbox files only: the shape of the profile tables
 * (sandbox_profiles.c) and the Landlock half of the jail (sandbox_landlock.c). */

#include <stdbool.h>
#include <stddef.h>

#include <seccomp.h>

#include "sandbox.h"

#define SANDBOX_MAX_CONDS 2
#define SANDBOX_MAX_ALTS 4

/* One allowed shape of the arguments: every condition must hold. */
struct sandbox_arg_alt {
	unsigned n_conds;
	struct scmp_arg_cmp conds[SANDBOX_MAX_CONDS];
};

/* A call with this rule is allowed when any one alternative holds. A rule
 * with no alternatives (and not arg0_self_pid) checks nothing: its words say
 * why seccomp cannot, and what stands in for the check. */
struct sandbox_arg_rule {
	const char *words;  /* the rule for an operator, printed by print-profile */
	bool arg0_self_pid; /* instead of alts: argument 0 is our own pid (known at load) */
	unsigned n_alts;
	struct sandbox_arg_alt alts[SANDBOX_MAX_ALTS];
};

/* An allowed call. Nothing gets an errno instead of a kill: testing found
 * no call that glibc 2.36 or libuv 1.44 merely probes in these processes. */
struct sandbox_syscall {
	const char *name;                    /* as libseccomp spells it */
	const struct sandbox_arg_rule *rule; /* NULL: any arguments */
};

struct sandbox_group {
	const char *name;
	const char *note; /* why the group exists or when it is compiled in; may be NULL */
	const struct sandbox_syscall *calls;
	size_t n_calls;
};

struct sandbox_profile {
	const char *name;
	enum sandbox_jail jail;
	bool dumpable;
	const struct sandbox_group *const *groups;
	size_t n_groups;
};

/* NULL for an id out of range. */
const struct sandbox_profile *sandbox_profile_get(enum sandbox_profile_id id);

/* Landlock ABI version of the running kernel (>= 1), or -ENOSYS /
 * -EOPNOTSUPP. */
int sandbox_landlock_abi(void);

/* Confines the calling thread to jail_fd's directory with the rights the
 * jail kind gives (none for an empty jail). Sets no-new-privs first, as
 * Landlock requires. Does not close jail_fd. */
int sandbox_landlock_confine(int jail_fd, enum sandbox_jail jail, char *why, size_t why_len);

/* snprintf into why (may be NULL), never failing: a cut message is still the
 * right message. Returns err so callers can `return sandbox_why(...)`. */
int sandbox_why(int err, char *why, size_t why_len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
