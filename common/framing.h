#ifndef OTLPD_FRAMING_H
#define OTLPD_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Framed messages over a SOCK_STREAM socketpair, in the shape of OpenBSD's
 * imsg: a fixed 16-byte header (type, flags, payload length, sequence
 * number; little-endian) followed by the payload. A message with
 * FRAME_FLAG_FD carries one file descriptor, sent as SCM_RIGHTS with the
 * first byte of its header. */

#define FRAME_HEADER_SIZE 16u
#define FRAME_MAX_FDS 4u

enum frame_flag {
	FRAME_FLAG_FD = 1u << 0,       /* one descriptor travels with it */
	FRAME_FLAG_CREDITED = 1u << 1, /* counts against the data queue's credit */
};
#define FRAME_FLAGS_KNOWN (FRAME_FLAG_FD | FRAME_FLAG_CREDITED)

struct frame_header {
	uint32_t type;
	uint32_t flags;
	uint32_t len; /* payload bytes after the header */
	uint32_t seq; /* per direction, starts at 1, +1 per message */
};

/* A received message. payload points into the reader's buffer and is valid
 * until the next frame_reader_* call; fd (or -1) is owned by the caller. */
struct frame {
	struct frame_header h;
	const uint8_t *payload;
	int fd;
};

void frame_header_encode(const struct frame_header *h, uint8_t out[FRAME_HEADER_SIZE]);
void frame_header_decode(const uint8_t in[FRAME_HEADER_SIZE], struct frame_header *h);

/* Reassembles messages from a byte stream. The buffer grows only up to
 * FRAME_HEADER_SIZE + max_payload; a header that announces more is refused
 * before anything is allocated. allowed_types is a bit mask (bit N = type N,
 * types 0..63); any other type is a protocol error for that peer. */
struct frame_reader {
	uint8_t *buf; /* owned */
	size_t cap;
	size_t start; /* first unconsumed byte */
	size_t end;   /* one past the last byte read */
	uint32_t max_payload;
	uint64_t allowed_types;
	uint32_t next_seq;
	int fds[FRAME_MAX_FDS]; /* received, not yet handed out; owned */
	unsigned nfds;
	bool eof;
};

int frame_reader_init(struct frame_reader *r, uint32_t max_payload, uint64_t allowed_types);
/* Closes descriptors that were received but never handed out. */
void frame_reader_free(struct frame_reader *r);

/* One recvmsg() from a non-blocking socket into the buffer. Returns the number
 * of bytes read (> 0), 0 at end of stream, -EAGAIN, or a negative errno;
 * -EPROTO when descriptors were truncated or too many arrived. */
int frame_reader_recv(struct frame_reader *r, int sock);

/* Appends bytes as if they had been read (tests, fuzzing). Returns 0 or
 * -EMSGSIZE when they do not fit the bound. */
int frame_reader_feed(struct frame_reader *r, const void *data, size_t len);

/* Takes the next complete message. Returns 1 with *out filled, 0 when more
 * bytes are needed, or a negative errno that is fatal for this peer:
 * -EMSGSIZE (length over the bound), -EPROTO (unknown type or flag, sequence
 * gap, descriptor flag without a descriptor). */
int frame_reader_next(struct frame_reader *r, struct frame *out);

/* Writes one whole message on a blocking or non-blocking socket, waiting with
 * poll() while the socket is full (used before an event loop runs). pass_fd
 * is -1 or a descriptor to send along (the caller keeps its own copy).
 * Returns 0 or a negative errno. */
int frame_send_blocking(int sock, const struct frame_header *h, const void *payload, int pass_fd);

/* Waits up to timeout_ms for one complete message (blocking start-up path).
 * Returns 1, 0 on end of stream, -ETIMEDOUT or a negative errno. */
int frame_recv_blocking(struct frame_reader *r, int sock, int timeout_ms, struct frame *out);

#endif
