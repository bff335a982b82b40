#include "channel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "messages.h"

/* Bytes read per readable event before yielding to the loop, so that one
 * busy peer cannot starve the others (the poll is level-triggered and comes
 * back on the next iteration). */
#define CHANNEL_READ_BUDGET (1024u * 1024u)

/* The unsent rest of one message. */
struct out_chunk {
	struct out_chunk *next;
	int fd; /* duplicate to send with the first byte, or -1; owned */
	size_t len;
	size_t off;
	uint8_t data[]; /* header + payload */
};

struct channel {
	uv_poll_t poll;
	int fd; /* owned; closed once libuv has released the handle */
	int poll_events;
	struct channel_limits limits;
	struct frame_reader reader;
	channel_msg_cb on_msg;
	channel_closed_cb on_closed;
	void *ctx;
	uint32_t send_seq;
	struct out_chunk *out_head; /* owned list */
	struct out_chunk *out_tail;
	size_t out_bytes;
	int broken;   /* a send failed: the stream is unusable, reported on EOF */
	bool failed;  /* on_closed has run or is running */
	bool closing; /* channel_close was called; the handle is being released */

	bool send_credit_on;
	struct channel_credit send_granted;
	struct channel_credit send_avail;
	channel_credit_cb on_credit;

	bool recv_credit_on;
	struct channel_credit recv_granted;
	struct channel_credit recv_outstanding;
};

static void on_poll(uv_poll_t *handle, int status, int events);

static void free_chunks(struct channel *ch)
{
	struct out_chunk *c = ch->out_head;
	while (c != NULL) {
		struct out_chunk *next = c->next;
		if (c->fd >= 0)
			close(c->fd);
		free(c);
		c = next;
	}
	ch->out_head = ch->out_tail = NULL;
	ch->out_bytes = 0;
}

static void on_poll_closed(uv_handle_t *handle)
{
	struct channel *ch = handle->data;
	free_chunks(ch);
	frame_reader_free(&ch->reader);
	if (ch->fd >= 0)
		close(ch->fd);
	free(ch);
}

void channel_close(struct channel *ch)
{
	if (ch == NULL || ch->closing)
		return;
	ch->closing = true;
	uv_poll_stop(&ch->poll);
	uv_close((uv_handle_t *)&ch->poll, on_poll_closed);
}

/* Reports the end of the channel once, then closes it. */
static void channel_fail(struct channel *ch, int err, const char *why)
{
	if (ch->closing || ch->failed)
		return;
	ch->failed = true;
	if (err < 0)
		log_warn("channel: %s: %s; closing the channel", why, strerror(-err));
	ch->on_closed(ch, err, ch->ctx);
	channel_close(ch);
}

/* A send failed part-way or the peer is gone: further sends fail, and both
 * directions are shut so the read side sees EOF (after what is still
 * queued) and reports err through on_closed from within the loop. */
static void channel_break(struct channel *ch, int err)
{
	if (ch->broken != 0)
		return;
	ch->broken = err;
	shutdown(ch->fd, SHUT_RDWR);
}

static int update_events(struct channel *ch)
{
	int want = UV_READABLE | (ch->out_head != NULL ? UV_WRITABLE : 0);
	if (want == ch->poll_events)
		return 0;
	int rc = uv_poll_start(&ch->poll, want, on_poll);
	if (rc == 0)
		ch->poll_events = want;
	return rc;
}

int channel_open(uv_loop_t *loop, int fd, const struct channel_limits *limits,
		 channel_msg_cb on_msg, channel_closed_cb on_closed, void *ctx,
		 struct channel **out)
{
	if (loop == NULL || fd < 0 || limits == NULL || on_msg == NULL || on_closed == NULL ||
	    out == NULL || limits->max_out_bytes < FRAME_HEADER_SIZE)
		return -EINVAL;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;

