#ifndef OTLPD_TCP_LISTENER_H
#define OTLPD_TCP_LISTENER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

/* What the HTTP/1.1 server (receiver, dashboard) and the OTLP/gRPC server
 * share about their listening socket. */

/* Every connection is a descriptor: raises RLIMIT_NOFILE (up to its hard
 * limit) so that max_connections plus `reserve` fit, since running out would
 * make libuv reopen /dev/null, which the sandbox forbids. Returns the number
 * of connections that fit, logging when it is less than asked (`what` names
 * the server in that line). */
uint32_t tcp_fit_descriptor_limit(uint32_t max_connections, uint64_t reserve, const char *what);

/* Wraps the listening socket the supervisor passed (listen_fd, owned from
 * here on: closed on failure). listener->data = data; *open says whether
 * the handle needs uv_close. Returns 0 or a libuv error. */
int tcp_listener_open(uv_loop_t *loop, uv_tcp_t *listener, int listen_fd, void *data, bool *open);

/* Over every quota: accepts the next connection and closes it at once, so
 * that the backlog does not fill. Returns true when one was dropped. */
bool tcp_drop_connection(uv_loop_t *loop, uv_tcp_t *listener);

#endif
