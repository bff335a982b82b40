#ifndef OTLPD_FORWARDER_RETRY_H
#define OTLPD_FORWARDER_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an answer means for the request (OTLP/HTTP's rules): 2xx delivered;
 * 429, 502, 503, 504 and transport errors are worth retrying; everything
 * else is permanent and the data is dropped. */
enum fwd_verdict {
	FWD_DELIVERED,
	FWD_RETRY,
	FWD_PERMANENT,
};

/* status 0 stands for a transport error (no HTTP answer). */
enum fwd_verdict retry_verdict(int status);

/* Whether the answer counts as a failure of the endpoint for the circuit
 * breaker: what is retried, and any other 5xx (not retried, but an endpoint
 * that fails everything is to be left alone); a 4xx says it is up. */
bool retry_endpoint_failed(int status);

/* The wait before the next attempt after failures (>= 1) in a row:
 * FWD_BACKOFF_INITIAL_MS * 2^(failures-1), capped at FWD_BACKOFF_MAX_MS,
 * with jitter: a value in [base/2, base] picked by random. */
uint64_t retry_backoff_ms(uint32_t failures, uint32_t random);

/* A Retry-After header value: delta-seconds, or an HTTP-date (IMF-fixdate,
 * RFC 850 or asctime form) compared with now_secs (UNIX time). The wait is
 * capped at FWD_RETRY_AFTER_MAX_MS; a date in the past is 0. Returns 0 or
 * -EINVAL. */
int retry_after_parse(const char *text, size_t len, int64_t now_secs, uint64_t *delay_ms);

#endif
