/* The four child profiles and their syscall groups, as data an operator can
 * audit: read a group, read which groups a profile has. Names are resolved
 * with libseccomp when the filter is built; a name the running architecture
 * lacks (epoll_wait on aarch64, say) is skipped there and noted here. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include "sandbox_internal.h"

#define ARG_EQ(n, v) { .arg = (n), .op = SCMP_CMP_EQ, .datum_a = (v) }
#define ARG_MASKED_EQ(n, mask, v) \
	{ .arg = (n), .op = SCMP_CMP_MASKED_EQ, .datum_a = (mask), .datum_b = (v) }
#define ARG_BITS_CLEAR(n, mask) ARG_MASKED_EQ(n, mask, 0)
#define ALT1(c) { .n_conds = 1, .conds = { c } }
#define ALT2(c1, c2) { .n_conds = 2, .conds = { c1, c2 } }
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The kernel's SOCK_TYPE_MASK: socket()'s type without NONBLOCK/CLOEXEC. */
#define SOCKET_TYPE_MASK 0xf
#define OPEN_WRITE_FLAGS (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)

/* ---- argument rules ---- */

static const struct sandbox_arg_rule no_prot_exec = {
	.words = "prot without PROT_EXEC",
	.n_alts = 1,
	.alts = { ALT1(ARG_BITS_CLEAR(2, PROT_EXEC)) },
};

static const struct sandbox_arg_rule own_process = {
	.words = "own process only",
	.arg0_self_pid = true,
};

/* Questions about our own sandbox; sandbox_enter asks them to verify itself. */
static const struct sandbox_arg_rule prctl_queries = {
	.words = "PR_GET_SECCOMP, PR_GET_NO_NEW_PRIVS, PR_GET_DUMPABLE only",
	.n_alts = 3,
	.alts = { ALT1(ARG_EQ(0, PR_GET_SECCOMP)), ALT1(ARG_EQ(0, PR_GET_NO_NEW_PRIVS)),
		  ALT1(ARG_EQ(0, PR_GET_DUMPABLE)) },
};

/* libuv sets O_NONBLOCK and FD_CLOEXEC with ioctl on Linux. */
static const struct sandbox_arg_rule ioctl_fd_flags = {
	.words = "request FIONBIO, FIOCLEX, FIONCLEX only",
	.n_alts = 3,
	.alts = { ALT1(ARG_EQ(1, FIONBIO)), ALT1(ARG_EQ(1, FIOCLEX)), ALT1(ARG_EQ(1, FIONCLEX)) },
};

/* Not F_SETOWN/F_SETSIG (signals to other processes), locks or leases. */
static const struct sandbox_arg_rule fcntl_fd_flags = {
	.words = "F_GETFD, F_SETFD, F_GETFL, F_SETFL only",
	.n_alts = 4,
	.alts = { ALT1(ARG_EQ(1, F_GETFD)), ALT1(ARG_EQ(1, F_SETFD)), ALT1(ARG_EQ(1, F_GETFL)),
		  ALT1(ARG_EQ(1, F_SETFL)) },
};

static const struct sandbox_arg_rule socket_tcp = {
	.words = "AF_INET or AF_INET6, SOCK_STREAM only",
	.n_alts = 2,
	.alts = { ALT2(ARG_EQ(0, AF_INET), ARG_MASKED_EQ(1, SOCKET_TYPE_MASK, SOCK_STREAM)),
		  ALT2(ARG_EQ(0, AF_INET6), ARG_MASKED_EQ(1, SOCKET_TYPE_MASK, SOCK_STREAM)) },
};

static const struct sandbox_arg_rule open_read_only = {
	.words = "flags without O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND",
	.n_alts = 1,
	.alts = { ALT1(ARG_BITS_CLEAR(2, OPEN_WRITE_FLAGS)) },
};

/* openat2 passes its flags in a struct seccomp cannot read. */
static const struct sandbox_arg_rule open_how_unchecked = {
	.words = "flags not checkable by seccomp; Landlock's read-only jail refuses writes",
	.n_alts = 0,
};

/* ---- groups ---- */

static const struct sandbox_syscall base_calls[] = {
	{ "brk", NULL },
	{ "clock_getres", NULL }, /* the clock calls and time: the vDSO's fallbacks */
	{ "clock_gettime", NULL },
	{ "clock_nanosleep", NULL },
	{ "close", NULL },
	{ "exit", NULL },
	{ "exit_group", NULL },
	{ "futex", NULL },
	{ "getegid", NULL }, /* the get*id calls: a child logs who it runs as */
	{ "geteuid", NULL },
	{ "getgid", NULL },
	{ "getpid", NULL }, /* with gettid and tgkill: glibc's raise() and abort() */
	{ "getrandom", NULL },
	{ "getrusage", NULL }, /* the stats every child reports */
	{ "gettid", NULL },
	{ "gettimeofday", NULL },
	{ "getuid", NULL },
	{ "madvise", NULL },
	{ "mmap", &no_prot_exec },
	{ "mprotect", &no_prot_exec },
	{ "mremap", NULL },
	{ "munmap", NULL },
	{ "nanosleep", NULL },
	{ "prctl", &prctl_queries },
	{ "read", NULL },
	{ "readv", NULL },
	{ "restart_syscall", NULL },
	{ "rt_sigaction", NULL },
	{ "rt_sigprocmask", NULL },
	{ "rt_sigreturn", NULL },
	{ "sched_yield", NULL },
	{ "sigaltstack", NULL },
	{ "tgkill", &own_process },
	{ "time", NULL },
	{ "write", NULL },
	{ "writev", NULL },
};

