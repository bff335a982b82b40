#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "data_channel.h"
#include "log.h"
#include "messages.h"
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
	struct data_channel to_writer;
	struct data_channel to_forwarder;
};

static struct receiver receiver;

static int receiver_prepare(struct child *c)
{
	c->state = &receiver;
	receiver.to_writer = (struct data_channel){
		.peer_name = "writer",
		.side = DATA_CHANNEL_PRODUCER,
		.credit = {.msgs = (uint32_t)c->cfg.writer_queue.max_messages,
			   .bytes = (uint64_t)c->cfg.writer_queue.max_bytes},
		.max_payload = (uint32_t)c->cfg.receiver.max_request_bytes,
	};
	receiver.to_forwarder = (struct data_channel){
		.peer_name = "forwarder",
		.side = DATA_CHANNEL_PRODUCER,
		.credit = {.msgs = (uint32_t)c->cfg.forwarding.queue.max_messages,
			   .bytes = (uint64_t)c->cfg.forwarding.queue.max_bytes},
		.max_payload = (uint32_t)c->cfg.receiver.max_request_bytes,
	};
	return 0;
}

/* The listening sockets are held from here on; serving OTLP/HTTP comes
 * with #3 and OTLP/gRPC with #7. */
static int receiver_start(struct child *c)
{
	int err = data_channel_attach(&receiver.to_writer, &c->loop, RECEIVER_FD_WRITER);
	if (!err)
		err = data_channel_attach(&receiver.to_forwarder, &c->loop, RECEIVER_FD_FORWARDER);
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

static void receiver_stop(struct child *c)
{
	data_channel_free(&receiver.to_writer);
	data_channel_free(&receiver.to_forwarder);
	child_stopped(c);
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
