#ifndef OTLPD_FORWARDER_QUEUE_H
#define OTLPD_FORWARDER_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The forwarder's own bounded queue, in items and bytes
 * (forwarding.queue.max_items / max_bytes). Items being sent stay counted
 * until they are released, so the bound covers everything the forwarder
 * holds. A full queue refuses new items: the receiver has already been
 * given its credit back, so local ingestion never waits for the remote. */

struct fwd_item {
	struct fwd_item *next;
	uint32_t msg_type;  /* MSG_EXPORT_TRACES, ... */
	bool gzip;          /* body is gzip-compressed */
	uint32_t attempts;
	uint64_t first_attempt_ms; /* 0 until first sent */
	size_t len;
	uint8_t body[];
};

struct fwd_queue {
	struct fwd_item *head; /* waiting, oldest first */
	struct fwd_item *tail;
	uint64_t waiting;
	uint64_t items; /* waiting + taken */
	uint64_t bytes; /* body bytes of waiting + taken */
	uint64_t max_items;
	uint64_t max_bytes;
};

void fwd_queue_init(struct fwd_queue *q, uint64_t max_items, uint64_t max_bytes);
/* True when an item of len bytes would fit now. */
bool fwd_queue_fits(const struct fwd_queue *q, size_t len);
/* A new item holding a copy of data. Returns 0, -ENOMEM or -EINVAL (len 0). */
int fwd_item_new(uint32_t msg_type, const void *data, size_t len, struct fwd_item **out);
/* Appends an item; -ENOSPC (item not taken) when it does not fit. */
int fwd_queue_push(struct fwd_queue *q, struct fwd_item *it);
/* The oldest waiting item, still counted, or NULL. */
struct fwd_item *fwd_queue_take(struct fwd_queue *q);
/* A taken item goes back to the front (to be retried first). */
void fwd_queue_put_back(struct fwd_queue *q, struct fwd_item *it);
/* A taken item is done with: uncounted and freed. */
void fwd_queue_release(struct fwd_queue *q, struct fwd_item *it);
/* Frees the waiting items; returns how many there were. Taken ones are
 * released by whoever holds them. */
uint64_t fwd_queue_clear(struct fwd_queue *q);

#endif
