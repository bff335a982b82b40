#include "arrow_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arrow_ipc.h"
#include "log.h"

#define ARROW_FILE_MODE 0640
/* Names taken already (e.g. by an earlier run in the same second) are
 * stepped over this many times before giving up. */
#define ARROW_FILE_NAME_TRIES 1000

void arrow_file_init(struct arrow_file *f, int dirfd, const char *signal,
		     const struct abuf *schema)
{
	*f = (struct arrow_file){.dirfd = dirfd, .signal = signal, .schema = schema, .fd = -1};
}

bool arrow_file_is_open(const struct arrow_file *f)
{
	return f->fd >= 0;
}

int arrow_file_name(char *out, size_t cap, const char *signal, int64_t now, uint32_t seq)
{
	time_t t = (time_t)now;
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return -EOVERFLOW;
	int n = snprintf(out, cap, "otlp_%s_%04d%02d%02d_%02d%02d%02d_%06u.arrows", signal,
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, seq);
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return 0;
}

/* pwrite() until all of p is out; a short write on a file is rare but legal. */
static int write_all_at(int fd, const uint8_t *p, size_t n, uint64_t at)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)at);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
		at += (uint64_t)w;
	}
	return 0;
}

static int open_file(struct arrow_file *f, int64_t now)
{
	char name[ARROW_FILE_NAME_MAX];
	int fd = -1;
	for (int tries = 0; fd < 0; tries++) {
		if (tries == ARROW_FILE_NAME_TRIES)
			return -EEXIST;
		f->seq++;
		int err = arrow_file_name(name, sizeof name, f->signal, now, f->seq);
		if (err)
			return err;
		fd = openat(f->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, ARROW_FILE_MODE);
		if (fd < 0 && errno != EEXIST)
			return -errno;
	}
	int err = write_all_at(fd, f->schema->data, f->schema->len, 0);
	if (err) {
		close(fd);
		unlinkat(f->dirfd, name, 0);
		return err;
	}
	memcpy(f->name, name, sizeof name);
	f->fd = fd;
	f->size = f->schema->len;
	f->opened_at = now;
	f->files_opened++;
	f->bytes_written += f->schema->len;
	return 0;
}

int arrow_file_close(struct arrow_file *f)
{
	if (f->fd < 0)
		return 0;
	int err = arrow_file_continue(f, 0);
	if (err)
		return err; /* the file was closed */
	err = write_all_at(f->fd, arrow_ipc_eos, ARROW_IPC_EOS_LEN, f->size);
	if (!err) {
		f->size += ARROW_IPC_EOS_LEN;
		f->bytes_written += ARROW_IPC_EOS_LEN;
		if (fsync(f->fd) != 0)
			err = -errno;
	}
	/* The file is on disk: drop its pages from the cache. Pages that
	 * nobody reads soon only press on the container's memory limit, and
	 * the next file's writes reuse them (on a VM, much cheaper than pages
	 * never touched). Only a hint. */
	if (!err)
		(void)posix_fadvise(f->fd, 0, 0, POSIX_FADV_DONTNEED);
	if (close(f->fd) != 0 && !err && errno != EINTR)
		err = -errno;
	f->fd = -1;
	if (err)
		log_error("closing %s: %s", f->name, strerror(-err));
	return err;
}

static bool too_old(const struct arrow_file *f, const struct arrow_file_limits *lim, int64_t now)
{
	return now - f->opened_at >= lim->max_age_secs;
}

int arrow_file_expire(struct arrow_file *f, const struct arrow_file_limits *lim, int64_t now)
{
	if (f->fd >= 0 && !f->pend_iov && too_old(f, lim, now))
		return arrow_file_close(f);
	return 0;
}

