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
	MSG_CREDENTIALS = 9,   /* sup -> forwarder: struct msg_credentials + fd; once, before SANDBOX */
	MSG_RESOLVE = 10,      /* forwarder -> sup: empty; resolve the endpoint's host again */
	MSG_ENDPOINT_ADDRS = 11, /* sup -> forwarder: struct msg_endpoint_addrs */
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

/* The descriptor holds the credentials: a file to pread from offset 0, or
 * a sealed memfd (credentials.h). */
struct msg_credentials {
	uint32_t source;   /* enum credentials_source */
	uint32_t reserved; /* zero */
};

/* The endpoint's addresses as the supervisor resolved them, in the order
 * getaddrinfo gave them; count 0 when resolving failed. The port is the
 * URL's, which the forwarder knows. */
#define MSG_ENDPOINT_ADDRS_MAX 8
struct msg_endpoint_addr {
	uint32_t family;  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order; 4 bytes used for AF_INET */
};
struct msg_endpoint_addrs {
	uint32_t count;
	uint32_t reserved; /* zero */
	struct msg_endpoint_addr addrs[MSG_ENDPOINT_ADDRS_MAX]; /* unused ones zero */
};

/* Typed getters: 0 when the payload has exactly the size of the struct (and
 * valid values), -EBADMSG otherwise. */
int msg_get_sandbox(const struct frame *f, struct msg_sandbox *out);
int msg_get_peer(const struct frame *f, struct msg_peer *out);
int msg_get_credit(const struct frame *f, struct msg_credit *out);
/* Needs the descriptor. */
int msg_get_credentials(const struct frame *f, struct msg_credentials *out);
int msg_get_endpoint_addrs(const struct frame *f, struct msg_endpoint_addrs *out);
int msg_get_empty(const struct frame *f);

const char *msg_type_name(uint32_t type);

#endif
