#include "jails.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* mkdir -p; the last component gets mode, parents 0755. */
static int make_path(const char *path, mode_t mode)
{
	char buf[CONFIG_PATH_MAX];
	int n = snprintf(buf, sizeof buf, "%s", path);
	if (n < 0 || (size_t)n >= sizeof buf)
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int dir_is_empty(int fd)
{
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -errno;
	DIR *d = fdopendir(dup_fd);
	if (d == NULL) {
		int err = -errno;
		close(dup_fd);
		return err;
	}
	int empty = 1;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	}
	closedir(d);
	return empty;
}

static int open_output(const struct config *cfg, const struct identities *ids, int *out)
{
	int err = make_path(cfg->output_dir, 0750);
	if (err) {
		log_error("output_dir %s: cannot create: %s", cfg->output_dir, strerror(-err));
		return err;
	}
	int fd = open(cfg->output_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		log_error("output_dir %s: cannot open: %s", cfg->output_dir, strerror(-err));
		return err;
	}
	if (ids->root) {
		/* The writer owns the data; the shared group (setgid bit) lets the
		 * dashboard read what the writer creates, and nobody else. */
		const struct identity *w = &ids->child[SANDBOX_WRITER];
		if (fchown(fd, w->uid, w->gid) != 0 || fchmod(fd, 02750) != 0) {
			err = -errno;
			log_error("output_dir %s: cannot hand it to %s: %s", cfg->output_dir, w->user,
				  strerror(-err));
			close(fd);
			return err;
		}
	}
	*out = fd;
	return 0;
}

static int open_empty(const struct config *cfg, const struct identities *ids, int *out)
{
	if (!ids->root) {
		/* Landlock grants these children no file access at all, so any
		 * directory does as the starting point; "/" always exists. */
		int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		*out = fd;
		return 0;
	}
	const char *path = cfg->sandbox.empty_dir;
	int err = make_path(path, 0555);
	int fd = err ? -1 : open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (!err && fd < 0)
		err = -errno;
	struct stat st;
	if (!err && fstat(fd, &st) != 0)
		err = -errno;
	if (err) {
		log_error("sandbox.empty_dir %s: %s", path, strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	int empty = dir_is_empty(fd);
	if (st.st_uid != 0 || (st.st_mode & 022) != 0 || empty != 1) {
		log_error("sandbox.empty_dir %s must be an empty directory owned by root and "
			  "not writable by group or others",
			  path);
		close(fd);
		return -EPERM;
	}
	*out = fd;
	return 0;
}

int jails_open(const struct config *cfg, const struct identities *ids, struct jails *out)
{
	out->output_fd = out->empty_fd = -1;
	int err = open_output(cfg, ids, &out->output_fd);
	if (!err)
		err = open_empty(cfg, ids, &out->empty_fd);
	if (err)
		jails_close(out);
	return err;
}

void jails_close(struct jails *j)
{
	if (j->output_fd >= 0)
		close(j->output_fd);
	if (j->empty_fd >= 0)
		close(j->empty_fd);
	j->output_fd = j->empty_fd = -1;
}

int jails_fd_for(const struct jails *j, enum sandbox_profile_id profile)
{
	return sandbox_profile_jail(profile) == SANDBOX_JAIL_EMPTY ? j->empty_fd : j->output_fd;
}
