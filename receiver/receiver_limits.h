#ifndef OTLPD_RECEIVER_LIMITS_H
#define OTLPD_RECEIVER_LIMITS_H

/* Every limit of the receiver in one place (practice 13). Those an operator
 * may need to change have a config key (receiver.*, see common/config_keys.c)
 * and only their fallbacks for tests live here; the rest are fixed because no
 * honest client comes near them. */

/* Bytes read from a socket at once. One buffer serves every connection (the
 * loop is single-threaded and each read is handled before the next), so idle
 * connections hold no read buffer at all. */
#define RECEIVER_READ_BYTES (64u * 1024u)

/* The request target we keep; ours are "/v1/traces" and the like, so a longer
 * path is simply not found. */
#define HTTP_PATH_MAX 256u
/* Values of the few headers we look at (Content-Type, Content-Encoding,
 * Expect); a longer value is not one we support. */
#define HTTP_HEADER_VALUE_MAX 128u
/* Header names we compare against are shorter than this. */
#define HTTP_HEADER_NAME_MAX 32u
/* Room for the status line and response headers we write. */
#define HTTP_RESPONSE_HEAD_MAX 512u
/* A body buffer starts this large and doubles as bytes arrive, so a client
 * announcing a large Content-Length pins no memory it has not sent. */
#define HTTP_BODY_INITIAL_BYTES (16u * 1024u)

/* After the last response on a connection the rest of the client's bytes are
 * read and thrown away for at most this long, so that closing does not reset
 * the connection before the client has read the response. */
#define HTTP_LINGER_MS 2000u
/* Connections over receiver.max_connections that are answered 503 and closed
 * while no idle connection can make room; more than this are closed at once. */
#define HTTP_OVERFLOW_MAX 64u
/* Descriptors the process needs beyond client connections (control, data
 * channels, listeners, loop internals, stdio). */
#define RECEIVER_RESERVED_FDS 32u

/* Seconds a client is asked to wait in Retry-After on 429/503. */
#define RECEIVER_RETRY_AFTER_S 1u

/* Inflating runs in steps of this much output, the buffer growing by
 * doubling up to the limit. */
#define GZIP_STEP_BYTES (64u * 1024u)

#endif
