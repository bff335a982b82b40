#ifndef OTLPD_WRITER_WRITER_H
#define OTLPD_WRITER_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlp_signal.h"
#include "pb_arena.h"
#include "stats.h"
#include "writer_signal.h"

/* The writer's work, apart from the event loop: it takes Export*Service
 * requests one at a time, in order, decodes each (pb_unpack_text with a bump
 * arena), and turns it into rows of its signal's batch, writing a batch out
 * whenever it is full. A request counts as taken, and config.on_taken is
 * called (the caller returns its credit), once all its rows are in a batch.
 *
 * When a batch cannot be written (disk full, I/O error), its rows stay, the
 * request in hand waits, and requests that come after it are copied into an
 * inbox and wait too, without being taken: the receiver runs out of credit
 * and answers 503. writer_retry() tries again. */

struct writer_config {
	int root_dirfd; /* the output directory; not owned */
	uint32_t max_rows[OTLP_SIGNAL_COUNT];
	int64_t retention_secs[OTLP_SIGNAL_COUNT];
	int64_t write_interval_secs;
	uint64_t max_file_bytes;
	uint64_t max_total_bytes;
	uint32_t max_message_bytes;
	uint32_t max_anyvalue_depth; /* the receiver's limit; bounds the decoder's nesting */
	uint64_t inbox_max_bytes;
	/* A full batch is written this many bytes at a time by writer_pump(),
	 * between the loop's turns; 0: at once, inside the call that fills it. */
	size_t write_chunk_bytes;
	/* Files writer_retention removes per call (0: all that are due); the
	 * rest wait for the next call, which writer_retention_due asks for. */
	uint32_t retention_step_files;
	void (*on_taken)(void *ctx, uint32_t len);
	void *ctx;
};

struct inbox_msg;

struct writer {
	struct writer_config cfg;
	int otlp_dirfd; /* owned: <output>/otlp */
	struct writer_signal sig[OTLP_SIGNAL_COUNT];
	struct pb_arena arena;
	/* The request whose rows are going in, while it waits for a write. */
	struct {
		bool active;
		enum otlp_signal signal;
		ProtobufCMessage *req; /* in arena */
		struct row_cursor cursor;
		uint32_t len;
	} cur;
	struct inbox_msg *inbox_head, *inbox_tail; /* owned */
	uint64_t inbox_bytes;
	uint32_t inbox_count;
	uint64_t messages;
	uint64_t rejected_messages;
	uint64_t removed_files;
	uint64_t removed_bytes;
	uint64_t kept_bytes;
	bool retention_more;       /* the last pass stopped at its step */
	uint64_t files_at_retention; /* files opened, as of the last pass */
};

/* Sets up otlp/{traces,metrics,logs} under cfg->root_dirfd. On failure
 * writer_free() releases what was set up. */
int writer_init(struct writer *w, const struct writer_config *cfg);
void writer_free(struct writer *w);

/* One data message from the queue. Returns 0 when it was taken (on_taken
 * has been called), 1 when it waits (on_taken comes later, from
 * writer_retry). A message that cannot be used is counted, logged and
 * taken, so that its credit comes back. */
int writer_take(struct writer *w, uint32_t type, const uint8_t *payload, uint32_t len,
		int64_t now);
/* Writes every batch that has rows and closes files that are old enough. */
int writer_flush(struct writer *w, int64_t now);
/* Writes the next chunk of each batch under way; when one is done, goes on
 * with a request that waited for it. Returns true while writes remain. */
bool writer_pump(struct writer *w, int64_t now);
bool writer_writing(const struct writer *w);
/* Goes on with the waiting request and the inbox, if a write succeeds. */
int writer_retry(struct writer *w, int64_t now);
bool writer_waiting(const struct writer *w);
/* Removes files by age and by the total size. */
int writer_retention(struct writer *w, int64_t now);
/* Another pass is due: the last one stopped at its step, or a file was
 * opened since (so the total may have passed max_total_bytes). */
bool writer_retention_due(const struct writer *w);
/* For shutdown: takes what it can, writes every batch, ends every file. */
int writer_finish(struct writer *w, int64_t now);
int writer_stats_add(const struct writer *w, struct stats_buf *b);

#endif
