#include "secret.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The secret's bytes live in pages of their own, right after this header in
 * the same mapping, so locking and wiping cover exactly what was mapped. */
struct secret {
	size_t map_len;
	size_t len;
	uint8_t data[];
};

void secret_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}

int secret_new(const void *src, size_t len, struct secret **out)
{
	*out = NULL;
	if (src == NULL || len == 0 || len > SECRET_MAX_BYTES)
		return -EINVAL;

	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		page = 4096;
	size_t need = sizeof(struct secret) + len;
	size_t map_len = (need + (size_t)page - 1) / (size_t)page * (size_t)page;

	void *m = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	/* Never swapped, never in a core file, never inherited by a fork. The
	 * raw system call, because sanitizer runtimes replace mlock() with a
	 * no-op. */
	if (syscall(SYS_mlock, m, map_len) != 0 || madvise(m, map_len, MADV_DONTDUMP) != 0 ||
	    madvise(m, map_len, MADV_DONTFORK) != 0) {
		int err = -errno;
		munmap(m, map_len);
		return err;
	}

	struct secret *s = m;
	s->map_len = map_len;
	s->len = len;
	memcpy(s->data, src, len);
	*out = s;
	return 0;
}

const uint8_t *secret_data(const struct secret *s)
{
	return s->data;
}

size_t secret_len(const struct secret *s)
{
	return s->len;
}

void secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	size_t map_len = s->map_len;
	explicit_bzero(s, map_len);
	/* munmap drops the lock with the mapping; a separate munlock would be
	 * one more system call for the forwarder's sandbox to allow. */
	munmap(s, map_len);
}

const char *secret_redacted(const struct secret *s)
{
	(void)s;
	return "[REDACTED]";
}
