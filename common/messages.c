#include "messages.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* Payload structs travel in host byte order (both ends are on one machine)
 * and are copied, never cast, because payloads have no alignment. */
_Static_assert(sizeof(struct msg_sandbox) == 16, "msg_sandbox has no padding");
_Static_assert(sizeof(struct msg_peer) == 4, "msg_peer has no padding");
_Static_assert(sizeof(struct msg_credit) == 16, "msg_credit has no padding");
_Static_assert(sizeof(struct msg_credentials) == 8, "msg_credentials has no padding");
_Static_assert(sizeof(struct msg_endpoint_addrs) == 8 + 20 * MSG_ENDPOINT_ADDRS_MAX,
	       "msg_endpoint_addrs has no padding");

static int copy_exact(const struct frame *f, void *out, size_t size)
{
	if (f->h.len != size)
		return -EBADMSG;
	memcpy(out, f->payload, size);
	return 0;
}

int msg_get_sandbox(const struct frame *f, struct msg_sandbox *out)
{
	struct msg_sandbox m;
	if (f->fd >= 0 || copy_exact(f, &m, sizeof m) < 0)
		return -EBADMSG;
	if (m.jail_method < JAIL_METHOD_CHROOT || m.jail_method > JAIL_METHOD_LANDLOCK)
		return -EBADMSG;
	/* SECCOMP_MODE_ENFORCE (0) or SECCOMP_MODE_LOG (1), config.h. */
	if (m.seccomp_mode > 1)
		return -EBADMSG;
	*out = m;
	return 0;
}

/* The passed channel is the point of MSG_PEER_CHANNEL: no descriptor, no
 * message. */
int msg_get_peer(const struct frame *f, struct msg_peer *out)
{
	struct msg_peer m;
	if (f->fd < 0 || copy_exact(f, &m, sizeof m) < 0)
		return -EBADMSG;
	if (m.peer < PEER_RECEIVER || m.peer > PEER_FORWARDER)
		return -EBADMSG;
	*out = m;
	return 0;
}

int msg_get_credit(const struct frame *f, struct msg_credit *out)
{
	struct msg_credit m;
	if (f->fd >= 0 || copy_exact(f, &m, sizeof m) < 0)
		return -EBADMSG;
	if (m.reserved != 0)
		return -EBADMSG;
	*out = m;
	return 0;
}

int msg_get_credentials(const struct frame *f, struct msg_credentials *out)
{
	struct msg_credentials m;
	if (f->fd < 0 || copy_exact(f, &m, sizeof m) < 0)
		return -EBADMSG;
	/* CREDENTIALS_FILE (1) .. CREDENTIALS_INLINE (3), credentials.h */
	if (m.source < 1 || m.source > 3 || m.reserved != 0)
		return -EBADMSG;
	*out = m;
	return 0;
}

int msg_get_endpoint_addrs(const struct frame *f, struct msg_endpoint_addrs *out)
{
	static const struct msg_endpoint_addr zero;
	struct msg_endpoint_addrs m;
	if (f->fd >= 0 || copy_exact(f, &m, sizeof m) < 0)
		return -EBADMSG;
	if (m.count > MSG_ENDPOINT_ADDRS_MAX || m.reserved != 0)
		return -EBADMSG;
	for (uint32_t i = 0; i < MSG_ENDPOINT_ADDRS_MAX; i++) {
		const struct msg_endpoint_addr *a = &m.addrs[i];
		if (i >= m.count) {
			if (memcmp(a, &zero, sizeof zero) != 0)
				return -EBADMSG;
			continue;
		}
		if (a->family != AF_INET && a->family != AF_INET6)
			return -EBADMSG;
		for (size_t b = a->family == AF_INET ? 4 : 16; b < sizeof a->addr; b++)
			if (a->addr[b] != 0)
				return -EBADMSG;
	}
	*out = m;
	return 0;
}

int msg_get_empty(const struct frame *f)
{
	return f->h.len == 0 && f->fd < 0 ? 0 : -EBADMSG;
}

const char *msg_type_name(uint32_t type)
{
	switch (type) {
	case MSG_CONFIG:
		return "CONFIG";
	case MSG_SANDBOX:
		return "SANDBOX";
	case MSG_READY:
		return "READY";
	case MSG_STATS:
		return "STATS";
	case MSG_SHUTDOWN:
		return "SHUTDOWN";
	case MSG_PEER_CHANNEL:
		return "PEER_CHANNEL";
	case MSG_STATS_SNAPSHOT:
		return "STATS_SNAPSHOT";
	case MSG_CREDIT:
		return "CREDIT";
	case MSG_CREDENTIALS:
		return "CREDENTIALS";
	case MSG_RESOLVE:
		return "RESOLVE";
	case MSG_ENDPOINT_ADDRS:
		return "ENDPOINT_ADDRS";
	case MSG_EXPORT_TRACES:
		return "EXPORT_TRACES";
	case MSG_EXPORT_METRICS:
		return "EXPORT_METRICS";
	case MSG_EXPORT_LOGS:
		return "EXPORT_LOGS";
	default:
		return "unknown";
	}
}
