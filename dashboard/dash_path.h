#ifndef OTLPD_DASH_PATH_H
#define OTLPD_DASH_PATH_H

#include <stddef.h>

/* Turns the request path of a data file into the path relative to the jail
 * root, or refuses it. Checked once, before any file system call; the open
 * itself (dash_files.c) is confined again with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS), so a case missed here still cannot leave the output
 * directory. */

/* Longest file name served; the writer's names are far shorter. */
#define DASH_FILE_NAME_MAX 128u
/* "otlp/" signal "/" name and the NUL. */
#define DASH_REL_PATH_MAX (sizeof "otlp/metrics/" + DASH_FILE_NAME_MAX)

/* The signals with a directory of files; the index is the signal's. */
enum dash_signal {
	DASH_SIGNAL_TRACES,
	DASH_SIGNAL_METRICS,
	DASH_SIGNAL_LOGS,
	DASH_SIGNAL_COUNT,
};

/* "traces", "metrics", "logs". */
const char *dash_signal_name(enum dash_signal s);
/* Exactly one of the names above; -EINVAL otherwise. */
int dash_signal_parse(const char *name, size_t len, enum dash_signal *out);
/* "otlp/traces" and the like: the directory, relative to the jail root. */
const char *dash_signal_dir(enum dash_signal s);

/* Decodes %XX escapes once (a '%' not followed by two hex digits is an
 * error, "%252e" stays "%2e"), into out (cap bytes, NUL-terminated).
 * Returns the length or -EINVAL (bad escape, NUL or control byte, invalid
 * or overlong UTF-8) or -ENAMETOOLONG. */
int dash_percent_decode(const char *in, size_t len, char *out, size_t cap);

/* A file name as the writer makes them: [A-Za-z0-9._-], 1..DASH_FILE_NAME_MAX
 * bytes, not starting with '.'. */
int dash_file_name_ok(const char *name, size_t len);

/* path: the raw request path ("/data/traces/x.arrows"). On success rel holds
 * "otlp/traces/x.arrows" and *signal the signal. Returns 0 or -EACCES for
 * anything else: traversal, absolute or UNC forms, backslashes, "//", bad
 * escapes, NUL and control bytes, invalid UTF-8, names out of the pattern,
 * too long. */
int dash_data_path(const char *path, char *rel, size_t cap, enum dash_signal *signal);

#endif
