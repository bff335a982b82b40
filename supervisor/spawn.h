#ifndef OTLPD_SUPERVISOR_SPAWN_H
#define OTLPD_SUPERVISOR_SPAWN_H

#include <sys/types.h>

#define SPAWN_MAX_FDS 16

/* fork + exec of one child executable with exactly the descriptors listed:
 * fds[i] (i >= 3) becomes descriptor i, -1 leaves it closed; fds[0..2] are
 * ignored (0 is /dev/null, 1 and 2 are shared for logging). The child gets a
 * session of its own (terminal signals go to the supervisor only) and a
 * minimal environment: no OTLP_* value, no secret, only the sanitizer
 * runtime's options. Returns 0 or a negative errno. */
int spawn_child(const char *exe_path, const char *argv0, const int *fds, unsigned nfds,
		pid_t *out_pid);

/* "<dir of this executable>/<name>" if it exists, else OTLPD_LIBEXECDIR/<name>.
 * Returns 0 or -ENOENT. */
int spawn_find_executable(const char *name, char *out, size_t cap);

#endif
