#ifndef OTLPD_DASH_HTTP_H
#define OTLPD_DASH_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "http_request.h"
#include "stats.h"

/* The dashboard's routes on the shared HTTP core: the embedded UI, the file
 * listing, the Arrow files (with Range), the stats and /healthz; GET and
 * HEAD only. Every response, errors included, carries the security headers
 * (SECURITY.md). */

struct dash_counters {
	uint64_t requests;
	uint64_t refused_paths; /* 403 */
	uint64_t not_found;
	uint64_t bad_methods;
	uint64_t files_served;
};

struct dash_http {
	int root_fd; /* the jail root every file is opened beneath (AT_FDCWD inside the jail) */
	const char *x_frame_options;
	const char *csp;
	const struct stats_buf *snapshot; /* the supervisor's latest */
	const uint64_t *snapshots;
	const uint64_t *snapshot_at_ms;   /* loop time of the latest, 0 before one */
	uint64_t (*now_ms)(void *clock_ctx);
	void *clock_ctx;
	struct dash_counters counters;
};

/* Sets the headers from the configuration; root_fd stays the caller's. */
void dash_http_init(struct dash_http *d, int root_fd, enum x_frame_options xfo);

extern const struct http_handler dash_http_handler;

#endif
