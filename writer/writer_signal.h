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

/* Everything one signal has: its directory, the batch being built, the
 * encoder, and the open file. */

/* Room a batch leaves in a file for its metadata, padding and the end
 * marker; far more than any schema here needs. */
#define WRITER_BATCH_OVERHEAD ((uint64_t)64 * 1024)
/* Largest batch body, whatever max_file_bytes allows: a batch is written
 * with one writev, which Linux caps below 2 GiB. */
#define WRITER_BATCH_MAX_BYTES ((uint64_t)256 * 1024 * 1024)

struct writer_signal_config {
	uint32_t max_rows;
	uint64_t max_file_bytes;
	int64_t max_file_age_secs;
};

struct writer_signal {
	enum otlp_signal id;
	int dirfd; /* owned: otlp/<signal> */
	struct arrow_batch batch;
	struct row_sink sink;
	struct arrow_ipc_encoder enc;
	struct abuf schema; /* the schema message */
	struct arrow_file file;
	struct arrow_file_limits limits;
	bool failing; /* the last write failed */
	uint64_t rows_written;
	uint64_t batches_written;
	uint64_t write_errors;
};

/* Creates otlp/<signal> under otlp_dirfd if needed and opens it. On
 * failure too, writer_signal_free() releases what was set up. */
int writer_signal_open(struct writer_signal *s, enum otlp_signal id, int otlp_dirfd,
		       const struct writer_signal_config *cfg);
/* Writes the batch (if it has rows) and empties it; on error the rows stay
 * for the next try. */
int writer_signal_flush(struct writer_signal *s, int64_t now);
/* Frees memory and closes the directory; the file must be closed before. */
void writer_signal_free(struct writer_signal *s);

#endif
