#include "dash_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dash_assets.h"
#include "dash_buf.h"
#include "dash_files.h"
#include "dash_path.h"
#include "dash_range.h"
#include "dash_stats.h"
#include "log.h"

/* JSON answers are small: a listing of DASH_LIST_MAX names or one stats
 * snapshot. */
#define DASH_JSON_MAX (1024u * 1024u)

/* The UI loads only its own script, style sheet and data: no inline script
 * or style, no other origin, no plugins, no framing. */
#define CSP_BASE                                                                            \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "    \
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "       \
	"frame-ancestors "

static const char csp_deny[] = CSP_BASE "'none'";
static const char csp_sameorigin[] = CSP_BASE "'self'";

static const char type_text[] = "text/plain; charset=utf-8";
static const char type_json[] = "application/json";
static const char type_arrow[] = "application/vnd.apache.arrow.stream";

static const char cache_none[] = "no-store";
/* Assets carry an ETag and files grow: revalidate, never use a stale copy. */
static const char cache_revalidate[] = "no-cache";

#define SECURITY_HEADERS 7u
#define EXTRA_HEADERS_MAX 4u

void dash_http_init(struct dash_http *d, int root_fd, enum x_frame_options xfo)
{
	memset(d, 0, sizeof *d);
	d->root_fd = root_fd;
	d->x_frame_options = xfo == XFO_SAMEORIGIN ? "SAMEORIGIN" : "DENY";
	d->csp = xfo == XFO_SAMEORIGIN ? csp_sameorigin : csp_deny;
}

struct reply {
	int status;
	const char *content_type;
	const void *body;
	size_t body_len;
	const char *cache;
	const char *allow;
	uint32_t retry_after_s;
	struct http_header extra[EXTRA_HEADERS_MAX];
	size_t n_extra;
	const struct http_stream *stream;
};

static void send_reply(struct http_session *s, const struct http_request *r,
		       const struct dash_http *d, const struct reply *rp)
{
	struct http_header h[SECURITY_HEADERS + 1 + EXTRA_HEADERS_MAX] = {
		{"Content-Security-Policy", d->csp},
		{"X-Frame-Options", d->x_frame_options},
		{"X-Content-Type-Options", "nosniff"},
		{"X-XSS-Protection", "1; mode=block"},
		{"Referrer-Policy", "no-referrer"},
		{"Cross-Origin-Opener-Policy", "same-origin"},
		{"Cross-Origin-Resource-Policy", "same-origin"},
		{"Cache-Control", rp->cache ? rp->cache : cache_none},
	};
	size_t n = SECURITY_HEADERS + 1;
	for (size_t i = 0; i < rp->n_extra; i++)
		h[n++] = rp->extra[i];
	struct http_response resp = {
		.status = rp->status,
		.content_type = rp->content_type,
		.body = rp->body,
		.body_len = rp->body_len,
		.retry_after_s = rp->retry_after_s,
		.allow = rp->allow,
		.headers = h,
		.n_headers = n,
		.stream = rp->stream,
		.head_only = r != NULL && r->method == HTTP_HEAD,
	};
	http_session_respond(s, &resp);
}

static void send_text(struct http_session *s, const struct http_request *r,
		      const struct dash_http *d, int status, const char *msg)
{
	struct reply rp = {.status = status, .content_type = type_text, .body = msg,
			   .body_len = strlen(msg)};
	if (status == 405)
		rp.allow = "GET, HEAD";
	send_reply(s, r, d, &rp);
}

static void send_json(struct http_session *s, const struct http_request *r, struct dash_http *d,
		      struct dash_buf *b, int err)
{
	if (err) {
		log_warn("dashboard: a JSON answer failed: %s", strerror(-err));
		send_text(s, r, d, 500, "internal error\n");
	} else {
		struct reply rp = {.status = 200, .content_type = type_json, .body = b->data,
				   .body_len = b->len, .cache = cache_none};
		send_reply(s, r, d, &rp);
	}
	dash_buf_free(b);
}

