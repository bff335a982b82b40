#ifndef OTLPD_GZIP_H
#define OTLPD_GZIP_H

#include <stddef.h>
#include <stdint.h>

/* Inflates a gzip body (RFC 1952; several members one after another are one
 * body, as gzip(1) writes them) into a new buffer of at most max_out bytes.
 * The buffer grows in steps as output appears, so a small body that claims
 * much pins nothing, and a decompression bomb stops at the limit.
 *
 * Returns 0 with *out (malloc, the caller frees) and *out_len; -EFBIG when
 * the output would pass max_out; -EBADMSG when the input is not gzip, is
 * truncated, fails its checksum or has bytes after the last member;
 * -ENOMEM. On error *out is NULL. */
int gzip_inflate(const uint8_t *in, size_t in_len, size_t max_out, uint8_t **out,
		 size_t *out_len);

#endif
