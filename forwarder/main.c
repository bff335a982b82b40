#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "auth.h"
#include "child.h"
#include "credentials.h"
#include "data_channel.h"
#include "forward.h"
#include "log.h"
#include "messages.h"
#include "roles.h"
#include "scrub.h"
#include "tls.h"

/* Descriptors from the supervisor; CHILD_FD_JAIL is an empty directory. */
enum forwarder_fd {
	FORWARDER_FD_RECEIVER = CHILD_FD_ROLE, /* data queue from the receiver */
	FORWARDER_FD_END = CHILD_FD_ROLE + 1,
};

struct forwarder {
	struct child *child;
	struct data_channel from_receiver;
	struct fwd_core core;
	struct fwd_tls tls;
	struct secret *auth_header; /* the credential, as the header line it is sent in */
	int credentials_fd;         /* from MSG_CREDENTIALS until prepare reads it */
	enum credentials_source credentials_source;
};

static struct forwarder forwarder = { .credentials_fd = -1 };

/* A message is copied into the forwarder's own queue (or dropped there when
 * it is full) and its credit goes back at once: a slow or dead endpoint
 * never slows the receiver. */
static void forwarder_on_data(struct channel *ch, const struct frame *f, void *ctx)
{
	(void)ctx;
	if (f->fd >= 0)
		close(f->fd);
	fwd_core_take(&forwarder.core, f->h.type, f->payload, f->h.len);
	int err = channel_return_credit(ch, 1, f->h.len);
	if (err)
		log_error("returning credit: %s", strerror(-err));
}

static int ask_resolve(void *ctx)
{
	struct child *c = ctx;
	if (!c->control)
		return -ENOTCONN;
	return channel_send(c->control, MSG_RESOLVE, NULL, 0, -1);
}

/* The credentials become the header line; the parsed values and the
 * descriptor are gone when this returns. */
static int load_credentials(struct child *c)
{
	enum auth_type type = c->cfg.forwarding.authentication.auth_type;
	if (type == AUTH_NONE) {
		if (forwarder.credentials_fd >= 0)
			child_fatal(c, CHILD_EXIT_PROTOCOL, "credentials sent for auth_type none", 0);
		return 0;
	}
	if (forwarder.credentials_fd < 0) {
		log_error("forwarding.authentication.auth_type needs credentials, and the supervisor "
			  "sent none");
		return -EINVAL;
	}
	struct credentials cred;
	char why[256];
	int err = credentials_read_fd(forwarder.credentials_fd, forwarder.credentials_source, type,
				      &cred, why, sizeof why);
	close(forwarder.credentials_fd);
	forwarder.credentials_fd = -1;
	if (err) {
		log_error("credentials (%s): %s",
			  forwarder.credentials_source == CREDENTIALS_FILE  ? "credentials_file"
			  : forwarder.credentials_source == CREDENTIALS_ENV ? "credentials_env"
									    : "inline",
			  why);
		return err;
	}
	err = auth_header_build(type, c->cfg.forwarding.authentication.header_name, &cred,
				&forwarder.auth_header);
	credentials_free(&cred);
	scrub_after_secret();
	if (err)
		log_error("cannot build the authentication header: %s", strerror(-err));
	else
		log_info("credentials loaded for auth_type %s: %s",
			 type == AUTH_API_KEY ? "api_key" : type == AUTH_BASIC ? "basic" : "bearer_token",
			 secret_redacted(forwarder.auth_header));
	return err;
}

/* libuv opens a reserve descriptor (/dev/null) with the first stream
 * handle of a loop; that must happen before the sandbox forbids opening. */
static void on_primer_closed(uv_handle_t *h)
{
	free(h);
}

static int prime_loop(uv_loop_t *loop)
{
	uv_tcp_t *t = malloc(sizeof *t);
	if (!t)
		return -ENOMEM;
	int err = uv_tcp_init(loop, t);
	if (err) {
		free(t);
		return err;
	}
	uv_close((uv_handle_t *)t, on_primer_closed);
	return 0;
}

