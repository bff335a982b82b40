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

/* Descriptors from the supervisor; CHILD_FD_JAIL is an empty directory. */
enum forwarder_fd {
	FORWARDER_FD_RECEIVER = CHILD_FD_ROLE, /* data queue from the receiver */
	FORWARDER_FD_END = CHILD_FD_ROLE + 1,
};

struct forwarder {
	struct data_channel from_receiver;
	uint64_t received_messages;
	uint64_t received_bytes;
};

static struct forwarder forwarder;

/* Until forwarding lands (#5) a message is counted and its credit returned
 * at once, so the queue never stalls. */
static void forwarder_on_data(struct channel *ch, const struct frame *f, void *ctx)
{
	(void)ctx;
	forwarder.received_messages++;
	forwarder.received_bytes += f->h.len;
	int err = channel_return_credit(ch, 1, f->h.len);
	if (err)
		log_error("returning credit: %s", strerror(-err));
}

static int forwarder_prepare(struct child *c)
{
	c->state = &forwarder;
	forwarder.from_receiver = (struct data_channel){
		.peer_name = "receiver",
		.side = DATA_CHANNEL_CONSUMER,
		.credit = {.msgs = (uint32_t)c->cfg.forwarding.queue.max_messages,
			   .bytes = (uint64_t)c->cfg.forwarding.queue.max_bytes},
		.on_msg = forwarder_on_data,
	};
	return 0;
}

static int forwarder_start(struct child *c)
{
	return data_channel_attach(&forwarder.from_receiver, &c->loop, FORWARDER_FD_RECEIVER);
}

static void forwarder_on_control(struct child *c, const struct frame *f)
{
	struct msg_peer m;
	if (f->h.type != MSG_PEER_CHANNEL || msg_get_peer(f, &m) != 0 || f->fd < 0 ||
	    m.peer != PEER_RECEIVER) {
		if (f->fd >= 0)
			close(f->fd);
		child_fatal(c, CHILD_EXIT_PROTOCOL, "unexpected control message", 0);
	}
	int err = data_channel_attach(&forwarder.from_receiver, &c->loop, f->fd);
	if (err)
		log_error("cannot attach the new receiver channel: %s", strerror(-err));
}

static void forwarder_stop(struct child *c)
{
	data_channel_detach(&forwarder.from_receiver);
	child_stopped(c);
}

static int forwarder_stats(struct child *c, struct stats_buf *b)
{
	(void)c;
	int err = stats_add(b, "received_messages", forwarder.received_messages);
	if (!err)
		err = stats_add(b, "received_bytes", forwarder.received_bytes);
	return err;
}

static const struct child_role forwarder_role = {
	.name = "forwarder",
	.profile = SANDBOX_FORWARDER,
	.config_role = ROLE_FORWARDER,
	.role_fd_count = FORWARDER_FD_END - CHILD_FD_ROLE,
	.control_types = MSG_BIT(MSG_PEER_CHANNEL),
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
