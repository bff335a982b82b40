#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "messages.h"
#include "roles.h"
#include "spawn.h"
#include "supervisor.h"

/* Sinks first, so the receiver has somewhere to put data when it starts. */
static const enum sandbox_profile_id start_order[] = {
	SANDBOX_WRITER, SANDBOX_FORWARDER, SANDBOX_DASHBOARD, SANDBOX_RECEIVER};

static const unsigned profile_role[SANDBOX_PROFILE_COUNT] = {
	[SANDBOX_RECEIVER] = ROLE_RECEIVER,
	[SANDBOX_WRITER] = ROLE_WRITER,
	[SANDBOX_FORWARDER] = ROLE_FORWARDER,
	[SANDBOX_DASHBOARD] = ROLE_DASHBOARD,
};

static uint64_t now_ms(void)
{
	return uv_hrtime() / 1000000u;
}

const char *proc_name(const struct proc *p)
{
	return sandbox_profile_name(p->id);
}

void proc_kill(struct proc *p, int sig)
{
	if (p->pid > 0)
		kill(p->pid, sig);
}

static void explain_exit(const struct proc *p, int status, char *buf, size_t cap)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		snprintf(buf, cap, "killed by SIG%s%s", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?",
			 sig == SIGSYS ? " (seccomp violation: a system call outside its profile; "
					 "security event)"
				       : "");
		return;
	}
	int code = WEXITSTATUS(status);
	const char *why = code == CHILD_EXIT_OK		? "clean exit"
			  : code == CHILD_EXIT_CONFIG	? "configuration refused"
			  : code == CHILD_EXIT_SANDBOX	? "could not enter its sandbox"
			  : code == CHILD_EXIT_PROTOCOL ? "control protocol error"
			  : code == 127			? "could not be executed"
							: "error";
	snprintf(buf, cap, "exited with status %d (%s)", code, why);
	(void)p;
}

static void spawn_proc(struct proc *p);

static void on_restart_timer(uv_timer_t *t)
{
	struct proc *p = t->data;
	if (!p->sup->stopping)
		spawn_proc(p);
}

static void on_ready_timeout(uv_timer_t *t)
{
	struct proc *p = t->data;
	log_error("%s did not report READY within %d ms; killing it", proc_name(p),
		  SUP_READY_TIMEOUT_MS);
	proc_kill(p, SIGKILL);
}

static void on_proc_exit(struct proc *p, int status)
{
	struct sup *s = p->sup;
	char why[256];
	explain_exit(p, status, why, sizeof why);
	bool expected = s->stopping && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (expected)
		log_info("%s (pid %ld) %s", proc_name(p), (long)p->pid, why);
	else
		log_error("%s (pid %ld) %s", proc_name(p), (long)p->pid, why);

	uint64_t ready_for_ms = p->state == PROC_READY ? now_ms() - p->ready_at_ms : 0;
	p->pid = 0;
	p->state = PROC_DOWN;
	channel_close(p->control);
	p->control = NULL;
	uv_timer_stop(&p->ready_timer);
	links_forget(s, p->id);

	if (s->stopping) {
		sup_shutdown_progress(s);
		return;
	}
	if (!s->all_ready_once) {
		sup_begin_shutdown(s, EXIT_FAILURE, "a child failed during start-up");
		return;
	}
	uint64_t delay_ms = backoff_next(&p->backoff, ready_for_ms);
	log_info("restarting the %s in %llu ms", proc_name(p), (unsigned long long)delay_ms);
	uv_timer_start(&p->restart_timer, on_restart_timer, delay_ms, 0);
	p->restarts++;
}

static void on_sigchld(uv_signal_t *h, int signum)
{
	(void)signum;
	struct sup *s = h->data;
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < SANDBOX_PROFILE_COUNT; i++) {
			if (s->procs[i].pid == pid) {
				on_proc_exit(&s->procs[i], status);
				break;
			}
		}
	}
}

static bool all_ready(const struct sup *s)
{
	for (int i = 0; i < SANDBOX_PROFILE_COUNT; i++)
		if (s->procs[i].enabled && s->procs[i].state != PROC_READY)
			return false;
	return true;
}

