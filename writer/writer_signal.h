#ifndef OTLPD_WRITER_WRITER_SIGNAL_H
#define OTLPD_WRITER_WRITER_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "abuf.h"
#include "arrow_batch.h"
#include "arrow_file.h"
#include "arrow_ipc.h"
#include "otlp_signal.h"
#include "rows.h"

/* Everything one signal has: its directory, two batches, the encoder, and
 * the open file. Rows go into one batch (sink.batch) while the other, when
 * full, is written out in steps between the loop's turns, so that a write
 * never stops the queue for long; a third batch's worth of rows waits.
 * A batch takes at most half of max_rows, and never more than the batch
 * being written leaves, so both together stay within the signal's limit. */

/* Room a batch leaves in a file for its metadata, padding and the end
 * marker; far more than any schema here needs. */
#define WRITER_BATCH_OVERHEAD ((uint64_t)64 * 1024)
/* Largest batch body, whatever max_file_bytes allows. Two batches per
 * signal are in memory (one filling, one being written), each up to twice
 * this while its buffers grow; 4 MiB is a few thousand rows, plenty for
 * readers, and keeps the writer well inside the memory target of #9. */
#define WRITER_BATCH_MAX_BYTES ((uint64_t)4 * 1024 * 1024)

struct writer_signal_config {
	uint32_t max_rows;
	uint64_t max_file_bytes;
	int64_t max_file_age_secs;
};

struct writer_signal {
	enum otlp_signal id;
	int dirfd; /* owned: otlp/<signal> */
	struct arrow_batch batches[2];
	struct row_sink sink;   /* sink.batch: the one that rows go into */
	struct arrow_batch *writing; /* the other, while it is written; or NULL */
	struct arrow_ipc_encoder enc;
	struct abuf schema; /* the schema message */
	struct arrow_file file;
	struct arrow_file_limits limits;
	uint32_t max_rows; /* in both batches together: max_*_buffer_size */
	bool failing; /* the last write failed; `writing` waits for a retry */
	uint64_t rows_written;
	uint64_t batches_written;
	uint64_t write_errors;
};

/* Creates otlp/<signal> under otlp_dirfd if needed and opens it. On
 * failure too, writer_signal_free() releases what was set up. */
int writer_signal_open(struct writer_signal *s, enum otlp_signal id, int otlp_dirfd,
		       const struct writer_signal_config *cfg);
/* Starts writing the batch that rows go into (if it has rows), and rows go
 * into the other one from now on; with chunk_bytes 0 the write is finished
 * before it returns. -EBUSY while the other batch is still being written.
 * On error the rows stay, and the next call tries again. */
int writer_signal_flush(struct writer_signal *s, int64_t now, size_t chunk_bytes);
/* Writes up to budget more bytes of the batch being written (0: all).
 * Returns 1 while some remain, 0 when none is being written (any more), or
 * a negative errno (the batch stays for a retry by writer_signal_flush). */
int writer_signal_step(struct writer_signal *s, size_t budget);
/* A write is under way (not one that failed and waits for a retry). */
bool writer_signal_writing(const struct writer_signal *s);
uint32_t writer_signal_buffered_rows(const struct writer_signal *s);
/* Frees memory and closes the directory; the file must be closed before. */
void writer_signal_free(struct writer_signal *s);

#endif
