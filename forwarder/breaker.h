#ifndef OTLPD_FORWARDER_BREAKER_H
#define OTLPD_FORWARDER_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

/* The circuit breaker, as a state machine over a clock the caller passes
 * in (so tests drive it with a fake one):
 *   Closed   --failure_threshold failures in a row-->  Open
 *   Open     --open_timeout-->                          HalfOpen
 *   HalfOpen: one probe request at a time; its success -> Closed, its
 *   failure, or no answer within probe_timeout -> Open.
 * While Open nothing is sent. Results of ordinary requests that finish
 * after the circuit left Closed are ignored, as is a probe's late answer
 * after it timed out. */

enum breaker_state {
	BREAKER_CLOSED = 0,
	BREAKER_OPEN = 1,
	BREAKER_HALF_OPEN = 2,
};

struct breaker {
	enum breaker_state state;
	uint32_t threshold;
	uint64_t open_timeout_ms;
	uint64_t probe_timeout_ms;
	uint32_t failures;       /* in a row, while Closed */
	uint64_t opened_at_ms;
	uint64_t probe;          /* id of the probe in flight, 0 when none */
	uint64_t probe_started_ms;
	uint64_t last_probe;     /* ids are never reused */
	uint64_t opens;          /* how often it opened */
};

void breaker_init(struct breaker *b, uint32_t threshold, uint64_t open_timeout_ms,
		  uint64_t probe_timeout_ms);
/* Applies the passage of time: Open -> HalfOpen after the open timeout, a
 * probe without an answer -> Open. */
void breaker_tick(struct breaker *b, uint64_t now_ms);
/* May a request start now? In HalfOpen a yes claims the single probe:
 * *probe is its id, to be passed back with the result (0 otherwise). */
bool breaker_allow(struct breaker *b, uint64_t now_ms, uint64_t *probe);
void breaker_success(struct breaker *b, uint64_t probe, uint64_t now_ms);
void breaker_failure(struct breaker *b, uint64_t probe, uint64_t now_ms);
/* Milliseconds from now until breaker_tick could change something, or
 * UINT64_MAX when nothing is timed. */
uint64_t breaker_next_change_ms(const struct breaker *b, uint64_t now_ms);
/* "closed", "open", "half_open" */
const char *breaker_state_name(enum breaker_state s);

#endif
