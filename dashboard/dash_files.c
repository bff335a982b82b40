#include "dash_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_beneath(int root_fd, const char *rel, uint64_t flags)
{
	struct open_how how = {
		.flags = flags | O_RDONLY | O_CLOEXEC | O_NOFOLLOW,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, root_fd, rel, &how, sizeof how);
	return fd < 0 ? -errno : (int)fd;
}

/* The writer's files have one name. A regular file with more is a hard link
 * someone planted in the data directory, maybe to a file outside it, which
 * RESOLVE_BENEATH cannot see: it is neither served nor listed. */
static bool servable(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_nlink == 1;
}

static int64_t mtime_ms_of(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

int dash_open_data(int root_fd, const char *rel, int *fd, uint64_t *size, int64_t *mtime_ms)
{
	int f = open_beneath(root_fd, rel, 0);
	if (f < 0)
		return f == -ENOENT ? -ENOENT : -EACCES;
	struct stat st;
	if (fstat(f, &st) != 0 || !servable(&st)) {
		close(f);
		return -EACCES;
	}
	*fd = f;
	*size = (uint64_t)st.st_size;
	*mtime_ms = mtime_ms_of(&st);
	return 0;
}

struct listed {
	char name[DASH_FILE_NAME_MAX + 1];
	uint64_t size;
	int64_t mtime_ms;
};

static int newest_first(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;
	if (x->mtime_ms != y->mtime_ms)
		return x->mtime_ms > y->mtime_ms ? -1 : 1;
	return -strcmp(x->name, y->name);
}

/* Keeps the newest max of v[0..*n): sorts newest first and drops the rest. */
static void keep_newest(struct listed *v, size_t *n, size_t max)
{
	if (*n > 1)
		qsort(v, *n, sizeof *v, newest_first);
	if (*n > max)
		*n = max;
}

/* Reads the directory's regular files with names as the writer makes them
 * into *out (malloc'd, owned by the caller), the newest max of them, newest
 * first. A directory may hold more than max (retention is by bytes, and
 * anyone with access may add files) and its order says nothing about age:
 * entries gather in an array of twice max, which is cut back to the newest
 * max whenever it fills, so memory stays bounded and no new file is lost. */
static int read_dir(int dir_fd, size_t max, struct listed **out, size_t *count)
{
	DIR *d = fdopendir(dir_fd);
	if (d == NULL) {
		int err = -errno;
		close(dir_fd);
		return err;
	}
	struct listed *v = NULL;
	size_t n = 0, cap = 0;
	const size_t limit = 2 * max;
	int err = 0;
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(d);
		if (e == NULL) {
			err = -errno;
			break;
		}
		size_t len = strlen(e->d_name);
		struct stat st;
		if (dash_file_name_ok(e->d_name, len) != 0 ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !servable(&st))
			continue;
		if (n == limit)
			keep_newest(v, &n, max);
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			if (ncap > limit)
				ncap = limit;
			struct listed *nv = realloc(v, ncap * sizeof *nv);
			if (nv == NULL) {
				err = -ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		memcpy(v[n].name, e->d_name, len + 1);
		v[n].size = (uint64_t)st.st_size;
		v[n].mtime_ms = mtime_ms_of(&st);
		n++;
	}
	closedir(d);
	if (err) {
		free(v);
		return err;
	}
	keep_newest(v, &n, max);
	*out = v;
	*count = n;
	return 0;
}

int dash_list_json(int root_fd, enum dash_signal signal, size_t max_files, struct dash_buf *out)
{
	struct listed *v = NULL;
	size_t n = 0;
	int dir = max_files ? open_beneath(root_fd, dash_signal_dir(signal), O_DIRECTORY) : -ENOENT;
	if (dir >= 0) {
		int err = read_dir(dir, max_files, &v, &n);
		if (err)
			return err;
	} else if (dir != -ENOENT) {
		return dir;
	}
	int err = dash_buf_str(out, "{\"signal\":\"");
	if (!err)
		err = dash_buf_str(out, dash_signal_name(signal));
	if (!err)
		err = dash_buf_str(out, "\",\"files\":[");
	for (size_t i = 0; i < n && !err; i++) {
		err = dash_buf_str(out, i ? ",{\"name\":" : "{\"name\":");
		if (!err)
			err = dash_buf_json_str(out, v[i].name, strlen(v[i].name));
		if (!err)
			err = dash_buf_str(out, ",\"size\":");
		if (!err)
			err = dash_buf_u64(out, v[i].size);
		if (!err)
			err = dash_buf_str(out, ",\"mtime_ms\":");
		if (!err)
			err = dash_buf_i64(out, v[i].mtime_ms);
		if (!err)
			err = dash_buf_str(out, "}");
	}
	if (!err)
		err = dash_buf_str(out, "]}");
	free(v);
	return err;
}
