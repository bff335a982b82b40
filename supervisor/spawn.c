#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* The sanitizer runtimes read these; nothing else is passed on. */
static const char *const passed_env[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
#define ENV_MAX (sizeof passed_env / sizeof passed_env[0] + 1)

/* Above any descriptor a child is given, so moving them never collides. */
#define SPAWN_FD_SCRATCH 64

int spawn_find_executable(const char *name, char *out, size_t cap)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		int w = snprintf(out, cap, "%s/%s", dirname(self), name);
		if (w > 0 && (size_t)w < cap && access(out, X_OK) == 0)
			return 0;
	}
	int w = snprintf(out, cap, "%s/%s", OTLPD_LIBEXECDIR, name);
	if (w > 0 && (size_t)w < cap && access(out, X_OK) == 0)
		return 0;
	return -ENOENT;
}

/* Runs in the forked child: only async-signal-safe calls. */
static _Noreturn void exec_child(const char *exe_path, const char *argv0, const int *fds,
				 unsigned nfds, char *const *envp)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();

	int moved[SPAWN_MAX_FDS];
	for (unsigned i = 0; i < nfds; i++) {
		moved[i] = -1;
		if (fds[i] >= 0 && (moved[i] = fcntl(fds[i], F_DUPFD, SPAWN_FD_SCRATCH)) < 0)
			_exit(127);
	}
	int devnull = open("/dev/null", O_RDWR);
	if (devnull < 0 || dup2(devnull, 0) < 0)
		_exit(127);
	for (unsigned i = 3; i < nfds; i++) {
		if (moved[i] < 0)
			close((int)i);
		else if (dup2(moved[i], (int)i) < 0)
			_exit(127);
	}
	close_range(nfds > 3 ? nfds : 3, ~0u, 0);

	char *argv[] = {(char *)argv0, NULL};
	execve(exe_path, argv, envp);
	static const char msg[] = "otlpd: cannot execute a child process\n";
	ssize_t ignored = write(2, msg, sizeof msg - 1);
	(void)ignored;
	_exit(127);
}

int spawn_child(const char *exe_path, const char *argv0, const int *fds, unsigned nfds,
		pid_t *out_pid)
{
	if (nfds > SPAWN_MAX_FDS || nfds < 3)
		return -EINVAL;

	char *envp[ENV_MAX];
	unsigned nenv = 0;
	for (size_t i = 0; i < sizeof passed_env / sizeof passed_env[0]; i++) {
		const char *name = passed_env[i];
		size_t len = strlen(name);
		for (char **e = environ; *e; e++) {
			if (strncmp(*e, name, len) == 0 && (*e)[len] == '=') {
				envp[nenv++] = *e;
				break;
			}
		}
	}
	envp[nenv] = NULL;

	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		exec_child(exe_path, argv0, fds, nfds, envp);
	*out_pid = pid;
	return 0;
}
