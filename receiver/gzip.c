#include "gzip.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <zlib.h>

#include "receiver_limits.h"

static size_t first_capacity(size_t in_len, size_t max_out)
{
	size_t cap = GZIP_STEP_BYTES;
	/* Text-like telemetry compresses about four to ten times. */
	if (in_len <= SIZE_MAX / 4 && in_len * 4 > cap)
		cap = in_len * 4;
	return cap < max_out ? cap : max_out;
}

static int grow(uint8_t **buf, size_t *cap, size_t max_out)
{
	size_t ncap = *cap > max_out / 2 ? max_out : *cap * 2;
	if (ncap < GZIP_STEP_BYTES)
		ncap = GZIP_STEP_BYTES < max_out ? GZIP_STEP_BYTES : max_out;
	uint8_t *nb = realloc(*buf, ncap ? ncap : 1);
	if (nb == NULL)
		return -ENOMEM;
	*buf = nb;
	*cap = ncap;
	return 0;
}

/* After the end of a member: another member, or nothing at all. */
static int next_member(z_stream *z, bool *done)
{
	if (z->avail_in == 0) {
		*done = true;
		return 0;
	}
	if (z->avail_in < 2 || z->next_in[0] != 0x1f || z->next_in[1] != 0x8b)
		return -EBADMSG;
	return inflateReset(z) == Z_OK ? 0 : -EBADMSG;
}

static int run(z_stream *z, size_t max_out, uint8_t **buf, size_t *cap, size_t *produced)
{
	uint8_t probe = 0;
	bool done = false;
	while (!done) {
		bool full = *produced == *cap;
		if (full && *cap < max_out) {
			int err = grow(buf, cap, max_out);
			if (err)
				return err;
			full = false;
		}
		/* At the limit, one more byte of output is the proof of too much. */
		size_t room = full ? 1 : *cap - *produced;
		z->next_out = full ? &probe : *buf + *produced;
		z->avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
		uInt before = z->avail_out;
		int ret = inflate(z, Z_NO_FLUSH);
		size_t got = before - z->avail_out;
		if (full && got > 0)
			return -EFBIG;
		if (!full)
			*produced += got;
		switch (ret) {
		case Z_OK:
			break;
		case Z_STREAM_END: {
			int err = next_member(z, &done);
			if (err)
				return err;
			break;
		}
		case Z_BUF_ERROR:
			/* No progress: with input left it needs room, which the
			 * next round makes (or proves too much); without, the
			 * stream was cut short. */
			if (z->avail_in == 0)
				return -EBADMSG;
			break;
		case Z_MEM_ERROR:
			return -ENOMEM;
		default:
			return -EBADMSG;
		}
	}
	return 0;
}

int gzip_inflate(const uint8_t *in, size_t in_len, size_t max_out, uint8_t **out,
		 size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (in_len > UINT_MAX)
		return -EFBIG;
	z_stream z = {0};
	/* 16 + window bits: gzip framing only, not zlib or raw deflate. */
	int ret = inflateInit2(&z, 16 + MAX_WBITS);
	if (ret != Z_OK)
		return ret == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)in_len;
	size_t cap = first_capacity(in_len, max_out);
	uint8_t *buf = malloc(cap ? cap : 1);
	size_t produced = 0;
	int err = buf ? run(&z, max_out, &buf, &cap, &produced) : -ENOMEM;
	inflateEnd(&z);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*out_len = produced;
	return 0;
}
