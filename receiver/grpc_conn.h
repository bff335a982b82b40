#ifndef OTLPD_GRPC_CONN_H
#define OTLPD_GRPC_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "grpc_server.h"

/* One client connection of a grpc_server; internal to grpc_server.c and
 * grpc_conn.c. */

/* Accepts the pending connection on srv's listener. overflow: over
 * max_connections; it is sent GOAWAY and closed. Returns 0 or a negative
 * errno (nothing was accepted into a connection). */
int grpc_conn_accept(struct grpc_server *srv, bool overflow);
/* Closes at once; the memory goes when libuv has let go of the handles. */
void grpc_conn_close(struct grpc_conn *c);
/* GOAWAY: calls in hand are answered, then the connection ends. */
void grpc_conn_goaway(struct grpc_conn *c);
/* GOAWAY to make room: from now on the connection counts with the refused
 * ones (srv->overflow), no longer against max_connections. */
void grpc_conn_evict(struct grpc_conn *c);
/* Without a call in hand (may be evicted to make room); *since: when its
 * last call ended, or when it connected. */
bool grpc_conn_idle(const struct grpc_conn *c, uint64_t *since);
struct grpc_conn *grpc_conn_next(const struct grpc_conn *c);

/* Called by a connection once it is fully gone. */
void grpc_server_conn_gone(struct grpc_server *srv);

#endif
