#include "forward.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "gzip.h"
#include "header_list.h"
#include "fwd_limits.h"
#include "log.h"
#include "messages.h"
#include "response.h"
#include "retry.h"
#include "scrub.h"

static const char *const signal_names[3] = { "traces", "metrics", "logs" };

static int signal_index(uint32_t msg_type)
{
	switch (msg_type) {
	case MSG_EXPORT_TRACES:
		return 0;
	case MSG_EXPORT_METRICS:
		return 1;
	case MSG_EXPORT_LOGS:
		return 2;
	default:
		return -1;
	}
}

static void dispatch(struct fwd_core *core);
static void stop_progress(struct fwd_core *core);
static void finish_stop(struct fwd_core *core);
static void on_done(void *ctx, void *token, uint64_t probe, const struct fwd_result *r);

static void on_soon(uv_timer_t *t)
{
	dispatch(t->data);
}

/* Dispatching is never done from inside a client callback: the client's
 * state is settled by the next loop turn. While stopping, the queue is
 * still sent until the client is closed. */
static void dispatch_soon(void *ctx)
{
	struct fwd_core *core = ctx;
	if (!core->client_closing && !uv_is_active((uv_handle_t *)&core->soon))
		uv_timer_start(&core->soon, on_soon, 0, 0);
}

static void log_breaker(struct fwd_core *core)
{
	enum breaker_state now = core->breaker.state;
	if (now == core->logged_state)
		return;
	const char *from = breaker_state_name(core->logged_state);
	core->logged_state = now;
	switch (now) {
	case BREAKER_OPEN:
		log_warn("circuit breaker: %s -> open; nothing is sent for %llu s", from,
			 (unsigned long long)(core->breaker.open_timeout_ms / 1000));
		break;
	case BREAKER_HALF_OPEN:
		log_info("circuit breaker: %s -> half_open; one probe request goes out", from);
		break;
	case BREAKER_CLOSED:
		log_info("circuit breaker: %s -> closed; forwarding resumes", from);
		break;
	}
}

/* "Name: value\r\n" for each custom header. */
static int append_header(void *ctx, const char *name, size_t name_len, const char *value,
			 size_t value_len)
{
	struct fwd_core *core = ctx;
	char *p = core->extra_headers + core->extra_headers_len;
	memcpy(p, name, name_len);
	p += name_len;
	memcpy(p, ": ", 2);
	p += 2;
	memcpy(p, value, value_len);
	p += value_len;
	memcpy(p, "\r\n", 2);
	p += 2;
	core->extra_headers_len = (size_t)(p - core->extra_headers);
	return 0;
}

static int init_request_parts(struct fwd_core *core, const struct config *cfg, char *why,
			      size_t cap)
{
	if (endpoint_url_parse(cfg->forwarding.endpoint_url, &core->url, why, cap) != 0)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		if (endpoint_url_signal_path(&core->url, signal_names[i], core->paths[i],
					     sizeof core->paths[i]) != 0) {
			snprintf(why, cap, "the endpoint's path is too long");
			return -EINVAL;
		}
	}
	if (endpoint_url_authority(&core->url, core->authority, sizeof core->authority) != 0) {
		snprintf(why, cap, "the endpoint's host is too long");
		return -EINVAL;
	}
	/* Decoded values are never longer than their text; each header adds
	 * ": " and CRLF where the text had '=' and ','. */
	const char *h = cfg->forwarding.headers;
	core->extra_headers = malloc(strlen(h) + 4 * HEADER_LIST_MAX_HEADERS + 1);
	if (!core->extra_headers) {
		snprintf(why, cap, "out of memory");
		return -ENOMEM;
	}
	return header_list_parse(h, strlen(h), append_header, core, why, cap);
}

