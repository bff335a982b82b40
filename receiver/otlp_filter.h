#ifndef OTLPD_OTLP_FILTER_H
#define OTLPD_OTLP_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "otlp_signal.h"

/* Removes the items that otlp_validate() rejects (its rules, applied to the
 * decoded message) from a request that otlp_validate() passed, so that the
 * writer and the forwarder never receive an invalid item. Scopes and
 * resources that the removal left empty are removed too (the OTLP spec lets
 * receivers drop empty envelopes); ones that came empty stay.
 *
 * The request is unpacked with a bump arena of at most max_memory bytes
 * (0: 8 x len + 1 MiB), which bounds what a request of tiny empty messages
 * can cost. Returns 0 with *out (malloc'd, the caller frees it), *out_len
 * and *removed (items taken out; equals otlp_check.rejected); -EBADMSG when
 * the bytes do not unpack, -E2BIG past max_memory, -ENOMEM, -EINVAL. */
int otlp_filter_rejected(enum otlp_signal signal, const uint8_t *in, size_t len,
			 size_t max_memory, uint8_t **out, size_t *out_len, uint64_t *removed);

#endif
