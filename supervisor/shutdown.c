#include <signal.h>
#include <stdbool.h>

#include "log.h"
#include "messages.h"
#include "supervisor.h"

/* Orderly shutdown: the receiver stops taking data first, then the writer
 * flushes and the forwarder drains, then the dashboard goes. Each phase has
 * a deadline after which what is left is killed; the sum stays under the
 * 10 s that service managers commonly allow. */
struct phase {
	enum sandbox_profile_id procs[2];
	unsigned nprocs;
	uint64_t deadline_ms;
};

static const struct phase phases[] = {
	{{SANDBOX_RECEIVER}, 1, 2000},
	{{SANDBOX_WRITER, SANDBOX_FORWARDER}, 2, 5000},
	{{SANDBOX_DASHBOARD}, 1, 1000},
};
#define PHASE_COUNT (sizeof phases / sizeof phases[0])

static void run_phase(struct sup *s);

static void on_phase_deadline(uv_timer_t *t)
{
	struct sup *s = t->data;
	const struct phase *ph = &phases[s->phase];
	for (unsigned i = 0; i < ph->nprocs; i++) {
		struct proc *p = &s->procs[ph->procs[i]];
		if (p->pid > 0) {
			log_warn("%s did not stop within %llu ms; killing it", proc_name(p),
				 (unsigned long long)ph->deadline_ms);
			proc_kill(p, SIGKILL);
		}
	}
}

static bool phase_done(const struct sup *s)
{
	const struct phase *ph = &phases[s->phase];
	for (unsigned i = 0; i < ph->nprocs; i++)
		if (s->procs[ph->procs[i]].pid > 0)
			return false;
	return true;
}

static void close_walk_cb(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void finish(struct sup *s)
{
	uv_timer_stop(&s->phase_timer);
	sup_resolve_stop(s);
	for (int i = 0; i < SANDBOX_PROFILE_COUNT; i++) {
		channel_close(s->procs[i].control);
		s->procs[i].control = NULL;
	}
	uv_walk(s->loop, close_walk_cb, NULL);
}

static void run_phase(struct sup *s)
{
	while (s->phase < PHASE_COUNT) {
		const struct phase *ph = &phases[s->phase];
		for (unsigned i = 0; i < ph->nprocs; i++) {
			struct proc *p = &s->procs[ph->procs[i]];
			if (p->pid <= 0)
				continue;
			p->state = PROC_STOPPING;
			if (p->control == NULL ||
			    channel_send(p->control, MSG_SHUTDOWN, NULL, 0, -1) != 0)
				proc_kill(p, SIGTERM);
		}
		if (!phase_done(s)) {
			uv_timer_start(&s->phase_timer, on_phase_deadline, ph->deadline_ms, 0);
			return;
		}
		s->phase++;
	}
	finish(s);
}

void sup_begin_shutdown(struct sup *s, int exit_code, const char *why)
{
	if (s->stopping)
		return;
	s->stopping = true;
	s->exit_code = exit_code;
	log_info("shutting down (%s)", why);
	for (int i = 0; i < SANDBOX_PROFILE_COUNT; i++) {
		uv_timer_stop(&s->procs[i].restart_timer);
		uv_timer_stop(&s->procs[i].ready_timer);
	}
	uv_timer_stop(&s->stats_timer);
	s->phase = 0;
	run_phase(s);
}

void sup_shutdown_progress(struct sup *s)
{
	if (s->phase >= PHASE_COUNT || !phase_done(s))
		return;
	uv_timer_stop(&s->phase_timer);
	s->phase++;
	run_phase(s);
}
