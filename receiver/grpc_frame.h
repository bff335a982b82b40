#ifndef OTLPD_GRPC_FRAME_H
#define OTLPD_GRPC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* gRPC's Length-Prefixed-Message (PROTOCOL-HTTP2.md): a Compressed-Flag
 * byte (0 or 1), a 4-byte big-endian length, the message. A unary call
 * carries exactly one. The reader collects it from DATA chunks into a
 * buffer that grows as bytes arrive, never past the declared length, which
 * is checked against the limit as soon as the prefix is in. Inflating a
 * compressed message is the caller's (gzip.h, bounded by the same limit). */

#define GRPC_PREFIX_BYTES 5u

struct grpc_reader {
	uint64_t max;         /* largest message accepted, as received */
	uint8_t prefix[GRPC_PREFIX_BYTES];
	uint8_t prefix_len;
	bool compressed;
	uint32_t length;      /* declared, valid once prefix_len == 5 */
	uint8_t *buf;         /* owned */
	size_t len, cap;
};

void grpc_reader_init(struct grpc_reader *r, uint64_t max);

/* Takes the next bytes of the stream. Returns 0; -EBADMSG when the flag is
 * neither 0 nor 1; -EMSGSIZE when the declared length passes max; -E2BIG
 * for bytes after the one message; -ENOMEM. After an error, feed
 * the reader no more. */
int grpc_reader_feed(struct grpc_reader *r, const uint8_t *data, size_t len);

/* The prefix is in: compressed and length are known. */
bool grpc_reader_has_prefix(const struct grpc_reader *r);

/* The stream ended: 0 with a whole message in buf/len, -ENODATA when no
 * byte came, -EPIPE when the prefix or the message is cut short. */
int grpc_reader_finish(const struct grpc_reader *r);

void grpc_reader_free(struct grpc_reader *r);

/* Writes the prefix of an uncompressed message of len bytes. */
void grpc_prefix_write(uint8_t out[GRPC_PREFIX_BYTES], bool compressed, uint32_t len);

#endif
