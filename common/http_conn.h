#ifndef OTLPD_HTTP_CONN_H
#define OTLPD_HTTP_CONN_H

#include <stdbool.h>

#include "http_server.h"

/* One client connection of an http_server; internal to http_server.c and
 * http_conn.c. A connection reads only while its session wants bytes,
 * writes each response, runs one timer for whatever it waits on, and ends
 * with a lingering close. */

/* Accepts the pending connection on srv's listener. overflow: over
 * max_connections; it is answered 503 and closed. Returns 0 or a negative
 * errno (nothing was accepted into a connection). */
int http_conn_accept(struct http_server *srv, bool overflow);
/* Closes at once; the memory goes when libuv has let go of the handles. */
void http_conn_close(struct http_conn *c);
/* The server is stopping: close if nothing is in hand, else answer the
 * request in hand with Connection: close. */
void http_conn_stop(struct http_conn *c);
struct http_conn *http_conn_next(const struct http_conn *c);

/* Called by a connection once it is fully gone. */
void http_server_conn_gone(struct http_server *srv);

#endif
