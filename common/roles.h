#ifndef OTLPD_ROLES_H
#define OTLPD_ROLES_H

/* The five processes. A bit mask of these says which processes a config key
 * is sent to, so each child receives only the config it needs. */
enum role {
	ROLE_SUPERVISOR = 1u << 0,
	ROLE_RECEIVER = 1u << 1,
	ROLE_WRITER = 1u << 2,
	ROLE_FORWARDER = 1u << 3,
	ROLE_DASHBOARD = 1u << 4,
};

#define ROLE_CHILDREN (ROLE_RECEIVER | ROLE_WRITER | ROLE_FORWARDER | ROLE_DASHBOARD)
#define ROLE_ALL (ROLE_SUPERVISOR | ROLE_CHILDREN)

/* Fixed descriptor numbers in every child (practice 1: only what is passed). */
enum child_fd {
	CHILD_FD_CONTROL = 3, /* socketpair end to the supervisor */
	CHILD_FD_JAIL = 4,    /* directory to chroot into or to confine to */
	CHILD_FD_ROLE = 5,    /* first role-specific descriptor, see each main.c */
};

#endif