	struct channel *ch = calloc(1, sizeof *ch);
	if (ch == NULL)
		return -ENOMEM;
	int rc = frame_reader_init(&ch->reader, limits->max_payload, limits->allowed_types);
	if (rc < 0) {
		free(ch);
		return rc;
	}
	rc = uv_poll_init(loop, &ch->poll, fd);
	if (rc < 0) {
		frame_reader_free(&ch->reader);
		free(ch);
		return rc;
	}
	ch->poll.data = ch;
	ch->fd = fd;
	ch->limits = *limits;
	ch->on_msg = on_msg;
	ch->on_closed = on_closed;
	ch->ctx = ctx;
	ch->send_seq = 1;
	rc = update_events(ch);
	if (rc < 0) {
		/* The caller keeps fd on failure. */
		ch->fd = -1;
		channel_close(ch);
		return rc;
	}
	*out = ch;
	return 0;
}

/* One sendmsg(); pass_fd (or -1) goes with the first byte. Returns the bytes
 * sent, -EAGAIN, or a negative errno. */
static ssize_t send_some(int sock, struct iovec *iov, int iovcnt, int pass_fd)
{
	union {
		struct cmsghdr align;
		unsigned char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt };
	if (pass_fd >= 0) {
		memset(&control, 0, sizeof control);
		m.msg_control = control.buf;
		m.msg_controllen = sizeof control.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof pass_fd);
	}
	ssize_t n;
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

/* Queues what did not leave of header + payload; done bytes already went. */
static int queue_rest(struct channel *ch, const uint8_t *hdr, const void *payload, uint32_t len,
		      size_t done, int pass_fd)
{
	size_t total = FRAME_HEADER_SIZE + (size_t)len;
	size_t rest = total - done;
	struct out_chunk *c = malloc(sizeof *c + rest);
	if (c == NULL)
		return -ENOMEM;
	c->next = NULL;
	c->fd = -1;
	c->len = rest;
	c->off = 0;
	size_t at = 0;
	if (done < FRAME_HEADER_SIZE) {
		memcpy(c->data, hdr + done, FRAME_HEADER_SIZE - done);
		at = FRAME_HEADER_SIZE - done;
		done = FRAME_HEADER_SIZE;
	}
	if (len > 0)
		memcpy(c->data + at, (const uint8_t *)payload + (done - FRAME_HEADER_SIZE),
		       total - done);
	if (pass_fd >= 0) {
		c->fd = fcntl(pass_fd, F_DUPFD_CLOEXEC, 0);
		if (c->fd < 0) {
			int err = -errno;
			free(c);
			return err;
		}
	}
	if (ch->out_tail != NULL)
		ch->out_tail->next = c;
	else
		ch->out_head = c;
	ch->out_tail = c;
	ch->out_bytes += rest;
	return update_events(ch);
}

static int send_frame(struct channel *ch, uint32_t type, uint32_t flags, const void *payload,
		      uint32_t len, int pass_fd)
{
	if (ch->closing || ch->failed || ch->broken != 0)
		return -EPIPE;
	if (len > 0 && payload == NULL)
		return -EINVAL;
	if ((size_t)len > ch->limits.max_out_bytes - FRAME_HEADER_SIZE)
		return -EMSGSIZE;
	size_t total = FRAME_HEADER_SIZE + (size_t)len;
	if (ch->out_head != NULL && total > ch->limits.max_out_bytes - ch->out_bytes)
		return -ENOBUFS;

	if (pass_fd >= 0)
		flags |= FRAME_FLAG_FD;
	struct frame_header h = { .type = type, .flags = flags, .len = len, .seq = ch->send_seq };
	uint8_t hdr[FRAME_HEADER_SIZE];
	frame_header_encode(&h, hdr);

	size_t done = 0;
	/* Order is kept: while anything waits, new messages wait behind it. */
	if (ch->out_head == NULL) {
		struct iovec iov[2] = {
			{ .iov_base = hdr, .iov_len = FRAME_HEADER_SIZE },
			{ .iov_base = (void *)(uintptr_t)payload, .iov_len = len },
		};
		ssize_t n = send_some(ch->fd, iov, len > 0 ? 2 : 1, pass_fd);
		if (n < 0 && n != -EAGAIN) {
			channel_break(ch, (int)n);
			return (int)n;
		}
		if (n > 0)
			done = (size_t)n;
	}
	if (done < total) {
		int rc = queue_rest(ch, hdr, payload, len, done, done == 0 ? pass_fd : -1);
		if (rc < 0) {
			/* Nothing left yet: a clean refusal. Otherwise the stream
			 * holds half a message and cannot be used any more. */
			if (done > 0)
				channel_break(ch, rc);
			return rc;
		}
	}
	ch->send_seq++;
	return 0;
}