int fwd_core_init(struct fwd_core *core, const struct fwd_core_params *p, char *why, size_t cap)
{
	const struct config *cfg = p->cfg;
	memset(core, 0, sizeof *core);
	core->loop = p->loop;
	core->enabled = cfg->forwarding.enabled;
	fwd_queue_init(&core->queue, (uint64_t)cfg->forwarding.queue.max_messages,
		       (uint64_t)cfg->forwarding.queue.max_bytes);
	uv_timer_init(p->loop, &core->wake);
	uv_timer_init(p->loop, &core->soon);
	uv_timer_init(p->loop, &core->grace);
	core->wake.data = core->soon.data = core->grace.data = core;
	if (!core->enabled)
		return 0;

	int err = init_request_parts(core, cfg, why, cap);
	if (err)
		return err;
	core->auth = p->auth;
	core->gzip = cfg->forwarding.compression == COMPRESSION_GZIP;
	core->timeout_ms = (uint64_t)cfg->forwarding.timeout_secs * 1000u;
	/* A probe that hangs counts as failed once its request has timed out;
	 * the second of margin lets the request's own timeout say why. */
	breaker_init(&core->breaker, (uint32_t)cfg->forwarding.circuit_breaker.failure_threshold,
		     (uint64_t)cfg->forwarding.circuit_breaker.open_timeout_secs * 1000u,
		     core->timeout_ms + 1000u);
	fwd_endpoint_init(&core->endpoint, core->url.port, p->ask_resolve, p->ask_ctx);

	struct fwd_client_params cp = {
		.loop = p->loop,
		.host = core->url.host,
		.tls = core->url.tls ? p->tls : NULL,
		.endpoint = &core->endpoint,
		.max_conns = (unsigned)cfg->forwarding.max_connections,
		.timeout_ms = core->timeout_ms,
		.done = on_done,
		.on_free = dispatch_soon,
		.ctx = core,
	};
	err = fwd_client_new(&cp, &core->client);
	if (err)
		snprintf(why, cap, "cannot set up the HTTP client: %s", strerror(-err));
	return err;
}

/* ---- taking messages ---- */

static void drop(struct fwd_core *core, size_t len, const char *why)
{
	core->stats.forward_dropped++;
	core->dropped_in_episode++;
	if (!core->dropping)
		log_warn("forwarding queue %s (%llu items, %llu bytes held): new data for the "
			 "endpoint is dropped (local files are not affected)",
			 why, (unsigned long long)core->queue.items,
			 (unsigned long long)core->queue.bytes);
	core->dropping = true;
	(void)len;
}

void fwd_core_take(struct fwd_core *core, uint32_t msg_type, const uint8_t *data, size_t len)
{
	core->stats.received++;
	core->stats.received_bytes += len;
	if (!core->enabled || core->stopping || signal_index(msg_type) < 0 || len == 0) {
		core->stats.forward_dropped++;
		return;
	}
	/* Full in items: nothing to gain from compressing first. */
	if (core->queue.items >= core->queue.max_items) {
		drop(core, len, "is full");
		return;
	}
	struct fwd_item *it = NULL;
	int err;
	if (core->gzip) {
		uint8_t *z = NULL;
		size_t zlen = 0;
		err = fwd_gzip(data, len, &z, &zlen);
		if (!err) {
			err = fwd_queue_fits(&core->queue, zlen) ? fwd_item_new(msg_type, z, zlen, &it)
								 : -ENOSPC;
			free(z);
		}
		if (it)
			it->gzip = true;
	} else {
		err = fwd_queue_fits(&core->queue, len) ? fwd_item_new(msg_type, data, len, &it)
							: -ENOSPC;
	}
	if (!err)
		err = fwd_queue_push(&core->queue, it);
	if (err) {
		free(it);
		drop(core, len, err == -ENOSPC ? "is full" : "cannot take more (out of memory)");
		return;
	}
	if (core->dropping) {
		log_info("forwarding queue has room again; %llu items were dropped meanwhile",
			 (unsigned long long)core->dropped_in_episode);
		core->dropping = false;
		core->dropped_in_episode = 0;
	}
	dispatch_soon(core);
}

void fwd_core_set_addrs(struct fwd_core *core, const struct msg_endpoint_addrs *m)
{
	if (!core->enabled)
		return;
	fwd_endpoint_set(&core->endpoint, m);
	if (m->count == 0)
		log_warn("the supervisor could not resolve %s; asking again later", core->url.host);
	else
		log_info("endpoint %s: %u address%s", core->url.host, m->count,
			 m->count == 1 ? "" : "es");
	dispatch_soon(core);
}

/* ---- sending ---- */

/* The request line and headers; *out is malloc'd and holds the credential:
 * the client wipes it once sent. */
