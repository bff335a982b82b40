#ifndef OTLPD_MESSAGES_H
#define OTLPD_MESSAGES_H

#include <stdint.h>

#include "framing.h"

/* Every message type of every channel. Which process may send which type on
 * which channel is declared by the topology table in each process. */
enum msg_type {
	MSG_CONFIG = 1,        /* sup -> child: "key=value\n" lines */
	MSG_SANDBOX = 2,       /* sup -> child: struct msg_sandbox */
	MSG_READY = 3,         /* child -> sup: empty */
	MSG_STATS = 4,         /* child -> sup: "name value\n" lines */
	MSG_SHUTDOWN = 5,      /* sup -> child: empty; finish work, then exit 0 */
	MSG_PEER_CHANNEL = 6,  /* sup -> child: struct msg_peer + fd of a new data channel */
	MSG_STATS_SNAPSHOT = 7,/* sup -> dashboard: "process.name value\n" lines */
	MSG_CREDIT = 8,        /* data queue consumer -> producer: struct msg_credit */
	MSG_EXPORT_TRACES = 16,  /* data: ExportTraceServiceRequest protobuf */
	MSG_EXPORT_METRICS = 17, /* data: ExportMetricsServiceRequest protobuf */
	MSG_EXPORT_LOGS = 18,    /* data: ExportLogsServiceRequest protobuf */
};

#define MSG_BIT(t) (UINT64_C(1) << (t))

enum jail_method {
	JAIL_METHOD_CHROOT = 1,
	JAIL_METHOD_LANDLOCK = 2,
};

struct msg_sandbox {
	uint32_t uid;
	uint32_t gid;
	uint32_t jail_method;  /* enum jail_method */
	uint32_t seccomp_mode; /* enum sandbox_seccomp_mode */
};

enum peer_id {
	PEER_RECEIVER = 1,
	PEER_WRITER = 2,
	PEER_FORWARDER = 3,
};

struct msg_peer {
	uint32_t peer; /* enum peer_id at the other end of the passed channel */
};

struct msg_credit {
	uint32_t msgs;
	uint32_t reserved; /* zero */
	uint64_t bytes;
};

/* Typed getters: 0 when the payload has exactly the size of the struct (and
 * valid values), -EBADMSG otherwise. */
int msg_get_sandbox(const struct frame *f, struct msg_sandbox *out);
int msg_get_peer(const struct frame *f, struct msg_peer *out);
int msg_get_credit(const struct frame *f, struct msg_credit *out);
int msg_get_empty(const struct frame *f);

const char *msg_type_name(uint32_t type);

#endif
