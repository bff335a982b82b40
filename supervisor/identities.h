#ifndef OTLPD_SUPERVISOR_IDENTITIES_H
#define OTLPD_SUPERVISOR_IDENTITIES_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "messages.h"
#include "sandbox.h"

/* Who each child runs as and how it is jailed, decided once at start-up. */
struct identity {
	uid_t uid;
	gid_t gid;
	char user[CONFIG_NAME_MAX];
	char group[CONFIG_NAME_MAX];
};

struct identities {
	bool root;                /* we can chroot and change ids */
	enum jail_method method;  /* chroot as root, Landlock otherwise */
	struct identity child[SANDBOX_PROFILE_COUNT];
};

/* As root: config user/group if set, else a dedicated otlpd-<child> user if
 * it exists, else otlpd, else nobody; group otlpd, else nogroup. uid or gid
 * 0 is refused. Not root: the current ids, and Landlock must be available.
 * Returns 0 or a negative errno after logging why. */
int identities_resolve(const struct config *cfg, struct identities *out);

/* The root case of identities_resolve for one child, whatever our own ids:
 * the names are looked up in the passwd and group databases. */
int identity_pick(const struct config *cfg, enum sandbox_profile_id child, struct identity *out);

/* "otlpd-receiver (uid 998, gid 997)" */
void identity_describe(const struct identity *id, char *buf, size_t cap);

#endif
