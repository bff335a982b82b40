/* The jail where chroot is not available (not root): a Landlock ruleset that
 * handles every filesystem right the running kernel knows, with one rule for
 * the jail directory. An empty jail gets no rule, so no file can be opened. */

#include <errno.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox_internal.h"

/* Rights newer than the 6.1 header we build against; the numbers are kernel
 * ABI and never change. Handling them where the kernel knows them matters:
 * a right that is not handled is allowed everywhere (ABI 3 made O_TRUNC and
 * truncate(2) a right of their own, ABI 5 ioctl on devices). */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

/* ABI 1: execute .. make_sym, the 13 rights Landlock started with. */
#define FS_RIGHTS_ABI1 ((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1)

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* What the writer does in its tree: no devices, fifos, sockets, symlinks
 * or execution. REFER lets it move a file between its subdirectories. */
#define FS_READ_WRITE                                                                        \
	(FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |           \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |                       \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE)

int sandbox_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	if (abi < 0)
		return errno == EOPNOTSUPP ? -EOPNOTSUPP : -ENOSYS;
	if (abi < 1 || abi > INT16_MAX)
		return -ENOSYS;
	return (int)abi;
}

int sandbox_landlock_available(void)
{
	int abi = sandbox_landlock_abi();

	return abi < 0 ? abi : 0;
}

static uint64_t handled_for_abi(int abi)
{
	uint64_t rights = FS_RIGHTS_ABI1;

	if (abi >= 2)
		rights |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		rights |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return rights;
}

static int jail_rights(enum sandbox_jail jail, uint64_t *out)
{
	switch (jail) {
	case SANDBOX_JAIL_EMPTY:
		*out = 0;
		return 0;
	case SANDBOX_JAIL_OUTPUT_RO:
		*out = FS_READ;
		return 0;
	case SANDBOX_JAIL_OUTPUT_RW:
		*out = FS_READ_WRITE;
		return 0;
	}
	return -EINVAL;
}

static int restrict_with(int ruleset, int jail_fd, uint64_t allowed, char *why, size_t why_len)
{
	if (allowed) {
		struct landlock_path_beneath_attr beneath = {
			.allowed_access = allowed,
			.parent_fd = jail_fd,
		};
		if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0))
			return sandbox_why(-errno, why, why_len, "landlock_add_rule: %s",
					   strerror(errno));
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return sandbox_why(-errno, why, why_len, "prctl(PR_SET_NO_NEW_PRIVS): %s",
				   strerror(errno));
	if (syscall(SYS_landlock_restrict_self, ruleset, 0))
		return sandbox_why(-errno, why, why_len, "landlock_restrict_self: %s",
				   strerror(errno));
	return 0;
}

int sandbox_landlock_confine(int jail_fd, enum sandbox_jail jail, char *why, size_t why_len)
{
	struct landlock_ruleset_attr attr;
	uint64_t wanted;
	int abi, ruleset, err;

	if (jail_rights(jail, &wanted))
		return sandbox_why(-EINVAL, why, why_len, "landlock: unknown jail kind %d", (int)jail);
	abi = sandbox_landlock_abi();
	if (abi < 0)
		return sandbox_why(abi, why, why_len, "landlock: not available here: %s",
				   strerror(-abi));
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = handled_for_abi(abi);
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		return sandbox_why(-errno, why, why_len, "landlock_create_ruleset: %s",
				   strerror(errno));
	err = restrict_with(ruleset, jail_fd, wanted & attr.handled_access_fs, why, why_len);
	close(ruleset);
	return err;
}