static void refuse_path(struct http_session *s, const struct http_request *r, struct dash_http *d)
{
	d->counters.refused_paths++;
	/* The path's length only: its bytes are the attacker's. */
	log_warn("dashboard: refused a request path of %zu bytes", strlen(r->path));
	send_text(s, r, d, 403, "forbidden\n");
}

/* ---- files ---- */

struct file_stream {
	int fd;
	uint64_t base;
};

static int64_t file_read(void *ctx, uint8_t *buf, size_t cap, uint64_t offset)
{
	struct file_stream *f = ctx;
	ssize_t n = pread(f->fd, buf, cap, (off_t)(f->base + offset));
	return n < 0 ? -errno : (int64_t)n;
}

static void file_release(void *ctx)
{
	struct file_stream *f = ctx;
	close(f->fd);
	free(f);
}

static void serve_data(struct http_session *s, const struct http_request *r, struct dash_http *d)
{
	char rel[DASH_REL_PATH_MAX];
	enum dash_signal sig;
	if (r->path_too_long || dash_data_path(r->path, rel, sizeof rel, &sig) != 0) {
		refuse_path(s, r, d);
		return;
	}
	int fd = -1;
	uint64_t size = 0;
	int64_t mtime = 0;
	int err = dash_open_data(d->root_fd, rel, &fd, &size, &mtime);
	if (err == -ENOENT) {
		d->counters.not_found++;
		send_text(s, r, d, 404, "not found\n");
		return;
	}
	if (err) {
		refuse_path(s, r, d);
		return;
	}
	uint64_t start = 0, len = size;
	char content_range[64];
	struct reply rp = {.status = 200, .content_type = type_arrow, .cache = cache_revalidate};
	rp.extra[rp.n_extra++] = (struct http_header){"Accept-Ranges", "bytes"};
	if (r->range_seen && !r->range_too_long && !r->range_repeated) {
		int rerr = dash_range_parse(r->range, size, &start, &len);
		if (rerr == -ERANGE) {
			close(fd);
			snprintf(content_range, sizeof content_range, "bytes */%llu",
				 (unsigned long long)size);
			struct reply nr = {.status = 416, .content_type = type_text,
					   .body = "range not satisfiable\n", .body_len = 22};
			nr.extra[nr.n_extra++] = (struct http_header){"Content-Range", content_range};
			send_reply(s, r, d, &nr);
			return;
		}
		if (rerr == 0) {
			rp.status = 206;
			snprintf(content_range, sizeof content_range, "bytes %llu-%llu/%llu",
				 (unsigned long long)start, (unsigned long long)(start + len - 1),
				 (unsigned long long)size);
			rp.extra[rp.n_extra++] = (struct http_header){"Content-Range", content_range};
		} else {
			start = 0;
			len = size;
		}
	}
	struct file_stream *f = malloc(sizeof *f);
	if (f == NULL) {
		close(fd);
		send_text(s, r, d, 503, "busy\n");
		return;
	}
	f->fd = fd;
	f->base = start;
	struct http_stream st = {.length = len, .read = file_read, .release = file_release, .ctx = f};
	rp.stream = &st;
	d->counters.files_served++;
	send_reply(s, r, d, &rp);
}

static void serve_files(struct http_session *s, const struct http_request *r, struct dash_http *d)
{
	static const char key[] = "signal=";
	enum dash_signal sig;
	const char *q = r->query;
	bool found = false;
	while (!r->query_too_long && *q) {
		const char *amp = strchr(q, '&');
		size_t plen = amp ? (size_t)(amp - q) : strlen(q);
		if (plen > sizeof key - 1 && memcmp(q, key, sizeof key - 1) == 0 &&
		    dash_signal_parse(q + sizeof key - 1, plen - (sizeof key - 1), &sig) == 0) {
			found = true;
			break;
		}
		q += plen + (amp ? 1 : 0);
	}
	if (!found) {
		send_text(s, r, d, 400, "signal must be traces, metrics or logs\n");
		return;
	}
	struct dash_buf b;
	dash_buf_init(&b, DASH_JSON_MAX);
	send_json(s, r, d, &b, dash_list_json(d->root_fd, sig, DASH_LIST_MAX, &b));
}