static const struct sandbox_syscall event_loop_calls[] = {
	{ "epoll_ctl", NULL },
	{ "epoll_pwait", NULL },
	{ "epoll_wait", NULL },
	{ "fcntl", &fcntl_fd_flags },
	{ "ioctl", &ioctl_fd_flags },
	{ "pipe2", NULL },
};

static const struct sandbox_syscall ipc_calls[] = {
	{ "recvmsg", NULL },
	{ "sendmsg", NULL },
	{ "shutdown", NULL },
};

static const struct sandbox_syscall accept_calls[] = {
	{ "accept4", NULL },
	{ "getpeername", NULL },
	/* uv_listen() calls listen(2) again on the passed socket. Without
	 * socket() and bind() nothing new can be made to listen. */
	{ "listen", NULL },
	{ "setsockopt", NULL }, /* uv_tcp_nodelay, uv_tcp_keepalive */
};

static const struct sandbox_syscall connect_calls[] = {
	{ "connect", NULL },
	{ "getsockopt", NULL }, /* SO_ERROR once a non-blocking connect completes */
	{ "setsockopt", NULL },
	{ "socket", &socket_tcp },
};

static const struct sandbox_syscall file_write_calls[] = {
	{ "fadvise64", NULL }, /* POSIX_FADV_DONTNEED on a file once it is on disk */
	{ "fdatasync", NULL },
	{ "fsync", NULL },
	{ "sync_file_range", NULL },
	{ "ftruncate", NULL },
	{ "getdents64", NULL },
	/* mkdir, rename, rmdir, unlink: what glibc's and libuv's wrappers call
	 * on x86_64; the same operations as the *at forms, no more. */
	{ "mkdir", NULL },
	{ "mkdirat", NULL },
	{ "newfstatat", NULL }, /* glibc's stat and fstat */
	{ "openat", NULL },
	{ "pwrite64", NULL },
	{ "pwritev", NULL }, /* a batch is written at its offsets, its head last */
	{ "rename", NULL },
	{ "renameat", NULL },
	{ "renameat2", NULL },
	{ "rmdir", NULL },
	{ "statx", NULL }, /* libuv's uv_fs_stat */
	{ "unlink", NULL },
	{ "unlinkat", NULL },
};

static const struct sandbox_syscall file_read_calls[] = {
	{ "getdents64", NULL },
	{ "lseek", NULL },
	{ "newfstatat", NULL },
	{ "openat", &open_read_only },
	{ "openat2", &open_how_unchecked },
	{ "pread64", NULL },
	{ "statx", NULL },
};

/* glibc's qsort (the writer's retention, the dashboard's file list) asks
 * sysconf(_SC_PHYS_PAGES), i.e. sysinfo, once it sorts more than 1 KiB;
 * sysinfo only tells uptime, load and memory totals. */
static const struct sandbox_syscall sort_calls[] = {
	{ "sysinfo", NULL },
};

#define GROUP(n, note_text)                                                                \
	static const struct sandbox_group group_##n = {                                    \
		.name = #n, .note = (note_text), .calls = n##_calls, .n_calls = N(n##_calls) \
	}

GROUP(base, "memory, signals, time, exit: every process");
GROUP(event_loop, "libuv's handles; the loop and its first stream handle are made before");
GROUP(ipc, "framed messages and fds on the supervisor's socketpairs");
GROUP(accept, "serve on listening sockets passed by the supervisor");
GROUP(connect, "TCP connections to the remote endpoint");
GROUP(file_write, "create, write, rename, list, remove files in the jail");
GROUP(file_read, "open and list files in the jail, read-only");
GROUP(sort, "what glibc's qsort asks the kernel for");

/* ---- profiles ---- */

static const struct sandbox_group *const receiver_groups[] = {
	&group_base, &group_event_loop, &group_ipc, &group_accept,
};
static const struct sandbox_group *const writer_groups[] = {
	&group_base, &group_event_loop, &group_ipc, &group_file_write, &group_sort,
};
static const struct sandbox_group *const forwarder_groups[] = {
	&group_base, &group_event_loop, &group_ipc, &group_connect,
};
static const struct sandbox_group *const dashboard_groups[] = {
	&group_base, &group_event_loop, &group_ipc, &group_accept, &group_file_read, &group_sort,
};

