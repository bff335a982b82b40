#ifndef OTLPD_FORWARDER_TLS_H
#define OTLPD_FORWARDER_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "config.h"

/* mbedTLS for https endpoints. Everything that reads a file (the CA
 * bundle, the client certificate and key) happens in fwd_tls_init, before the
 * sandbox; the random generator is seeded from getrandom(2), which the
 * sandbox allows, never from /dev/urandom. Certificate and host name are
 * verified unless forwarding.tls.insecure_skip_verify. TLS 1.2 at least. */

#define FWD_SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

struct fwd_tls {
	mbedtls_ssl_config conf;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt ca;
	mbedtls_x509_crt cert;
	mbedtls_pk_context key; /* mbedtls_pk_free wipes it */
	bool verify;
	bool initialized;
};

/* Returns 0, or a negative errno with why naming the file and mbedTLS's
 * reason. */
int fwd_tls_init(struct fwd_tls *t, const struct config *cfg, char *why, size_t cap);
void fwd_tls_free(struct fwd_tls *t);

/* Sets up a client session to host (SNI and the name verified) over the
 * caller's memory BIO. Returns 0 or -ENOMEM / -EINVAL. */
int fwd_tls_session_init(struct fwd_tls *t, mbedtls_ssl_context *ssl, const char *host, void *bio,
		     mbedtls_ssl_send_t *send, mbedtls_ssl_recv_t *recv);

/* mbedTLS's words for ret, and after a failed handshake why the peer's
 * certificate was refused. */
void fwd_tls_describe(const mbedtls_ssl_context *ssl, int ret, char *buf, size_t cap);

#endif
