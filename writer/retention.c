#include "retention.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define SUFFIX ".arrows"
#define ENTRY_NAME_MAX 96

struct entry {
	char name[ENTRY_NAME_MAX];
	uint64_t size;
	int64_t mtime;
	uint32_t dir;
	bool open;
};

struct entries {
	struct entry *v; /* owned */
	size_t n, cap;
};

static bool ours(const char *name, const char *prefix)
{
	size_t len = strlen(name), plen = strlen(prefix), slen = sizeof SUFFIX - 1;
	return len < ENTRY_NAME_MAX && len > plen + slen && memcmp(name, prefix, plen) == 0 &&
	       memcmp(name + len - slen, SUFFIX, slen) == 0;
}

static int push(struct entries *e, const struct entry *x)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		struct entry *v = realloc(e->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = *x;
	return 0;
}

static int remove_file(const struct retention_dir *d, const char *name, uint64_t size,
		       struct retention_result *res)
{
	if (unlinkat(d->dirfd, name, 0) != 0) {
		if (errno == ENOENT)
			return 0;
		int err = -errno;
		log_warn("cannot remove %s: %s", name, strerror(-err));
		return err;
	}
	res->removed_files++;
	res->removed_bytes += size;
	return 0;
}

/* Another file may go; if not, there is more to do next time. */
static bool may_remove(struct retention_result *res, uint32_t max_remove)
{
	if (max_remove == 0 || res->removed_files < max_remove)
		return true;
	res->more = true;
	return false;
}

/* Lists one directory: files past their age go now, the rest are kept. */
static int scan_dir(const struct retention_dir *d, uint32_t index, int64_t now,
		    uint32_t max_remove, struct entries *kept, struct retention_result *res)
{
	/* closedir closes the fd that fdopendir takes, so it gets its own. */
	int fd = openat(d->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		int err = -errno;
		close(fd);
		return err;
	}
	int first_err = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(dir);
		if (!de) {
			if (errno && !first_err)
				first_err = -errno;
			break;
		}
		if (!ours(de->d_name, d->prefix))
			continue;
		struct stat st;
		if (fstatat(d->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		struct entry x = {.size = (uint64_t)st.st_size, .mtime = st.st_mtime, .dir = index};
		memcpy(x.name, de->d_name, strlen(de->d_name) + 1);
		x.open = d->open_name && strcmp(x.name, d->open_name) == 0;
		int err = 0;
		bool expired = !x.open && now - x.mtime >= d->max_age_secs;
		if (expired && may_remove(res, max_remove))
			err = remove_file(d, x.name, x.size, res);
		else
			err = push(kept, &x);
		if (err && !first_err)
			first_err = err;
	}
	closedir(dir);
	return first_err;
}

static int oldest_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

int retention_run(const struct retention_dir *dirs, size_t ndirs, uint64_t max_total_bytes,
		  uint32_t max_remove, int64_t now, struct retention_result *res)
{
	struct entries kept = {0};
	int first_err = 0;
	*res = (struct retention_result){0};
	for (size_t i = 0; i < ndirs; i++) {
		int err = scan_dir(&dirs[i], (uint32_t)i, now, max_remove, &kept, res);
		if (err && !first_err)
			first_err = err;
	}
	uint64_t total = 0;
	for (size_t i = 0; i < kept.n; i++)
		total += kept.v[i].size;
	if (total > max_total_bytes) {
		qsort(kept.v, kept.n, sizeof *kept.v, oldest_first);
		for (size_t i = 0; i < kept.n && total > max_total_bytes; i++) {
			struct entry *x = &kept.v[i];
			if (x->open)
				continue;
			if (!may_remove(res, max_remove))
				break;
			int err = remove_file(&dirs[x->dir], x->name, x->size, res);
			if (err) {
				if (!first_err)
					first_err = err;
				continue;
			}
			total -= x->size; /* removed, or gone already */
			x->name[0] = '\0';
		}
	}
	for (size_t i = 0; i < kept.n; i++) {
		if (kept.v[i].name[0])
			res->kept_files++;
	}
	res->kept_bytes = total;
	free(kept.v);
	return first_err;
}

