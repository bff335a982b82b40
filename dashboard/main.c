#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "messages.h"
#include "roles.h"
#include "stats.h"

/* Descriptors from the supervisor; CHILD_FD_JAIL is the output directory,
 * read-only. */
enum dashboard_fd {
	DASHBOARD_FD_HTTP = CHILD_FD_ROLE, /* listening socket */
	DASHBOARD_FD_END = CHILD_FD_ROLE + 1,
};

/* The latest pipeline counters from the supervisor; served as /api/stats
 * once the web server lands (#6). */
struct dashboard {
	struct stats_buf snapshot;
	uint64_t snapshots;
};

static struct dashboard dashboard;

static int dashboard_prepare(struct child *c)
{
	c->state = &dashboard;
	stats_reset(&dashboard.snapshot);
	return 0;
}

static void dashboard_on_control(struct child *c, const struct frame *f)
{
	if (f->h.type != MSG_STATS_SNAPSHOT || f->fd >= 0 ||
	    f->h.len >= sizeof dashboard.snapshot.text) {
		if (f->fd >= 0)
			close(f->fd);
		child_fatal(c, CHILD_EXIT_PROTOCOL, "unexpected control message", 0);
	}
	memcpy(dashboard.snapshot.text, f->payload, f->h.len);
	dashboard.snapshot.text[f->h.len] = '\0';
	dashboard.snapshot.len = f->h.len;
	dashboard.snapshots++;
}

static void dashboard_stop(struct child *c)
{
	child_stopped(c);
}

static int dashboard_stats(struct child *c, struct stats_buf *b)
{
	(void)c;
	return stats_add(b, "snapshots_received", dashboard.snapshots);
}

static const struct child_role dashboard_role = {
	.name = "dashboard",
	.profile = SANDBOX_DASHBOARD,
	.config_role = ROLE_DASHBOARD,
	.role_fd_count = DASHBOARD_FD_END - CHILD_FD_ROLE,
	.control_types = MSG_BIT(MSG_STATS_SNAPSHOT),
	.prepare = dashboard_prepare,
	.on_control = dashboard_on_control,
	.stop = dashboard_stop,
	.stats = dashboard_stats,
};

int main(int argc, char **argv)
{
	return child_main(&dashboard_role, argc, argv);
}