static int build_head(struct fwd_core *core, const struct fwd_item *it, char **out,
		      size_t *out_len)
{
	char fixed[CONFIG_URL_MAX + ENDPOINT_HOST_MAX + 256];
	int n = snprintf(fixed, sizeof fixed,
			 "POST %s HTTP/1.1\r\n"
			 "Host: %s\r\n"
			 "User-Agent: otlpd/" OTLPD_VERSION "\r\n"
			 "Content-Type: application/x-protobuf\r\n"
			 "Content-Length: %zu\r\n"
			 "%s",
			 core->paths[signal_index(it->msg_type)], core->authority, it->len,
			 it->gzip ? "Content-Encoding: gzip\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof fixed)
		return -ENOBUFS;
	size_t auth_len = core->auth ? secret_len(core->auth) : 0;
	size_t total = (size_t)n + core->extra_headers_len + auth_len + 2;
	if (total > FWD_REQUEST_HEAD_MAX)
		return -ENOBUFS;
	char *head = malloc(total);
	if (!head)
		return -ENOMEM;
	memcpy(head, fixed, (size_t)n);
	memcpy(head + n, core->extra_headers, core->extra_headers_len);
	if (auth_len)
		memcpy(head + n + core->extra_headers_len, secret_data(core->auth), auth_len);
	memcpy(head + total - 2, "\r\n", 2);
	*out = head;
	*out_len = total;
	return 0;
}

static bool expired(const struct fwd_item *it, uint64_t now)
{
	return it->attempts > 0 && now - it->first_attempt_ms > FWD_RETRY_MAX_ELAPSED_MS;
}

static void give_up(struct fwd_core *core, struct fwd_item *it, const char *why)
{
	core->stats.forward_failed++;
	log_warn("gave up forwarding %s (%zu bytes) after %u attempts: %s",
		 signal_names[signal_index(it->msg_type)], it->len, it->attempts, why);
	fwd_queue_release(&core->queue, it);
}

static void on_wake(uv_timer_t *t)
{
	dispatch(t->data);
}

static void dispatch(struct fwd_core *core)
{
	if (!core->enabled || core->client_closing)
		return;
	uint64_t now = uv_now(core->loop);
	breaker_tick(&core->breaker, now);
	log_breaker(core);
	uint64_t wait = UINT64_MAX;
	while (core->queue.waiting > 0 && fwd_client_has_free(core->client)) {
		/* Once the breaker has opened it sets the pace (one probe per
		 * open timeout); the endpoint's own Retry-After always holds. */
		uint64_t until = core->retry_after_until_ms;
		if (core->breaker.state == BREAKER_CLOSED && core->backoff_until_ms > until)
			until = core->backoff_until_ms;
		if (now < until) {
			wait = until - now;
			break;
		}
		if (!core->endpoint.received)
			break; /* the supervisor's answer is on its way */
		if (fwd_endpoint_count(&core->endpoint) == 0) {
			fwd_endpoint_failed(&core->endpoint, now);
			wait = fwd_endpoint_next_ask_ms(&core->endpoint, now);
			break;
		}
		struct fwd_item *it = fwd_queue_take(&core->queue);
		if (expired(it, now)) {
			give_up(core, it, "retried for too long");
			continue;
		}
		uint64_t probe = 0;
		if (!breaker_allow(&core->breaker, now, &probe)) {
			fwd_queue_put_back(&core->queue, it);
			wait = breaker_next_change_ms(&core->breaker, now);
			break;
		}
		log_breaker(core);
		char *head = NULL;
		size_t head_len = 0;
		int err = build_head(core, it, &head, &head_len);
		scrub_vector_registers();
		if (!err) {
			if (it->attempts++ == 0)
				it->first_attempt_ms = now;
			core->stats.requests++;
			err = fwd_client_send(core->client, head, head_len, it->body, it->len, it,
					      probe);
		}
		if (err) {
			struct fwd_result r = { .err = err };
			snprintf(r.detail, sizeof r.detail, "cannot start the request: %s",
				 strerror(-err));
			on_done(core, it, probe, &r);
		}
	}
	if (wait == UINT64_MAX)
		return;
	/* Stopping, nothing in flight and nothing may go before the deadline
	 * (backoff, an open breaker): waiting for it would only delay exit. */
	if (core->stopping && fwd_client_in_flight(core->client) == 0 &&
	    now + wait >= core->stop_deadline_ms) {
		finish_stop(core);
		return;
	}
	uv_timer_start(&core->wake, on_wake, wait > 0 ? wait : 1, 0);
}

/* ---- answers ---- */

/* Sets when the next attempt may go; returns the wait for the log. */
static uint64_t schedule_retry(struct fwd_core *core, const struct fwd_result *r, uint64_t now)
{
	uint64_t ms;
	if (r->err == 0 && r->resp->has_retry_after &&
	    retry_after_parse(r->resp->retry_after, r->resp->retry_after_len, (int64_t)time(NULL),
			      &ms) == 0) {
		core->retry_after_until_ms = now + ms;
		return ms;
	}
	uint32_t random = 0;
	if (getrandom(&random, sizeof random, 0) != (ssize_t)sizeof random)
		random = (uint32_t)uv_now(core->loop);
	ms = retry_backoff_ms(core->failures, random);
	core->backoff_until_ms = now + ms;
	return ms;
}

static void delivered(struct fwd_core *core, struct fwd_item *it, const struct fwd_result *r)
{
	core->stats.forwarded++;
	const struct fwd_response *resp = r->resp;
	if (!resp->protobuf || resp->body_len == 0 || resp->body_total > resp->body_len)
		return;
	uint64_t rejected = 0;
	char message[4 * FWD_ERROR_SNIPPET_MAX + 8];
	if (fwd_partial_success(it->msg_type, resp->body, resp->body_len, &rejected, message,
				sizeof message) != 0) {
		log_debug("the endpoint's answer to %s is not an Export response",
			  signal_names[signal_index(it->msg_type)]);
		return;
	}
	if (rejected > 0 || message[0] != '\0') {
		core->stats.partial_rejected += rejected;
		log_warn("the endpoint accepted %s only in part: %llu rejected; \"%s\"",
			 signal_names[signal_index(it->msg_type)], (unsigned long long)rejected,
			 message);
	}
}

static void on_done(void *ctx, void *token, uint64_t probe, const struct fwd_result *r)
{
	struct fwd_core *core = ctx;
	struct fwd_item *it = token;
	uint64_t now = uv_now(core->loop);
	if (r->err == -ECANCELED) {
		/* Only closing the client cancels: the stop deadline passed. */
		core->stats.forward_dropped++;
		core->stop_dropped++;
		fwd_queue_release(&core->queue, it);
		return;
	}
	int status = r->err ? 0 : r->resp->status;
	switch (retry_verdict(status)) {
	case FWD_DELIVERED:
		breaker_success(&core->breaker, probe, now);
		core->failures = 0;
		core->backoff_until_ms = 0;
		delivered(core, it, r);
		fwd_queue_release(&core->queue, it);
		break;
	case FWD_RETRY: {
		breaker_failure(&core->breaker, probe, now);
		core->failures++;
		uint64_t delay = schedule_retry(core, r, now);
		char when[64];
		if (core->breaker.state == BREAKER_CLOSED)
			snprintf(when, sizeof when, "retrying in %llu ms", (unsigned long long)delay);
		else
			snprintf(when, sizeof when, "the circuit breaker decides when to retry");
		if (status)
			log_warn("forwarding %s: HTTP %d; %s", signal_names[signal_index(it->msg_type)],
				 status, when);
		else
			log_warn("forwarding %s: %s; %s", signal_names[signal_index(it->msg_type)],
				 r->detail, when);
		if (expired(it, now)) {
			give_up(core, it, "retried too long");
		} else {
			core->stats.retries++;
			fwd_queue_put_back(&core->queue, it);
		}
		break;
	}
	case FWD_PERMANENT: {
		if (retry_endpoint_failed(status)) {
			breaker_failure(&core->breaker, probe, now);
		} else {
			breaker_success(&core->breaker, probe, now);
			core->failures = 0;
		}
		char message[4 * FWD_ERROR_SNIPPET_MAX + 8];
		fwd_error_message(r->resp->body, r->resp->body_len, r->resp->protobuf, message,
				  sizeof message);
		core->stats.forward_failed++;
		log_warn("the endpoint refused %s (%zu bytes) with HTTP %d, not retried: \"%s\"",
			 signal_names[signal_index(it->msg_type)], it->len, status, message);
		fwd_queue_release(&core->queue, it);
		break;
	}
	}
	log_breaker(core);
	dispatch_soon(core);
	if (core->stopping)
		stop_progress(core);
}

/* ---- stats and stopping ---- */

int fwd_core_stats(const struct fwd_core *core, struct stats_buf *b)
{
	const struct {
		const char *name;
		uint64_t value;
	} v[] = {
		{ "received_messages", core->stats.received },
		{ "received_bytes", core->stats.received_bytes },
		{ "forwarded", core->stats.forwarded },
		{ "forward_failed", core->stats.forward_failed },
		{ "forward_dropped", core->stats.forward_dropped },
		{ "retries", core->stats.retries },
		{ "partial_rejected", core->stats.partial_rejected },
		{ "requests", core->stats.requests },
		{ "queue_items", core->queue.items },
		{ "queue_bytes", core->queue.bytes },
		{ "connections", core->client ? fwd_client_open_connections(core->client) : 0 },
		{ "breaker_state", (uint64_t)core->breaker.state },
		{ "breaker_closed", core->breaker.state == BREAKER_CLOSED },
		{ "breaker_open", core->breaker.state == BREAKER_OPEN },
		{ "breaker_half_open", core->breaker.state == BREAKER_HALF_OPEN },
		{ "breaker_opens", core->breaker.opens },
		{ "resolves_asked", core->endpoint.resolves_asked },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		int err = stats_add(b, v[i].name, v[i].value);
		if (err)
			return err;
	}
	return 0;
}

static void on_handle_closed(uv_handle_t *h)
{
	struct fwd_core *core = h->data;
	if (--core->closing_handles == 0)
		core->stopped(core->stopped_ctx);
}

static void on_client_closed(void *ctx)
{
	struct fwd_core *core = ctx;
	core->client = NULL;
	if (core->stop_dropped > 0)
		log_warn("stopping: %llu message(s) could not be forwarded within %u ms and are "
			 "dropped (counted in forward_dropped)",
			 (unsigned long long)core->stop_dropped, FWD_STOP_GRACE_MS);
	free(core->extra_headers);
	core->extra_headers = NULL;
	core->closing_handles = 3;
	uv_close((uv_handle_t *)&core->wake, on_handle_closed);
	uv_close((uv_handle_t *)&core->soon, on_handle_closed);
	uv_close((uv_handle_t *)&core->grace, on_handle_closed);
}

/* The deadline passed, or nothing is left: what still waits is dropped,
 * requests in flight are cancelled (on_done counts them). */
static void finish_stop(struct fwd_core *core)
{
	if (core->client_closing)
		return;
	core->client_closing = true;
	uv_timer_stop(&core->grace);
	uv_timer_stop(&core->wake);
	uv_timer_stop(&core->soon);
	uint64_t n = fwd_queue_clear(&core->queue);
	core->stats.forward_dropped += n;
	core->stop_dropped += n;
	if (core->client)
		fwd_client_close(core->client, on_client_closed, core);
	else
		on_client_closed(core);
}

/* Done once everything queued has left, delivered or given up. */
static void stop_progress(struct fwd_core *core)
{
	if (core->queue.items == 0)
		finish_stop(core);
}

static void on_grace(uv_timer_t *t)
{
	finish_stop(t->data);
}

void fwd_core_stop(struct fwd_core *core, void (*stopped)(void *ctx), void *ctx)
{
	core->stopping = true;
	core->stopped = stopped;
	core->stopped_ctx = ctx;
	if (core->queue.items == 0 || !core->client) {
		finish_stop(core);
		return;
	}
	log_info("stopping: %llu queued message(s) get up to %u ms to be forwarded",
		 (unsigned long long)core->queue.items, FWD_STOP_GRACE_MS);
	core->stop_deadline_ms = uv_now(core->loop) + FWD_STOP_GRACE_MS;
	uv_timer_start(&core->grace, on_grace, FWD_STOP_GRACE_MS, 0);
	dispatch(core);
}
