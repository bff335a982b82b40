/* inject_syscall PID NAME: makes the running process PID execute one system
 * call NAME, every argument 0, and prints what came of it: "killed by signal
 * N", or "returned N" after which its registers are put back and it carries
 * on. The integration tests hold the real sandboxed children to their seccomp
 * profiles with it, from outside and with no test hook in otlpd.
 *
 * It attaches with ptrace (root: the children have other uids, and the
 * forwarder is not dumpable), stops the process, points it at a `syscall`
 * instruction it already has (the one it is blocked in, usually epoll_wait)
 * and single-steps over it. x86_64 only; elsewhere it exits 77 (skip). */

#include <errno.h>
#include <limits.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)

#define SYSCALL_INSN 0x050f /* the bytes 0f 05, read as a little-endian word */
#define STOP_ATTEMPTS 100
#define GIVE_UP_SECS 10 /* a tracee that never stops must not hang the test */

static void *ptr(uintptr_t v)
{
	return (void *)v;
}

static int parse_pid(const char *s, pid_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0 || v > INT_MAX)
		return -EINVAL;
	*out = (pid_t)v;
	return 0;
}

static int wait_tracee(pid_t pid, int *status)
{
	for (;;) {
		if (waitpid(pid, status, __WALL) == pid)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* Stops the tracee in a PTRACE_EVENT_STOP; a signal that comes first is
 * passed on and the stop asked for again. */
static int stop_tracee(pid_t pid)
{
	int st, err;

	for (;;) {
		if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) != 0)
			return -errno;
		err = wait_tracee(pid, &st);
		if (err)
			return err;
		if (!WIFSTOPPED(st))
			return -ESRCH;
		if (st >> 16 == PTRACE_EVENT_STOP)
			return 0;
		if (ptrace(PTRACE_CONT, pid, NULL, ptr((uintptr_t)WSTOPSIG(st))) != 0)
			return -errno;
	}
}

static int is_syscall_insn(pid_t pid, unsigned long long addr, int *yes)
{
	long word;

	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, ptr((uintptr_t)addr), NULL);
	if (word == -1 && errno != 0)
		return -errno;
	*yes = (word & 0xffff) == SYSCALL_INSN;
	return 0;
}

/* Stops the tracee where a `syscall` instruction is at hand: at rip - 2 when
 * it was stopped in a system call, at rip by chance otherwise. */
static int stop_near_syscall(pid_t pid, struct user_regs_struct *regs,
			     unsigned long long *insn)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < STOP_ATTEMPTS; i++) {
		int err = stop_tracee(pid), yes = 0;

		if (!err && ptrace(PTRACE_GETREGS, pid, NULL, regs) != 0)
			err = -errno;
		if (!err)
			err = is_syscall_insn(pid, regs->rip - 2, &yes);
		if (err)
			return err;
		*insn = regs->rip - 2;
		if (!yes) {
			err = is_syscall_insn(pid, regs->rip, &yes);
			if (err)
				return err;
			*insn = regs->rip;
		}
		if (yes)
			return 0;
		if (ptrace(PTRACE_CONT, pid, NULL, NULL) != 0)
			return -errno;
		if (nanosleep(&pause, NULL) != 0 && errno != EINTR)
			return -errno;
	}
	return -EAGAIN;
}

static int inject(pid_t pid, int nr)
{
	struct user_regs_struct saved, regs;
	unsigned long long insn;
	int st, err = stop_near_syscall(pid, &saved, &insn);

	if (err)
		return err;
	regs = saved;
	regs.rip = insn;
	regs.rax = (unsigned long long)nr;
	/* Not in a system call: the kernel's restart logic leaves rip and rax alone. */
	regs.orig_rax = (unsigned long long)-1;
	regs.rdi = regs.rsi = regs.rdx = regs.r10 = regs.r8 = regs.r9 = 0;
	if (ptrace(PTRACE_SETREGS, pid, NULL, &regs) != 0)
		return -errno;
	if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) != 0)
		return -errno;
	err = wait_tracee(pid, &st);
	if (err)
		return err;
	if (WIFSIGNALED(st)) {
		printf("killed by signal %d\n", WTERMSIG(st));
		return 0;
	}
	if (WIFEXITED(st)) {
		printf("exited with status %d\n", WEXITSTATUS(st));
		return 0;
	}
	if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) != 0)
		return -errno;
	/* Its own registers back: it resumes as if only interrupted. */
	if (ptrace(PTRACE_SETREGS, pid, NULL, &saved) != 0)
		return -errno;
	if (WSTOPSIG(st) != SIGTRAP) {
		/* A signal came before the step: nothing ran; it gets the signal. */
		if (ptrace(PTRACE_DETACH, pid, NULL, ptr((uintptr_t)WSTOPSIG(st))) != 0)
			return -errno;
		return -EAGAIN;
	}
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL) != 0)
		return -errno;
	printf("returned %lld\n", (long long)regs.rax);
	return 0;
}

int main(int argc, char **argv)
{
	pid_t pid;
	int nr, err;

	if (argc != 3 || parse_pid(argv[1], &pid) != 0) {
		fprintf(stderr, "usage: inject_syscall PID SYSCALL_NAME\n");
		return 2;
	}
	nr = seccomp_syscall_resolve_name(argv[2]);
	if (nr < 0) {
		fprintf(stderr, "inject_syscall: %s is not a system call here\n", argv[2]);
		return 2;
	}
	alarm(GIVE_UP_SECS);
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) != 0) {
		fprintf(stderr, "inject_syscall: PTRACE_SEIZE %ld: %s\n", (long)pid, strerror(errno));
		return 1;
	}
	err = inject(pid, nr);
	if (err) {
		fprintf(stderr, "inject_syscall: %s into %ld: %s\n", argv[2], (long)pid,
			strerror(-err));
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

#else

int main(void)
{
	fprintf(stderr, "inject_syscall: x86_64 only\n");
	return 77;
}

#endif
