#ifndef OTLPD_HTTP_SERVER_H
#define OTLPD_HTTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "http_request.h"

/* HTTP/1.1 connections on a listening socket passed by the supervisor: accept
 * within max_connections, read one request at a time (reading stops while a
 * request is answered, so pipelined requests wait in the socket), write
 * responses, keep-alive, timeouts, and a short lingering close. Requests go
 * to an http_handler through http_session. */

struct http_server_config {
	uint32_t max_connections;
	uint64_t header_timeout_ms; /* first byte of a request to the end of its headers;
				     * also a new connection's wait for its first byte */
	uint64_t idle_timeout_ms;   /* keep-alive: between requests */
	uint64_t body_timeout_ms;   /* between two reads of a body; writing a response */
	uint64_t busy_timeout_ms;   /* the handler's time to answer */
	struct http_limits limits;
};

struct http_server_stats {
	uint64_t accepted;
	uint64_t refused;      /* over max_connections with no idle one to close: 503 */
	uint64_t dropped;      /* over max_connections and the 503 quota: closed at once */
	uint64_t evicted_idle; /* idle keep-alive connections closed to make room */
	uint64_t idle_timeouts;
	uint64_t header_timeouts;
	uint64_t body_timeouts;
	uint64_t busy_timeouts;
	uint64_t write_timeouts;
	uint64_t read_errors;
};

struct http_conn;

struct http_server {
	uv_loop_t *loop;
	uv_tcp_t listener;
	bool listener_open;
	struct http_server_config cfg;
	const struct http_handler *handler;
	void *handler_ctx;
	struct http_conn *conns;      /* every open connection */
	struct http_conn *idle_head;  /* idle ones, longest idle first */
	struct http_conn *idle_tail;
	uint32_t open;                /* counted against max_connections */
	uint32_t overflow;            /* being refused with 503 */
	bool stopping;
	void (*on_stopped)(struct http_server *srv);
	struct http_server_stats stats;
	struct http_budget budget;
};

/* Before the sandbox: the first stream handle on a loop opens /dev/null
 * (libuv's reserve descriptor), which the sandbox forbids later. Takes
 * listen_fd; cfg->limits.budget is set to the server's own. */
int http_server_init(struct http_server *srv, uv_loop_t *loop, int listen_fd,
		     const struct http_server_config *cfg, uint64_t budget_bytes,
		     const struct http_handler *handler, void *handler_ctx);
/* Inside the sandbox: starts accepting. */
int http_server_start(struct http_server *srv);
/* Stops accepting, closes idle connections at once, lets requests in hand be
 * answered (bounded by the timeouts), then calls on_stopped. */
void http_server_stop(struct http_server *srv, void (*on_stopped)(struct http_server *srv));

/* Connections now open (those being refused included). */
uint32_t http_server_open_connections(const struct http_server *srv);

#endif
