#ifndef OTLPD_GRPC_TEXT_H
#define OTLPD_GRPC_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* The header values of gRPC over HTTP/2 (PROTOCOL-HTTP2.md) that are more
 * than a word: what we read (content-type, grpc-encoding, grpc-timeout) and
 * what we write (grpc-message, the -bin trailer). */

enum grpc_content_type {
	GRPC_CT_PROTO,    /* application/grpc or application/grpc+proto */
	GRPC_CT_OTHER,    /* application/grpc+json and the like */
	GRPC_CT_NOT_GRPC, /* anything else: HTTP 415 */
};

/* The media type, case-insensitive, with any ";param" ignored. */
enum grpc_content_type grpc_content_type(const uint8_t *v, size_t len);

enum grpc_coding {
	GRPC_CODING_IDENTITY,
	GRPC_CODING_GZIP,
	GRPC_CODING_UNSUPPORTED,
};

/* grpc-encoding of a request. */
enum grpc_coding grpc_coding_parse(const uint8_t *v, size_t len);

/* grpc-timeout: 1 to 8 digits and a unit (H, M, S, m, u, n), as
 * milliseconds rounded up. Returns 0 or -EINVAL. */
int grpc_timeout_parse(const uint8_t *v, size_t len, uint64_t *ms);

/* grpc-message: every byte outside 0x20..0x7E, and '%', as %XX. Writes a
 * NUL-terminated string; returns 0 or -ENOBUFS (3 * strlen(in) + 1 always
 * suffices). */
int grpc_percent_encode(const char *in, char *out, size_t cap);

/* Base64 (RFC 4648 alphabet) without padding, as gRPC writes -bin headers.
 * Returns 0 with *out_len (a NUL follows) or -ENOBUFS. */
int grpc_base64(const uint8_t *in, size_t len, char *out, size_t cap, size_t *out_len);

#endif
