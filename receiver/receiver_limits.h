#ifndef OTLPD_RECEIVER_LIMITS_H
#define OTLPD_RECEIVER_LIMITS_H

/* Every limit of the receiver in one place (practice 13). Those an operator
 * may need to change have a config key (receiver.*, see common/config_keys.c)
 * and only their fallbacks for tests live here; the rest are fixed because no
 * honest client comes near them. */

/* The HTTP server core's own limits are in common/http_limits.h. */
#include "http_limits.h"

/* Seconds a client is asked to wait in Retry-After on 429/503. */
#define RECEIVER_RETRY_AFTER_S HTTP_RETRY_AFTER_S

/* Inflating runs in steps of this much output, the buffer growing by
 * doubling up to the limit. */
#define GZIP_STEP_BYTES (64u * 1024u)

#endif