int channel_send(struct channel *ch, uint32_t type, const void *payload, uint32_t len, int pass_fd)
{
	return send_frame(ch, type, 0, payload, len, pass_fd);
}

static void channel_flush(struct channel *ch)
{
	while (ch->out_head != NULL) {
		struct out_chunk *c = ch->out_head;
		struct iovec iov = { .iov_base = c->data + c->off, .iov_len = c->len - c->off };
		ssize_t n = send_some(ch->fd, &iov, 1, c->fd);
		if (n == -EAGAIN || n == 0)
			return;
		if (n < 0) {
			channel_fail(ch, (int)n, "send");
			return;
		}
		if (c->fd >= 0) {
			close(c->fd);
			c->fd = -1;
		}
		c->off += (size_t)n;
		ch->out_bytes -= (size_t)n;
		if (c->off < c->len)
			return;
		ch->out_head = c->next;
		if (ch->out_head == NULL)
			ch->out_tail = NULL;
		free(c);
	}
	int rc = update_events(ch);
	if (rc < 0)
		channel_fail(ch, rc, "poll");
}

/* Producer side: credit returned by the consumer. */
static void take_credit(struct channel *ch, const struct frame *f)
{
	struct msg_credit c;
	if (f->h.flags != 0 || msg_get_credit(f, &c) < 0) {
		if (f->fd >= 0)
			close(f->fd);
		channel_fail(ch, -EPROTO, "malformed credit message");
		return;
	}
	uint64_t room_msgs = (uint64_t)ch->send_granted.msgs - ch->send_avail.msgs;
	uint64_t room_bytes = ch->send_granted.bytes - ch->send_avail.bytes;
	if (c.msgs > room_msgs || c.bytes > room_bytes) {
		channel_fail(ch, -EPROTO, "peer returned more credit than was spent");
		return;
	}
	ch->send_avail.msgs += c.msgs;
	ch->send_avail.bytes += c.bytes;
	if (ch->on_credit != NULL)
		ch->on_credit(ch, ch->ctx);
}

/* Consumer side: counts a credited message against the grant. */
static bool count_credited(struct channel *ch, const struct frame *f)
{
	if (!ch->recv_credit_on)
		return false;
	struct channel_credit *o = &ch->recv_outstanding;
	if (o->msgs >= ch->recv_granted.msgs || f->h.len > ch->recv_granted.bytes - o->bytes)
		return false;
	o->msgs++;
	o->bytes += f->h.len;
	return true;
}

static void log_bad_frame(const struct channel *ch, int err)
{
	const struct frame_reader *r = &ch->reader;
	if (r->end - r->start < FRAME_HEADER_SIZE) {
		log_warn("channel: peer broke the protocol: %s", strerror(-err));
		return;
	}
	struct frame_header h;
	frame_header_decode(r->buf + r->start, &h);
	log_warn("channel: peer broke the protocol: %s (type %u %s, flags %#x, len %u, seq %u, "
		 "expected seq %u)",
		 strerror(-err), h.type, msg_type_name(h.type), h.flags, h.len, h.seq, r->next_seq);
}

static void dispatch(struct channel *ch)
{
	while (!ch->closing && !ch->failed) {
		struct frame f;
		int rc = frame_reader_next(&ch->reader, &f);
		if (rc == 0)
			return;
		if (rc < 0) {
			log_bad_frame(ch, rc);
			channel_fail(ch, rc, "invalid frame");
			return;
		}
		if (f.h.type == MSG_CREDIT && ch->send_credit_on) {
			take_credit(ch, &f);
			continue;
		}
		if ((f.h.flags & FRAME_FLAG_CREDITED) && !count_credited(ch, &f)) {
			if (f.fd >= 0)
				close(f.fd);
			channel_fail(ch, -EPROTO,
				     ch->recv_credit_on ? "peer sent data beyond its credit"
							: "credited message on a channel without credit");
			return;
		}
		ch->on_msg(ch, &f, ch->ctx);
	}
}

