#include "framing.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* First allocation of a reader; small so that idle channels cost little and a
 * header announcing too much is refused before the buffer ever grows. */
#define READER_INITIAL_CAP 4096u

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v & 0xffu);
	p[1] = (uint8_t)((v >> 8) & 0xffu);
	p[2] = (uint8_t)((v >> 16) & 0xffu);
	p[3] = (uint8_t)((v >> 24) & 0xffu);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void frame_header_encode(const struct frame_header *h, uint8_t out[FRAME_HEADER_SIZE])
{
	put_le32(out, h->type);
	put_le32(out + 4, h->flags);
	put_le32(out + 8, h->len);
	put_le32(out + 12, h->seq);
}

void frame_header_decode(const uint8_t in[FRAME_HEADER_SIZE], struct frame_header *h)
{
	h->type = get_le32(in);
	h->flags = get_le32(in + 4);
	h->len = get_le32(in + 8);
	h->seq = get_le32(in + 12);
}

int frame_reader_init(struct frame_reader *r, uint32_t max_payload, uint64_t allowed_types)
{
#if SIZE_MAX - 16 < UINT32_MAX
	/* The bound, header included, must fit a size_t. */
	if ((size_t)max_payload > SIZE_MAX - FRAME_HEADER_SIZE)
		return -EINVAL;
#endif
	memset(r, 0, sizeof *r);
	r->max_payload = max_payload;
	r->allowed_types = allowed_types;
	r->next_seq = 1;
	for (unsigned i = 0; i < FRAME_MAX_FDS; i++)
		r->fds[i] = -1;
	return 0;
}

void frame_reader_free(struct frame_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->start = r->end = 0;
	for (unsigned i = 0; i < r->nfds; i++) {
		close(r->fds[i]);
		r->fds[i] = -1;
	}
	r->nfds = 0;
}

static size_t reader_bound(const struct frame_reader *r)
{
	return FRAME_HEADER_SIZE + (size_t)r->max_payload;
}

/* Moves the unconsumed bytes to the front, so the buffer never creeps. */
static void reader_compact(struct frame_reader *r)
{
	if (r->start == 0)
		return;
	size_t used = r->end - r->start;
	if (used > 0)
		memmove(r->buf, r->buf + r->start, used);
	r->start = 0;
	r->end = used;
}

/* Grows the buffer geometrically to hold at least need bytes, never past the
 * bound (need must already be within it). */
static int reader_grow(struct frame_reader *r, size_t need)
{
	if (need <= r->cap)
		return 0;
	size_t bound = reader_bound(r);
	size_t cap = r->cap > 0 ? r->cap : READER_INITIAL_CAP;
	while (cap < need && cap < bound)
		cap = cap > bound / 2 ? bound : cap * 2;
	if (cap > bound)
		cap = bound;
	if (cap < need)
		return -EMSGSIZE;
	uint8_t *buf = realloc(r->buf, cap);
	if (buf == NULL)
		return -ENOMEM;
	r->buf = buf;
	r->cap = cap;
	return 0;
}

static int check_header(const struct frame_reader *r, const struct frame_header *h)
{
	if (h->type >= 64 || (r->allowed_types & (UINT64_C(1) << h->type)) == 0)
		return -EPROTO;
	if ((h->flags & ~(uint32_t)FRAME_FLAGS_KNOWN) != 0)
		return -EPROTO;
	if (h->len > r->max_payload)
		return -EMSGSIZE;
	if (h->seq != r->next_seq)
		return -EPROTO;
	return 0;
}

/* Makes room for the next recvmsg(): enough for the message in progress when
 * its header is known (and valid), else at least one more byte. */
static int reader_make_room(struct frame_reader *r)
{
	reader_compact(r);
	size_t used = r->end;
	size_t need = used + 1;
	if (used >= FRAME_HEADER_SIZE) {
		struct frame_header h;
		frame_header_decode(r->buf, &h);
		int rc = check_header(r, &h);
		if (rc < 0)
			return rc;
		size_t whole = FRAME_HEADER_SIZE + (size_t)h.len;
		if (used < whole)
			need = whole;
	}
	if (need > reader_bound(r))
		return r->end < r->cap ? 0 : -ENOBUFS;
	return reader_grow(r, need);
}

static void close_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

/* Takes the descriptors out of the control messages. Everything that arrived
 * is closed when it cannot be kept. */
static int reader_take_fds(struct frame_reader *r, struct msghdr *m)
{
	int got[FRAME_MAX_FDS * 2];
	size_t ngot = 0;
	bool overflow = false;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		const unsigned char *data = CMSG_DATA(c);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, data + i * sizeof(int), sizeof fd);
			if (ngot < sizeof got / sizeof got[0])
				got[ngot++] = fd;
			else {
				close(fd);
				overflow = true;
			}
		}
	}
	if (overflow || (m->msg_flags & MSG_CTRUNC) != 0 || r->nfds + ngot > FRAME_MAX_FDS) {
		close_fds(got, ngot);
		return -EPROTO;
	}
	for (size_t i = 0; i < ngot; i++)
		r->fds[r->nfds++] = got[i];
	return 0;
}