static void on_control_msg(struct channel *ch, const struct frame *f, void *ctx)
{
	(void)ch;
	struct proc *p = ctx;
	if (f->fd >= 0)
		close(f->fd);
	if (f->h.type == MSG_RESOLVE) {
		if (msg_get_empty(f) == 0)
			sup_resolve_request(p->sup);
		return;
	}
	if (f->h.type == MSG_READY) {
		if (p->state != PROC_STARTING || msg_get_empty(f) != 0) {
			log_error("%s sent READY twice or malformed; killing it", proc_name(p));
			proc_kill(p, SIGKILL);
			return;
		}
		uv_timer_stop(&p->ready_timer);
		p->state = PROC_READY;
		p->ready_at_ms = now_ms();
		log_info("%s ready (pid %ld)", proc_name(p), (long)p->pid);
		if (p->id == SANDBOX_FORWARDER) {
			sup_credentials_handed_over(&p->sup->cred);
			sup_resolve_forwarder_ready(p->sup);
		}
		if (!p->sup->all_ready_once && all_ready(p->sup)) {
			p->sup->all_ready_once = true;
			log_info("otlpd ready: all processes are sandboxed and serving");
		}
		return;
	}
	/* MSG_STATS: kept only when every line is well formed. */
	struct stats_buf check;
	stats_reset(&check);
	if (stats_add_prefixed(&check, "x", (const char *)f->payload, f->h.len) != 0 ||
	    f->h.len >= sizeof p->stats.text) {
		log_warn("%s sent malformed stats; ignored", proc_name(p));
		return;
	}
	memcpy(p->stats.text, f->payload, f->h.len);
	p->stats.text[f->h.len] = '\0';
	p->stats.len = f->h.len;
}

static void on_control_closed(struct channel *ch, int err, void *ctx)
{
	(void)ch;
	struct proc *p = ctx;
	p->control = NULL;
	if (err) {
		/* A child that breaks the protocol is not trusted to go on. */
		log_error("%s broke the control protocol (%s); killing it", proc_name(p),
			  strerror(-err));
		proc_kill(p, SIGKILL);
	}
}

/* The descriptors of each child at their fixed numbers; see each main.c. */
static int collect_fds(struct proc *p, int control_fd, int *fds, unsigned *nfds)
{
	struct sup *s = p->sup;
	for (unsigned i = 0; i < SPAWN_MAX_FDS; i++)
		fds[i] = -1;
	fds[CHILD_FD_CONTROL] = control_fd;
	fds[CHILD_FD_JAIL] = jails_fd_for(&s->jails, p->id);
	int n = CHILD_FD_ROLE;
	switch (p->id) {
	case SANDBOX_RECEIVER:
		fds[n++] = s->listeners.http;
		fds[n++] = s->listeners.grpc;
		fds[n++] = links_end_for(s, SANDBOX_RECEIVER, SANDBOX_WRITER);
		fds[n++] = links_end_for(s, SANDBOX_RECEIVER, SANDBOX_FORWARDER);
		if (fds[n - 1] < 0 || fds[n - 2] < 0)
			return fds[n - 1] < 0 ? fds[n - 1] : fds[n - 2];
		break;
	case SANDBOX_WRITER:
	case SANDBOX_FORWARDER:
		fds[n++] = links_end_for(s, p->id, SANDBOX_RECEIVER);
		if (fds[n - 1] < 0)
			return fds[n - 1];
		break;
	case SANDBOX_DASHBOARD:
		fds[n++] = s->listeners.dashboard;
		break;
	default:
		return -EINVAL;
	}
	*nfds = (unsigned)n;
	return 0;
}

