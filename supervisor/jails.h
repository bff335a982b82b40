#ifndef OTLPD_SUPERVISOR_JAILS_H
#define OTLPD_SUPERVISOR_JAILS_H

#include "config.h"
#include "identities.h"

/* Directory descriptors the children are jailed in. The children get the
 * descriptor, never the path (practice 2). */
struct jails {
	int output_fd; /* output_dir: writer read-write, dashboard read-only */
	int empty_fd;  /* sandbox.empty_dir: receiver and forwarder */
};

/* Creates output_dir (owned by the writer's user, group-readable for the
 * dashboard) and, as root, the empty directory (root-owned, mode 0555,
 * checked to be empty). Returns 0 or a negative errno after logging. */
int jails_open(const struct config *cfg, const struct identities *ids, struct jails *out);
void jails_close(struct jails *j);
int jails_fd_for(const struct jails *j, enum sandbox_profile_id profile);

#endif
