#ifndef OTLPD_CHILD_H
#define OTLPD_CHILD_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "channel.h"
#include "config.h"
#include "sandbox.h"
#include "stats.h"

/* The life of every child, written once (Postfix's skeleton): inherit fds ->
 * receive the config over the control channel -> open what it needs (role's
 * prepare) -> enter the sandbox -> start -> READY -> serve -> stop -> exit 0.
 * A role supplies only what is its own. */

struct child;

struct child_role {
	const char *name; /* "receiver": logs as otlpd-receiver */
	enum sandbox_profile_id profile;
	unsigned config_role;    /* enum role bit: which keys it receives */
	unsigned role_fd_count;  /* descriptors CHILD_FD_ROLE.. it inherits */
	uint64_t control_types;  /* supervisor messages beyond CONFIG, SANDBOX, SHUTDOWN */
	uint64_t setup_types;    /* of control_types, those also taken before the sandbox
				  * (e.g. a credentials fd for prepare) */
	/* Before the sandbox: open what the sandbox will forbid. */
	int (*prepare)(struct child *c);
	/* Inside the sandbox, before READY. */
	int (*start)(struct child *c);
	/* A control message of control_types; f->fd is owned by the callee. */
	void (*on_control)(struct child *c, const struct frame *f);
	/* Finish the work in hand, then call child_stopped(). */
	void (*stop)(struct child *c);
	/* Appends the role's counters. */
	int (*stats)(struct child *c, struct stats_buf *b);
};

struct child {
	uv_loop_t loop;
	const struct child_role *role;
	struct config cfg;
	struct channel *control;
	void *state; /* the role's own, set in prepare */
	uint64_t start_ms;
	bool have_config;
	bool ready;
	bool stopping;
	uv_timer_t startup_timer;
	uv_timer_t stats_timer;
	uv_signal_t sigterm;
	uv_signal_t sigint;
};

/* Exit codes that the supervisor explains in its log. */
enum child_exit {
	CHILD_EXIT_OK = 0,
	CHILD_EXIT_ERROR = 1,
	CHILD_EXIT_CONFIG = 2,
	CHILD_EXIT_SANDBOX = 3,
	CHILD_EXIT_PROTOCOL = 4,
};

int child_main(const struct child_role *role, int argc, char **argv);

/* The role has finished stopping: the loop ends and the process exits 0. */
void child_stopped(struct child *c);
/* Something the child cannot go on from: logged, exit with code. */
_Noreturn void child_fatal(struct child *c, enum child_exit code, const char *what, int err);

#endif
