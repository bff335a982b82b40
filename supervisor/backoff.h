#ifndef OTLPD_SUPERVISOR_BACKOFF_H
#define OTLPD_SUPERVISOR_BACKOFF_H

#include <stdint.h>

/* How long the supervisor waits before restarting a child that died: a
 * child that crashes at once is not restarted in a tight loop, and one that
 * served for a while comes back quickly. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 30000
#define BACKOFF_HEALTHY_MS 60000 /* READY this long: the next delay is the minimum again */

/* Zeroed: no death yet, the first delay is the minimum. */
struct backoff {
	uint64_t next_ms;
};

/* A child died after ready_for_ms as READY (0 if it never was). Returns the
 * delay before its restart: the minimum after a healthy run, else the one
 * after the previous death, doubled up to the maximum. */
uint64_t backoff_next(struct backoff *b, uint64_t ready_for_ms);

#endif
