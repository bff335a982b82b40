#ifndef OTLPD_DATA_CHANNEL_H
#define OTLPD_DATA_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "channel.h"

/* One end of a data queue between two children (receiver -> writer,
 * receiver -> forwarder). When the peer dies the channel ends; the
 * supervisor hands both sides a fresh socketpair (MSG_PEER_CHANNEL) once
 * the peer is back, and attaching it replaces the old one. */

enum data_channel_side {
	DATA_CHANNEL_PRODUCER,
	DATA_CHANNEL_CONSUMER,
};

struct data_channel {
	const char *peer_name;
	enum data_channel_side side;
	struct channel_credit credit; /* granted by the consumer's config */
	uint32_t max_payload; /* producer: largest message it sends */
	/* Consumer: a data message; producer: never called. */
	channel_msg_cb on_msg;
	/* Producer: credit came back or a new channel was attached. */
	channel_credit_cb on_credit;
	void *ctx;
	struct channel *ch; /* NULL while the peer is away */
	uint64_t attached;  /* how many channels this end has had */
};

/* Takes ownership of fd; a channel already attached is closed first.
 * Returns 0 or a negative errno (fd closed). */
int data_channel_attach(struct data_channel *d, uv_loop_t *loop, int fd);
void data_channel_detach(struct data_channel *d);
bool data_channel_up(const struct data_channel *d);

#endif
