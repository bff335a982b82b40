#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "messages.h"
#include "supervisor.h"

void links_init(struct sup *s)
{
	s->links[0] = (struct link){{SANDBOX_RECEIVER, SANDBOX_WRITER}, {-1, -1}};
	s->links[1] = (struct link){{SANDBOX_RECEIVER, SANDBOX_FORWARDER}, {-1, -1}};
}

/* A data link carries requests of up to queues.*.max_bytes. With the
 * default socket buffer (~200 KB) a 500 KB request goes over in several
 * turns of both loops, and the writer waits for the rest of it between
 * requests (12% of its time at 1000-span requests). 4 MiB lets the
 * receiver put a whole request or more on the link; the channel's credit
 * still bounds what is queued. SO_SNDBUF alone is capped at
 * net.core.wmem_max (~200 KB on a stock system): as root the supervisor
 * sets it past that cap, otherwise it gets what the cap allows. */
#define LINK_SOCKET_BUFFER (4 * 1024 * 1024)

static void widen_buffers(const int sv[2])
{
	int size = LINK_SOCKET_BUFFER;
	for (int i = 0; i < 2; i++) {
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0 &&
		    setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof size) != 0)
			log_debug("data link send buffer: %s (the default stays)", strerror(errno));
	}
}

static enum peer_id peer_id_of(enum sandbox_profile_id p)
{
	switch (p) {
	case SANDBOX_RECEIVER:
		return PEER_RECEIVER;
	case SANDBOX_WRITER:
		return PEER_WRITER;
	default:
		return PEER_FORWARDER;
	}
}

static struct link *find_link(struct sup *s, enum sandbox_profile_id a, enum sandbox_profile_id b,
			      int *a_index)
{
	for (int i = 0; i < SUP_LINK_COUNT; i++) {
		struct link *l = &s->links[i];
		if (l->side[0] == a && l->side[1] == b) {
			*a_index = 0;
			return l;
		}
		if (l->side[1] == a && l->side[0] == b) {
			*a_index = 1;
			return l;
		}
	}
	return NULL;
}

int links_end_for(struct sup *s, enum sandbox_profile_id proc, enum sandbox_profile_id peer)
{
	int me;
	struct link *l = find_link(s, proc, peer, &me);
	if (l == NULL)
		return -EINVAL;
	if (l->pending[me] >= 0) {
		int fd = l->pending[me];
		l->pending[me] = -1;
		return fd;
	}

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	widen_buffers(sv);

	struct proc *other = &s->procs[peer];
	if (other->control != NULL && other->state != PROC_STOPPING) {
		struct msg_peer m = {.peer = peer_id_of(proc)};
		int err = channel_send(other->control, MSG_PEER_CHANNEL, &m, sizeof m, sv[1]);
		close(sv[1]);
		if (err) {
			log_error("cannot hand the %s a new channel: %s", proc_name(other),
				  strerror(-err));
			close(sv[0]);
			return err;
		}
	} else {
		if (l->pending[1 - me] >= 0)
			close(l->pending[1 - me]);
		l->pending[1 - me] = sv[1];
	}
	return sv[0];
}

void links_forget(struct sup *s, enum sandbox_profile_id proc)
{
	for (int i = 0; i < SUP_LINK_COUNT; i++) {
		struct link *l = &s->links[i];
		for (int side = 0; side < 2; side++) {
			if (l->side[side] != proc)
				continue;
			int other = 1 - side;
			if (l->pending[other] >= 0) {
				close(l->pending[other]);
				l->pending[other] = -1;
			}
		}
	}
}

void links_close(struct sup *s)
{
	for (int i = 0; i < SUP_LINK_COUNT; i++)
		for (int side = 0; side < 2; side++)
			if (s->links[i].pending[side] >= 0) {
				close(s->links[i].pending[side]);
				s->links[i].pending[side] = -1;
			}
}
