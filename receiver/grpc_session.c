#include "grpc_session.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "grpc_session_internal.h"
#include "log.h"

static struct grpc_session *session_of(void *user_data)
{
	return user_data;
}

/* ---- nghttp2's memory, counted and capped per connection ---- */

union mem_head {
	max_align_t align;
	size_t size;
};

static void *mem_malloc(size_t size, void *user_data)
{
	struct grpc_session *s = session_of(user_data);
	if (size > GRPC_SESSION_MEM_MAX - s->mem_used)
		return NULL;
	union mem_head *h = malloc(sizeof *h + size);
	if (h == NULL)
		return NULL;
	h->size = size;
	s->mem_used += size;
	if (s->mem_used > s->mem_peak)
		s->mem_peak = s->mem_used;
	return h + 1;
}

static void mem_free(void *p, void *user_data)
{
	if (p == NULL)
		return;
	union mem_head *h = (union mem_head *)p - 1;
	session_of(user_data)->mem_used -= h->size;
	free(h);
}

static void *mem_calloc(size_t n, size_t size, void *user_data)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	void *p = mem_malloc(n * size, user_data);
	if (p != NULL)
		memset(p, 0, n * size);
	return p;
}

static void *mem_realloc(void *p, size_t size, void *user_data)
{
	struct grpc_session *s = session_of(user_data);
	if (p == NULL)
		return mem_malloc(size, user_data);
	if (size == 0) {
		mem_free(p, user_data);
		return NULL;
	}
	union mem_head *h = (union mem_head *)p - 1;
	size_t old = h->size;
	if (size > old && size - old > GRPC_SESSION_MEM_MAX - s->mem_used)
		return NULL;
	union mem_head *nh = realloc(h, sizeof *nh + size);
	if (nh == NULL)
		return NULL;
	s->mem_used = s->mem_used - old + size;
	if (s->mem_used > s->mem_peak)
		s->mem_peak = s->mem_used;
	nh->size = size;
	return nh + 1;
}

/* ---- flood buckets ---- */

void grpc_session_take(struct grpc_session *s, struct grpc_bucket *b, uint32_t burst,
		       uint32_t per_s)
{
	uint64_t cap = (uint64_t)burst * 1000u;
	if (s->now_ms > b->at_ms) {
		uint64_t add = (s->now_ms - b->at_ms) * per_s;
		b->milli = add > cap - b->milli ? cap : b->milli + add;
		b->at_ms = s->now_ms;
	}
	if (b->milli >= 1000u) {
		b->milli -= 1000u;
		return;
	}
	if (!s->terminated) {
		s->terminated = s->goaway = true;
		s->stats->floods++;
		nghttp2_session_terminate_session(s->ng, NGHTTP2_ENHANCE_YOUR_CALM);
	}
}

static void bucket_init(struct grpc_bucket *b, uint32_t burst, uint64_t now_ms)
{
	b->milli = (uint64_t)burst * 1000u;
	b->at_ms = now_ms;
}

/* ---- the session ---- */

static void fatal(struct grpc_session *s, long rv)
{
	if (rv == NGHTTP2_ERR_NOMEM)
		s->stats->memory_exceeded++;
	else if (rv == NGHTTP2_ERR_FLOODED)
		s->stats->floods++;
	else
		s->stats->protocol_errors++;
	log_debug("grpc: connection ends: %s", nghttp2_strerror((int)rv));
	s->dead = true;
}

void grpc_session_flush(struct grpc_session *s)
{
	if (s->depth > 0 || s->dead || s->io_failed)
		return;
	s->depth++;
	uint8_t *buf = NULL; /* owned until handed to io->send */
	size_t len = 0, cap = 0;
	for (;;) {
		const uint8_t *data;
		ssize_t n = nghttp2_session_mem_send(s->ng, &data);
		if (n <= 0) {
			if (n < 0)
				fatal(s, n);
			break;
		}
		if ((size_t)n > cap - len) {
			size_t ncap = cap ? cap : 4096;
			while ((size_t)n > ncap - len)
				ncap *= 2;
			uint8_t *nb = realloc(buf, ncap);
			if (nb == NULL) {
				fatal(s, NGHTTP2_ERR_NOMEM);
				break;
			}
			buf = nb;
			cap = ncap;
		}
		memcpy(buf + len, data, (size_t)n);
		len += (size_t)n;
	}
	s->depth--;
	if (len > 0 && !s->dead) {
		if (s->io->send(s->io_ctx, buf, len) != 0)
			s->io_failed = true;
	} else {
		free(buf);
	}
}

