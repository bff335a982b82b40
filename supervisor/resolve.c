#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "endpoint_url.h"
#include "log.h"
#include "messages.h"
#include "supervisor.h"

/* DNS for the forwarder. Its jail is empty and its sandbox cannot reach a
 * resolver (no files, no /etc/resolv.conf, no UDP), so the supervisor
 * resolves the endpoint's host (getaddrinfo on libuv's thread pool) and
 * sends the addresses; the forwarder asks again (MSG_RESOLVE) when it can
 * connect to none of them. A forwarder cannot make the supervisor resolve
 * anything else, nor more often than every SUP_RESOLVE_MIN_INTERVAL_MS. */

static uint64_t now_ms(const struct sup *s)
{
	return uv_now(s->loop);
}

static void send_addrs(struct sup *s)
{
	struct sup_resolver *r = &s->resolver;
	struct proc *f = &s->procs[SANDBOX_FORWARDER];
	if (!r->have || f->state != PROC_READY || !f->control)
		return;
	int err = channel_send(f->control, MSG_ENDPOINT_ADDRS, &r->addrs, sizeof r->addrs, -1);
	if (err)
		log_warn("cannot send the endpoint's addresses to the forwarder: %s", strerror(-err));
}

static bool seen(const struct msg_endpoint_addrs *m, const struct msg_endpoint_addr *a)
{
	for (uint32_t i = 0; i < m->count; i++)
		if (memcmp(&m->addrs[i], a, sizeof *a) == 0)
			return true;
	return false;
}

static void describe(const struct msg_endpoint_addrs *m, char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = '\0';
	for (uint32_t i = 0; i < m->count; i++) {
		char ip[INET6_ADDRSTRLEN];
		inet_ntop((int)m->addrs[i].family, m->addrs[i].addr, ip, sizeof ip);
		int n = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", ip);
		if (n < 0 || (size_t)n >= cap - used)
			return;
		used += (size_t)n;
	}
}

static void start(struct sup *s);

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct sup *s = req->data;
	struct sup_resolver *r = &s->resolver;
	r->busy = false;
	if (status == UV_ECANCELED || s->stopping) {
		uv_freeaddrinfo(res);
		return;
	}
	struct msg_endpoint_addrs m;
	memset(&m, 0, sizeof m);
	for (struct addrinfo *ai = status == 0 ? res : NULL; ai && m.count < MSG_ENDPOINT_ADDRS_MAX;
	     ai = ai->ai_next) {
		struct msg_endpoint_addr a;
		memset(&a, 0, sizeof a);
		if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(struct sockaddr_in)) {
			struct sockaddr_in sin;
			memcpy(&sin, ai->ai_addr, sizeof sin);
			a.family = AF_INET;
			memcpy(a.addr, &sin.sin_addr, 4);
		} else if (ai->ai_family == AF_INET6 &&
			   ai->ai_addrlen >= sizeof(struct sockaddr_in6)) {
			struct sockaddr_in6 sin6;
			memcpy(&sin6, ai->ai_addr, sizeof sin6);
			a.family = AF_INET6;
			memcpy(a.addr, &sin6.sin6_addr, 16);
		} else {
			continue;
		}
		if (!seen(&m, &a))
			m.addrs[m.count++] = a;
	}
	uv_freeaddrinfo(res);
	if (m.count == 0) {
		log_warn("cannot resolve the forwarding endpoint %s: %s", r->host,
			 status ? uv_strerror(status) : "no IPv4 or IPv6 address");
		/* Addresses that were known stay in use; without any, the
		 * forwarder learns that there are none and asks again later. */
		if (!r->have || r->addrs.count == 0) {
			r->addrs = m;
			r->have = true;
			send_addrs(s);
		}
	} else {
		char text[512];
		describe(&m, text, sizeof text);
		if (!r->have || memcmp(&m, &r->addrs, sizeof m) != 0)
			log_info("forwarding endpoint %s resolves to %s", r->host, text);
		r->addrs = m;
		r->have = true;
		send_addrs(s);
	}
	if (r->again) {
		r->again = false;
		sup_resolve_request(s);
	}
}

static void start(struct sup *s)
{
	struct sup_resolver *r = &s->resolver;
	struct addrinfo hints;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/* No AI_ADDRCONFIG: it hides ::1 and 127.0.0.1 on hosts whose only
	 * addresses of that family are loopback ones. An address the host
	 * cannot reach fails fast and the forwarder tries the next. */
	hints.ai_flags = r->numeric ? AI_NUMERICHOST : 0;
	r->req.data = s;
	r->last_start_ms = now_ms(s);
	r->started_once = true;
	int err = uv_getaddrinfo(s->loop, &r->req, on_resolved, r->host, r->port, &hints);
	if (err) {
		log_warn("cannot resolve %s: %s", r->host, uv_strerror(err));
		return;
	}
	r->busy = true;
}

static void on_delay(uv_timer_t *t)
{
	struct sup *s = t->data;
	if (!s->stopping && !s->resolver.busy)
		start(s);
}

int sup_resolve_init(struct sup *s)
{
	struct sup_resolver *r = &s->resolver;
	memset(r, 0, sizeof *r);
	uv_timer_init(s->loop, &r->delay);
	r->delay.data = s;
	if (!s->cfg->forwarding.enabled)
		return 0;
	struct endpoint_url url;
	char why[256];
	if (endpoint_url_parse(s->cfg->forwarding.endpoint_url, &url, why, sizeof why) != 0) {
		log_error("forwarding.endpoint_url: %s", why);
		return -EINVAL;
	}
	snprintf(r->host, sizeof r->host, "%s", url.host);
	snprintf(r->port, sizeof r->port, "%u", (unsigned)url.port);
	r->numeric = url.host_is_ip;
	r->enabled = true;
	start(s);
	return 0;
}

void sup_resolve_request(struct sup *s)
{
	struct sup_resolver *r = &s->resolver;
	if (!r->enabled || s->stopping)
		return;
	if (r->busy) {
		r->again = true;
		return;
	}
	if (uv_is_active((uv_handle_t *)&r->delay))
		return;
	uint64_t now = now_ms(s);
	uint64_t next = r->last_start_ms + SUP_RESOLVE_MIN_INTERVAL_MS;
	if (!r->started_once || now >= next)
		start(s);
	else
		uv_timer_start(&r->delay, on_delay, next - now, 0);
}

void sup_resolve_forwarder_ready(struct sup *s)
{
	send_addrs(s);
}

void sup_resolve_stop(struct sup *s)
{
	struct sup_resolver *r = &s->resolver;
	uv_timer_stop(&r->delay);
	if (r->busy)
		uv_cancel((uv_req_t *)&r->req);
}
