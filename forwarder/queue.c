#include "queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void fwd_queue_init(struct fwd_queue *q, uint64_t max_items, uint64_t max_bytes)
{
	memset(q, 0, sizeof *q);
	q->max_items = max_items;
	q->max_bytes = max_bytes;
}

bool fwd_queue_fits(const struct fwd_queue *q, size_t len)
{
	return q->items < q->max_items && len <= q->max_bytes && q->bytes <= q->max_bytes - len;
}

int fwd_item_new(uint32_t msg_type, const void *data, size_t len, struct fwd_item **out)
{
	*out = NULL;
	if (len == 0 || len > SIZE_MAX - sizeof(struct fwd_item))
		return -EINVAL;
	struct fwd_item *it = malloc(sizeof *it + len);
	if (!it)
		return -ENOMEM;
	memset(it, 0, sizeof *it);
	it->msg_type = msg_type;
	it->len = len;
	memcpy(it->body, data, len);
	*out = it;
	return 0;
}

int fwd_queue_push(struct fwd_queue *q, struct fwd_item *it)
{
	if (!fwd_queue_fits(q, it->len))
		return -ENOSPC;
	it->next = NULL;
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->waiting++;
	q->items++;
	q->bytes += it->len;
	return 0;
}

struct fwd_item *fwd_queue_take(struct fwd_queue *q)
{
	struct fwd_item *it = q->head;
	if (!it)
		return NULL;
	q->head = it->next;
	if (!q->head)
		q->tail = NULL;
	it->next = NULL;
	q->waiting--;
	return it;
}

void fwd_queue_put_back(struct fwd_queue *q, struct fwd_item *it)
{
	it->next = q->head;
	q->head = it;
	if (!q->tail)
		q->tail = it;
	q->waiting++;
}

void fwd_queue_release(struct fwd_queue *q, struct fwd_item *it)
{
	q->items--;
	q->bytes -= it->len;
	free(it);
}

uint64_t fwd_queue_clear(struct fwd_queue *q)
{
	uint64_t n = 0;
	struct fwd_item *it;
	while ((it = fwd_queue_take(q)) != NULL) {
		fwd_queue_release(q, it);
		n++;
	}
	return n;
}
