#ifndef OTLPD_DASH_FILES_H
#define OTLPD_DASH_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "dash_buf.h"
#include "dash_path.h"

/* The only file system access of the dashboard: every open is relative to
 * the jail root's descriptor and made with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), read-only. */

/* Files listed per signal at most: the newest by modification time, which
 * are the ones the UI tails. 4096 names of DASH_FILE_NAME_MAX bytes keep a
 * listing under DASH_JSON_MAX (dash_http.c). */
#define DASH_LIST_MAX 4096u

/* Opens rel (from dash_data_path) for reading. A regular file only.
 * Returns 0 with *fd (owned by the caller), its size and mtime (ms), or
 * -ENOENT (absent) or -EACCES (anything else: a symlink, a directory, a
 * path that would leave the root). */
int dash_open_data(int root_fd, const char *rel, int *fd, uint64_t *size, int64_t *mtime_ms);

/* Appends {"signal":..,"files":[{"name","size","mtime_ms"}..]} to out:
 * the newest max_files files (by mtime, then name, descending), newest
 * first, however many the directory holds; a signal without a directory
 * yet has no files. Returns 0 or a negative errno. */
int dash_list_json(int root_fd, enum dash_signal signal, size_t max_files, struct dash_buf *out);

#endif
