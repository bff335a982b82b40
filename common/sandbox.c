/* sandbox_enter: the one drop order of practice 3. Every step either
 * succeeds or the whole call fails with the step named in `why`; nothing is
 * skipped to carry on. Call it single-threaded: Landlock confines only the
 * calling thread. */

#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox_internal.h"

int sandbox_why(int err, char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!why || why_len == 0)
		return err;
	va_start(ap, fmt);
	n = vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(why, why_len, "sandbox: step failed (%s)", strerror(-err));
	else if ((size_t)n >= why_len && why_len > 4)
		memcpy(why + why_len - 4, "...", 4); /* show the cut, never hide it */
	return err;
}

static bool running_as_root(void)
{
	uid_t r, e, s;

	/* Any root id counts: a saved uid 0 could be switched back to. */
	if (getresuid(&r, &e, &s) != 0)
		return true;
	return r == 0 || e == 0 || s == 0;
}

static int check_params(enum sandbox_profile_id id, const struct sandbox_params *p,
			char *why, size_t why_len)
{
	struct stat st;

	if (!sandbox_profile_get(id))
		return sandbox_why(-EINVAL, why, why_len, "sandbox: unknown profile %d", (int)id);
	if (p->jail_fd < 0)
		return sandbox_why(-EBADF, why, why_len, "sandbox: no jail directory (fd %d)",
				   p->jail_fd);
	if (fstat(p->jail_fd, &st) != 0)
		return sandbox_why(-errno, why, why_len, "sandbox: jail fd %d: %s", p->jail_fd,
				   strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sandbox_why(-ENOTDIR, why, why_len, "sandbox: jail fd %d is not a directory",
				   p->jail_fd);
	if (p->method != JAIL_METHOD_CHROOT && p->method != JAIL_METHOD_LANDLOCK)
		return sandbox_why(-EINVAL, why, why_len, "sandbox: unknown jail method %d",
				   (int)p->method);
	if (p->seccomp != SECCOMP_MODE_ENFORCE && p->seccomp != SECCOMP_MODE_LOG)
		return sandbox_why(-EINVAL, why, why_len, "sandbox: unknown seccomp mode %d",
				   (int)p->seccomp);
	if (running_as_root()) {
		/* (uid_t)-1 would mean "leave unchanged" to setresuid. */
		if (p->uid == 0 || p->uid == (uid_t)-1)
			return sandbox_why(-EINVAL, why, why_len,
					   "sandbox: refusing to run as uid %ld", (long)(int)p->uid);
		if (p->gid == 0 || p->gid == (gid_t)-1)
			return sandbox_why(-EINVAL, why, why_len,
					   "sandbox: refusing to run as gid %ld", (long)(int)p->gid);
	}
	return 0;
}

/* Closes *jail_fd on success: a directory fd kept open outside a chroot
 * is a way back out of it. Under chroot, Landlock is added where the kernel
 * has it: openat2's flags are out of seccomp's sight, so without it the
 * read-only jail would rest on file permissions alone. */
static int enter_jail(const struct sandbox_profile *prof, const struct sandbox_params *p,
		      int *jail_fd, char *why, size_t why_len)
{
	bool landlock = p->method == JAIL_METHOD_LANDLOCK || sandbox_landlock_abi() > 0;

	if (fchdir(*jail_fd) != 0)
		return sandbox_why(-errno, why, why_len, "fchdir(jail): %s", strerror(errno));
	if (p->method == JAIL_METHOD_CHROOT) {
		if (chroot(".") != 0)
			return sandbox_why(-errno, why, why_len, "chroot: %s", strerror(errno));
		if (chdir("/") != 0)
			return sandbox_why(-errno, why, why_len, "chdir(/): %s", strerror(errno));
	}
	if (landlock) {
		int err = sandbox_landlock_confine(*jail_fd, prof->jail, why, why_len);
		if (err)
			return err;
	}
	if (close(*jail_fd) != 0) {
		*jail_fd = -1; /* the fd is gone either way on Linux */
		return sandbox_why(-errno, why, why_len, "close(jail): %s", strerror(errno));
	}
	*jail_fd = -1;
	return 0;
}

static int drop_ids(const struct sandbox_params *p, char *why, size_t why_len)
{
	if (setgroups(0, NULL) != 0)
		return sandbox_why(-errno, why, why_len, "setgroups: %s", strerror(errno));
	if (setresgid(p->gid, p->gid, p->gid) != 0)
		return sandbox_why(-errno, why, why_len, "setresgid(%lu): %s",
				   (unsigned long)p->gid, strerror(errno));
	if (setresuid(p->uid, p->uid, p->uid) != 0)
		return sandbox_why(-errno, why, why_len, "setresuid(%lu): %s",
				   (unsigned long)p->uid, strerror(errno));
	return 0;
}

static int verify_no_root(char *why, size_t why_len)
{
	if (running_as_root())
		return sandbox_why(-EPERM, why, why_len, "sandbox: still root after the id drop");
	/* Both must fail; if either works, root (or its group) is back. */
	if (setuid(0) == 0)
		return sandbox_why(-EPERM, why, why_len, "setuid(0) succeeded after the id drop");
	if (setgid(0) == 0)
		return sandbox_why(-EPERM, why, why_len, "setgid(0) succeeded after the id drop");
	return 0;
}

static int set_limits(const struct sandbox_profile *prof, char *why, size_t why_len)
{
	const struct rlimit no_core = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &no_core) != 0)
		return sandbox_why(-errno, why, why_len, "setrlimit(RLIMIT_CORE): %s",
				   strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return sandbox_why(-errno, why, why_len, "prctl(PR_SET_NO_NEW_PRIVS): %s",
				   strerror(errno));
	if (!prof->dumpable && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return sandbox_why(-errno, why, why_len, "prctl(PR_SET_DUMPABLE): %s",
				   strerror(errno));
	return 0;
}

static int add_call(scmp_filter_ctx ctx, const struct sandbox_syscall *c)
{
	int nr = seccomp_syscall_resolve_name(c->name);

	if (nr < 0)
		return 0; /* not a syscall on this architecture; print-profile says so */
	if (!c->rule || (!c->rule->arg0_self_pid && c->rule->n_alts == 0))
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	if (c->rule->arg0_self_pid) {
		struct scmp_arg_cmp self = {
			.arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)getpid()
		};
		return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &self);
	}
	for (unsigned i = 0; i < c->rule->n_alts; i++) {
		const struct sandbox_arg_alt *alt = &c->rule->alts[i];
		int err = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, alt->n_conds,
						   alt->conds);
		if (err)
			return err;
	}
	return 0;
}

