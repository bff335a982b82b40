#ifndef OTLPD_WRITER_RETENTION_H
#define OTLPD_WRITER_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Removes old .arrows files. Only files this writer names are looked at
 * (otlp_<signal>_*.arrows, regular files); the file each signal has open is
 * never removed. Two rules, in this order:
 *  1. a file whose last change (mtime) is max_age_secs or more before now
 *     goes;
 *  2. while the files of all directories together hold more than
 *     max_total_bytes, the oldest (by mtime, then name) goes. Open files
 *     count towards the total but are not removed. */

struct retention_dir {
	int dirfd;             /* not owned */
	const char *prefix;    /* "otlp_traces_" */
	int64_t max_age_secs;
	const char *open_name; /* the signal's open file, or NULL */
};

struct retention_result {
	bool more; /* max_remove stopped it before every rule was met */
	uint64_t removed_files;
	uint64_t removed_bytes;
	uint64_t kept_files;
	uint64_t kept_bytes; /* after removal, open files included */
};

/* Removes at most max_remove files (0: no limit): removing a 64 MiB file
 * takes ~12 ms here, so the writer removes one per turn of its loop rather
 * than a pass's worth at once. Returns 0, or the first error listing or
 * removing (the rest is still tried); a file that vanished meanwhile is not
 * an error. */
int retention_run(const struct retention_dir *dirs, size_t ndirs, uint64_t max_total_bytes,
		  uint32_t max_remove, int64_t now, struct retention_result *res);

#endif
