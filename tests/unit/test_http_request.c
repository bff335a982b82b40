/* The sans-IO HTTP request core: bytes in, requests to a handler, responses
 * out, exactly as a client on a socket would see them. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_request.h"

/* ---- a fake connection and handler ---- */

struct fake {
	struct http_session s;
	struct http_limits limits;
	char out[65536]; /* everything sent, concatenated */
	size_t out_len;
	int sends, interim, last;
	int requests, headers, errors, cancels;
	enum http_error last_error;
	bool defer;           /* answer requests later */
	bool refuse_headers;  /* answer 404 in on_headers */
	char body[8192];      /* the last request's body */
	size_t body_len;
	char path[HTTP_PATH_MAX];
	char content_type[HTTP_HEADER_VALUE_MAX];
	bool ct_repeated, ct_too_long;
};

static int fake_send(void *ctx, uint8_t *buf, size_t len, enum http_send_kind kind)
{
	struct fake *f = ctx;
	ck_assert_uint_le(f->out_len + len, sizeof f->out);
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
	free(buf);
	f->sends++;
	f->interim += kind == HTTP_SEND_INTERIM;
	f->last += kind == HTTP_SEND_LAST;
	return 0;
}

static const struct http_io fake_io = {.send = fake_send};

static void answer(struct http_session *s, int status)
{
	static const uint8_t ok[] = "done";
	struct http_response r = {.status = status, .content_type = "text/plain", .body = ok,
				  .body_len = 4, .retry_after_s = status == 503 ? 1 : 0};
	ck_assert_int_eq(http_session_respond(s, &r), 0);
}

static void on_headers(struct http_session *s, struct http_request *r, void *ctx)
{
	struct fake *f = ctx;
	f->headers++;
	snprintf(f->path, sizeof f->path, "%s", r->path);
	snprintf(f->content_type, sizeof f->content_type, "%s", r->content_type);
	f->ct_repeated = r->content_type_repeated;
	f->ct_too_long = r->content_type_too_long;
	if (f->refuse_headers)
		answer(s, 404);
}

static void on_request(struct http_session *s, struct http_request *r, void *ctx)
{
	struct fake *f = ctx;
	f->requests++;
	ck_assert_uint_le(r->body_len, sizeof f->body);
	if (r->body_len > 0)
		memcpy(f->body, r->body, r->body_len);
	f->body_len = r->body_len;
	if (!f->defer)
		answer(s, 200);
}

static void on_error(struct http_session *s, struct http_request *r, enum http_error e, void *ctx)
{
	(void)r;
	struct fake *f = ctx;
	f->errors++;
	f->last_error = e;
	answer(s, http_error_status(e));
}

static void on_cancel(struct http_session *s, struct http_request *r, void *ctx)
{
	(void)s;
	(void)r;
	((struct fake *)ctx)->cancels++;
}

static const struct http_handler fake_handler = {
	.on_headers = on_headers, .on_request = on_request, .on_error = on_error,
	.on_cancel = on_cancel,
};

static struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof *f);
	f->limits = (struct http_limits){.max_header_bytes = 1024, .max_headers = 20,
					 .max_body_bytes = 4096};
	http_session_init(&f->s, &f->limits, &fake_handler, f, &fake_io, f);
	return f;
}

static void fake_free(struct fake *f)
{
	http_session_close(&f->s);
	free(f);
}

/* Feeds text in pieces of step bytes; returns the last result and how much
 * was taken in all. */
static enum http_feed_result feed_steps(struct fake *f, const char *text, size_t len, size_t step,
					size_t *taken)
{
	enum http_feed_result res = HTTP_FEED_MORE;
	size_t off = 0;
	while (off < len) {
		size_t n = len - off < step ? len - off : step;
		size_t used = 0;
		res = http_session_feed(&f->s, (const uint8_t *)text + off, n, &used);
		off += used;
		if (res != HTTP_FEED_MORE)
			break;
	}
	*taken = off;
	return res;
}

static enum http_feed_result feed(struct fake *f, const char *text, size_t *taken)
{
	return feed_steps(f, text, strlen(text), strlen(text) + 1, taken);
}

static bool out_has(const struct fake *f, const char *needle)
{
	return memmem(f->out, f->out_len, needle, strlen(needle)) != NULL;
}