static int build_filter(scmp_filter_ctx ctx, const struct sandbox_profile *prof, char *why,
			size_t why_len)
{
	int err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);

	if (err)
		return sandbox_why(err, why, why_len, "seccomp: bad-arch action: %s", strerror(-err));
	/* Any thread a library started before us gets the filter too. */
	err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (err)
		return sandbox_why(err, why, why_len, "seccomp: tsync: %s", strerror(-err));
	for (size_t g = 0; g < prof->n_groups; g++) {
		const struct sandbox_group *grp = prof->groups[g];
		for (size_t i = 0; i < grp->n_calls; i++) {
			err = add_call(ctx, &grp->calls[i]);
			if (err)
				return sandbox_why(err, why, why_len, "seccomp: rule %s/%s: %s",
						   grp->name, grp->calls[i].name, strerror(-err));
		}
	}
	return 0;
}

static int load_seccomp(const struct sandbox_profile *prof, enum sandbox_seccomp_mode mode,
			char *why, size_t why_len)
{
	uint32_t def = mode == SECCOMP_MODE_LOG ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS;
	scmp_filter_ctx ctx = seccomp_init(def);
	int err;

	if (!ctx)
		return sandbox_why(-ENOMEM, why, why_len, "seccomp_init failed");
	err = build_filter(ctx, prof, why, why_len);
	if (!err) {
		err = seccomp_load(ctx);
		if (err)
			sandbox_why(err, why, why_len, "seccomp_load: %s", strerror(-err));
	}
	seccomp_release(ctx);
	return err;
}

/* Asks the kernel what it now enforces instead of trusting the return codes. */
static int verify_enforced(const struct sandbox_profile *prof, char *why, size_t why_len)
{
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2)
		return sandbox_why(-EPERM, why, why_len, "seccomp filter not in force after load");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return sandbox_why(-EPERM, why, why_len, "no_new_privs not set after load");
	if (!prof->dumpable && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return sandbox_why(-EPERM, why, why_len, "process still dumpable after load");
	return 0;
}

static int enter(const struct sandbox_profile *prof, const struct sandbox_params *p,
		 int *jail_fd, char *why, size_t why_len)
{
	bool root = running_as_root();
	int err = enter_jail(prof, p, jail_fd, why, why_len);

	if (!err && root)
		err = drop_ids(p, why, why_len);
	if (!err)
		err = verify_no_root(why, why_len);
	if (!err)
		err = set_limits(prof, why, why_len);
	if (!err)
		err = load_seccomp(prof, p->seccomp, why, why_len);
	if (!err)
		err = verify_enforced(prof, why, why_len);
	return err;
}

int sandbox_enter(enum sandbox_profile_id id, const struct sandbox_params *p, char *why,
		  size_t why_len)
{
	int jail_fd, err;

	if (why && why_len)
		why[0] = '\0';
	if (!p)
		return sandbox_why(-EINVAL, why, why_len, "sandbox: no parameters");
	jail_fd = p->jail_fd;
	err = check_params(id, p, why, why_len);
	if (!err)
		err = enter(sandbox_profile_get(id), p, &jail_fd, why, why_len);
	if (jail_fd >= 0)
		close(jail_fd);
	return err;
}
