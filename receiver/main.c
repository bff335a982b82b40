#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "data_channel.h"
#include "grpc_server.h"
#include "http_server.h"
#include "log.h"
#include "messages.h"
#include "otlp_grpc.h"
#include "otlp_http.h"
#include "roles.h"

/* Descriptors from the supervisor (practice 8: the topology of this binary). */
enum receiver_fd {
	RECEIVER_FD_HTTP = CHILD_FD_ROLE,  /* listening, or closed when disabled */
	RECEIVER_FD_GRPC = CHILD_FD_ROLE + 1,
	RECEIVER_FD_WRITER = CHILD_FD_ROLE + 2,    /* data queue to the writer */
	RECEIVER_FD_FORWARDER = CHILD_FD_ROLE + 3, /* data queue to the forwarder */
	RECEIVER_FD_END = CHILD_FD_ROLE + 4,
};

struct receiver {
	struct child *child;
	struct data_channel to_writer;
	struct data_channel to_forwarder;
	bool http_on;
	struct http_server http;
	struct otlp_http otlp;
	bool grpc_on;
	struct grpc_server grpc;
	struct otlp_grpc otlp_grpc;
	unsigned servers_stopping;
};

static struct receiver receiver;

static struct data_channel *channel_to(enum otlp_dest dest)
{
	return dest == OTLP_DEST_WRITER ? &receiver.to_writer : &receiver.to_forwarder;
}

static int sink_send(void *ctx, enum otlp_dest dest, enum otlp_signal signal, const uint8_t *buf,
		     size_t len, void *token)
{
	(void)ctx;
	if (len > UINT32_MAX)
		return -EMSGSIZE;
	return data_channel_send(channel_to(dest), otlp_signal_msg_type(signal), buf, (uint32_t)len,
				 token);
}

static int sink_check(void *ctx, enum otlp_dest dest, uint64_t len)
{
	(void)ctx;
	struct data_channel *d = channel_to(dest);
	if (len > d->credit.bytes || len > d->max_payload)
		return -EMSGSIZE; /* never fits, however long the client waits */
	if (!data_channel_up(d))
		return -ENOTCONN;
	return channel_has_credit(d->ch, (uint32_t)len) ? 0 : -EAGAIN;
}

static void on_writer_ack(void *token, int status, void *ctx)
{
	(void)ctx;
	otlp_pending_acked(token, status); /* a token knows its transport */
}

static int start_http(struct child *c)
{
	const struct config *cfg = &c->cfg;
	struct otlp_http_config ocfg = {
		.max_request_bytes = (uint64_t)cfg->receiver.max_request_bytes,
		.codec = {.items = {.max_depth = (uint32_t)cfg->receiver.max_anyvalue_depth,
				    .max_attributes = (uint32_t)cfg->receiver.max_attributes},
			  .max_json_depth = (uint32_t)cfg->receiver.max_json_depth},
		.forwarding = cfg->forwarding.enabled,
	};
	struct otlp_sink sink = {.send = sink_send, .check = sink_check};
	otlp_http_init(&receiver.otlp, &ocfg, &sink);
	struct http_server_config scfg = {
		.max_connections = (uint32_t)cfg->receiver.max_connections,
		.header_timeout_ms = (uint64_t)cfg->receiver.header_timeout_ms,
		.idle_timeout_ms = (uint64_t)cfg->receiver.idle_timeout_ms,
		.body_timeout_ms = (uint64_t)cfg->receiver.body_timeout_ms,
		.busy_timeout_ms = (uint64_t)cfg->receiver.ack_timeout_ms,
		.limits = {.max_header_bytes = (uint32_t)cfg->receiver.max_header_bytes,
			   .max_headers = (uint32_t)cfg->receiver.max_headers,
			   .max_body_bytes = (uint64_t)cfg->receiver.max_request_bytes},
	};
	int err = http_server_init(&receiver.http, &c->loop, RECEIVER_FD_HTTP, &scfg,
				   (uint64_t)cfg->receiver.max_buffered_bytes, &otlp_http_handler,
				   &receiver.otlp);
	if (err)
		log_error("OTLP/HTTP listener: %s", uv_strerror(err));
	receiver.http_on = err == 0;
	return err;
}

