#ifndef OTLPD_FORWARDER_FWD_LIMITS_H
#define OTLPD_FORWARDER_FWD_LIMITS_H

/* The forwarder's fixed limits in one place (practice 13). Those an
 * operator may need to change are config keys (forwarding.*). */

/* Backoff between retries: INITIAL * 2^(failures-1), capped, with jitter. */
#define FWD_BACKOFF_INITIAL_MS 500u
#define FWD_BACKOFF_MAX_MS 30000u
/* A Retry-After longer than this is cut to it. */
#define FWD_RETRY_AFTER_MAX_MS 300000u
/* An item first sent this long ago and still not delivered is given up. */
#define FWD_RETRY_MAX_ELAPSED_MS 300000u

/* The supervisor is asked to resolve the endpoint again at most this often. */
#define FWD_RESOLVE_MIN_INTERVAL_MS 30000u
/* A kept-alive connection unused this long is closed. */
#define FWD_IDLE_TIMEOUT_MS 30000u
/* Time the in-flight requests get to finish when the forwarder stops. */
#define FWD_STOP_GRACE_MS 3000u

/* Response limits: the status line and headers, the part of a body kept
 * (a partial_success or an error message), and the most read at all. */
#define FWD_RESPONSE_HEADER_MAX 16384u
#define FWD_RESPONSE_BODY_KEEP 65536u
#define FWD_RESPONSE_BODY_MAX (4u * 1024u * 1024u)
/* Bytes of an error message that reach the log, before escaping. */
#define FWD_ERROR_SNIPPET_MAX 128u

/* TLS: plaintext handed to mbedTLS per step, and the bound of encrypted
 * bytes waiting for the socket. */
#define FWD_TLS_WRITE_CHUNK 16384u
#define FWD_TLS_OUT_MAX (64u * 1024u)

/* The request line and headers, including the credential (whose value
 * alone may be up to CREDENTIALS_VALUE_MAX, or base64 of two of them). */
#define FWD_REQUEST_HEAD_MAX 24576u

#endif
