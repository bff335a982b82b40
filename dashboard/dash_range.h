#ifndef OTLPD_DASH_RANGE_H
#define OTLPD_DASH_RANGE_H

#include <stdint.h>

/* One byte range of a Range header (RFC 9110, 14.2) against a file of size
 * bytes: "bytes=a-b", "bytes=a-" or "bytes=-n". Returns 0 with the range in
 * *start and *len; -ERANGE when it is not satisfiable (416); -EINVAL when the
 * header is not one we honour (several ranges, another unit, bad syntax):
 * the whole file is then sent, as the RFC allows. */
int dash_range_parse(const char *value, uint64_t size, uint64_t *start, uint64_t *len);

#endif
