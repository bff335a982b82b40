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

/* Producer: the consumer took the message sent with token (status 0), or
 * the channel ended before it did (status -EPIPE: the data is lost, the
 * client must be told to retry). */
typedef void (*data_channel_ack_cb)(void *token, int status, void *ctx);

struct data_channel {
	const char *peer_name;
	enum data_channel_side side;
	struct channel_credit credit; /* granted by the consumer's config */
	uint32_t max_payload; /* producer: largest message it sends */
	/* Consumer: a data message; producer: never called. */
	channel_msg_cb on_msg;
	/* Producer: credit came back or a new channel was attached. */
	channel_credit_cb on_credit;
	/* Producer: a message sent with data_channel_send was taken or lost. */
	data_channel_ack_cb on_ack;
	void *ctx;
	struct channel *ch; /* NULL while the peer is away */
	/* Producer: tokens of messages in flight, oldest first. The consumer
	 * returns credit in the order it takes messages, so each returned
	 * message completes the oldest token. Sized by credit.msgs. */
	void **tokens; /* owned */
	uint32_t token_head;
	uint32_t token_count;
	uint64_t attached;  /* how many channels this end has had */
};

/* Takes ownership of fd; a channel already attached is closed first.
 * Returns 0 or a negative errno (fd closed). */
int data_channel_attach(struct data_channel *d, uv_loop_t *loop, int fd);
/* Fails the tokens in flight with -EPIPE, then closes. */
void data_channel_detach(struct data_channel *d);
/* Frees what attach allocated; the struct can be attached again after. */
void data_channel_free(struct data_channel *d);

/* Producer: sends one credited message; on_ack fires with token once the
 * consumer took it. Returns 0, -ENOTCONN (no peer now), -EAGAIN (no credit;
 * nothing sent) or another negative errno. */
int data_channel_send(struct data_channel *d, uint32_t type, const void *payload, uint32_t len,
		      void *token);
bool data_channel_up(const struct data_channel *d);

#endif
