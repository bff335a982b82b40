#include "tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/entropy.h>
#include <mbedtls/error.h>

#include "log.h"

static const char *alpn_protocols[] = { "http/1.1", NULL };

/* The only entropy source: the kernel's getrandom(2). */
static int entropy_getrandom(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	while (len > 0) {
		ssize_t n = getrandom(buf, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fail(char *why, size_t cap, const char *what, const char *path, int ret)
{
	char reason[160];
	mbedtls_strerror(ret, reason, sizeof reason);
	snprintf(why, cap, "%s%s%s: %s", what, path ? " " : "", path ? path : "", reason);
	return -EINVAL;
}

static int load_ca(struct fwd_tls *t, const struct config *cfg, char *why, size_t cap)
{
	const char *path = cfg->forwarding.tls.ca_file[0] ? cfg->forwarding.tls.ca_file
							   : FWD_SYSTEM_CA_BUNDLE;
	int ret = mbedtls_x509_crt_parse_file(&t->ca, path);
	if (ret < 0)
		return fail(why, cap, "cannot load the CA certificates from", path, ret);
	if (ret > 0)
		log_debug("%d certificates in %s could not be parsed and are not used", ret, path);
	mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
	return 0;
}

static int load_client_cert(struct fwd_tls *t, const struct config *cfg, char *why, size_t cap)
{
	const char *cert = cfg->forwarding.tls.cert_file;
	const char *key = cfg->forwarding.tls.key_file;
	if (cert[0] == '\0')
		return 0;
	int ret = mbedtls_x509_crt_parse_file(&t->cert, cert);
	if (ret != 0)
		return fail(why, cap, "cannot load the client certificate", cert, ret);
	/* mbedTLS wipes its copy of the file's bytes after parsing. */
	ret = mbedtls_pk_parse_keyfile(&t->key, key, NULL);
	if (ret != 0)
		return fail(why, cap, "cannot load the client key", key, ret);
	ret = mbedtls_ssl_conf_own_cert(&t->conf, &t->cert, &t->key);
	if (ret != 0)
		return fail(why, cap, "the client certificate and key do not go together", NULL,
			    ret);
	return 0;
}

int fwd_tls_init(struct fwd_tls *t, const struct config *cfg, char *why, size_t cap)
{
	static const unsigned char personalization[] = "otlpd-forwarder";
	memset(t, 0, sizeof *t);
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_ctr_drbg_init(&t->drbg);
	mbedtls_x509_crt_init(&t->ca);
	mbedtls_x509_crt_init(&t->cert);
	mbedtls_pk_init(&t->key);
	t->initialized = true;
	t->verify = !cfg->forwarding.tls.insecure_skip_verify;

	int ret = mbedtls_ctr_drbg_seed(&t->drbg, entropy_getrandom, NULL, personalization,
					sizeof personalization - 1);
	if (ret != 0)
		return fail(why, cap, "cannot seed the random generator", NULL, ret);
	ret = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
					  MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret != 0)
		return fail(why, cap, "cannot set up TLS", NULL, ret);
	mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
	ret = mbedtls_ssl_conf_alpn_protocols(&t->conf, alpn_protocols);
	if (ret != 0)
		return fail(why, cap, "cannot set up ALPN", NULL, ret);
	mbedtls_ssl_conf_authmode(&t->conf, t->verify ? MBEDTLS_SSL_VERIFY_REQUIRED
						      : MBEDTLS_SSL_VERIFY_NONE);
	int err = t->verify || cfg->forwarding.tls.ca_file[0] ? load_ca(t, cfg, why, cap) : 0;
	if (!err)
		err = load_client_cert(t, cfg, why, cap);
	return err;
}

void fwd_tls_free(struct fwd_tls *t)
{
	if (!t->initialized)
		return;
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_ctr_drbg_free(&t->drbg);
	mbedtls_x509_crt_free(&t->ca);
	mbedtls_x509_crt_free(&t->cert);
	mbedtls_pk_free(&t->key);
	t->initialized = false;
}

int fwd_tls_session_init(struct fwd_tls *t, mbedtls_ssl_context *ssl, const char *host, void *bio,
		     mbedtls_ssl_send_t *send, mbedtls_ssl_recv_t *recv)
{
	mbedtls_ssl_init(ssl);
	int ret = mbedtls_ssl_setup(ssl, &t->conf);
	if (ret == 0)
		ret = mbedtls_ssl_set_hostname(ssl, host);
	if (ret != 0) {
		mbedtls_ssl_free(ssl);
		return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EINVAL;
	}
	mbedtls_ssl_set_bio(ssl, bio, send, recv, NULL);
	return 0;
}

void fwd_tls_describe(const mbedtls_ssl_context *ssl, int ret, char *buf, size_t cap)
{
	char reason[160];
	mbedtls_strerror(ret, reason, sizeof reason);
	uint32_t flags = ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED
				 ? mbedtls_ssl_get_verify_result(ssl)
				 : 0;
	if (flags == 0 || flags == (uint32_t)-1) {
		snprintf(buf, cap, "%s", reason);
		return;
	}
	char info[256];
	int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
	/* One line: the list comes with a newline per reason. */
	for (int i = 0; i < n && info[i] != '\0'; i++)
		if (info[i] == '\n')
			info[i] = i + 1 < n && info[i + 1] != '\0' ? ';' : '\0';
	snprintf(buf, cap, "%s (%s)", reason, n > 0 ? info : "certificate refused");
}
