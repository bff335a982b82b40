#ifndef OTLPD_CHANNEL_H
#define OTLPD_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "framing.h"

/* A framed-message channel on one socketpair end, driven by libuv.
 *
 * Outgoing bytes that the socket does not take at once wait in a queue of at
 * most max_out_bytes; a send that would pass that bound fails with -ENOBUFS.
 *
 * A data queue is bounded twice, in messages and bytes, by credit: the
 * producer spends credit on each FRAME_FLAG_CREDITED message and gets it back
 * in MSG_CREDIT once the consumer has taken the data into its own bounded
 * buffer. A producer without credit gets -EAGAIN; a consumer that receives
 * more than it granted treats the peer as broken. */

struct channel;

struct channel_limits {
	uint32_t max_payload;   /* largest incoming payload */
	size_t max_out_bytes;   /* bound of the outgoing queue */
	uint64_t allowed_types; /* incoming types, bit mask (MSG_BIT) */
};

struct channel_credit {
	uint32_t msgs;
	uint64_t bytes;
};

/* f->fd (if any) is owned by the callback: keep or close it. The payload is
 * valid only during the call. */
typedef void (*channel_msg_cb)(struct channel *ch, const struct frame *f, void *ctx);
/* The peer is gone (err 0: end of stream) or broke the protocol (err < 0).
 * The channel is closed after the callback returns; do not use it again. */
typedef void (*channel_closed_cb)(struct channel *ch, int err, void *ctx);
/* Credit came back to a producer. */
typedef void (*channel_credit_cb)(struct channel *ch, void *ctx);

/* Takes ownership of fd (made non-blocking) on success; on failure the
 * caller still owns it. Returns 0 or a negative errno. */
int channel_open(uv_loop_t *loop, int fd, const struct channel_limits *limits,
		 channel_msg_cb on_msg, channel_closed_cb on_closed, void *ctx,
		 struct channel **out);

/* Closes the descriptor and frees the channel once libuv has released it;
 * no callback runs after this call. NULL is allowed. */
void channel_close(struct channel *ch);

/* Queues one message. pass_fd is -1 or a descriptor to send along (the
 * channel duplicates it; the caller keeps its own). Returns 0, -ENOBUFS when
 * the outgoing queue is full, -EPIPE when the channel is closing. */
int channel_send(struct channel *ch, uint32_t type, const void *payload, uint32_t len, int pass_fd);

/* Producer side of a data queue: the credit granted by the consumer. */
void channel_set_send_credit(struct channel *ch, const struct channel_credit *granted,
			     channel_credit_cb on_credit);
/* True when a message of len payload bytes may be sent now. */
bool channel_has_credit(const struct channel *ch, uint32_t len);
/* Sends a credited data message. -EAGAIN without credit (nothing queued). */
int channel_send_data(struct channel *ch, uint32_t type, const void *payload, uint32_t len);
struct channel_credit channel_credit_available(const struct channel *ch);

/* Consumer side: the credit this end granted; incoming credited messages
 * beyond it close the channel with -EPROTO. */
void channel_set_recv_credit(struct channel *ch, const struct channel_credit *granted);
/* Returns credit for data that left this process's bounded buffer. */
int channel_return_credit(struct channel *ch, uint32_t msgs, uint64_t bytes);
/* Credited messages received and not yet returned. */
struct channel_credit channel_credit_outstanding(const struct channel *ch);

/* Bytes waiting in the outgoing queue. */
size_t channel_out_bytes(const struct channel *ch);

#endif
