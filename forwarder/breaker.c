#include "breaker.h"

#include <string.h>

void breaker_init(struct breaker *b, uint32_t threshold, uint64_t open_timeout_ms,
		  uint64_t probe_timeout_ms)
{
	memset(b, 0, sizeof *b);
	b->threshold = threshold > 0 ? threshold : 1;
	b->open_timeout_ms = open_timeout_ms;
	b->probe_timeout_ms = probe_timeout_ms;
}

static void open_circuit(struct breaker *b, uint64_t now_ms)
{
	b->state = BREAKER_OPEN;
	b->opened_at_ms = now_ms;
	b->probe = 0;
	b->failures = 0;
	b->opens++;
}

void breaker_tick(struct breaker *b, uint64_t now_ms)
{
	if (b->state == BREAKER_OPEN && now_ms - b->opened_at_ms >= b->open_timeout_ms)
		b->state = BREAKER_HALF_OPEN;
	if (b->state == BREAKER_HALF_OPEN && b->probe != 0 &&
	    now_ms - b->probe_started_ms >= b->probe_timeout_ms)
		open_circuit(b, now_ms);
}

bool breaker_allow(struct breaker *b, uint64_t now_ms, uint64_t *probe)
{
	*probe = 0;
	breaker_tick(b, now_ms);
	switch (b->state) {
	case BREAKER_CLOSED:
		return true;
	case BREAKER_OPEN:
		return false;
	case BREAKER_HALF_OPEN:
		if (b->probe != 0)
			return false;
		b->probe = ++b->last_probe;
		b->probe_started_ms = now_ms;
		*probe = b->probe;
		return true;
	}
	return false;
}

void breaker_success(struct breaker *b, uint64_t probe, uint64_t now_ms)
{
	(void)now_ms;
	if (b->state == BREAKER_CLOSED && probe == 0) {
		b->failures = 0;
	} else if (b->state == BREAKER_HALF_OPEN && probe != 0 && probe == b->probe) {
		b->state = BREAKER_CLOSED;
		b->probe = 0;
		b->failures = 0;
	}
}

void breaker_failure(struct breaker *b, uint64_t probe, uint64_t now_ms)
{
	if (b->state == BREAKER_CLOSED && probe == 0) {
		if (++b->failures >= b->threshold)
			open_circuit(b, now_ms);
	} else if (b->state == BREAKER_HALF_OPEN && probe != 0 && probe == b->probe) {
		open_circuit(b, now_ms);
	}
}

uint64_t breaker_next_change_ms(const struct breaker *b, uint64_t now_ms)
{
	uint64_t at;
	if (b->state == BREAKER_OPEN)
		at = b->opened_at_ms + b->open_timeout_ms;
	else if (b->state == BREAKER_HALF_OPEN && b->probe != 0)
		at = b->probe_started_ms + b->probe_timeout_ms;
	else
		return UINT64_MAX;
	return at > now_ms ? at - now_ms : 0;
}

const char *breaker_state_name(enum breaker_state s)
{
	switch (s) {
	case BREAKER_CLOSED:
		return "closed";
	case BREAKER_OPEN:
		return "open";
	case BREAKER_HALF_OPEN:
		return "half_open";
	}
	return "unknown";
}
