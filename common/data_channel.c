#include "data_channel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "messages.h"

/* A producer only ever hears credit back, which the channel handles. */
#define DATA_TYPES (MSG_BIT(MSG_EXPORT_TRACES) | MSG_BIT(MSG_EXPORT_METRICS) | MSG_BIT(MSG_EXPORT_LOGS))
#define DATA_CONSUMER_OUT_BYTES (64u * 1024u)

static void on_data_msg(struct channel *ch, const struct frame *f, void *ctx)
{
	struct data_channel *d = ctx;
	if (d->on_msg)
		d->on_msg(ch, f, d->ctx);
	else if (f->fd >= 0)
		close(f->fd);
}

static void fail_in_flight(struct data_channel *d)
{
	uint32_t n = d->token_count;
	d->token_count = 0;
	for (uint32_t i = 0; i < n; i++) {
		void *token = d->tokens[(d->token_head + i) % d->credit.msgs];
		if (d->on_ack)
			d->on_ack(token, -EPIPE, d->ctx);
	}
}

static void on_data_closed(struct channel *ch, int err, void *ctx)
{
	struct data_channel *d = ctx;
	if (d->ch != ch)
		return;
	d->ch = NULL;
	fail_in_flight(d);
	if (err)
		log_warn("data channel to the %s broken: %s; waiting for a new one", d->peer_name,
			 strerror(-err));
	else
		log_info("data channel to the %s closed; waiting for a new one", d->peer_name);
}

static void on_data_credit(struct channel *ch, void *ctx)
{
	struct data_channel *d = ctx;
	uint32_t in_flight = d->credit.msgs - channel_credit_available(ch).msgs;
	while (d->token_count > in_flight) {
		void *token = d->tokens[d->token_head];
		d->token_head = (d->token_head + 1) % d->credit.msgs;
		d->token_count--;
		if (d->on_ack)
			d->on_ack(token, 0, d->ctx);
	}
	if (d->on_credit)
		d->on_credit(ch, d->ctx);
}

int data_channel_attach(struct data_channel *d, uv_loop_t *loop, int fd)
{
	data_channel_detach(d);
	bool consumer = d->side == DATA_CHANNEL_CONSUMER;
	if (!consumer && d->tokens == NULL) {
		if (d->credit.msgs == 0 || (d->tokens = calloc(d->credit.msgs, sizeof *d->tokens)) == NULL) {
			close(fd);
			return d->credit.msgs == 0 ? -EINVAL : -ENOMEM;
		}
	}
	d->token_head = d->token_count = 0;
	struct channel_limits lim = {
		/* A consumer never takes a message larger than the credit it grants;
		 * a producer hears only credit messages. */
		.max_payload = consumer ? (uint32_t)(d->credit.bytes < UINT32_MAX ? d->credit.bytes : UINT32_MAX)
					: (uint32_t)sizeof(struct msg_credit),
		/* The consumer sends only credit messages; the producer's queue is
		 * bounded by credit, so the out buffer needs room for one message. */
		.max_out_bytes = consumer ? DATA_CONSUMER_OUT_BYTES : (size_t)d->max_payload + 64u,
		.allowed_types = consumer ? DATA_TYPES : 0,
	};
	struct channel *ch = NULL;
	int err = channel_open(loop, fd, &lim, on_data_msg, on_data_closed, d, &ch);
	if (err) {
		close(fd);
		return err;
	}
	if (consumer)
		channel_set_recv_credit(ch, &d->credit);
	else
		channel_set_send_credit(ch, &d->credit, on_data_credit);
	d->ch = ch;
	d->attached++;
	log_debug("data channel to the %s attached", d->peer_name);
	if (!consumer && d->on_credit)
		d->on_credit(ch, d->ctx);
	return 0;
}

void data_channel_detach(struct data_channel *d)
{
	channel_close(d->ch);
	d->ch = NULL;
	fail_in_flight(d);
}

void data_channel_free(struct data_channel *d)
{
	data_channel_detach(d);
	free(d->tokens);
	d->tokens = NULL;
}

int data_channel_send(struct data_channel *d, uint32_t type, const void *payload, uint32_t len,
		      void *token)
{
	if (d->side != DATA_CHANNEL_PRODUCER)
		return -EINVAL;
	if (d->ch == NULL)
		return -ENOTCONN;
	int err = channel_send_data(d->ch, type, payload, len);
	if (err)
		return err;
	d->tokens[(d->token_head + d->token_count) % d->credit.msgs] = token;
	d->token_count++;
	return 0;
}

bool data_channel_up(const struct data_channel *d)
{
	return d->ch != NULL;
}
