#ifndef OTLPD_ENDPOINT_URL_H
#define OTLPD_ENDPOINT_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* forwarding.endpoint_url, parsed by liburiparser: the supervisor checks it
 * at start-up (and --check-config) and resolves its host; the forwarder
 * parses it again to build requests. Only http and https, a host (a DNS
 * name in ASCII, an IPv4 address or a bracketed IPv6 address), an optional
 * port and an optional base path; the signal path (/v1/traces, ...) is
 * appended to the base path. */

#define ENDPOINT_HOST_MAX 254 /* 253 characters of a DNS name + NUL */

struct endpoint_url {
	bool tls;        /* https */
	bool host_is_ip; /* a literal address: nothing to resolve */
	char host[ENDPOINT_HOST_MAX]; /* without the brackets of an IPv6 literal */
	bool host_is_ipv6;
	uint16_t port;   /* given, or 80 / 443 */
	bool port_given;
	char base_path[CONFIG_URL_MAX]; /* "" or "/a/b", never a trailing '/' */
};

/* Returns 0, or -EINVAL with why set to a sentence that says what is wrong
 * (never repeating user:password parts of the text). */
int endpoint_url_parse(const char *text, struct endpoint_url *out, char *why, size_t why_len);

/* base_path + "/v1/" + signal ("traces", "metrics", "logs"). Returns 0 or
 * -ENOBUFS. */
int endpoint_url_signal_path(const struct endpoint_url *u, const char *signal, char *buf,
			     size_t cap);

/* The Host header's value: "host", "host:8443", "[::1]:4318" (the port only
 * when it is not the scheme's default). Returns 0 or -ENOBUFS. */
int endpoint_url_authority(const struct endpoint_url *u, char *buf, size_t cap);

#endif
