#include "grpc_frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grpc_limits.h"

void grpc_reader_init(struct grpc_reader *r, uint64_t max)
{
	memset(r, 0, sizeof *r);
	r->max = max;
}

bool grpc_reader_has_prefix(const struct grpc_reader *r)
{
	return r->prefix_len == GRPC_PREFIX_BYTES;
}

static int parse_prefix(struct grpc_reader *r)
{
	if (r->prefix[0] > 1)
		return -EBADMSG;
	r->compressed = r->prefix[0] == 1;
	r->length = (uint32_t)r->prefix[1] << 24 | (uint32_t)r->prefix[2] << 16 |
		    (uint32_t)r->prefix[3] << 8 | (uint32_t)r->prefix[4];
	if (r->length > r->max)
		return -EMSGSIZE;
	return 0;
}

/* Room for need bytes: doubling from a small start, never past the
 * declared length. */
static int grow(struct grpc_reader *r, size_t need)
{
	size_t cap = r->cap ? r->cap : GRPC_MESSAGE_INITIAL_BYTES;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > r->length)
		cap = r->length;
	uint8_t *nb = realloc(r->buf, cap);
	if (nb == NULL)
		return -ENOMEM;
	r->buf = nb;
	r->cap = cap;
	return 0;
}

int grpc_reader_feed(struct grpc_reader *r, const uint8_t *data, size_t len)
{
	while (len > 0 && r->prefix_len < GRPC_PREFIX_BYTES) {
		r->prefix[r->prefix_len++] = *data++;
		len--;
		if (r->prefix_len == GRPC_PREFIX_BYTES) {
			int err = parse_prefix(r);
			if (err)
				return err;
		}
	}
	if (len == 0)
		return 0;
	if (len > r->length - r->len)
		return -E2BIG;
	if (r->len + len > r->cap) {
		int err = grow(r, r->len + len);
		if (err)
			return err;
	}
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	return 0;
}

int grpc_reader_finish(const struct grpc_reader *r)
{
	if (r->prefix_len == 0)
		return -ENODATA;
	if (r->prefix_len < GRPC_PREFIX_BYTES || r->len < r->length)
		return -EPIPE;
	return 0;
}

void grpc_reader_free(struct grpc_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = r->cap = 0;
}

void grpc_prefix_write(uint8_t out[GRPC_PREFIX_BYTES], bool compressed, uint32_t len)
{
	out[0] = compressed ? 1 : 0;
	out[1] = (uint8_t)(len >> 24);
	out[2] = (uint8_t)(len >> 16);
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
}
