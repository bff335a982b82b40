#ifndef OTLPD_HEADER_LIST_H
#define OTLPD_HEADER_LIST_H

#include <stddef.h>

/* forwarding.headers: custom request headers for the remote endpoint, as
 * text "Name=value,Name2=value2" (the OTEL_EXPORTER_OTLP_HEADERS form:
 * values percent-decoded, so "%2C" is a ',' and "%25" a '%'; spaces around
 * names and values are trimmed). In YAML it may also be written as a map,
 * which the loader turns into this form. Values are not secret but are
 * never logged. */

#define HEADER_LIST_MAX_HEADERS 32
#define HEADER_LIST_VALUE_MAX 1024

/* Called for each pair; name is a valid token, value is decoded and holds
 * no control character but tab. Return 0 to go on, or a negative errno. */
typedef int (*header_list_cb)(void *ctx, const char *name, size_t name_len, const char *value,
			      size_t value_len);

/* Parses and checks text[0..len): names are RFC 9110 tokens, not one that
 * otlpd sets itself (Host, Content-Type, Content-Length, Content-Encoding,
 * Connection, Transfer-Encoding, ...) and not given twice. cb may be NULL.
 * Returns 0, or -EINVAL with why set (never quoting a value), or cb's
 * error. */
int header_list_parse(const char *text, size_t len, header_list_cb cb, void *ctx, char *why,
		      size_t why_len);

/* Appends ",name=value" (no comma when *used is 0) with '%' and ',' in the
 * value percent-encoded. Returns 0 or -ENOBUFS (buf unchanged). */
int header_list_append(char *buf, size_t cap, size_t *used, const char *name, size_t name_len,
		       const char *value, size_t value_len);

#endif