static int count_in_out(const struct fake *f, const char *needle)
{
	int n = 0;
	const char *p = f->out, *end = f->out + f->out_len;
	while ((p = memmem(p, (size_t)(end - p), needle, strlen(needle))) != NULL) {
		n++;
		p++;
	}
	return n;
}

static const char simple[] = "POST /v1/traces?x=1 HTTP/1.1\r\nHost: a\r\n"
			     "Content-Type: application/x-protobuf\r\nContent-Length: 5\r\n\r\nhello";

/* ---- tests ---- */

START_TEST(test_whole_request)
{
	struct fake *f = fake_new();
	size_t taken;
	ck_assert_int_eq(feed(f, simple, &taken), HTTP_FEED_WAIT);
	ck_assert_uint_eq(taken, strlen(simple));
	ck_assert_int_eq(f->requests, 1);
	ck_assert_str_eq(f->path, "/v1/traces");
	ck_assert_str_eq(f->content_type, "application/x-protobuf");
	ck_assert_uint_eq(f->body_len, 5);
	ck_assert_mem_eq(f->body, "hello", 5);
	ck_assert(out_has(f, "HTTP/1.1 200 OK\r\n"));
	ck_assert(out_has(f, "Content-Length: 4\r\n"));
	ck_assert(!out_has(f, "Connection: close"));
	ck_assert_int_eq(f->last, 0);
	ck_assert_int_eq(http_session_phase(&f->s), HTTP_PHASE_IDLE);
	fake_free(f);
}
END_TEST

/* Any split of the bytes gives the same request and the same answer. */
START_TEST(test_byte_by_byte_and_chunks)
{
	static const size_t steps[] = {1, 2, 3, 7, 16, 50};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		struct fake *f = fake_new();
		size_t taken;
		ck_assert_int_eq(feed_steps(f, simple, strlen(simple), steps[i], &taken),
				 HTTP_FEED_WAIT);
		ck_assert_uint_eq(taken, strlen(simple));
		ck_assert_int_eq(f->requests, 1);
		ck_assert_str_eq(f->path, "/v1/traces");
		ck_assert_str_eq(f->content_type, "application/x-protobuf");
		ck_assert_mem_eq(f->body, "hello", 5);
		ck_assert(out_has(f, "HTTP/1.1 200 OK\r\n"));
		fake_free(f);
	}
}
END_TEST

/* Pipelined requests are taken one at a time; the second waits until the
 * first was answered. */
