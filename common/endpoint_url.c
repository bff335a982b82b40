#include "endpoint_url.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <uriparser/Uri.h>

#define DNS_LABEL_MAX 63
#define DNS_NAME_MAX 253

static int fail(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t cap, const char *fmt, ...)
{
	if (why && cap > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, cap, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static size_t range_len(const UriTextRangeA *r)
{
	return r->first && r->afterLast > r->first ? (size_t)(r->afterLast - r->first) : 0;
}

static bool range_given(const UriTextRangeA *r)
{
	return r->first != NULL;
}

/* Letters, digits, '-' and '_' in dot-separated labels of 1..63 characters;
 * no label starts or ends with '-'. */
static bool valid_dns_name(const char *s, size_t len)
{
	if (len == 0 || len > DNS_NAME_MAX)
		return false;
	size_t label = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (label == 0 || label > DNS_LABEL_MAX || s[i - 1] == '-' ||
			    s[i - label] == '-')
				return false;
			label = 0;
			continue;
		}
		char ch = s[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
		if (!ok)
			return false;
		label++;
	}
	return true;
}

static int parse_port(const UriTextRangeA *r, struct endpoint_url *out, char *why, size_t cap)
{
	size_t len = range_len(r);
	if (len == 0)
		return 0;
	unsigned long v = 0;
	for (size_t i = 0; i < len; i++) {
		char ch = r->first[i];
		if (ch < '0' || ch > '9')
			return fail(why, cap, "the port is not a number");
		v = v * 10 + (unsigned long)(ch - '0');
		if (v > 65535)
			break;
	}
	if (v < 1 || v > 65535)
		return fail(why, cap, "the port is out of range (allowed 1..65535)");
	out->port = (uint16_t)v;
	out->port_given = true;
	return 0;
}

static int parse_host(const UriUriA *uri, struct endpoint_url *out, char *why, size_t cap)
{
	size_t len = range_len(&uri->hostText);
	if (len == 0)
		return fail(why, cap, "the URL has no host");
	if (uri->hostData.ipFuture.first != NULL)
		return fail(why, cap, "the host is an IPvFuture literal, which is not supported");
	if (len >= sizeof out->host)
		return fail(why, cap, "the host is longer than %d characters", DNS_NAME_MAX);
	memcpy(out->host, uri->hostText.first, len);
	out->host[len] = '\0';
	if (uri->hostData.ip6 != NULL) {
		out->host_is_ip = true;
		out->host_is_ipv6 = true;
		return 0;
	}
	if (uri->hostData.ip4 != NULL) {
		out->host_is_ip = true;
		return 0;
	}
	if (!valid_dns_name(out->host, len))
		return fail(why, cap,
			    "the host is not a DNS name (letters, digits, '-' and '_' in labels of "
			    "1..63 characters, no percent-encoding), an IPv4 address or an IPv6 "
			    "address in brackets");
	return 0;
}

/* Joins the segments as they were written (percent-encoding kept), without
 * a trailing '/'. */
static int join_path(const UriUriA *uri, struct endpoint_url *out, char *why, size_t cap)
{
	size_t used = 0;
	out->base_path[0] = '\0';
	for (const UriPathSegmentA *seg = uri->pathHead; seg; seg = seg->next) {
		size_t len = range_len(&seg->text);
		if (len == 0 && seg->next == NULL)
			break; /* the trailing slash */
		if (len == 0)
			return fail(why, cap, "the path has an empty segment (\"//\")");
		if (used + 1 + len >= sizeof out->base_path)
			return fail(why, cap, "the path is too long");
		out->base_path[used++] = '/';
		memcpy(out->base_path + used, seg->text.first, len);
		used += len;
		out->base_path[used] = '\0';
	}
	static const char *const signal_paths[] = { "/v1/traces", "/v1/metrics", "/v1/logs" };
	for (size_t i = 0; i < sizeof signal_paths / sizeof signal_paths[0]; i++) {
		size_t n = strlen(signal_paths[i]);
		if (used >= n && strcmp(out->base_path + used - n, signal_paths[i]) == 0)
			return fail(why, cap,
				    "the path ends in %s: give the base URL, otlpd appends /v1/traces, "
				    "/v1/metrics and /v1/logs itself",
				    signal_paths[i]);
	}
	return 0;
}

static int check_ascii(const char *text, char *why, size_t cap)
{
	const char *p = text;
	for (; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch >= 0x80) {
			const char *scheme_end = strstr(text, "://");
			const char *host = scheme_end ? scheme_end + 3 : text;
			size_t host_end = strcspn(host, "/?#");
			bool in_host = p >= host && p < host + host_end;
			return fail(why, cap, in_host
						      ? "the host has non-ASCII characters: write an "
							"internationalized domain name in its ASCII "
							"(punycode, xn--...) form"
						      : "the URL has non-ASCII characters: percent-encode "
							"them");
		}
		if (ch <= 0x20 || ch == 0x7f)
			return fail(why, cap, "the URL contains a space or a control character");
	}
	return 0;
}