static int start_grpc(struct child *c)
{
	const struct config *cfg = &c->cfg;
	struct otlp_grpc_config ocfg = {
		.max_request_bytes = (uint64_t)cfg->receiver.max_request_bytes,
		.codec = {.items = {.max_depth = (uint32_t)cfg->receiver.max_anyvalue_depth,
				    .max_attributes = (uint32_t)cfg->receiver.max_attributes},
			  .max_json_depth = (uint32_t)cfg->receiver.max_json_depth},
		.forwarding = cfg->forwarding.enabled,
		.ack_timeout_ms = (uint64_t)cfg->receiver.ack_timeout_ms,
	};
	struct otlp_sink sink = {.send = sink_send, .check = sink_check};
	otlp_grpc_init(&receiver.otlp_grpc, &ocfg, &sink);
	/* Message bytes count in the same budget as HTTP bodies. */
	struct grpc_server_config scfg = {
		.max_connections = (uint32_t)cfg->receiver.max_connections,
		.write_timeout_ms = (uint64_t)cfg->receiver.body_timeout_ms,
		.limits = {.max_concurrent_streams =
				   (uint32_t)cfg->receiver.grpc_max_concurrent_streams,
			   .max_header_bytes = (uint32_t)cfg->receiver.max_header_bytes,
			   .max_headers = (uint32_t)cfg->receiver.max_headers,
			   .max_message_bytes = (uint64_t)cfg->receiver.max_request_bytes,
			   .header_timeout_ms = (uint64_t)cfg->receiver.header_timeout_ms,
			   .idle_timeout_ms = (uint64_t)cfg->receiver.idle_timeout_ms,
			   .body_timeout_ms = (uint64_t)cfg->receiver.body_timeout_ms,
			   .budget = receiver.http_on ? &receiver.http.budget : NULL},
	};
	uint32_t http_fds =
		receiver.http_on ? receiver.http.cfg.max_connections + HTTP_OVERFLOW_MAX : 0;
	int err = grpc_server_init(&receiver.grpc, &c->loop, RECEIVER_FD_GRPC, &scfg,
				   (uint64_t)cfg->receiver.max_buffered_bytes, http_fds,
				   &otlp_grpc_handler, &receiver.otlp_grpc);
	if (err)
		log_error("OTLP/gRPC listener: %s", uv_strerror(err));
	receiver.grpc_on = err == 0;
	return err;
}

static int receiver_prepare(struct child *c)
{
	c->state = &receiver;
	receiver.child = c;
	receiver.to_writer = (struct data_channel){
		.peer_name = "writer",
		.side = DATA_CHANNEL_PRODUCER,
		.credit = {.msgs = (uint32_t)c->cfg.writer_queue.max_messages,
			   .bytes = (uint64_t)c->cfg.writer_queue.max_bytes},
		.max_payload = (uint32_t)c->cfg.receiver.max_request_bytes,
		.on_ack = on_writer_ack,
	};
	receiver.to_forwarder = (struct data_channel){
		.peer_name = "forwarder",
		.side = DATA_CHANNEL_PRODUCER,
		.credit = {.msgs = (uint32_t)c->cfg.forwarding.queue.max_messages,
			   .bytes = (uint64_t)c->cfg.forwarding.queue.max_bytes},
		.max_payload = (uint32_t)c->cfg.receiver.max_request_bytes,
	};
	/* The first stream handle of the loop opens /dev/null (libuv's spare
	 * descriptor for EMFILE): it has to happen before the sandbox. */
	int err = c->cfg.receiver.http.enabled ? start_http(c) : 0;
	if (!err && c->cfg.receiver.grpc.enabled)
		err = start_grpc(c);
	return err;
}

static int receiver_start(struct child *c)
{
	int err = data_channel_attach(&receiver.to_writer, &c->loop, RECEIVER_FD_WRITER);
	if (!err)
		err = data_channel_attach(&receiver.to_forwarder, &c->loop, RECEIVER_FD_FORWARDER);
	if (!err && receiver.http_on) {
		err = http_server_start(&receiver.http);
		if (err)
			log_error("OTLP/HTTP listen: %s", uv_strerror(err));
	}
	if (!err && receiver.grpc_on) {
		err = grpc_server_start(&receiver.grpc);
		if (err)
			log_error("OTLP/gRPC listen: %s", uv_strerror(err));
	}
	return err;
}

static void receiver_on_control(struct child *c, const struct frame *f)
{
	struct msg_peer m;
	if (f->h.type != MSG_PEER_CHANNEL || msg_get_peer(f, &m) != 0 || f->fd < 0 ||
	    (m.peer != PEER_WRITER && m.peer != PEER_FORWARDER)) {
		if (f->fd >= 0)
			close(f->fd);
		child_fatal(c, CHILD_EXIT_PROTOCOL, "unexpected control message", 0);
	}
	struct data_channel *d = m.peer == PEER_WRITER ? &receiver.to_writer : &receiver.to_forwarder;
	int err = data_channel_attach(d, &c->loop, f->fd);
	if (err)
		log_error("cannot attach the new %s channel: %s", d->peer_name, strerror(-err));
}

static void stopped(void)
{
	data_channel_free(&receiver.to_writer);
	data_channel_free(&receiver.to_forwarder);
	child_stopped(receiver.child);
}

static void server_stopped(void)
{
	if (--receiver.servers_stopping == 0)
		stopped();
}

static void on_http_stopped(struct http_server *srv)
{
	(void)srv;
	server_stopped();
}

