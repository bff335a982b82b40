#ifndef OTLPD_DASH_STATS_H
#define OTLPD_DASH_STATS_H

#include <stdint.h>

#include "dash_buf.h"
#include "stats.h"

/* The supervisor's latest snapshot (lines "process.name value") as JSON,
 * grouped by process: {"snapshots":N,"age_ms":N,"processes":{"receiver":
 * {"name":value,..},..}}. age_ms is -1 before the first snapshot. Lines not
 * of that form are skipped. Returns 0 or a negative errno. */
int dash_stats_json(const struct stats_buf *snap, uint64_t snapshots, int64_t age_ms,
		    struct dash_buf *out);

#endif
