#include <stdio.h>
#include <string.h>

#include "log.h"
#include "messages.h"
#include "supervisor.h"

/* Every second the dashboard gets one snapshot of all counters, each name
 * prefixed with its process, plus what only the supervisor knows. */
static void on_stats_timer(uv_timer_t *t)
{
	struct sup *s = t->data;
	static struct stats_buf snap;
	stats_reset(&snap);
	int err = 0;
	for (int i = 0; i < SANDBOX_PROFILE_COUNT && !err; i++) {
		const struct proc *p = &s->procs[i];
		if (!p->enabled)
			continue;
		char name[STATS_NAME_MAX];
		snprintf(name, sizeof name, "supervisor.%s_restarts", proc_name(p));
		err = stats_add(&snap, name, p->restarts);
		snprintf(name, sizeof name, "supervisor.%s_up", proc_name(p));
		if (!err)
			err = stats_add(&snap, name, p->state == PROC_READY);
		if (!err && p->state == PROC_READY)
			err = stats_add_prefixed(&snap, proc_name(p), p->stats.text, p->stats.len);
	}
	if (err) {
		log_warn("stats snapshot does not fit: %s", strerror(-err));
		return;
	}
	struct proc *d = &s->procs[SANDBOX_DASHBOARD];
	if (d->state == PROC_READY && d->control != NULL) {
		err = channel_send(d->control, MSG_STATS_SNAPSHOT, snap.text, (uint32_t)snap.len, -1);
		if (err)
			log_warn("stats snapshot not sent to the dashboard: %s", strerror(-err));
	}
}

void sup_stats_start(struct sup *s)
{
	uv_timer_start(&s->stats_timer, on_stats_timer, SUP_STATS_INTERVAL_MS,
		       SUP_STATS_INTERVAL_MS);
}