int endpoint_url_parse(const char *text, struct endpoint_url *out, char *why, size_t why_len)
{
	memset(out, 0, sizeof *out);
	if (text == NULL || text[0] == '\0')
		return fail(why, why_len, "the URL is empty");
	int err = check_ascii(text, why, why_len);
	if (err)
		return err;

	UriUriA uri;
	const char *error_pos = NULL;
	if (uriParseSingleUriA(&uri, text, &error_pos) != URI_SUCCESS)
		return fail(why, why_len, "not a valid URL (the problem is at character %ld)",
			    error_pos ? (long)(error_pos - text) + 1 : 1L);

	size_t scheme_len = range_len(&uri.scheme);
	if (scheme_len == 5 && strncasecmp(uri.scheme.first, "https", 5) == 0)
		out->tls = true;
	else if (!(scheme_len == 4 && strncasecmp(uri.scheme.first, "http", 4) == 0))
		err = fail(why, why_len, "the scheme must be http or https");

	/* A user:password@ part would put a secret into the config, which is
	 * printed and sent to processes that must not see it. */
	if (!err && range_given(&uri.userInfo))
		err = fail(why, why_len,
			   "the URL has a user:password@ part; put credentials into "
			   "forwarding.authentication instead");
	if (!err)
		err = parse_host(&uri, out, why, why_len);
	if (!err)
		err = parse_port(&uri.portText, out, why, why_len);
	if (!err && !out->port_given)
		out->port = out->tls ? 443 : 80;
	if (!err && (range_given(&uri.query) || range_given(&uri.fragment)))
		err = fail(why, why_len,
			   "the URL has a ?query or #fragment, which OTLP endpoints do not take");
	if (!err)
		err = join_path(&uri, out, why, why_len);
	uriFreeUriMembersA(&uri);
	if (err)
		memset(out, 0, sizeof *out);
	return err;
}

int endpoint_url_signal_path(const struct endpoint_url *u, const char *signal, char *buf,
			     size_t cap)
{
	int n = snprintf(buf, cap, "%s/v1/%s", u->base_path, signal);
	return n < 0 || (size_t)n >= cap ? -ENOBUFS : 0;
}

int endpoint_url_authority(const struct endpoint_url *u, char *buf, size_t cap)
{
	bool default_port = u->port == (u->tls ? 443 : 80);
	int n;
	if (u->host_is_ipv6)
		n = default_port ? snprintf(buf, cap, "[%s]", u->host)
				 : snprintf(buf, cap, "[%s]:%u", u->host, (unsigned)u->port);
	else
		n = default_port ? snprintf(buf, cap, "%s", u->host)
				 : snprintf(buf, cap, "%s:%u", u->host, (unsigned)u->port);
	return n < 0 || (size_t)n >= cap ? -ENOBUFS : 0;
}