static int forwarder_prepare(struct child *c)
{
	/* Before any credential is read: no ptrace, no core file. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return -errno;
	c->state = &forwarder;
	forwarder.child = c;
	forwarder.from_receiver = (struct data_channel){
		.peer_name = "receiver",
		.side = DATA_CHANNEL_CONSUMER,
		.credit = {.msgs = (uint32_t)c->cfg.forwarding.queue.max_messages,
			   .bytes = (uint64_t)c->cfg.forwarding.queue.max_bytes},
		.on_msg = forwarder_on_data,
	};
	const struct config *cfg = &c->cfg;
	char why[512] = "";
	int err = 0;
	if (cfg->forwarding.enabled) {
		err = load_credentials(c);
		bool https = strncasecmp(cfg->forwarding.endpoint_url, "https:", 6) == 0;
		if (!err && https) {
			err = fwd_tls_init(&forwarder.tls, cfg, why, sizeof why);
			if (err)
				log_error("TLS: %s", why);
			else if (cfg->forwarding.tls.insecure_skip_verify)
				log_warn("forwarding.tls.insecure_skip_verify is on: the endpoint's "
					 "certificate is NOT verified; anyone on the path can read "
					 "the data and the credentials");
		}
	} else if (forwarder.credentials_fd >= 0) {
		child_fatal(c, CHILD_EXIT_PROTOCOL, "credentials sent while forwarding is off", 0);
	}
	if (!err)
		err = prime_loop(&c->loop);
	struct fwd_core_params p = {
		.loop = &c->loop,
		.cfg = cfg,
		.tls = &forwarder.tls,
		.auth = forwarder.auth_header,
		.ask_resolve = ask_resolve,
		.ask_ctx = c,
	};
	if (!err) {
		err = fwd_core_init(&forwarder.core, &p, why, sizeof why);
		if (err)
			log_error("forwarding: %s", why);
	}
	if (!err && cfg->forwarding.enabled)
		log_info("forwarding to %s://%s%s (%s, timeout %lld s, %lld connection(s))",
			 forwarder.core.url.tls ? "https" : "http", forwarder.core.authority,
			 forwarder.core.url.base_path,
			 cfg->forwarding.compression == COMPRESSION_GZIP ? "gzip" : "uncompressed",
			 (long long)cfg->forwarding.timeout_secs,
			 (long long)cfg->forwarding.max_connections);
	return err;
}

static int forwarder_start(struct child *c)
{
	return data_channel_attach(&forwarder.from_receiver, &c->loop, FORWARDER_FD_RECEIVER);
}

static void take_credentials(struct child *c, const struct frame *f)
{
	struct msg_credentials m;
	if (c->ready || forwarder.credentials_fd >= 0 || msg_get_credentials(f, &m) != 0) {
		if (f->fd >= 0)
			close(f->fd);
		child_fatal(c, CHILD_EXIT_PROTOCOL, "credentials sent twice, late or malformed", 0);
	}
	forwarder.credentials_fd = f->fd;
	forwarder.credentials_source = (enum credentials_source)m.source;
}

static void forwarder_on_control(struct child *c, const struct frame *f)
{
	switch (f->h.type) {
	case MSG_CREDENTIALS:
		take_credentials(c, f);
		return;
	case MSG_ENDPOINT_ADDRS: {
		struct msg_endpoint_addrs m;
		if (msg_get_endpoint_addrs(f, &m) != 0)
			child_fatal(c, CHILD_EXIT_PROTOCOL, "malformed endpoint addresses", 0);
		fwd_core_set_addrs(&forwarder.core, &m);
		return;
	}
	case MSG_PEER_CHANNEL: {
		struct msg_peer m;
		if (msg_get_peer(f, &m) != 0 || m.peer != PEER_RECEIVER) {
			if (f->fd >= 0)
				close(f->fd);
			child_fatal(c, CHILD_EXIT_PROTOCOL, "unexpected peer channel", 0);
		}
		int err = data_channel_attach(&forwarder.from_receiver, &c->loop, f->fd);
		if (err)
			log_error("cannot attach the new receiver channel: %s", strerror(-err));
		return;
	}
	default:
		if (f->fd >= 0)
			close(f->fd);
		child_fatal(c, CHILD_EXIT_PROTOCOL, "unexpected control message", 0);
	}
}

static void on_core_stopped(void *ctx)
{
	struct child *c = ctx;
	secret_free(forwarder.auth_header);
	forwarder.auth_header = NULL;
	fwd_tls_free(&forwarder.tls);
	child_stopped(c);
}

static void forwarder_stop(struct child *c)
{
	data_channel_detach(&forwarder.from_receiver);
	fwd_core_stop(&forwarder.core, on_core_stopped, c);
}

static int forwarder_stats(struct child *c, struct stats_buf *b)
{
	(void)c;
	return fwd_core_stats(&forwarder.core, b);
}

static const struct child_role forwarder_role = {
	.name = "forwarder",
	.profile = SANDBOX_FORWARDER,
	.config_role = ROLE_FORWARDER,
	.role_fd_count = FORWARDER_FD_END - CHILD_FD_ROLE,
	.control_types = MSG_BIT(MSG_PEER_CHANNEL) | MSG_BIT(MSG_CREDENTIALS) |
			 MSG_BIT(MSG_ENDPOINT_ADDRS),
	.setup_types = MSG_BIT(MSG_CREDENTIALS),
	.prepare = forwarder_prepare,
	.start = forwarder_start,
	.on_control = forwarder_on_control,
	.stop = forwarder_stop,
	.stats = forwarder_stats,
};

int main(int argc, char **argv)
{
	return child_main(&forwarder_role, argc, argv);
}