int frame_reader_recv(struct frame_reader *r, int sock)
{
	int rc = reader_make_room(r);
	if (rc < 0)
		return rc;

	union {
		struct cmsghdr align;
		unsigned char buf[CMSG_SPACE(sizeof(int) * FRAME_MAX_FDS)];
	} control;
	size_t room = r->cap - r->end;
	/* The byte count must fit the int result. */
	struct iovec iov = { .iov_base = r->buf + r->end, .iov_len = room > INT_MAX ? INT_MAX : room };
	struct msghdr m = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof control.buf,
	};
	ssize_t n;
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;

	rc = reader_take_fds(r, &m);
	if (rc < 0)
		return rc;
	if (n == 0) {
		r->eof = true;
		return 0;
	}
	r->end += (size_t)n;
	return (int)n;
}

int frame_reader_feed(struct frame_reader *r, const void *data, size_t len)
{
	reader_compact(r);
	if (len > reader_bound(r) - r->end)
		return -EMSGSIZE;
	int rc = reader_grow(r, r->end + len);
	if (rc < 0)
		return rc;
	if (len > 0)
		memcpy(r->buf + r->end, data, len);
	r->end += len;
	return 0;
}

int frame_reader_next(struct frame_reader *r, struct frame *out)
{
	if (r->start == r->end) {
		r->start = r->end = 0;
		return 0;
	}
	size_t avail = r->end - r->start;
	if (avail < FRAME_HEADER_SIZE)
		return 0;

	struct frame_header h;
	frame_header_decode(r->buf + r->start, &h);
	int rc = check_header(r, &h);
	if (rc < 0)
		return rc;
	if (avail - FRAME_HEADER_SIZE < h.len)
		return 0;

	int fd = -1;
	if (h.flags & FRAME_FLAG_FD) {
		if (r->nfds == 0)
			return -EPROTO;
		fd = r->fds[0];
		memmove(r->fds, r->fds + 1, (r->nfds - 1) * sizeof r->fds[0]);
		r->fds[--r->nfds] = -1;
	}
	out->h = h;
	out->payload = r->buf + r->start + FRAME_HEADER_SIZE;
	out->fd = fd;
	r->start += FRAME_HEADER_SIZE + (size_t)h.len;
	r->next_seq++;
	return 1;
}

/* Fills iov with what is left of header + payload after off bytes. */
static int frame_iov(struct iovec iov[2], uint8_t *hdr, const void *payload, size_t len, size_t off)
{
	int n = 0;
	if (off < FRAME_HEADER_SIZE) {
		iov[n].iov_base = hdr + off;
		iov[n].iov_len = FRAME_HEADER_SIZE - off;
		n++;
		off = 0;
	} else {
		off -= FRAME_HEADER_SIZE;
	}
	if (len > off) {
		iov[n].iov_base = (uint8_t *)(uintptr_t)payload + off;
		iov[n].iov_len = len - off;
		n++;
	}
	return n;
}

static int wait_writable(int sock)
{
	struct pollfd p = { .fd = sock, .events = POLLOUT };
	for (;;) {
		int rc = poll(&p, 1, -1);
		if (rc >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int frame_send_blocking(int sock, const struct frame_header *h, const void *payload, int pass_fd)
{
	if (h->len > 0 && payload == NULL)
		return -EINVAL;
	if ((pass_fd >= 0) != ((h->flags & FRAME_FLAG_FD) != 0))
		return -EINVAL;

	uint8_t hdr[FRAME_HEADER_SIZE];
	frame_header_encode(h, hdr);
	size_t total = FRAME_HEADER_SIZE + (size_t)h->len;
	size_t sent = 0;
	bool fd_pending = pass_fd >= 0;

	while (sent < total) {
		struct iovec iov[2];
		union {
			struct cmsghdr align;
			unsigned char buf[CMSG_SPACE(sizeof(int))];
		} control;
		struct msghdr m = { .msg_iov = iov };
		m.msg_iovlen = (size_t)frame_iov(iov, hdr, payload, h->len, sent);
		if (fd_pending) {
			memset(&control, 0, sizeof control);
			m.msg_control = control.buf;
			m.msg_controllen = sizeof control.buf;
			struct cmsghdr *c = CMSG_FIRSTHDR(&m);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &pass_fd, sizeof pass_fd);
		}
		ssize_t n = sendmsg(sock, &m, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				int rc = wait_writable(sock);
				if (rc < 0)
					return rc;
				continue;
			}
			return -errno;
		}
		/* The descriptor travels with the first byte that left. */
		if (n > 0)
			fd_pending = false;
		sent += (size_t)n;
	}
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int frame_recv_blocking(struct frame_reader *r, int sock, int timeout_ms, struct frame *out)
{
	int64_t deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : -1;
	for (;;) {
		int rc = frame_reader_next(r, out);
		if (rc != 0)
			return rc;
		if (r->eof)
			return r->start == r->end ? 0 : -EPROTO;

		rc = frame_reader_recv(r, sock);
		if (rc > 0 || (rc == 0 && r->eof))
			continue;
		if (rc != -EAGAIN)
			return rc;

		int wait = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0)
				return -ETIMEDOUT;
			wait = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		struct pollfd p = { .fd = sock, .events = POLLIN };
		if (poll(&p, 1, wait) < 0 && errno != EINTR)
			return -errno;
	}
}
