#ifndef OTLPD_HTTP_REQUEST_H
#define OTLPD_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llhttp.h>

#include "http_limits.h"

/* The HTTP/1.1 request side of one connection, without any I/O: bytes go in
 * with http_session_feed, requests come out to a handler, responses go out
 * through an io callback. One request at a time: once a request is complete
 * the session takes no more bytes until it has been answered, so pipelined
 * requests wait in the caller's (bounded) read buffer, never here. The
 * socket side is http_server.c; unit tests and the fuzzer drive it directly. */

/* Bytes of request bodies held by all sessions together. A request is
 * admitted when nothing else is held or when it fits; this bounds the memory
 * that many slow uploads can pin. */
struct http_budget {
	uint64_t used;
	uint64_t max;
};

struct http_limits {
	uint32_t max_header_bytes; /* request line and headers */
	uint32_t max_headers;
	uint64_t max_body_bytes; /* as received, before any decompression */
	struct http_budget *budget; /* shared; NULL: none */
};

/* Failures found by the session or its owner; the handler turns each into a
 * response (http_error_status gives the status code). */
enum http_error {
	HTTP_ERR_BAD_REQUEST,          /* 400: not HTTP/1.x */
	HTTP_ERR_HEADERS_TOO_LARGE,    /* 431 */
	HTTP_ERR_TOO_MANY_HEADERS,     /* 431 */
	HTTP_ERR_BODY_TOO_LARGE,       /* 413 */
	HTTP_ERR_HEADER_TIMEOUT,       /* 408 */
	HTTP_ERR_BODY_TIMEOUT,         /* 408 */
	HTTP_ERR_EXPECTATION,          /* 417 */
	HTTP_ERR_OVERLOADED,           /* 503: the body budget is spent */
	HTTP_ERR_HANDLER_TIMEOUT,      /* 503: the handler did not finish in time */
	HTTP_ERR_TOO_MANY_CONNECTIONS, /* 503 */
	HTTP_ERR_COUNT,
};

int http_error_status(enum http_error e);
/* What went wrong, in words for the client; never request bytes. */
const char *http_error_message(enum http_error e);

/* One request as the handler sees it. Header values are kept only for the
 * headers a handler needs; all strings are NUL-terminated. */
struct http_request {
	uint8_t method; /* enum llhttp_method */
	uint8_t http_major, http_minor;
	bool path_too_long;   /* path is "" then */
	char path[HTTP_PATH_MAX]; /* the target up to '?' */
	bool query_too_long;  /* query is "" then */
	char query[HTTP_QUERY_MAX]; /* after '?', up to '#' */
	/* A value longer than HTTP_HEADER_VALUE_MAX is kept as "" with _too_long. */
	char content_type[HTTP_HEADER_VALUE_MAX];
	char content_encoding[HTTP_HEADER_VALUE_MAX];
	bool content_type_seen, content_type_too_long, content_type_repeated;
	bool content_encoding_seen, content_encoding_too_long, content_encoding_repeated;
	char range[HTTP_HEADER_VALUE_MAX];
	char if_none_match[HTTP_HEADER_VALUE_MAX];
	bool range_seen, range_too_long, range_repeated;
	bool if_none_match_seen, if_none_match_too_long, if_none_match_repeated;
	bool expect_continue;     /* Expect: 100-continue (HTTP/1.1) */
	bool expect_unknown;      /* any other expectation */
	bool has_length;          /* Content-Length given */
	uint64_t length;
	bool chunked;
	bool keep_alive;          /* the connection may serve another request */
	uint8_t *body;            /* owned by the session until answered */
	size_t body_len, body_cap;
	uint64_t reserved;        /* bytes counted in the budget */
	void *user;               /* the handler's, for requests it answers later */
};

/* A response header beyond those the core writes itself; neither part may
 * hold CR or LF. */
struct http_header {
	const char *name;
	const char *value;
};

/* A response body produced in pieces (a file), read in bounded chunks as the
 * socket drains, so it is never all in memory. */
struct http_stream {
	uint64_t length; /* announced in Content-Length */
	/* Reads up to cap bytes at offset (< length) into buf: the count (> 0)
	 * or a negative errno; the connection is closed on either a failure or 0. */
	int64_t (*read)(void *ctx, uint8_t *buf, size_t cap, uint64_t offset);
	/* Called exactly once when the stream is finished or abandoned. */
	void (*release)(void *ctx);
	void *ctx;
};

struct http_response {
	int status;
	const char *content_type; /* NULL: no body */
	const uint8_t *body;
	size_t body_len;
	uint32_t retry_after_s;   /* 0: no Retry-After */
	const char *allow;        /* Allow header for 405, or NULL */
	const struct http_header *headers; /* extra headers, n_headers of them */
	size_t n_headers;
	/* Instead of body: ownership of stream->ctx passes to the session in
	 * every case (released by it or the connection). Needs content_type. */
	const struct http_stream *stream;
	bool head_only; /* HEAD: Content-Length of the body, but no body bytes */
};

struct http_session;

