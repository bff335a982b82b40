#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "dash_http.h"
#include "http_server.h"
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

/* Requests carry no body; a handler answers at once. */
#define DASHBOARD_MAX_HEADERS 100u
#define DASHBOARD_BUSY_TIMEOUT_MS 10000u

struct dashboard {
	struct child *child;
	struct stats_buf snapshot; /* the supervisor's latest counters */
	uint64_t snapshots;
	uint64_t snapshot_at_ms;
	struct dash_http http;
	struct http_server server;
};

static struct dashboard dashboard;

static uint64_t loop_now(void *ctx)
{
	return uv_now(ctx);
}

static int dashboard_prepare(struct child *c)
{
	const struct config *cfg = &c->cfg;
	c->state = &dashboard;
	dashboard.child = c;
	stats_reset(&dashboard.snapshot);
	dash_http_init(&dashboard.http, -1, cfg->dashboard.x_frame_options);
	dashboard.http.snapshot = &dashboard.snapshot;
	dashboard.http.snapshots = &dashboard.snapshots;
	dashboard.http.snapshot_at_ms = &dashboard.snapshot_at_ms;
	dashboard.http.now_ms = loop_now;
	dashboard.http.clock_ctx = &c->loop;
	struct http_server_config scfg = {
		.max_connections = (uint32_t)cfg->dashboard.max_connections,
		.header_timeout_ms = (uint64_t)cfg->dashboard.header_timeout_ms,
		.idle_timeout_ms = (uint64_t)cfg->dashboard.idle_timeout_ms,
		.body_timeout_ms = (uint64_t)cfg->dashboard.write_timeout_ms,
		.busy_timeout_ms = DASHBOARD_BUSY_TIMEOUT_MS,
		.limits = {.max_header_bytes = (uint32_t)cfg->dashboard.max_header_bytes,
			   .max_headers = DASHBOARD_MAX_HEADERS,
			   .max_body_bytes = 0},
	};
	/* The first stream handle of the loop opens /dev/null (libuv's spare
	 * descriptor): it has to happen before the sandbox. */
	int err = http_server_init(&dashboard.server, &c->loop, DASHBOARD_FD_HTTP, &scfg, 0,
				   &dash_http_handler, &dashboard.http);
	if (err)
		log_error("dashboard listener: %s", uv_strerror(err));
	return err;
}

/* Inside the jail the working directory is the output directory (chroot's
 * root, or the Landlock-confined directory the sandbox changed into), and
 * every file is opened beneath it: openat2(AT_FDCWD, ..., RESOLVE_BENEATH).
 * No directory descriptor is held at all, so none could ever point outside
 * the jail, and the process has no way to change its working directory
 * (chdir is not in its profile). */
static int dashboard_start(struct child *c)
{
	(void)c;
	dashboard.http.root_fd = AT_FDCWD;
	int err = http_server_start(&dashboard.server);
	if (err)
		log_error("dashboard listen: %s", uv_strerror(err));
	return err;
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
	dashboard.snapshot_at_ms = uv_now(&c->loop);
}

static void on_server_stopped(struct http_server *srv)
{
	(void)srv;
	child_stopped(dashboard.child);
}

static void dashboard_stop(struct child *c)
{
	(void)c;
	http_server_stop(&dashboard.server, on_server_stopped);
}

static int dashboard_stats(struct child *c, struct stats_buf *b)
{
	(void)c;
	const struct dash_counters *k = &dashboard.http.counters;
	const struct http_server_stats *h = &dashboard.server.stats;
	int err = stats_add(b, "snapshots_received", dashboard.snapshots);
	if (!err)
		err = stats_add(b, "requests", k->requests);
	if (!err)
		err = stats_add(b, "refused_paths", k->refused_paths);
	if (!err)
		err = stats_add(b, "not_found", k->not_found);
	if (!err)
		err = stats_add(b, "bad_methods", k->bad_methods);
	if (!err)
		err = stats_add(b, "files_served", k->files_served);
	if (!err)
		err = stats_add(b, "connections", http_server_open_connections(&dashboard.server));
	if (!err)
		err = stats_add(b, "connections_refused", h->refused + h->dropped);
	return err;
}

static const struct child_role dashboard_role = {
	.name = "dashboard",
	.profile = SANDBOX_DASHBOARD,
	.config_role = ROLE_DASHBOARD,
	.role_fd_count = DASHBOARD_FD_END - CHILD_FD_ROLE,
	.control_types = MSG_BIT(MSG_STATS_SNAPSHOT),
	.prepare = dashboard_prepare,
	.start = dashboard_start,
	.on_control = dashboard_on_control,
	.stop = dashboard_stop,
	.stats = dashboard_stats,
};

int main(int argc, char **argv)
{
	return child_main(&dashboard_role, argc, argv);
}