START_TEST(test_pipelined)
{
	struct fake *f = fake_new();
	f->defer = true;
	char two[1024];
	int n = snprintf(two, sizeof two, "%s%s", simple,
			 "POST /v1/logs HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
	size_t used = 0;
	ck_assert_int_eq(http_session_feed(&f->s, (const uint8_t *)two, (size_t)n, &used),
			 HTTP_FEED_WAIT);
	ck_assert_uint_eq(used, strlen(simple));
	ck_assert_int_eq(f->requests, 1);
	ck_assert_int_eq(f->sends, 0);
	/* Still busy: nothing more is taken. */
	size_t used2 = 1;
	ck_assert_int_eq(http_session_feed(&f->s, (const uint8_t *)two + used, (size_t)n - used,
					   &used2), HTTP_FEED_WAIT);
	ck_assert_uint_eq(used2, 0);
	answer(&f->s, 200);
	ck_assert_int_eq(http_session_feed(&f->s, (const uint8_t *)two + used, (size_t)n - used,
					   &used2), HTTP_FEED_WAIT);
	ck_assert_uint_eq(used + used2, (size_t)n);
	ck_assert_int_eq(f->requests, 2);
	ck_assert_str_eq(f->path, "/v1/logs");
	ck_assert_mem_eq(f->body, "abc", 3);
	answer(&f->s, 200);
	ck_assert_int_eq(count_in_out(f, "HTTP/1.1 200 OK"), 2);
	fake_free(f);
}
END_TEST

START_TEST(test_chunked_body)
{
	static const char req[] = "POST /v1/metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
				  "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n";
	for (size_t step = 1; step <= sizeof req; step += 5) {
		struct fake *f = fake_new();
		size_t taken;
		ck_assert_int_eq(feed_steps(f, req, strlen(req), step, &taken), HTTP_FEED_WAIT);
		ck_assert_int_eq(f->requests, 1);
		ck_assert_uint_eq(f->body_len, 7);
		ck_assert_mem_eq(f->body, "abcdefg", 7);
		fake_free(f);
	}
}
END_TEST

START_TEST(test_header_block_too_large)
{
	struct fake *f = fake_new();
	char req[4096];
	int n = snprintf(req, sizeof req, "POST /v1/traces HTTP/1.1\r\nX-Big: %01500d\r\n\r\n", 7);
	size_t taken;
	ck_assert_int_eq(feed_steps(f, req, (size_t)n, 100, &taken), HTTP_FEED_CLOSE);
	ck_assert_int_eq(f->last_error, HTTP_ERR_HEADERS_TOO_LARGE);
	ck_assert(out_has(f, "HTTP/1.1 431 "));
	ck_assert(out_has(f, "Connection: close"));
	ck_assert_int_eq(f->last, 1);
	ck_assert_int_eq(f->headers, 0);
	fake_free(f);
}
END_TEST

/* A request line alone past the limit, never finished, is refused too. */
START_TEST(test_endless_request_line)
{
	struct fake *f = fake_new();
	char req[2048];
	memset(req, 'a', sizeof req);
	memcpy(req, "POST /", 6);
	size_t taken;
	ck_assert_int_eq(feed_steps(f, req, sizeof req, 64, &taken), HTTP_FEED_CLOSE);
	ck_assert(out_has(f, "HTTP/1.1 431 "));
	fake_free(f);
}
END_TEST

START_TEST(test_too_many_headers)
{
	struct fake *f = fake_new();
	f->limits.max_header_bytes = 60000;
	char req[8192];
	int n = snprintf(req, sizeof req, "POST /v1/traces HTTP/1.1\r\n");
	for (int i = 0; i < 30; i++)
		n += snprintf(req + n, sizeof req - (size_t)n, "X-H%d: v\r\n", i);
	n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
	size_t taken;
	ck_assert_int_eq(feed_steps(f, req, (size_t)n, 13, &taken), HTTP_FEED_CLOSE);
	ck_assert_int_eq(f->last_error, HTTP_ERR_TOO_MANY_HEADERS);
	ck_assert(out_has(f, "HTTP/1.1 431 "));
	fake_free(f);
}
END_TEST

/* A Content-Length over the limit is refused before a byte of the body. */
START_TEST(test_content_length_too_large)
{
	struct fake *f = fake_new();
	static const char req[] = "POST /v1/traces HTTP/1.1\r\nContent-Length: 4097\r\n\r\nxx";
	size_t taken;
	ck_assert_int_eq(feed(f, req, &taken), HTTP_FEED_CLOSE);
	ck_assert_uint_eq(taken, strlen(req) - 2);
	ck_assert_int_eq(f->last_error, HTTP_ERR_BODY_TOO_LARGE);
	ck_assert(out_has(f, "HTTP/1.1 413 Content Too Large\r\n"));
	ck_assert_int_eq(f->headers, 0);
	ck_assert_int_eq(f->requests, 0);
	fake_free(f);
}
END_TEST

/* Without a length, the body is counted as it comes. */
START_TEST(test_chunked_too_large)
{
	struct fake *f = fake_new();
	char req[16384];
	int n = snprintf(req, sizeof req,
			 "POST /v1/traces HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i < 5; i++) {
		n += snprintf(req + n, sizeof req - (size_t)n, "400\r\n");
		memset(req + n, 'z', 1024);
		n += 1024;
		n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
	}
	size_t taken;
	ck_assert_int_eq(feed_steps(f, req, (size_t)n, 700, &taken), HTTP_FEED_CLOSE);
	ck_assert_int_eq(f->last_error, HTTP_ERR_BODY_TOO_LARGE);
	ck_assert(out_has(f, "HTTP/1.1 413 "));
	ck_assert_int_eq(f->requests, 0);
	fake_free(f);
}
END_TEST

START_TEST(test_http10_and_connection_close)
{
	struct fake *f = fake_new();
	size_t taken;
	ck_assert_int_eq(feed(f, "POST /a HTTP/1.0\r\nContent-Length: 1\r\n\r\nx", &taken),
			 HTTP_FEED_CLOSE);
	ck_assert(out_has(f, "Connection: close"));
	ck_assert_int_eq(f->last, 1);
	fake_free(f);

	f = fake_new();
	ck_assert_int_eq(feed(f, "POST /a HTTP/1.0\r\nConnection: keep-alive\r\n"
				 "Content-Length: 1\r\n\r\nx", &taken), HTTP_FEED_WAIT);
	ck_assert(out_has(f, "Connection: keep-alive\r\n"));
	ck_assert_int_eq(f->last, 0);
	fake_free(f);

	f = fake_new();
	ck_assert_int_eq(feed(f, "POST /a HTTP/1.1\r\nConnection: close\r\n"
				 "Content-Length: 1\r\n\r\nx", &taken), HTTP_FEED_CLOSE);
	ck_assert(out_has(f, "Connection: close"));
	ck_assert_int_eq(f->last, 1);
	fake_free(f);
}
END_TEST

START_TEST(test_expect_continue)
{
	struct fake *f = fake_new();
	size_t used;
	static const char head[] = "POST /v1/logs HTTP/1.1\r\nExpect: 100-continue\r\n"
				   "Content-Length: 2\r\n\r\n";
	ck_assert_int_eq(http_session_feed(&f->s, (const uint8_t *)head, strlen(head), &used),
			 HTTP_FEED_MORE);
	ck_assert_int_eq(f->interim, 1);
	ck_assert(out_has(f, "HTTP/1.1 100 Continue\r\n\r\n"));
	ck_assert_int_eq(http_session_feed(&f->s, (const uint8_t *)"ok", 2, &used), HTTP_FEED_WAIT);
	ck_assert(out_has(f, "HTTP/1.1 200 OK"));
	fake_free(f);

	/* Refused by the handler: no 100, the final answer at once. */
	f = fake_new();
	f->refuse_headers = true;
	ck_assert_int_eq(http_session_feed(&f->s, (const uint8_t *)head, strlen(head), &used),
			 HTTP_FEED_CLOSE);
	ck_assert_int_eq(f->interim, 0);
	ck_assert(out_has(f, "HTTP/1.1 404 "));
	fake_free(f);

	f = fake_new();
	ck_assert_int_eq(feed(f, "POST /a HTTP/1.1\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx",
			      &used), HTTP_FEED_CLOSE);
	ck_assert(out_has(f, "HTTP/1.1 417 "));
	fake_free(f);
}
END_TEST

START_TEST(test_malformed)
{
	static const char *const bad[] = {
		"GARBAGE\r\n\r\n",
		"POST /a HTTP/9.9\r\n\r\n",
		"POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
		"POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
		"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct fake *f = fake_new();
		size_t taken;
		ck_assert_msg(feed(f, bad[i], &taken) == HTTP_FEED_CLOSE, "case %zu", i);
		ck_assert_msg(out_has(f, "HTTP/1.1 400 "), "case %zu", i);
		ck_assert_int_eq(f->requests, 0);
		ck_assert_int_eq(f->last, 1);
		fake_free(f);
	}
}
END_TEST

START_TEST(test_header_values)
{
	struct fake *f = fake_new();
	size_t taken;
	ck_assert_int_eq(feed(f, "POST /x HTTP/1.1\r\ncontent-TYPE: application/json; charset=utf-8\r\n"
				 "Content-Type: text/plain\r\nContent-Length: 0\r\n\r\n", &taken),
			 HTTP_FEED_WAIT);
	ck_assert_str_eq(f->content_type, "text/plain");
	ck_assert(f->ct_repeated);
	fake_free(f);

	f = fake_new();
	char req[1024];
	int n = snprintf(req, sizeof req, "POST /x HTTP/1.1\r\nContent-Type: application/%0300d\r\n"
			 "Content-Length: 0\r\n\r\n", 1);
	ck_assert_int_eq(feed_steps(f, req, (size_t)n, 9, &taken), HTTP_FEED_WAIT);
	ck_assert(f->ct_too_long);
	ck_assert_str_eq(f->content_type, "");
	fake_free(f);
}
END_TEST

START_TEST(test_timeouts)
{
	struct fake *f = fake_new();
	size_t used;
	ck_assert_int_eq(http_session_feed(&f->s, (const uint8_t *)"POST /v1/tr", 11, &used),
			 HTTP_FEED_MORE);
	ck_assert_int_eq(http_session_phase(&f->s), HTTP_PHASE_HEADERS);
	ck_assert_int_eq(http_session_timeout(&f->s), HTTP_FEED_CLOSE);
	ck_assert(out_has(f, "HTTP/1.1 408 "));
	fake_free(f);

	f = fake_new();
	static const char partial[] = "POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc";
	ck_assert_int_eq(feed(f, partial, &used), HTTP_FEED_MORE);
	ck_assert_int_eq(http_session_phase(&f->s), HTTP_PHASE_BODY);
	ck_assert_int_eq(http_session_timeout(&f->s), HTTP_FEED_CLOSE);
	ck_assert_int_eq(f->last_error, HTTP_ERR_BODY_TIMEOUT);
	fake_free(f);

	/* The handler did not answer in time: 503, the connection lives on. */
	f = fake_new();
	f->defer = true;
	ck_assert_int_eq(feed(f, simple, &used), HTTP_FEED_WAIT);
	ck_assert_int_eq(http_session_timeout(&f->s), HTTP_FEED_WAIT);
	ck_assert_int_eq(f->last_error, HTTP_ERR_HANDLER_TIMEOUT);
	ck_assert(out_has(f, "HTTP/1.1 503 "));
	ck_assert(out_has(f, "Retry-After: 1\r\n"));
	ck_assert_int_eq(http_session_phase(&f->s), HTTP_PHASE_IDLE);
	fake_free(f);

	/* Nothing of a request yet: closed without a word. */
	f = fake_new();
	ck_assert_int_eq(http_session_timeout(&f->s), HTTP_FEED_CLOSE);
	ck_assert_uint_eq(f->out_len, 0);
	fake_free(f);
}
END_TEST

START_TEST(test_cancel_when_closed_busy)
{
	struct fake *f = fake_new();
	f->defer = true;
	size_t used;
	ck_assert_int_eq(feed(f, simple, &used), HTTP_FEED_WAIT);
	http_session_close(&f->s);
	ck_assert_int_eq(f->cancels, 1);
	ck_assert_int_eq(http_session_respond(&f->s, &(struct http_response){.status = 200}),
			 -EALREADY);
	fake_free(f);
}
END_TEST

/* Two uploads share the budget: the second waits its turn with a 503. */
START_TEST(test_budget)
{
	struct http_budget budget = {.max = 3000};
	struct fake *a = fake_new(), *b = fake_new();
	a->limits.budget = b->limits.budget = &budget;
	size_t used;
	static const char big[] = "POST /a HTTP/1.1\r\nContent-Length: 2000\r\n\r\n";
	ck_assert_int_eq(feed(a, big, &used), HTTP_FEED_MORE);
	ck_assert_uint_eq(budget.used, 2000);
	/* b is answered at once; its body is then read and dropped, not
	 * buffered, and the connection goes on. */
	ck_assert_int_eq(feed(b, big, &used), HTTP_FEED_MORE);
	ck_assert(out_has(b, "HTTP/1.1 503 "));
	ck_assert(out_has(b, "Retry-After: "));
	ck_assert(!out_has(b, "Connection: close"));
	ck_assert_int_eq(http_session_phase(&b->s), HTTP_PHASE_BODY);
	char body[2000];
	memset(body, 'x', sizeof body);
	ck_assert_int_eq(feed_steps(b, body, sizeof body, 700, &used), HTTP_FEED_MORE);
	ck_assert_uint_eq(used, sizeof body);
	ck_assert_int_eq(http_session_phase(&b->s), HTTP_PHASE_IDLE);
	ck_assert_uint_eq(budget.used, 2000);
	ck_assert_int_eq(b->requests, 0);
	http_session_close(&a->s);
	ck_assert_uint_eq(budget.used, 0);
	fake_free(a);
	fake_free(b);

	/* Alone, a request larger than the budget still passes. */
	budget = (struct http_budget){.max = 100};
	a = fake_new();
	a->limits.budget = &budget;
	ck_assert_int_eq(feed(a, big, &used), HTTP_FEED_MORE);
	fake_free(a);
	ck_assert_uint_eq(budget.used, 0);
}
END_TEST

/* Answered from the headers: a small body is read and dropped and the next
 * request on the connection is served. */
START_TEST(test_refused_before_body)
{
	struct fake *f = fake_new();
	f->refuse_headers = true;
	size_t used;
	ck_assert_int_eq(feed(f, simple, &used), HTTP_FEED_MORE);
	ck_assert_uint_eq(used, strlen(simple));
	ck_assert(out_has(f, "HTTP/1.1 404 "));
	ck_assert(!out_has(f, "Connection: close"));
	ck_assert_int_eq(f->requests, 0);
	ck_assert_int_eq(http_session_phase(&f->s), HTTP_PHASE_IDLE);
	f->refuse_headers = false;
	ck_assert_int_eq(feed(f, simple, &used), HTTP_FEED_WAIT);
	ck_assert(out_has(f, "HTTP/1.1 200 OK"));
	ck_assert_int_eq(f->requests, 1);
	ck_assert_uint_eq(f->body_len, 5);
	fake_free(f);

	/* Pipelined: the request behind the dropped body is parsed at once. */
	f = fake_new();
	f->refuse_headers = true;
	char two[512];
	snprintf(two, sizeof two, "%s%s", simple, simple);
	ck_assert_int_eq(feed(f, two, &used), HTTP_FEED_MORE);
	ck_assert_int_eq(count_in_out(f, "HTTP/1.1 404 "), 2);
	ck_assert_int_eq(http_session_phase(&f->s), HTTP_PHASE_IDLE);
	fake_free(f);
}
END_TEST

/* The connection closes instead when the rest of the body is long (over
 * HTTP_DISCARD_MAX_BYTES), of unknown length, awaited with 100-continue, or
 * the client does not keep connections. */
START_TEST(test_refused_before_body_closes_when_dropping_is_not_worth_it)
{
	static const char *const heads[] = {
		"POST /a HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n",
		"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST /a HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
		"POST /a HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\n",
		"POST /a HTTP/1.0\r\nContent-Length: 5\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		struct fake *f = fake_new();
		f->limits.max_body_bytes = 4u << 20;
		f->refuse_headers = true;
		size_t used;
		ck_assert_msg(feed(f, heads[i], &used) == HTTP_FEED_CLOSE, "case %zu", i);
		ck_assert(out_has(f, "HTTP/1.1 404 "));
		ck_assert(out_has(f, "Connection: close"));
		fake_free(f);
	}
	/* Exactly the bound is still dropped. */
	struct fake *f = fake_new();
	f->limits.max_body_bytes = 4u << 20;
	f->refuse_headers = true;
	size_t used;
	ck_assert_int_eq(feed(f, "POST /a HTTP/1.1\r\nContent-Length: 1048576\r\n\r\n", &used),
			 HTTP_FEED_MORE);
	ck_assert(!out_has(f, "Connection: close"));
	fake_free(f);
}
END_TEST

START_TEST(test_refuse_connection)
{
	struct fake *f = fake_new();
	http_session_refuse(&f->s, HTTP_ERR_TOO_MANY_CONNECTIONS);
	ck_assert(out_has(f, "HTTP/1.1 503 "));
	ck_assert(out_has(f, "Retry-After: 1"));
	ck_assert_int_eq(f->last, 1);
	size_t used;
	ck_assert_int_eq(feed(f, simple, &used), HTTP_FEED_CLOSE);
	fake_free(f);
}
END_TEST

/* Many keep-alive requests on one session: nothing grows. */
START_TEST(test_keep_alive_many)
{
	struct fake *f = fake_new();
	for (int i = 0; i < 1000; i++) {
		size_t used;
		ck_assert_int_eq(feed(f, simple, &used), HTTP_FEED_WAIT);
		ck_assert_uint_eq(used, strlen(simple));
		f->out_len = 0;
	}
	ck_assert_int_eq(f->requests, 1000);
	fake_free(f);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("http_request");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_whole_request);
	tcase_add_test(tc, test_byte_by_byte_and_chunks);
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_chunked_body);
	tcase_add_test(tc, test_header_block_too_large);
	tcase_add_test(tc, test_endless_request_line);
	tcase_add_test(tc, test_too_many_headers);
	tcase_add_test(tc, test_content_length_too_large);
	tcase_add_test(tc, test_chunked_too_large);
	tcase_add_test(tc, test_http10_and_connection_close);
	tcase_add_test(tc, test_expect_continue);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_header_values);
	tcase_add_test(tc, test_timeouts);
	tcase_add_test(tc, test_cancel_when_closed_busy);
	tcase_add_test(tc, test_budget);
	tcase_add_test(tc, test_refused_before_body);
	tcase_add_test(tc, test_refused_before_body_closes_when_dropping_is_not_worth_it);
	tcase_add_test(tc, test_refuse_connection);
	tcase_add_test(tc, test_keep_alive_many);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