struct http_handler {
	/* Headers are in and the request passed the session's own checks. Answer
	 * with http_session_respond to refuse it before its body is read (the
	 * connection then closes), or return to receive the body. */
	void (*on_headers)(struct http_session *s, struct http_request *r, void *ctx);
	/* The whole request is in. Answer now or later; until then the session
	 * reads nothing more from the connection. */
	void (*on_request)(struct http_session *s, struct http_request *r, void *ctx);
	/* Must answer. r->user is the handler's to release first. */
	void (*on_error)(struct http_session *s, struct http_request *r, enum http_error e,
			 void *ctx);
	/* The connection is going away with the request unanswered: release
	 * r->user; no response is possible. */
	void (*on_cancel)(struct http_session *s, struct http_request *r, void *ctx);
};

enum http_send_kind {
	HTTP_SEND_INTERIM, /* 100 Continue: more is to come for this request */
	HTTP_SEND_FINAL,   /* the response; the session then waits for more bytes */
	HTTP_SEND_LAST,    /* the response; the connection ends after it */
};

struct http_io {
	/* Takes ownership of buf (malloc) in every case. Returns 0 or a negative
	 * errno, after which the connection is being closed. */
	int (*send)(void *io_ctx, uint8_t *buf, size_t len, enum http_send_kind kind);
	/* The head in buf (owned as for send), then the stream's bytes; takes
	 * ownership of stream->ctx in every case. NULL: streams are refused. */
	int (*send_stream)(void *io_ctx, uint8_t *buf, size_t len, const struct http_stream *stream,
			   enum http_send_kind kind);
};

enum http_phase {
	HTTP_PHASE_IDLE,    /* between requests, nothing of the next one yet */
	HTTP_PHASE_HEADERS, /* part of a request line or header block is in */
	HTTP_PHASE_BODY,    /* receiving the body */
	HTTP_PHASE_BUSY,    /* the handler has the request */
	HTTP_PHASE_CLOSED,  /* the last response was sent or the peer broke HTTP */
};

enum http_feed_result {
	HTTP_FEED_MORE,  /* every byte taken; read more */
	HTTP_FEED_WAIT,  /* a request is being answered; feed the rest after the
			  * response was written (HTTP_SEND_FINAL completed) */
	HTTP_FEED_CLOSE, /* read no more; the connection ends */
};

struct http_session {
	llhttp_t parser;
	const struct http_limits *limits;
	const struct http_handler *handler;
	void *handler_ctx;
	const struct http_io *io;
	void *io_ctx;
	enum http_phase phase;
	bool responded; /* the current request has its response */
	bool paused;    /* the parser is paused and must be resumed */
	bool at_headers;     /* the parser paused at the end of the headers */
	bool at_message_end; /* ... at the end of the request */
	bool cb_error_set;   /* a callback refused the request with cb_error */
	enum http_error cb_error;
	bool closing;   /* no further request will be served */
	bool discarding; /* answered early: the body is read and dropped */
	bool served_one;
	uint32_t header_bytes;
	uint32_t header_count;
	uint64_t body_received;
	/* the header being parsed */
	uint8_t cur_header; /* which of the headers we keep, or 0 */
	uint16_t name_len;
	uint16_t value_len;
	bool value_too_long;
	char name[HTTP_HEADER_NAME_MAX];
	char value[HTTP_HEADER_VALUE_MAX];
	size_t path_len;
	bool in_query;
	bool in_fragment;
	size_t query_len;
	struct http_request req;
};

void http_session_init(struct http_session *s, const struct http_limits *limits,
		       const struct http_handler *handler, void *handler_ctx,
		       const struct http_io *io, void *io_ctx);

/* Parses up to len bytes; *used says how many were taken. */
enum http_feed_result http_session_feed(struct http_session *s, const uint8_t *data, size_t len,
					size_t *used);

/* The handler's answer to the current request (or a refusal in on_headers or
 * on_error). Frees the request body. Returns 0 or a negative errno (the
 * connection is then closing). */
int http_session_respond(struct http_session *s, const struct http_response *resp);

/* The owner's clock ran out in the current phase: answers 408 (headers or
 * body), asks the handler to answer (busy). Returns what the connection
 * should do next. */
enum http_feed_result http_session_timeout(struct http_session *s);

/* Answers e (e.g. HTTP_ERR_TOO_MANY_CONNECTIONS) through the handler and
 * closes the session. */
void http_session_refuse(struct http_session *s, enum http_error e);

/* The body is no longer needed (decompressed or decoded into another
 * buffer): free it before the answer is due. */
void http_session_drop_body(struct http_session *s);

/* The connection is gone: an unanswered request is cancelled, memory freed. */
void http_session_close(struct http_session *s);

enum http_phase http_session_phase(const struct http_session *s);
/* True once a byte of the current request has arrived. */
bool http_session_started(const struct http_session *s);

/* The status line and headers of resp (http_response.c): Date,
 * Content-Type, Allow, Retry-After, the extra headers, Content-Length (of
 * the body or stream, also for head_only), and Connection: close
 * when last (keep-alive for an HTTP/1.0 client that asked for it). Returns
 * the length or -ENOBUFS. */
int http_format_head(char *head, size_t cap, const struct http_response *resp, bool last,
		     bool http10_keep_alive);

#endif
