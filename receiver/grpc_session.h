#ifndef OTLPD_GRPC_SESSION_H
#define OTLPD_GRPC_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grpc_frame.h"
#include "grpc_limits.h"
#include "grpc_text.h"

/* The server side of one HTTP/2 connection carrying unary gRPC calls
 * (cleartext, prior knowledge), without any I/O: bytes and the time go in
 * with grpc_session_feed / grpc_session_tick, calls come out to a handler,
 * bytes to send go out through an io callback. nghttp2 does HTTP/2 with our
 * limits; this file adds gRPC's headers and message framing, per-call
 * deadlines, timeouts, flood counters and a memory cap. The socket side is
 * grpc_server.c; unit tests and the fuzzer drive it directly.
 *
 * Keepalive: client PINGs are answered (within the PING bucket) but do not
 * keep a connection without calls open past idle_timeout_ms; the server
 * sends no PINGs of its own, since a connection without calls ends after
 * idle_timeout_ms and every call is bounded by its deadline (grpc-timeout,
 * ack_timeout_ms) or body_timeout_ms, so a dead peer is never held longer. */

struct http_budget;

struct grpc_limits {
	uint32_t max_concurrent_streams;
	uint32_t max_header_bytes;  /* header list as HPACK counts it (name + value + 32);
				     * also SETTINGS_MAX_HEADER_LIST_SIZE */
	uint32_t max_headers;
	uint64_t max_message_bytes; /* one message as received */
	uint64_t header_timeout_ms; /* a new connection's wait for its first call */
	uint64_t idle_timeout_ms;   /* no call open */
	uint64_t body_timeout_ms;   /* between two DATA frames of a call's message */
	struct http_budget *budget; /* message bytes held, shared; NULL: none */
};

/* Counters of all sessions of a server. */
struct grpc_session_stats {
	uint64_t calls;            /* streams that sent request headers */
	uint64_t floods;           /* connections ended with ENHANCE_YOUR_CALM */
	uint64_t protocol_errors;  /* connections ended by nghttp2 for an HTTP/2 error */
	uint64_t memory_exceeded;  /* connections past GRPC_SESSION_MEM_MAX */
	uint64_t idle_timeouts;
	uint64_t body_timeouts;
	uint64_t deadlines;        /* calls answered DEADLINE_EXCEEDED */
	uint64_t resets_received;  /* RST_STREAM from clients */
};

/* Why a call is refused by the session; the handler answers (grpc_error_*). */
enum grpc_error {
	GRPC_ERR_NOT_POST,          /* HTTP 405 */
	GRPC_ERR_CONTENT_TYPE,      /* not application/grpc: HTTP 415 */
	GRPC_ERR_SUBTYPE,           /* application/grpc+json etc.: UNIMPLEMENTED */
	GRPC_ERR_ENCODING,          /* grpc-encoding we do not have: UNIMPLEMENTED */
	GRPC_ERR_BAD_TIMEOUT,       /* INVALID_ARGUMENT */
	GRPC_ERR_HEADERS_TOO_LARGE, /* RESOURCE_EXHAUSTED */
	GRPC_ERR_BAD_PREFIX,        /* Compressed-Flag not 0 or 1: INVALID_ARGUMENT */
	GRPC_ERR_COMPRESSED_IDENTITY, /* flag 1 without grpc-encoding: INVALID_ARGUMENT */
	GRPC_ERR_NO_MESSAGE,        /* the stream ended before a message: INVALID_ARGUMENT */
	GRPC_ERR_TRUNCATED,         /* ... in the middle of one: INVALID_ARGUMENT */
	GRPC_ERR_TOO_LARGE,         /* declared length past the limit: RESOURCE_EXHAUSTED */
	GRPC_ERR_EXTRA_DATA,        /* bytes after the one message: RESOURCE_EXHAUSTED */
	GRPC_ERR_OVERLOADED,        /* the body budget is spent: UNAVAILABLE, retry */
	GRPC_ERR_SLOW_CLIENT,       /* the message stalled: DEADLINE_EXCEEDED */
	GRPC_ERR_DEADLINE,          /* grpc-timeout or the handler's deadline passed */
	GRPC_ERR_COUNT,
};

/* grpc-status codes we use (grpc/doc/statuscodes.md). */
enum grpc_status {
	GRPC_OK = 0,
	GRPC_INVALID_ARGUMENT = 3,
	GRPC_DEADLINE_EXCEEDED = 4,
	GRPC_RESOURCE_EXHAUSTED = 8,
	GRPC_UNIMPLEMENTED = 12,
	GRPC_UNAVAILABLE = 14,
	GRPC_STATUS_COUNT = 17,
};

/* The answer to e: grpc-status (and HTTP status when not 200). */
uint32_t grpc_error_status(enum grpc_error e, int *http_status);
/* What went wrong, in words for the client; never request bytes. */
const char *grpc_error_message(enum grpc_error e);

struct grpc_session;

/* One unary call (one stream). The handler reads the first fields and owns
 * user; the rest is the session's. */
struct grpc_call {
	struct grpc_session *session;
	int32_t stream_id;
	bool path_too_long;       /* path is "" then */
	char path[GRPC_PATH_MAX];
	enum grpc_coding coding;  /* grpc-encoding */
	void *user;               /* the handler's, for calls it answers later */

