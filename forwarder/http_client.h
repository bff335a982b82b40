#ifndef OTLPD_FORWARDER_HTTP_CLIENT_H
#define OTLPD_FORWARDER_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "endpoint.h"
#include "http_response.h"
#include "tls.h"

/* HTTP/1.1 to the endpoint over a few kept-alive connections (one request
 * at a time on each), plain or through mbedTLS over memory BIOs. Every
 * request ends in exactly one done callback: an HTTP answer, or a
 * transport error (connect, TLS, a cut connection, no answer within the
 * timeout). */

struct fwd_client;

struct fwd_result {
	int err;  /* 0: resp holds an answer; else a negative errno */
	const struct fwd_response *resp; /* valid during the callback */
	bool connect_failed; /* no connection could be made to any address */
	char detail[256];    /* for the log when err != 0; never a header or body */
};

typedef void (*fwd_client_done_cb)(void *ctx, void *token, uint64_t tag,
				   const struct fwd_result *r);
/* A connection became free (closed or idle) outside a done callback. */
typedef void (*fwd_client_free_cb)(void *ctx);

struct fwd_client_params {
	uv_loop_t *loop;
	const char *host; /* for TLS: SNI and the name the certificate must have */
	struct fwd_tls *tls; /* NULL: plain http */
	struct fwd_endpoint *endpoint;
	unsigned max_conns;
	uint64_t timeout_ms; /* connect + send + answer */
	fwd_client_done_cb done;
	fwd_client_free_cb on_free;
	void *ctx;
};

int fwd_client_new(const struct fwd_client_params *p, struct fwd_client **out);
/* True when a request could start now. */
bool fwd_client_has_free(const struct fwd_client *c);
/* Starts one request. head (malloc'd; it holds the credential) belongs to
 * the client from here on and is wiped and freed once sent; body must stay
 * valid until done. Returns 0 (done follows exactly once) or a negative
 * errno (head already wiped and freed, no callback). */
int fwd_client_send(struct fwd_client *c, char *head, size_t head_len, const uint8_t *body,
		    size_t body_len, void *token, uint64_t tag);
unsigned fwd_client_in_flight(const struct fwd_client *c);
unsigned fwd_client_open_connections(const struct fwd_client *c);
/* Fails requests in flight with -ECANCELED, closes every connection, then
 * calls closed(ctx) and frees the client. */
void fwd_client_close(struct fwd_client *c, void (*closed)(void *ctx), void *ctx);

#endif
