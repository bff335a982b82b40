#include "identities.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static int copy_name(char *dst, size_t cap, const char *src)
{
	int n = snprintf(dst, cap, "%s", src);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int pick_user(const struct config *cfg, const char *child, struct identity *id)
{
	char dedicated[CONFIG_NAME_MAX];
	snprintf(dedicated, sizeof dedicated, "otlpd-%s", child);
	const char *candidates[] = {cfg->user, dedicated, "otlpd", "nobody"};
	size_t first = cfg->user[0] != '\0' ? 0 : 1;
	size_t last = cfg->user[0] != '\0' ? 1 : 4;

	for (size_t i = first; i < last; i++) {
		errno = 0;
		struct passwd *pw = getpwnam(candidates[i]);
		if (pw == NULL)
			continue;
		if (pw->pw_uid == 0) {
			log_error("user %s has uid 0; children never run as root", candidates[i]);
			return -EPERM;
		}
		id->uid = pw->pw_uid;
		return copy_name(id->user, sizeof id->user, candidates[i]);
	}
	log_error("no user to run the %s as: %s does not exist", child,
		  first == 0 ? cfg->user : "none of otlpd-<child>, otlpd, nobody");
	return -ENOENT;
}

static int pick_group(const struct config *cfg, struct identity *id)
{
	const char *candidates[] = {cfg->group, "otlpd", "nogroup"};
	size_t first = cfg->group[0] != '\0' ? 0 : 1;
	size_t last = cfg->group[0] != '\0' ? 1 : 3;

	for (size_t i = first; i < last; i++) {
		struct group *gr = getgrnam(candidates[i]);
		if (gr == NULL)
			continue;
		if (gr->gr_gid == 0) {
			log_error("group %s has gid 0; children never run in it", candidates[i]);
			return -EPERM;
		}
		id->gid = gr->gr_gid;
		return copy_name(id->group, sizeof id->group, candidates[i]);
	}
	log_error("no group for the children: %s does not exist",
		  first == 0 ? cfg->group : "neither otlpd nor nogroup");
	return -ENOENT;
}

int identity_pick(const struct config *cfg, enum sandbox_profile_id child, struct identity *out)
{
	memset(out, 0, sizeof *out);
	int err = pick_user(cfg, sandbox_profile_name(child), out);
	return err ? err : pick_group(cfg, out);
}

int identities_resolve(const struct config *cfg, struct identities *out)
{
	memset(out, 0, sizeof *out);
	out->root = geteuid() == 0;
	out->method = out->root ? JAIL_METHOD_CHROOT : JAIL_METHOD_LANDLOCK;

	if (!out->root) {
		int err = sandbox_landlock_available();
		if (err) {
			log_error("not running as root and Landlock is not available (%s): "
				  "the children cannot be confined; run otlpd as root so that "
				  "it can chroot them and drop privileges",
				  strerror(-err));
			return err;
		}
	}

	for (int p = 0; p < SANDBOX_PROFILE_COUNT; p++) {
		struct identity *id = &out->child[p];
		if (!out->root) {
			id->uid = getuid();
			id->gid = getgid();
			struct passwd *pw = getpwuid(id->uid);
			struct group *gr = getgrgid(id->gid);
			snprintf(id->user, sizeof id->user, "%s", pw ? pw->pw_name : "?");
			snprintf(id->group, sizeof id->group, "%s", gr ? gr->gr_name : "?");
			continue;
		}
		int err = identity_pick(cfg, (enum sandbox_profile_id)p, id);
		if (err)
			return err;
	}
	return 0;
}

void identity_describe(const struct identity *id, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s (uid %ld), group %s (gid %ld)", id->user, (long)id->uid, id->group,
		 (long)id->gid);
}