static void channel_read(struct channel *ch)
{
	size_t budget = CHANNEL_READ_BUDGET;
	for (;;) {
		int n = frame_reader_recv(&ch->reader, ch->fd);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			if (n == -EPROTO || n == -EMSGSIZE)
				log_bad_frame(ch, n);
			channel_fail(ch, n, "receive");
			return;
		}
		dispatch(ch);
		if (ch->closing || ch->failed)
			return;
		if (n == 0) {
			/* A message cut short is the peer's fault, not a clean end. */
			int err = ch->broken;
			if (err == 0 && ch->reader.end != ch->reader.start)
				err = -EPROTO;
			channel_fail(ch, err, err == -EPROTO ? "peer closed in the middle of a message"
							     : "end of stream");
			return;
		}
		if ((size_t)n >= budget)
			return;
		budget -= (size_t)n;
	}
}

static void on_poll(uv_poll_t *handle, int status, int events)
{
	struct channel *ch = handle->data;
	if (ch->closing || ch->failed)
		return;
	if (status < 0) {
		channel_fail(ch, status, "poll");
		return;
	}
	if (events & UV_READABLE) {
		channel_read(ch);
		if (ch->closing || ch->failed)
			return;
	}
	if (events & UV_WRITABLE)
		channel_flush(ch);
}

void channel_set_send_credit(struct channel *ch, const struct channel_credit *granted,
			     channel_credit_cb on_credit)
{
	ch->send_credit_on = true;
	ch->send_granted = *granted;
	ch->send_avail = *granted;
	ch->on_credit = on_credit;
	ch->reader.allowed_types |= MSG_BIT(MSG_CREDIT);
}

bool channel_has_credit(const struct channel *ch, uint32_t len)
{
	return ch->send_credit_on && ch->send_avail.msgs >= 1 && ch->send_avail.bytes >= len;
}

int channel_send_data(struct channel *ch, uint32_t type, const void *payload, uint32_t len)
{
	if (ch->closing || ch->failed || ch->broken != 0)
		return -EPIPE;
	if (!ch->send_credit_on)
		return -EINVAL;
	/* More than the whole grant would wait forever. */
	if (len > ch->send_granted.bytes)
		return -EMSGSIZE;
	if (!channel_has_credit(ch, len))
		return -EAGAIN;
	int rc = send_frame(ch, type, FRAME_FLAG_CREDITED, payload, len, -1);
	if (rc < 0)
		return rc;
	ch->send_avail.msgs--;
	ch->send_avail.bytes -= len;
	return 0;
}

struct channel_credit channel_credit_available(const struct channel *ch)
{
	return ch->send_avail;
}

void channel_set_recv_credit(struct channel *ch, const struct channel_credit *granted)
{
	ch->recv_credit_on = true;
	ch->recv_granted = *granted;
	ch->recv_outstanding = (struct channel_credit){ 0 };
}

int channel_return_credit(struct channel *ch, uint32_t msgs, uint64_t bytes)
{
	if (!ch->recv_credit_on || msgs > ch->recv_outstanding.msgs ||
	    bytes > ch->recv_outstanding.bytes)
		return -EINVAL;
	if (msgs == 0 && bytes == 0)
		return 0;
	struct msg_credit m = { .msgs = msgs, .reserved = 0, .bytes = bytes };
	int rc = channel_send(ch, MSG_CREDIT, &m, sizeof m, -1);
	if (rc < 0)
		return rc;
	ch->recv_outstanding.msgs -= msgs;
	ch->recv_outstanding.bytes -= bytes;
	return 0;
}

struct channel_credit channel_credit_outstanding(const struct channel *ch)
{
	return ch->recv_outstanding;
}

size_t channel_out_bytes(const struct channel *ch)
{
	return ch->out_bytes;
}
