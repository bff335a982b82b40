#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "data_channel.h"
#include "log.h"
#include "messages.h"
#include "roles.h"

/* Descriptors from the supervisor; CHILD_FD_JAIL is the output directory. */
enum writer_fd {
	WRITER_FD_RECEIVER = CHILD_FD_ROLE, /* data queue from the receiver */
	WRITER_FD_END = CHILD_FD_ROLE + 1,
};

struct writer {
	struct data_channel from_receiver;
	uint64_t received_messages;
	uint64_t received_bytes;
};

static struct writer writer;

/* Until the Arrow encoder lands (#4) a message is counted and its credit
 * returned at once, so the queue never stalls. */
static void writer_on_data(struct channel *ch, const struct frame *f, void *ctx)
{
	(void)ctx;
	writer.received_messages++;
	writer.received_bytes += f->h.len;
	int err = channel_return_credit(ch, 1, f->h.len);
	if (err)
		log_error("returning credit: %s", strerror(-err));
}

static int writer_prepare(struct child *c)
{
	c->state = &writer;
	writer.from_receiver = (struct data_channel){
		.peer_name = "receiver",
		.side = DATA_CHANNEL_CONSUMER,
		.credit = {.msgs = (uint32_t)c->cfg.writer_queue.max_messages,
			   .bytes = (uint64_t)c->cfg.writer_queue.max_bytes},
		.on_msg = writer_on_data,
	};
	return 0;
}

/* The jail is the output directory, so paths here are relative to it. */
static int make_dir(const char *path)
{
	if (mkdirat(AT_FDCWD, path, 0750) == 0 || errno == EEXIST)
		return 0;
	int err = -errno;
	log_error("cannot create %s in the output directory: %s", path, strerror(-err));
	return err;
}

static int writer_start(struct child *c)
{
	static const char *const dirs[] = {"otlp", "otlp/traces", "otlp/metrics", "otlp/logs"};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		int err = make_dir(dirs[i]);
		if (err)
			return err;
	}
	return data_channel_attach(&writer.from_receiver, &c->loop, WRITER_FD_RECEIVER);
}

static void writer_on_control(struct child *c, const struct frame *f)
{
	struct msg_peer m;
	if (f->h.type != MSG_PEER_CHANNEL || msg_get_peer(f, &m) != 0 || f->fd < 0 ||
	    m.peer != PEER_RECEIVER) {
		if (f->fd >= 0)
			close(f->fd);
		child_fatal(c, CHILD_EXIT_PROTOCOL, "unexpected control message", 0);
	}
	int err = data_channel_attach(&writer.from_receiver, &c->loop, f->fd);
	if (err)
		log_error("cannot attach the new receiver channel: %s", strerror(-err));
}

static void writer_stop(struct child *c)
{
	data_channel_detach(&writer.from_receiver);
	child_stopped(c);
}

static int writer_stats(struct child *c, struct stats_buf *b)
{
	(void)c;
	int err = stats_add(b, "received_messages", writer.received_messages);
	if (!err)
		err = stats_add(b, "received_bytes", writer.received_bytes);
	return err;
}

static const struct child_role writer_role = {
	.name = "writer",
	.profile = SANDBOX_WRITER,
	.config_role = ROLE_WRITER,
	.role_fd_count = WRITER_FD_END - CHILD_FD_ROLE,
	.control_types = MSG_BIT(MSG_PEER_CHANNEL),
	.prepare = writer_prepare,
	.start = writer_start,
	.on_control = writer_on_control,
	.stop = writer_stop,
	.stats = writer_stats,
};

int main(int argc, char **argv)
{
	return child_main(&writer_role, argc, argv);
}
