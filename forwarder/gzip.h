#ifndef OTLPD_FORWARDER_GZIP_H
#define OTLPD_FORWARDER_GZIP_H

#include <stddef.h>
#include <stdint.h>

/* forwarding.compression: gzip. Compresses in[0..len) into a new buffer
 * (*out, malloc'd, the caller frees it). Returns 0, -ENOMEM or -EIO. */
int fwd_gzip(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);

#endif
