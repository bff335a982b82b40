#include "gzip.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* windowBits 15 + 16: a gzip header and trailer instead of zlib's. */
#define GZIP_WINDOW_BITS (15 + 16)
#define GZIP_MEM_LEVEL 8
#define GZIP_LEVEL 6

int fwd_gzip(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (len > UINT_MAX)
		return -EINVAL;
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (deflateInit2(&zs, GZIP_LEVEL, Z_DEFLATED, GZIP_WINDOW_BITS, GZIP_MEM_LEVEL,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	/* deflateBound is for the zlib wrapper; gzip's header and trailer are
	 * 18 bytes against zlib's 6. */
	uLong bound = deflateBound(&zs, (uLong)len) + 12;
	uint8_t *buf = bound <= UINT_MAX ? malloc(bound) : NULL;
	if (!buf) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = buf;
	zs.avail_out = (uInt)bound;
	int rc = deflate(&zs, Z_FINISH);
	size_t produced = (size_t)zs.total_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	*out_len = produced;
	return 0;
}
