#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "messages.h"
#include "roles.h"

#define CHILD_STARTUP_TIMEOUT_MS 10000
#define CHILD_STATS_INTERVAL_MS 1000
#define CHILD_CONTROL_MAX_PAYLOAD CONFIG_SERIALIZED_MAX
#define CHILD_CONTROL_OUT_BYTES (256u * 1024u)

static char process_name[64];

static uint64_t now_ms(struct child *c)
{
	return uv_hrtime() / 1000000u - c->start_ms;
}

_Noreturn void child_fatal(struct child *c, enum child_exit code, const char *what, int err)
{
	(void)c;
	if (err)
		log_error("%s: %s", what, strerror(-err));
	else
		log_error("%s", what);
	_exit(code);
}

static void send_stats(struct child *c)
{
	struct stats_buf b;
	stats_reset(&b);
	struct rusage ru;
	int err = getrusage(RUSAGE_SELF, &ru) == 0 ? 0 : -errno;
	if (!err)
		err = stats_add(&b, "max_rss_kb", (uint64_t)ru.ru_maxrss);
	if (!err)
		err = stats_add(&b, "uptime_ms", now_ms(c));
	if (!err && c->role->stats)
		err = c->role->stats(c, &b);
	if (err) {
		log_warn("stats: %s", strerror(-err));
		return;
	}
	err = channel_send(c->control, MSG_STATS, b.text, (uint32_t)b.len, -1);
	if (err)
		log_warn("stats not sent: %s", strerror(-err));
}

static void on_stats_timer(uv_timer_t *t)
{
	send_stats(t->data);
}

static void begin_stop(struct child *c, const char *why)
{
	if (c->stopping)
		return;
	c->stopping = true;
	log_info("stopping (%s)", why);
	uv_timer_stop(&c->stats_timer);
	if (c->ready && c->role->stop)
		c->role->stop(c);
	else
		child_stopped(c);
}

