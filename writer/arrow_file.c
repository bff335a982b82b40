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

/* write() until all of p is out; a short write on a file is rare but legal. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
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
	int err = write_all(fd, f->schema->data, f->schema->len);
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
	int err = write_all(f->fd, arrow_ipc_eos, ARROW_IPC_EOS_LEN);
	if (!err) {
		f->size += ARROW_IPC_EOS_LEN;
		f->bytes_written += ARROW_IPC_EOS_LEN;
		if (fsync(f->fd) != 0)
			err = -errno;
	}
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
	if (f->fd >= 0 && too_old(f, lim, now))
		return arrow_file_close(f);
	return 0;
}

/* Writes the batch; a short write is continued, since the file offset is
 * where the last write stopped. */
static int write_batch(int fd, const struct iovec *iov, int iovcnt, size_t len)
{
	struct iovec rest[1];
	size_t done = 0;
	while (done < len) {
		ssize_t w;
		if (done == 0) {
			w = writev(fd, iov, iovcnt);
		} else {
			/* Rare: finish iovec by iovec. */
			size_t skip = done;
			int i = 0;
			while (skip >= iov[i].iov_len) {
				skip -= iov[i].iov_len;
				i++;
			}
			rest[0].iov_base = (uint8_t *)iov[i].iov_base + skip;
			rest[0].iov_len = iov[i].iov_len - skip;
			w = writev(fd, rest, 1);
		}
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		done += (size_t)w;
	}
	return 0;
}

int arrow_file_write(struct arrow_file *f, const struct iovec *iov, int iovcnt, size_t len,
		     const struct arrow_file_limits *lim, int64_t now)
{
	int err = 0;
	if (f->fd >= 0 && (too_old(f, lim, now) ||
			   (f->size > f->schema->len &&
			    f->size + len + ARROW_IPC_EOS_LEN > lim->max_bytes)))
		err = arrow_file_close(f);
	if (f->fd < 0)
		err = open_file(f, now);
	if (err)
		return err;
	err = write_batch(f->fd, iov, iovcnt, len);
	if (err) {
		/* Cut back to the last whole batch, so the end-of-stream marker
		 * goes where this batch began. */
		if (ftruncate(f->fd, (off_t)f->size) != 0)
			log_error("cannot cut %s back after a failed write: %s", f->name,
				  strerror(errno));
		if (lseek(f->fd, (off_t)f->size, SEEK_SET) < 0)
			log_error("cannot seek in %s: %s", f->name, strerror(errno));
		(void)arrow_file_close(f); /* logs its own failure; err says what went wrong */
		return err;
	}
	f->size += len;
	f->bytes_written += len;
	return 0;
}
