#ifndef OTLPD_WRITER_ARROW_FILE_H
#define OTLPD_WRITER_ARROW_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "abuf.h"

/* The .arrows file a signal is writing, in a directory given as an fd (the
 * writer's otlp/<signal>; a test's temporary directory). A file is named
 * otlp_<signal>_<YYYYMMDD>_<HHMMSS>_<seq>.arrows (UTC time of opening; seq
 * counts files of this process and steps past names that exist), created
 * with mode 0640 (as the umask allows), starts with the schema message and,
 * once closed, ends with the end-of-stream marker and is fsynced.
 *
 * A batch goes in whole (arrow_file_write), or in steps (arrow_file_begin,
 * then arrow_file_continue until it returns 0) so that the writer's loop
 * serves its queue between steps. Either way its first 8 bytes (the
 * continuation marker and the metadata length) go in last, with one write:
 * until then a reader finds zeros where the message starts, which Arrow
 * readers take for the end of the stream, so no reader ever sees a torn
 * batch, not even of a writer that died in the middle of one. The file
 * rotates before a batch that would take it past max_bytes (unless it holds
 * no batch yet: one batch bigger than max_bytes gets a file of its own) and
 * once it is max_age_secs old. When a write fails, the file is cut back to
 * its last whole batch, ended and closed. */

/* The part of a message written last. */
#define ARROW_FILE_HEAD_LEN 8

#define ARROW_FILE_NAME_MAX 96

struct arrow_file_limits {
	uint64_t max_bytes;
	int64_t max_age_secs;
};

struct arrow_file {
	int dirfd;                /* not owned */
	const char *signal;       /* "traces": part of the names */
	const struct abuf *schema; /* the schema message; not owned */
	int fd;                   /* -1 while no file is open */
	char name[ARROW_FILE_NAME_MAX];
	uint64_t size;            /* bytes in the open file */
	int64_t opened_at;        /* wall clock seconds */
	uint32_t seq;
	uint64_t files_opened;
	uint64_t bytes_written;
	/* The batch being written in steps: the caller keeps pend_iov and what
	 * it points to unchanged until arrow_file_continue returns <= 0. */
	const struct iovec *pend_iov;
	int pend_iovcnt;
	size_t pend_len, pend_done;
};

void arrow_file_init(struct arrow_file *f, int dirfd, const char *signal,
		     const struct abuf *schema);
/* Writes one whole batch message (iov, len bytes) at time now. Returns 0 or
 * a negative errno; on error no part of the batch stays in any file. */
int arrow_file_write(struct arrow_file *f, const struct iovec *iov, int iovcnt, size_t len,
		     const struct arrow_file_limits *lim, int64_t now);
/* Rotates or opens the file as arrow_file_write does, then takes the batch
 * for arrow_file_continue. Returns 0 or a negative errno. */
int arrow_file_begin(struct arrow_file *f, const struct iovec *iov, int iovcnt, size_t len,
		     const struct arrow_file_limits *lim, int64_t now);
/* Writes up to budget more bytes of the batch (0: all of it). Returns 1 while
 * some remain, 0 once it is all in the file, or a negative errno: then the
 * file is cut back to its last whole batch and closed, as in
 * arrow_file_write. */
int arrow_file_continue(struct arrow_file *f, size_t budget);
/* Closes the open file when it has reached max_age_secs (idle files end
 * too, so readers see them complete). */
int arrow_file_expire(struct arrow_file *f, const struct arrow_file_limits *lim, int64_t now);
/* Ends the open file (end-of-stream marker, fsync, close); 0 when none. A
 * batch still being written is finished first. */
int arrow_file_close(struct arrow_file *f);
/* Writes the name a file opened at now with sequence seq gets. */
int arrow_file_name(char *out, size_t cap, const char *signal, int64_t now, uint32_t seq);
bool arrow_file_is_open(const struct arrow_file *f);

#endif
