#ifndef OTLPD_HTTP_LIMITS_H
#define OTLPD_HTTP_LIMITS_H

/* The fixed limits of the HTTP/1.1 server core (http_request, http_conn,
 * http_server), shared by the receiver and the dashboard (practice 13). Those
 * an operator may need to change are in struct http_server_config and have
 * config keys per role; these are fixed because no honest client comes near
 * them. */

/* Bytes read from a socket at once. One buffer serves every connection (the
 * loop is single-threaded and each read is handled before the next), so idle
 * connections hold no read buffer at all. */
#define HTTP_READ_BYTES (64u * 1024u)

/* The request target we keep, up to '?'; a longer path is not one we serve. */
#define HTTP_PATH_MAX 256u
/* The query string we keep (after '?', before '#'). */
#define HTTP_QUERY_MAX 128u
/* Values of the few headers we look at (Content-Type, Content-Encoding,
 * Expect, Range, If-None-Match); a longer value is not one we support. */
#define HTTP_HEADER_VALUE_MAX 128u
/* Header names we compare against are shorter than this. */
#define HTTP_HEADER_NAME_MAX 32u
/* Room for the status line and response headers we write, extra headers
 * (security headers of the dashboard) included. */
#define HTTP_RESPONSE_HEAD_MAX 2048u
/* A body buffer starts this large and doubles as bytes arrive, so a client
 * announcing a large Content-Length pins no memory it has not sent. */
#define HTTP_BODY_INITIAL_BYTES (16u * 1024u)
/* A streamed response body (a file) is read and written in chunks of at most
 * this much, one chunk in flight per connection. */
#define HTTP_STREAM_CHUNK_BYTES (64u * 1024u)

/* After the last response on a connection the rest of the client's bytes are
 * read and thrown away for at most this long, so that closing does not reset
 * the connection before the client has read the response. */
#define HTTP_LINGER_MS 2000u
/* A request answered before its body was read (e.g. 503 while the queue is
 * full) keeps its connection when the rest of the body is at most this
 * long: it is read and dropped, without a buffer, instead of closing with
 * unread bytes (which resets the connection, and may take the answer with
 * it). A longer rest closes the connection. */
#define HTTP_DISCARD_MAX_BYTES (1024u * 1024u)
/* Connections over max_connections that are answered 503 and closed while no
 * idle connection can make room; more than this are closed at once. */
#define HTTP_OVERFLOW_MAX 64u
/* Descriptors the process needs beyond client connections (control, data
 * channels, listeners, loop internals, stdio). */
#define HTTP_RESERVED_FDS 32u

/* Seconds a client is asked to wait in Retry-After on 429/503. */
#define HTTP_RETRY_AFTER_S 1u

#endif