	struct grpc_call *prev, *next;
	int state;                /* enum call_state in grpc_session.c */
	bool reset_by_peer;
	bool post, content_type_seen, content_type_repeated, timeout_bad, headers_too_large;
	enum grpc_content_type content_type;
	uint32_t header_bytes, header_count;
	uint64_t deadline_ms;     /* UINT64_MAX: none */
	uint64_t last_data_ms;
	uint64_t reserved;        /* bytes counted in the budget */
	struct grpc_reader reader;
	uint8_t *out;             /* owned: the response message with its prefix */
	size_t out_len, out_off;
	char *trailer_message;    /* owned: percent-encoded grpc-message */
	char *trailer_details;    /* owned: base64 grpc-status-details-bin */
	uint32_t trailer_status;
};

struct grpc_handler {
	/* A call's headers are in and are valid gRPC. Answer with
	 * grpc_session_respond to refuse it (its message is not read), or
	 * return to receive the message. */
	void (*on_call)(struct grpc_session *s, struct grpc_call *c, void *ctx);
	/* The call's one message is in (compressed: with c->coding). msg is
	 * valid during the callback only. Answer now or later. */
	void (*on_message)(struct grpc_session *s, struct grpc_call *c, const uint8_t *msg,
			   size_t len, bool compressed, void *ctx);
	/* Must answer. c->user is the handler's to release first. */
	void (*on_error)(struct grpc_session *s, struct grpc_call *c, enum grpc_error e,
			 void *ctx);
	/* The stream is gone with the call unanswered: release c->user; no
	 * answer is possible. */
	void (*on_cancel)(struct grpc_session *s, struct grpc_call *c, void *ctx);
};

struct grpc_io {
	/* Takes ownership of buf (malloc) in every case. Returns 0 or a
	 * negative errno, after which the connection is being closed. */
	int (*send)(void *io_ctx, uint8_t *buf, size_t len);
	/* After an answer given outside feed and tick (from the handler's own
	 * callbacks): next_wake or done may have changed. The session is not
	 * touched after this returns, so the owner may close it here. May be
	 * NULL. */
	void (*changed)(void *io_ctx);
};

struct grpc_response {
	int http_status;           /* 0: 200 with gRPC's answer; else a refusal (405, 415) */
	uint32_t status;           /* grpc-status */
	const char *message;       /* grpc-message before encoding; NULL: none */
	const uint8_t *details;    /* a google.rpc.Status for grpc-status-details-bin */
	size_t details_len;
	const uint8_t *body;       /* the response message, sent when has_body */
	size_t body_len;
	bool has_body;
};

enum grpc_feed_result {
	GRPC_FEED_MORE,  /* read on */
	GRPC_FEED_CLOSE, /* read no more; close once what was sent is written */
};

struct grpc_session {
	void *ng;                  /* nghttp2_session */
	const struct grpc_limits *limits;
	const struct grpc_handler *handler;
	void *handler_ctx;
	const struct grpc_io *io;
	void *io_ctx;
	struct grpc_session_stats *stats;
	struct grpc_call *calls;   /* every open call */
	uint32_t open_calls;
	bool greeted;              /* the client's SETTINGS came */
	bool goaway;               /* we sent or queued GOAWAY */
	bool terminated;           /* ... for a flood: nothing more is read */
	bool dead;                 /* fatal: nothing more is read or sent */
	bool io_failed;
	unsigned depth;            /* inside our own API: send when back at 0 */
	uint64_t now_ms;
	uint64_t idle_since_ms;
	size_t mem_used;           /* by nghttp2, through our allocator */
	size_t mem_peak;
	struct grpc_bucket {
		uint64_t milli;    /* thousandths of a token */
		uint64_t at_ms;
	} settings, ping, reset, empty;
};

/* Starts the session: sends our SETTINGS (max concurrent streams, header
 * list size, frame size, windows). Returns 0 or -ENOMEM. */
int grpc_session_init(struct grpc_session *s, const struct grpc_limits *limits,
		      const struct grpc_handler *handler, void *handler_ctx,
		      const struct grpc_io *io, void *io_ctx, struct grpc_session_stats *stats,
		      uint64_t now_ms);

/* Takes bytes from the client. */
enum grpc_feed_result grpc_session_feed(struct grpc_session *s, const uint8_t *data, size_t len,
					uint64_t now_ms);

/* The owner's timer: expires deadlines and idle time as of now_ms. */
enum grpc_feed_result grpc_session_tick(struct grpc_session *s, uint64_t now_ms);

/* When grpc_session_tick has something to do next (absolute ms), or
 * UINT64_MAX. */
uint64_t grpc_session_next_wake(const struct grpc_session *s);

/* The handler's answer (or a refusal in on_call or on_error). Returns 0 or
 * a negative errno (the stream is gone or the connection is closing). */
int grpc_session_respond(struct grpc_session *s, struct grpc_call *c,
			 const struct grpc_response *r);

/* The call must be answered within ms from now (the earlier of this and
 * any deadline it has), else on_error(GRPC_ERR_DEADLINE). */
void grpc_session_set_deadline(struct grpc_session *s, struct grpc_call *c, uint64_t ms);

/* Graceful end (the server stops, or a connection over the limit): GOAWAY,
 * calls in hand are answered, new ones refused. */
void grpc_session_goaway(struct grpc_session *s, bool refuse);

/* Nothing more to read or send: close once the last bytes are written. */
bool grpc_session_done(const struct grpc_session *s);

/* The connection is gone: unanswered calls are cancelled, memory freed. */
void grpc_session_close(struct grpc_session *s);

#endif