/* Closes what the supervisor made only for the child (its link ends). */
static void close_given_links(const struct proc *p, const int *fds)
{
	int first = CHILD_FD_ROLE;
	int from = p->id == SANDBOX_RECEIVER ? first + 2 : first;
	int to = p->id == SANDBOX_RECEIVER ? first + 4 : (p->id == SANDBOX_DASHBOARD ? first : first + 1);
	for (int i = from; i < to; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static int send_start_messages(struct proc *p)
{
	struct sup *s = p->sup;
	static char text[CONFIG_SERIALIZED_MAX];
	const struct config *cfg = s->cfg;
	/* A forwarder that cannot get its credentials runs with forwarding
	 * off: it still takes (and counts as dropped) what the receiver sends,
	 * and is supervised like any other child. */
	static struct config no_forwarding;
	if (p->id == SANDBOX_FORWARDER && sup_credentials_ready(&s->cred, s->cfg) != 0) {
		no_forwarding = *s->cfg;
		no_forwarding.forwarding.enabled = false;
		cfg = &no_forwarding;
	}
	size_t len = 0;
	int err = config_serialize(cfg, profile_role[p->id], text, sizeof text, &len);
	if (!err)
		err = channel_send(p->control, MSG_CONFIG, text, (uint32_t)len, -1);
	if (!err && p->id == SANDBOX_FORWARDER)
		err = sup_credentials_send(&s->cred, p->control);
	const struct identity *id = &s->ids.child[p->id];
	struct msg_sandbox m = {
		.uid = (uint32_t)id->uid,
		.gid = (uint32_t)id->gid,
		.jail_method = s->ids.method,
		.seccomp_mode = s->cfg->sandbox.seccomp,
	};
	if (!err)
		err = channel_send(p->control, MSG_SANDBOX, &m, sizeof m, -1);
	return err;
}

static void spawn_proc(struct proc *p)
{
	struct sup *s = p->sup;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		log_error("socketpair: %s", strerror(errno));
		sup_begin_shutdown(s, EXIT_FAILURE, "out of resources");
		return;
	}
	int fds[SPAWN_MAX_FDS];
	unsigned nfds = 0;
	int err = collect_fds(p, sv[1], fds, &nfds);
	char argv0[64];
	snprintf(argv0, sizeof argv0, "otlpd-%s", proc_name(p));
	if (!err)
		err = spawn_child(p->exe, argv0, fds, nfds, &p->pid);
	close(sv[1]);
	close_given_links(p, fds);
	struct channel_limits lim = {
		.max_payload = STATS_MAX_BYTES,
		.max_out_bytes = 2 * CONFIG_SERIALIZED_MAX,
		.allowed_types = MSG_BIT(MSG_READY) | MSG_BIT(MSG_STATS) |
				 (p->id == SANDBOX_FORWARDER ? MSG_BIT(MSG_RESOLVE) : 0),
	};
	if (!err)
		err = channel_open(s->loop, sv[0], &lim, on_control_msg, on_control_closed, p,
				   &p->control);
	else
		close(sv[0]);
	if (!err) {
		p->state = PROC_STARTING;
		err = send_start_messages(p);
	}
	if (err) {
		log_error("cannot start the %s: %s", proc_name(p), strerror(-err));
		if (p->pid > 0)
			proc_kill(p, SIGKILL);
		else
			sup_begin_shutdown(s, EXIT_FAILURE, "cannot start a child");
		return;
	}
	log_debug("started the %s (pid %ld)", proc_name(p), (long)p->pid);
	uv_timer_start(&p->ready_timer, on_ready_timeout, SUP_READY_TIMEOUT_MS, 0);
}

static void on_stop_signal(uv_signal_t *h, int signum)
{
	sup_begin_shutdown(h->data, EXIT_SUCCESS, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static int sup_init(struct sup *s, uv_loop_t *loop, const struct config *cfg)
{
	memset(s, 0, sizeof *s);
	s->loop = loop;
	s->cfg = cfg;
	s->jails.output_fd = s->jails.empty_fd = -1;
	s->listeners.http = s->listeners.grpc = s->listeners.dashboard = -1;
	links_init(s);

	int err = identities_resolve(cfg, &s->ids);
	for (int i = 0; !err && i < SANDBOX_PROFILE_COUNT; i++) {
		struct proc *p = &s->procs[i];
		p->sup = s;
		p->id = (enum sandbox_profile_id)i;
		p->enabled = i != SANDBOX_DASHBOARD || cfg->dashboard.listen.enabled;
		char name[64];
		snprintf(name, sizeof name, "otlpd-%s", proc_name(p));
		err = spawn_find_executable(name, p->exe, sizeof p->exe);
		if (err)
			log_error("cannot find %s next to otlpd nor in %s", name, OTLPD_LIBEXECDIR);
		uv_timer_init(loop, &p->restart_timer);
		uv_timer_init(loop, &p->ready_timer);
		p->restart_timer.data = p->ready_timer.data = p;
	}
	if (!err)
		err = jails_open(cfg, &s->ids, &s->jails);
	if (!err)
		err = listeners_open(cfg, &s->listeners);
	if (!err)
		err = sup_resolve_init(s);
	if (err)
		return err;

	uv_timer_init(loop, &s->phase_timer);
	uv_timer_init(loop, &s->stats_timer);
	s->phase_timer.data = s->stats_timer.data = s;
	uv_signal_init(loop, &s->sigterm);
	uv_signal_init(loop, &s->sigint);
	uv_signal_init(loop, &s->sigchld);
	s->sigterm.data = s->sigint.data = s->sigchld.data = s;
	uv_signal_start(&s->sigterm, on_stop_signal, SIGTERM);
	uv_signal_start(&s->sigint, on_stop_signal, SIGINT);
	uv_signal_start(&s->sigchld, on_sigchld, SIGCHLD);
	return 0;
}

int sup_run(const struct config *cfg, struct sup_credentials *cred)
{
	static struct sup s;
	uv_loop_t *loop = uv_default_loop();
	signal(SIGPIPE, SIG_IGN);
	int err = sup_init(&s, loop, cfg);
	s.cred = *cred;
	cred->fd = -1;
	if (err) {
		jails_close(&s.jails);
		listeners_close(&s.listeners);
		sup_credentials_close(&s.cred);
		return EXIT_FAILURE;
	}
	log_info("children are confined by %s; seccomp %s",
		 s.ids.method == JAIL_METHOD_CHROOT
			 ? "chroot and a dedicated unprivileged user per child"
			 : "Landlock (not running as root, so no chroot or user change)",
		 cfg->sandbox.seccomp == SECCOMP_MODE_LOG ? "in LOG mode (diagnosis only)" : "enforced");
	for (size_t i = 0; i < sizeof start_order / sizeof start_order[0]; i++)
		if (s.procs[start_order[i]].enabled)
			spawn_proc(&s.procs[start_order[i]]);
	sup_stats_start(&s);
	uv_run(loop, UV_RUN_DEFAULT);

	links_close(&s);
	jails_close(&s.jails);
	listeners_close(&s.listeners);
	sup_credentials_close(&s.cred);
	log_info("otlpd stopped");
	return s.exit_code;
}