static enum grpc_feed_result finish(struct grpc_session *s)
{
	grpc_session_flush(s);
	if (s->dead || s->io_failed)
		return GRPC_FEED_CLOSE;
	if (!nghttp2_session_want_read(s->ng) && !nghttp2_session_want_write(s->ng))
		return GRPC_FEED_CLOSE;
	return GRPC_FEED_MORE;
}

bool grpc_session_done(const struct grpc_session *s)
{
	return s->dead || s->io_failed ||
	       (!nghttp2_session_want_read(s->ng) && !nghttp2_session_want_write(s->ng));
}

int grpc_session_init(struct grpc_session *s, const struct grpc_limits *limits,
		      const struct grpc_handler *handler, void *handler_ctx,
		      const struct grpc_io *io, void *io_ctx, struct grpc_session_stats *stats,
		      uint64_t now_ms)
{
	memset(s, 0, sizeof *s);
	s->limits = limits;
	s->handler = handler;
	s->handler_ctx = handler_ctx;
	s->io = io;
	s->io_ctx = io_ctx;
	s->stats = stats;
	s->now_ms = s->idle_since_ms = now_ms;
	bucket_init(&s->settings, GRPC_SETTINGS_BURST, now_ms);
	bucket_init(&s->ping, GRPC_PING_BURST, now_ms);
	bucket_init(&s->reset, GRPC_RESET_BURST, now_ms);
	bucket_init(&s->empty, GRPC_EMPTY_BURST, now_ms);

	nghttp2_session_callbacks *cb;
	nghttp2_option *opt;
	if (nghttp2_session_callbacks_new(&cb) != 0)
		return -ENOMEM;
	if (nghttp2_option_new(&opt) != 0) {
		nghttp2_session_callbacks_del(cb);
		return -ENOMEM;
	}
	grpc_set_recv_callbacks(cb);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, grpc_on_frame_send);
	nghttp2_option_set_no_closed_streams(opt, 1);
	nghttp2_option_set_max_settings(opt, GRPC_MAX_SETTINGS_ENTRIES);
	nghttp2_option_set_max_outbound_ack(opt, GRPC_MAX_OUTBOUND_ACK);
	nghttp2_option_set_max_deflate_dynamic_table_size(opt, GRPC_DEFLATE_TABLE_BYTES);
	nghttp2_option_set_stream_reset_rate_limit(opt, GRPC_RESET_BURST, GRPC_RESET_PER_S);
	nghttp2_option_set_max_continuations(opt, GRPC_MAX_CONTINUATIONS);
	nghttp2_mem mem = {.mem_user_data = s, .malloc = mem_malloc, .free = mem_free,
			   .calloc = mem_calloc, .realloc = mem_realloc};
	nghttp2_session *ng = NULL;
	int rv = nghttp2_session_server_new3(&ng, cb, s, opt, &mem);
	nghttp2_session_callbacks_del(cb);
	nghttp2_option_del(opt);
	if (rv != 0)
		return -ENOMEM;
	s->ng = ng;
	const nghttp2_settings_entry iv[] = {
		{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, limits->max_concurrent_streams},
		{NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, limits->max_header_bytes},
		{NGHTTP2_SETTINGS_MAX_FRAME_SIZE, GRPC_MAX_FRAME_BYTES},
		{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, GRPC_STREAM_WINDOW},
	};
	rv = nghttp2_submit_settings(ng, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]);
	if (rv == 0)
		rv = nghttp2_session_set_local_window_size(ng, NGHTTP2_FLAG_NONE, 0,
							   GRPC_CONNECTION_WINDOW);
	if (rv != 0) {
		nghttp2_session_del(ng);
		s->ng = NULL;
		return -ENOMEM;
	}
	grpc_session_flush(s);
	return 0;
}