static const struct sandbox_profile profiles[SANDBOX_PROFILE_COUNT] = {
	[SANDBOX_RECEIVER] = { "receiver", SANDBOX_JAIL_EMPTY, true, receiver_groups, N(receiver_groups) },
	[SANDBOX_WRITER] = { "writer", SANDBOX_JAIL_OUTPUT_RW, true, writer_groups, N(writer_groups) },
	[SANDBOX_FORWARDER] = { "forwarder", SANDBOX_JAIL_EMPTY, false, forwarder_groups,
				N(forwarder_groups) },
	[SANDBOX_DASHBOARD] = { "dashboard", SANDBOX_JAIL_OUTPUT_RO, true, dashboard_groups,
				N(dashboard_groups) },
};

const struct sandbox_profile *sandbox_profile_get(enum sandbox_profile_id id)
{
	if ((unsigned)id >= SANDBOX_PROFILE_COUNT)
		return NULL;
	return &profiles[id];
}

const char *sandbox_profile_name(enum sandbox_profile_id id)
{
	const struct sandbox_profile *prof = sandbox_profile_get(id);

	return prof ? prof->name : "unknown";
}

int sandbox_profile_by_name(const char *name, enum sandbox_profile_id *out)
{
	if (!name || !out)
		return -EINVAL;
	for (unsigned i = 0; i < SANDBOX_PROFILE_COUNT; i++) {
		if (strcmp(profiles[i].name, name) == 0) {
			*out = (enum sandbox_profile_id)i;
			return 0;
		}
	}
	return -ENOENT;
}

enum sandbox_jail sandbox_profile_jail(enum sandbox_profile_id id)
{
	const struct sandbox_profile *prof = sandbox_profile_get(id);

	/* An unknown id gets the strictest jail rather than a wider one. */
	return prof ? prof->jail : SANDBOX_JAIL_EMPTY;
}

/* ---- print-profile ---- */

#define JAIL_HOW \
	" (chroot when root, with Landlock where the kernel has it; Landlock alone otherwise)"

static const char *jail_words(enum sandbox_jail jail)
{
	switch (jail) {
	case SANDBOX_JAIL_EMPTY:
		return "empty directory" JAIL_HOW;
	case SANDBOX_JAIL_OUTPUT_RW:
		return "output directory, read-write" JAIL_HOW;
	case SANDBOX_JAIL_OUTPUT_RO:
		return "output directory, read-only" JAIL_HOW;
	}
	return "unknown";
}

#define GROUP_MAX_CALLS 64

static void print_call(const struct sandbox_syscall *c, FILE *out)
{
	if (seccomp_syscall_resolve_name(c->name) < 0)
		fprintf(out, "  %s  (not a syscall on this architecture: skipped)\n", c->name);
	else if (c->rule)
		fprintf(out, "  %s  (%s)\n", c->name, c->rule->words);
	else
		fprintf(out, "  %s\n", c->name);
}

static int print_group(const struct sandbox_group *g, FILE *out)
{
	const struct sandbox_syscall *sorted[GROUP_MAX_CALLS] = { NULL };

	if (g->n_calls > GROUP_MAX_CALLS)
		return -E2BIG;
	/* Sorted here, not by trusting the table's order, so the output is a
	 * stable list to diff against the documented one. */
	for (size_t i = 0; i < g->n_calls; i++) {
		size_t j = i;
		while (j > 0 && strcmp(sorted[j - 1]->name, g->calls[i].name) > 0) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = &g->calls[i];
	}
	fprintf(out, "\ngroup %s: %s\n", g->name, g->note ? g->note : "");
	for (size_t i = 0; i < g->n_calls; i++)
		print_call(sorted[i], out);
	return 0;
}

int sandbox_print_profile(enum sandbox_profile_id id, const char *user_desc, FILE *out)
{
	const struct sandbox_profile *prof = sandbox_profile_get(id);
	struct utsname uts;

	if (!prof || !out)
		return -EINVAL;
	if (uname(&uts) != 0)
		return -errno;
	fprintf(out, "profile: %s\n", prof->name);
	fprintf(out, "jail: %s\n", jail_words(prof->jail));
	fprintf(out, "user: %s\n", user_desc ? user_desc : "(not given)");
	fprintf(out, "no_new_privs: yes\n");
	fprintf(out, "dumpable: %s\n",
		prof->dumpable ? "not changed by the sandbox" : "no (PR_SET_DUMPABLE 0)");
	fprintf(out, "rlimits: RLIMIT_CORE 0\n");
	fprintf(out, "seccomp default action: kill process (log only with sandbox.seccomp: log)\n");
	fprintf(out, "seccomp other architectures: kill process (native %s only)\n", uts.machine);
	for (size_t i = 0; i < prof->n_groups; i++) {
		int err = print_group(prof->groups[i], out);
		if (err)
			return err;
	}
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}