static void serve_stats(struct http_session *s, const struct http_request *r, struct dash_http *d)
{
	struct dash_buf b;
	dash_buf_init(&b, DASH_JSON_MAX);
	int64_t age = -1;
	if (*d->snapshot_at_ms > 0 && d->now_ms)
		age = (int64_t)(d->now_ms(d->clock_ctx) - *d->snapshot_at_ms);
	send_json(s, r, d, &b, dash_stats_json(d->snapshot, *d->snapshots, age, &b));
}

static void serve_asset(struct http_session *s, const struct http_request *r, struct dash_http *d,
			const struct dash_asset *a)
{
	struct reply rp = {.status = 200, .content_type = a->content_type, .body = a->data,
			   .body_len = a->len, .cache = cache_revalidate};
	rp.extra[rp.n_extra++] = (struct http_header){"ETag", a->etag};
	if (r->if_none_match_seen && !r->if_none_match_too_long &&
	    strstr(r->if_none_match, a->etag) != NULL) {
		rp.status = 304;
		rp.content_type = NULL;
		rp.body = NULL;
		rp.body_len = 0;
	}
	send_reply(s, r, d, &rp);
}

/* A path that is no route: 403 when it looks like an attempt to reach a
 * file by another way, 404 otherwise. Nothing is opened either way. */
static void serve_unknown(struct http_session *s, const struct http_request *r,
			  struct dash_http *d)
{
	char dec[HTTP_PATH_MAX];
	int n = r->path_too_long ? -ENAMETOOLONG
				 : dash_percent_decode(r->path, strlen(r->path), dec, sizeof dec);
	if (n < 0 || strstr(dec, "..") || strchr(dec, '\\') || strstr(dec, "//") ||
	    strchr(dec, ':') || r->path[0] != '/') {
		refuse_path(s, r, d);
		return;
	}
	d->counters.not_found++;
	send_text(s, r, d, 404, "not found\n");
}

static void on_request(struct http_session *s, struct http_request *r, void *ctx)
{
	struct dash_http *d = ctx;
	d->counters.requests++;
	static const char data_prefix[] = "/data/";
	const struct dash_asset *a = r->path_too_long ? NULL : dash_asset_find(r->path);
	if (a != NULL)
		serve_asset(s, r, d, a);
	else if (strcmp(r->path, "/healthz") == 0)
		send_text(s, r, d, 200, "ok\n");
	else if (strcmp(r->path, "/api/files") == 0)
		serve_files(s, r, d);
	else if (strcmp(r->path, "/api/stats") == 0)
		serve_stats(s, r, d);
	else if (strncmp(r->path, data_prefix, sizeof data_prefix - 1) == 0 || r->path_too_long)
		serve_data(s, r, d);
	else
		serve_unknown(s, r, d);
}

static void on_headers(struct http_session *s, struct http_request *r, void *ctx)
{
	struct dash_http *d = ctx;
	if (r->method != HTTP_GET && r->method != HTTP_HEAD) {
		d->counters.bad_methods++;
		send_text(s, r, d, 405, "only GET and HEAD\n");
	}
}

static void on_error(struct http_session *s, struct http_request *r, enum http_error e, void *ctx)
{
	struct dash_http *d = ctx;
	const char *msg = http_error_message(e);
	int status = http_error_status(e);
	struct reply rp = {.status = status, .content_type = type_text, .body = msg,
			   .body_len = strlen(msg),
			   .retry_after_s = status == 503 ? HTTP_RETRY_AFTER_S : 0};
	(void)r;
	/* Not a HEAD answer: the request may not have been parsed that far. */
	send_reply(s, NULL, d, &rp);
}

static void on_cancel(struct http_session *s, struct http_request *r, void *ctx)
{
	(void)s;
	(void)r;
	(void)ctx;
}

const struct http_handler dash_http_handler = {
	.on_headers = on_headers,
	.on_request = on_request,
	.on_error = on_error,
	.on_cancel = on_cancel,
};