/* Gathers at most budget bytes of the batch, from offset `from` on, into out. */
static int gather(const struct arrow_file *f, size_t from, size_t budget, struct iovec *out,
		  int cap)
{
	size_t skip = from;
	int i = 0, n = 0;
	while (i < f->pend_iovcnt && skip >= f->pend_iov[i].iov_len)
		skip -= f->pend_iov[i++].iov_len;
	for (; i < f->pend_iovcnt && n < cap && budget > 0; i++, skip = 0) {
		size_t take = f->pend_iov[i].iov_len - skip;
		if (take > budget)
			take = budget;
		out[n].iov_base = (uint8_t *)f->pend_iov[i].iov_base + skip;
		out[n].iov_len = take;
		budget -= take;
		n++;
	}
	return n;
}

int arrow_file_begin(struct arrow_file *f, const struct iovec *iov, int iovcnt, size_t len,
		     const struct arrow_file_limits *lim, int64_t now)
{
	if (f->pend_iov)
		return -EBUSY;
	if (len <= ARROW_FILE_HEAD_LEN)
		return -EINVAL;
	int err = 0;
	if (f->fd >= 0 && (too_old(f, lim, now) ||
			   (f->size > f->schema->len &&
			    f->size + len + ARROW_IPC_EOS_LEN > lim->max_bytes)))
		err = arrow_file_close(f);
	if (f->fd < 0)
		err = open_file(f, now);
	if (err)
		return err;
	f->pend_iov = iov;
	f->pend_iovcnt = iovcnt;
	f->pend_len = len;
	f->pend_done = 0;
	return 0;
}

/* Cut back to the last whole batch, so the end-of-stream marker goes where
 * the failed batch began, and end the file. */
static void abandon_batch(struct arrow_file *f)
{
	f->pend_iov = NULL;
	if (ftruncate(f->fd, (off_t)f->size) != 0)
		log_error("cannot cut %s back after a failed write: %s", f->name, strerror(errno));
	(void)arrow_file_close(f); /* logs its own failure; the caller has the cause */
}

#define GATHER_MAX 64

/* The part of the batch the next write goes to: first everything after its
 * head, then the head. */
static void next_part(const struct arrow_file *f, size_t *from, size_t *end)
{
	size_t body = f->pend_len - ARROW_FILE_HEAD_LEN;
	if (f->pend_done < body) {
		*from = ARROW_FILE_HEAD_LEN + f->pend_done;
		*end = f->pend_len;
	} else {
		*from = f->pend_done - body;
		*end = ARROW_FILE_HEAD_LEN;
	}
}

int arrow_file_continue(struct arrow_file *f, size_t budget)
{
	if (!f->pend_iov)
		return 0;
	size_t left = budget ? budget : SIZE_MAX;
	while (f->pend_done < f->pend_len && left > 0) {
		size_t from, end;
		next_part(f, &from, &end);
		size_t want = end - from < left ? end - from : left;
		/* The head last: its 8 bytes are never split over a step. */
		if (end == ARROW_FILE_HEAD_LEN)
			want = end - from;
		struct iovec iov[GATHER_MAX];
		int n = gather(f, from, want, iov, GATHER_MAX);
		uint64_t at = f->size + from;
		ssize_t w = pwritev(f->fd, iov, n, (off_t)at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int err = w < 0 ? -errno : -EIO;
			abandon_batch(f);
			return err;
		}
		/* Start the disk write now, so that the fsync when the file
		 * ends has little left to wait for (it would stop the loop
		 * for tens of ms). Only a hint: fsync reports errors. */
		(void)sync_file_range(f->fd, (off_t)at, (off_t)w, SYNC_FILE_RANGE_WRITE);
		f->pend_done += (size_t)w;
		left = (size_t)w < left ? left - (size_t)w : 0;
	}
	if (f->pend_done < f->pend_len)
		return 1;
	f->pend_iov = NULL;
	f->size += f->pend_len;
	f->bytes_written += f->pend_len;
	return 0;
}

int arrow_file_write(struct arrow_file *f, const struct iovec *iov, int iovcnt, size_t len,
		     const struct arrow_file_limits *lim, int64_t now)
{
	int err = arrow_file_begin(f, iov, iovcnt, len, lim, now);
	return err ? err : arrow_file_continue(f, 0);
}