static void close_walk_cb(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

void child_stopped(struct child *c)
{
	channel_close(c->control);
	c->control = NULL;
	uv_walk(&c->loop, close_walk_cb, NULL);
}

static void on_signal(uv_signal_t *s, int signum)
{
	begin_stop(s->data, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void on_startup_timeout(uv_timer_t *t)
{
	child_fatal(t->data, CHILD_EXIT_PROTOCOL, "no configuration from the supervisor in time", 0);
}

static void enter_sandbox(struct child *c, const struct frame *f)
{
	struct msg_sandbox m;
	if (msg_get_sandbox(f, &m) != 0 || !c->have_config)
		child_fatal(c, CHILD_EXIT_PROTOCOL, "malformed or early sandbox message", 0);

	int err = c->role->prepare ? c->role->prepare(c) : 0;
	if (err)
		child_fatal(c, CHILD_EXIT_ERROR, "prepare", err);

	struct sandbox_params p = {
		.jail_fd = CHILD_FD_JAIL,
		.method = (enum jail_method)m.jail_method,
		.uid = (uid_t)m.uid,
		.gid = (gid_t)m.gid,
		.seccomp = (enum sandbox_seccomp_mode)m.seccomp_mode,
	};
	char why[256] = "";
	err = sandbox_enter(c->role->profile, &p, why, sizeof why);
	if (err) {
		log_error("cannot enter the sandbox: %s", why);
		_exit(CHILD_EXIT_SANDBOX);
	}
	log_info("sandbox entered: %s, uid %ld, seccomp %s",
		 p.method == JAIL_METHOD_CHROOT ? "chroot" : "landlock", (long)getuid(),
		 p.seccomp == SECCOMP_MODE_LOG ? "log (diagnosis only)" : "enforce");

	err = c->role->start ? c->role->start(c) : 0;
	if (err)
		child_fatal(c, CHILD_EXIT_ERROR, "start", err);

	uv_timer_stop(&c->startup_timer);
	err = channel_send(c->control, MSG_READY, NULL, 0, -1);
	if (err)
		child_fatal(c, CHILD_EXIT_PROTOCOL, "cannot send READY", err);
	c->ready = true;
	send_stats(c);
	uv_timer_start(&c->stats_timer, on_stats_timer, CHILD_STATS_INTERVAL_MS,
		       CHILD_STATS_INTERVAL_MS);
}

static void on_control_msg(struct channel *ch, const struct frame *f, void *ctx)
{
	(void)ch;
	struct child *c = ctx;
	switch (f->h.type) {
	case MSG_CONFIG: {
		/* Once only: a second configuration is a broken supervisor. */
		if (c->have_config)
			child_fatal(c, CHILD_EXIT_PROTOCOL, "configuration sent twice", 0);
		struct config_error cerr;
		config_defaults(&c->cfg);
		int err = config_parse_serialized(&c->cfg, c->role->config_role,
						  (const char *)f->payload, f->h.len, &cerr);
		if (err) {
			log_error("configuration: %s", cerr.msg);
			_exit(CHILD_EXIT_CONFIG);
		}
		log_set_level(c->cfg.log_level);
		c->have_config = true;
		break;
	}
	case MSG_SANDBOX:
		if (c->ready)
			child_fatal(c, CHILD_EXIT_PROTOCOL, "sandbox message sent twice", 0);
		enter_sandbox(c, f);
		break;
	case MSG_SHUTDOWN:
		if (msg_get_empty(f) != 0)
			child_fatal(c, CHILD_EXIT_PROTOCOL, "malformed shutdown message", 0);
		begin_stop(c, "supervisor asked");
		break;
	default:
		if (!c->ready && !(c->role->setup_types & MSG_BIT(f->h.type))) {
			if (f->fd >= 0)
				close(f->fd);
			child_fatal(c, CHILD_EXIT_PROTOCOL, "control message before READY", 0);
		}
		c->role->on_control(c, f);
		break;
	}
}

static void on_control_closed(struct channel *ch, int err, void *ctx)
{
	(void)ch;
	struct child *c = ctx;
	c->control = NULL;
	if (err)
		log_error("control channel broken: %s", strerror(-err));
	/* Without a supervisor there is nobody to report to: finish and go. */
	begin_stop(c, "supervisor gone");
}

int child_main(const struct child_role *role, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	snprintf(process_name, sizeof process_name, "otlpd-%s", role->name);
	log_init(process_name, LOG_LEVEL_INFO);

	/* Whatever was inherited beyond the documented descriptors goes. */
	if (close_range(CHILD_FD_ROLE + role->role_fd_count, ~0u, 0) != 0)
		child_fatal(NULL, CHILD_EXIT_ERROR, "close_range", -errno);
	if (fcntl(CHILD_FD_CONTROL, F_GETFD) < 0 || fcntl(CHILD_FD_JAIL, F_GETFD) < 0)
		child_fatal(NULL, CHILD_EXIT_ERROR, "started without its descriptors (run otlpd instead)", 0);
	signal(SIGPIPE, SIG_IGN);

	static struct child c;
	c.role = role;
	c.start_ms = uv_hrtime() / 1000000u;
	int err = uv_loop_init(&c.loop);
	if (err)
		child_fatal(&c, CHILD_EXIT_ERROR, "uv_loop_init", err);

	struct channel_limits lim = {
		.max_payload = CHILD_CONTROL_MAX_PAYLOAD,
		.max_out_bytes = CHILD_CONTROL_OUT_BYTES,
		.allowed_types = MSG_BIT(MSG_CONFIG) | MSG_BIT(MSG_SANDBOX) | MSG_BIT(MSG_SHUTDOWN) |
				 role->control_types,
	};
	err = channel_open(&c.loop, CHILD_FD_CONTROL, &lim, on_control_msg, on_control_closed, &c,
			   &c.control);
	if (err)
		child_fatal(&c, CHILD_EXIT_ERROR, "control channel", err);

	uv_timer_init(&c.loop, &c.startup_timer);
	uv_timer_init(&c.loop, &c.stats_timer);
	c.startup_timer.data = c.stats_timer.data = &c;
	uv_timer_start(&c.startup_timer, on_startup_timeout, CHILD_STARTUP_TIMEOUT_MS, 0);
	uv_signal_init(&c.loop, &c.sigterm);
	uv_signal_init(&c.loop, &c.sigint);
	c.sigterm.data = c.sigint.data = &c;
	uv_signal_start(&c.sigterm, on_signal, SIGTERM);
	uv_signal_start(&c.sigint, on_signal, SIGINT);

	uv_run(&c.loop, UV_RUN_DEFAULT);
	log_info("stopped");
	return CHILD_EXIT_OK;
}

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer stops the world with ptrace at exit, which no child's
 * seccomp profile allows; the unit tests check leaks of the same code. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif
