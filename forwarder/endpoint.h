#ifndef OTLPD_FORWARDER_ENDPOINT_H
#define OTLPD_FORWARDER_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "messages.h"

/* The endpoint's addresses. The forwarder has no DNS (its jail is empty and
 * its sandbox has no way to reach a resolver): the supervisor resolves the
 * host and sends the addresses (MSG_ENDPOINT_ADDRS). A new connection tries
 * them in order, starting with the one that worked last; when all fail the
 * supervisor is asked to resolve again (MSG_RESOLVE), at most every
 * FWD_RESOLVE_MIN_INTERVAL_MS. */

typedef int (*fwd_resolve_ask_cb)(void *ctx);

struct fwd_endpoint {
	struct msg_endpoint_addrs addrs;
	bool received;   /* an answer came (maybe with no address) */
	uint32_t preferred;
	uint16_t port;
	uint64_t last_ask_ms;
	bool asked_once;
	fwd_resolve_ask_cb ask;
	void *ctx;
	uint64_t resolves_asked;
};

void fwd_endpoint_init(struct fwd_endpoint *e, uint16_t port, fwd_resolve_ask_cb ask, void *ctx);
void fwd_endpoint_set(struct fwd_endpoint *e, const struct msg_endpoint_addrs *m);
uint32_t fwd_endpoint_count(const struct fwd_endpoint *e);
/* The address for the attempt-th try of a connection (0-based, starting at
 * the preferred one) with the port set, and its text for logs. Returns 0 or
 * -ENOENT past the last. */
int fwd_endpoint_addr(const struct fwd_endpoint *e, uint32_t attempt, struct sockaddr_storage *out,
		      char *text, size_t cap);
void fwd_endpoint_worked(struct fwd_endpoint *e, uint32_t attempt);
/* Every address failed or there is none: asks for a new resolution unless
 * one was asked for less than FWD_RESOLVE_MIN_INTERVAL_MS ago. Returns true
 * when it asked. */
bool fwd_endpoint_failed(struct fwd_endpoint *e, uint64_t now_ms);
/* Milliseconds until fwd_endpoint_failed would ask again. */
uint64_t fwd_endpoint_next_ask_ms(const struct fwd_endpoint *e, uint64_t now_ms);

#endif