enum grpc_feed_result grpc_session_feed(struct grpc_session *s, const uint8_t *data, size_t len,
					uint64_t now_ms)
{
	if (s->dead || s->io_failed)
		return GRPC_FEED_CLOSE;
	s->now_ms = now_ms;
	s->depth++;
	ssize_t rv = nghttp2_session_mem_recv(s->ng, data, len);
	s->depth--;
	if (rv < 0) {
		fatal(s, rv);
		return GRPC_FEED_CLOSE;
	}
	return finish(s);
}

static uint64_t idle_deadline(const struct grpc_session *s)
{
	if (s->open_calls > 0 || s->goaway)
		return UINT64_MAX;
	uint64_t t = s->greeted ? s->limits->idle_timeout_ms : s->limits->header_timeout_ms;
	return s->idle_since_ms + t;
}

uint64_t grpc_session_next_wake(const struct grpc_session *s)
{
	if (s->dead || s->io_failed)
		return UINT64_MAX;
	uint64_t w = idle_deadline(s);
	for (const struct grpc_call *c = s->calls; c != NULL; c = c->next) {
		if (c->state == CALL_ANSWERED)
			continue;
		if (c->deadline_ms < w)
			w = c->deadline_ms;
		if (c->state == CALL_RECEIVING && c->last_data_ms + s->limits->body_timeout_ms < w)
			w = c->last_data_ms + s->limits->body_timeout_ms;
	}
	return w;
}

enum grpc_feed_result grpc_session_tick(struct grpc_session *s, uint64_t now_ms)
{
	if (s->dead || s->io_failed)
		return GRPC_FEED_CLOSE;
	s->now_ms = now_ms;
	s->depth++;
	struct grpc_call *next;
	for (struct grpc_call *c = s->calls; c != NULL; c = next) {
		next = c->next;
		if (c->state == CALL_ANSWERED)
			continue;
		if (c->deadline_ms <= now_ms) {
			s->stats->deadlines++;
			grpc_call_error(s, c, GRPC_ERR_DEADLINE);
		} else if (c->state == CALL_RECEIVING &&
			   c->last_data_ms + s->limits->body_timeout_ms <= now_ms) {
			s->stats->body_timeouts++;
			grpc_call_error(s, c, GRPC_ERR_SLOW_CLIENT);
		}
	}
	if (idle_deadline(s) <= now_ms) {
		s->stats->idle_timeouts++;
		s->goaway = true;
		nghttp2_submit_goaway(s->ng, NGHTTP2_FLAG_NONE,
				      nghttp2_session_get_last_proc_stream_id(s->ng),
				      NGHTTP2_NO_ERROR, NULL, 0);
	}
	s->depth--;
	return finish(s);
}

void grpc_session_set_deadline(struct grpc_session *s, struct grpc_call *c, uint64_t ms)
{
	uint64_t d = ms > UINT64_MAX - s->now_ms ? UINT64_MAX : s->now_ms + ms;
	if (d < c->deadline_ms)
		c->deadline_ms = d;
}

void grpc_session_goaway(struct grpc_session *s, bool refuse)
{
	if (s->dead || s->goaway)
		return;
	s->goaway = true;
	if (refuse) {
		static const char why[] = "too many connections";
		nghttp2_submit_goaway(s->ng, NGHTTP2_FLAG_NONE, 0, NGHTTP2_ENHANCE_YOUR_CALM,
				      (const uint8_t *)why, sizeof why - 1);
	} else {
		nghttp2_submit_goaway(s->ng, NGHTTP2_FLAG_NONE,
				      nghttp2_session_get_last_proc_stream_id(s->ng),
				      NGHTTP2_NO_ERROR, NULL, 0);
	}
	grpc_session_flush(s);
}

void grpc_session_close(struct grpc_session *s)
{
	s->depth++; /* nothing is sent from here on */
	while (s->calls != NULL) {
		struct grpc_call *c = s->calls;
		if (c->state == CALL_RECEIVING || c->state == CALL_HANDLER)
			s->handler->on_cancel(s, c, s->handler_ctx);
		if (s->ng != NULL)
			nghttp2_session_set_stream_user_data(s->ng, c->stream_id, NULL);
		grpc_call_free(s, c);
	}
	if (s->ng != NULL)
		nghttp2_session_del(s->ng);
	s->ng = NULL;
	s->dead = true;
}
