#include "backoff.h"

uint64_t backoff_next(struct backoff *b, uint64_t ready_for_ms)
{
	if (ready_for_ms >= BACKOFF_HEALTHY_MS || b->next_ms < BACKOFF_MIN_MS)
		b->next_ms = BACKOFF_MIN_MS;
	uint64_t delay = b->next_ms;
	b->next_ms = delay >= BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS : delay * 2;
	return delay;
}
