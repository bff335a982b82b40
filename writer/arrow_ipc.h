#ifndef OTLPD_WRITER_ARROW_IPC_H
#define OTLPD_WRITER_ARROW_IPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "abuf.h"
#include "arrow_batch.h"
#include "flatbuf.h"

/* Arrow IPC stream messages (format/Message.fbs, metadata version V5).
 * Each message is encapsulated: 0xFFFFFFFF, the int32 length of the
 * FlatBuffers metadata padded to 8 bytes, the metadata, then the body, whose
 * buffers each start at a multiple of 8. A stream is the schema message,
 * record batch messages, and the end-of-stream marker 0xFFFFFFFF 00000000. */

#define ARROW_IPC_EOS_LEN 8
extern const uint8_t arrow_ipc_eos[ARROW_IPC_EOS_LEN];

/* Appends the schema message for s to out. */
int arrow_ipc_schema(const struct arrow_schema *s, struct abuf *out);

/* Encodes record batches as a list of iovecs: the dictionary batches of
 * its dictionary columns, then the record batch. Message heads (marker,
 * length, metadata) come from the encoder's own memory, bodies straight
 * from the column builders, so a batch goes to disk with no copy. */
struct arrow_ipc_msg {
	int slot;        /* its head's iovec */
	size_t head_at;  /* ... at this offset of head */
	size_t head_len;
};

struct arrow_ipc_encoder {
	struct fb_builder fb;
	struct abuf head;    /* every message's marker, length, metadata, padding */
	struct abuf nodes;   /* FieldNode structs being collected */
	struct abuf buffers; /* Buffer structs being collected */
	struct iovec *iov;   /* owned */
	int iov_cap;
	int iovcnt;          /* of the last batch encoded */
	size_t len;          /* total bytes of the last batch encoded */
	struct arrow_ipc_msg msgs[ARROW_SCHEMA_MAX_FIELDS + 1];
	uint32_t nmsgs;
};

void arrow_ipc_encoder_init(struct arrow_ipc_encoder *e);
void arrow_ipc_encoder_free(struct arrow_ipc_encoder *e);
/* Fills e->iov / e->iovcnt / e->len for b. They point into b and e: valid
 * until either changes. */
int arrow_ipc_record_batch(struct arrow_ipc_encoder *e, const struct arrow_batch *b);

#endif
