#include "endpoint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "fwd_limits.h"
#include "log.h"

void fwd_endpoint_init(struct fwd_endpoint *e, uint16_t port, fwd_resolve_ask_cb ask, void *ctx)
{
	memset(e, 0, sizeof *e);
	e->port = port;
	e->ask = ask;
	e->ctx = ctx;
}

void fwd_endpoint_set(struct fwd_endpoint *e, const struct msg_endpoint_addrs *m)
{
	e->addrs = *m;
	e->received = true;
	e->preferred = 0;
}

uint32_t fwd_endpoint_count(const struct fwd_endpoint *e)
{
	return e->received ? e->addrs.count : 0;
}

int fwd_endpoint_addr(const struct fwd_endpoint *e, uint32_t attempt, struct sockaddr_storage *out,
		      char *text, size_t cap)
{
	uint32_t n = fwd_endpoint_count(e);
	if (attempt >= n)
		return -ENOENT;
	const struct msg_endpoint_addr *a = &e->addrs.addrs[(e->preferred + attempt) % n];
	char ip[INET6_ADDRSTRLEN] = "?";
	memset(out, 0, sizeof *out);
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(e->port);
		memcpy(&sin->sin_addr, a->addr, 4);
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip);
		snprintf(text, cap, "%s:%u", ip, (unsigned)e->port);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(e->port);
		memcpy(&sin6->sin6_addr, a->addr, 16);
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof ip);
		snprintf(text, cap, "[%s]:%u", ip, (unsigned)e->port);
	}
	return 0;
}

void fwd_endpoint_worked(struct fwd_endpoint *e, uint32_t attempt)
{
	uint32_t n = fwd_endpoint_count(e);
	if (n > 0)
		e->preferred = (e->preferred + attempt) % n;
}

bool fwd_endpoint_failed(struct fwd_endpoint *e, uint64_t now_ms)
{
	if (e->asked_once && now_ms - e->last_ask_ms < FWD_RESOLVE_MIN_INTERVAL_MS)
		return false;
	e->asked_once = true;
	e->last_ask_ms = now_ms;
	e->resolves_asked++;
	int err = e->ask ? e->ask(e->ctx) : 0;
	if (err)
		log_warn("cannot ask the supervisor to resolve the endpoint: %s", strerror(-err));
	return err == 0;
}

uint64_t fwd_endpoint_next_ask_ms(const struct fwd_endpoint *e, uint64_t now_ms)
{
	if (!e->asked_once)
		return 0;
	uint64_t at = e->last_ask_ms + FWD_RESOLVE_MIN_INTERVAL_MS;
	return at > now_ms ? at - now_ms : 0;
}