static void on_grpc_stopped(struct grpc_server *srv)
{
	(void)srv;
	server_stopped();
}

/* Requests in hand are answered first (the writer stops after us). */
static void receiver_stop(struct child *c)
{
	(void)c;
	receiver.servers_stopping = (unsigned)receiver.http_on + (unsigned)receiver.grpc_on;
	if (receiver.servers_stopping == 0)
		stopped();
	if (receiver.http_on)
		http_server_stop(&receiver.http, on_http_stopped);
	if (receiver.grpc_on)
		grpc_server_stop(&receiver.grpc, on_grpc_stopped);
}

static int http_stats(struct stats_buf *b)
{
	const struct http_server_stats *st = &receiver.http.stats;
	const struct {
		const char *name;
		uint64_t value;
	} v[] = {
		{"http_connections_open", http_server_open_connections(&receiver.http)},
		{"http_connections_accepted", st->accepted},
		{"http_connections_refused", st->refused},
		{"http_connections_dropped", st->dropped},
		{"http_connections_evicted_idle", st->evicted_idle},
		{"http_timeouts_idle", st->idle_timeouts},
		{"http_timeouts_header", st->header_timeouts},
		{"http_timeouts_body", st->body_timeouts},
		{"http_timeouts_ack", st->busy_timeouts},
		{"http_timeouts_write", st->write_timeouts},
		{"http_read_errors", st->read_errors},
		{"http_buffered_bytes", receiver.http.budget.used},
	};
	int err = 0;
	for (size_t i = 0; i < sizeof v / sizeof v[0] && !err; i++)
		err = stats_add(b, v[i].name, v[i].value);
	if (!err)
		err = otlp_http_add_stats(&receiver.otlp, b);
	return err;
}

static int grpc_stats(struct stats_buf *b)
{
	const struct grpc_server_stats *st = &receiver.grpc.stats;
	const struct grpc_session_stats *ss = &receiver.grpc.session_stats;
	const struct {
		const char *name;
		uint64_t value;
	} v[] = {
		{"grpc_connections_open", grpc_server_open_connections(&receiver.grpc)},
		{"grpc_connections_accepted", st->accepted},
		{"grpc_connections_refused", st->refused},
		{"grpc_connections_dropped", st->dropped},
		{"grpc_connections_evicted_idle", st->evicted_idle},
		{"grpc_calls", ss->calls},
		{"grpc_goaway_flood", ss->floods},
		{"grpc_goaway_protocol_error", ss->protocol_errors},
		{"grpc_goaway_memory", ss->memory_exceeded},
		{"grpc_resets_received", ss->resets_received},
		{"grpc_timeouts_idle", ss->idle_timeouts},
		{"grpc_timeouts_body", ss->body_timeouts},
		{"grpc_timeouts_deadline", ss->deadlines},
		{"grpc_timeouts_write", st->write_timeouts},
		{"grpc_write_pauses", st->write_pauses},
		{"grpc_read_errors", st->read_errors},
		{"grpc_buffered_bytes", receiver.grpc.cfg.limits.budget->used},
	};
	int err = 0;
	for (size_t i = 0; i < sizeof v / sizeof v[0] && !err; i++)
		err = stats_add(b, v[i].name, v[i].value);
	if (!err)
		err = otlp_grpc_add_stats(&receiver.otlp_grpc, b);
	return err;
}

static int receiver_stats(struct child *c, struct stats_buf *b)
{
	(void)c;
	struct channel_credit w = {0}, f = {0};
	if (receiver.to_writer.ch)
		w = channel_credit_available(receiver.to_writer.ch);
	if (receiver.to_forwarder.ch)
		f = channel_credit_available(receiver.to_forwarder.ch);
	int err = stats_add(b, "writer_queue_credit_msgs", w.msgs);
	if (!err)
		err = stats_add(b, "writer_queue_credit_bytes", w.bytes);
	if (!err)
		err = stats_add(b, "forwarder_queue_credit_msgs", f.msgs);
	if (!err)
		err = stats_add(b, "forwarder_queue_credit_bytes", f.bytes);
	if (!err && receiver.http_on)
		err = http_stats(b);
	if (!err && receiver.grpc_on)
		err = grpc_stats(b);
	return err;
}

static const struct child_role receiver_role = {
	.name = "receiver",
	.profile = SANDBOX_RECEIVER,
	.config_role = ROLE_RECEIVER,
	.role_fd_count = RECEIVER_FD_END - CHILD_FD_ROLE,
	.control_types = MSG_BIT(MSG_PEER_CHANNEL),
	.prepare = receiver_prepare,
	.start = receiver_start,
	.on_control = receiver_on_control,
	.stop = receiver_stop,
	.stats = receiver_stats,
};

int main(int argc, char **argv)
{
	return child_main(&receiver_role, argc, argv);
}
