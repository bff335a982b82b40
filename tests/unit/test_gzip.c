/* Bounded gzip inflation: what a client sends with Content-Encoding: gzip. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>

#include "gzip.h"

/* Compresses in[0..len) as one gzip member; the caller frees. */
static uint8_t *gz(const void *in, size_t len, size_t *out_len)
{
	z_stream z = {0};
	ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY),
			 Z_OK);
	size_t cap = deflateBound(&z, (uLong)len) + 64;
	uint8_t *out = malloc(cap);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* AddressSanitizer keeps freed buffers in quarantine, so growing by
 * doubling costs about twice the final size there. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_SLACK 3
#else
#define RSS_SLACK 1
#endif

static long max_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

START_TEST(test_round_trip)
{
	char text[100000];
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = (char)('a' + (i * 7 % 26));
	size_t zlen;
	uint8_t *z = gz(text, sizeof text, &zlen);
	uint8_t *out;
	size_t out_len;
	ck_assert_int_eq(gzip_inflate(z, zlen, 1 << 20, &out, &out_len), 0);
	ck_assert_uint_eq(out_len, sizeof text);
	ck_assert_mem_eq(out, text, sizeof text);
	free(out);

	/* Exactly at the limit passes; one byte less is too much. */
	ck_assert_int_eq(gzip_inflate(z, zlen, sizeof text, &out, &out_len), 0);
	ck_assert_uint_eq(out_len, sizeof text);
	free(out);
	ck_assert_int_eq(gzip_inflate(z, zlen, sizeof text - 1, &out, &out_len), -EFBIG);
	ck_assert_ptr_null(out);
	free(z);
}
END_TEST

START_TEST(test_empty_body_and_members)
{
	size_t zlen;
	uint8_t *z = gz("", 0, &zlen);
	uint8_t *out;
	size_t out_len;
	ck_assert_int_eq(gzip_inflate(z, zlen, 1024, &out, &out_len), 0);
	ck_assert_uint_eq(out_len, 0);
	free(out);

	/* Two members one after the other are one body, as gzip(1) sees it. */
	size_t alen, blen;
	uint8_t *a = gz("hello ", 6, &alen), *b = gz("world", 5, &blen);
	uint8_t *both = malloc(alen + blen);
	memcpy(both, a, alen);
	memcpy(both + alen, b, blen);
	ck_assert_int_eq(gzip_inflate(both, alen + blen, 1024, &out, &out_len), 0);
	ck_assert_uint_eq(out_len, 11);
	ck_assert_mem_eq(out, "hello world", 11);
	free(out);
	free(a);
	free(b);
	free(both);
	free(z);
}
END_TEST

/* n zero bytes as gzip, made in steps so that this test's own memory stays
 * small and the peak it measures is the inflater's. */
static uint8_t *gz_zeros(size_t n, size_t *out_len)
{
	static const uint8_t zeros[65536];
	z_stream z = {0};
	ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY),
			 Z_OK);
	size_t cap = n / 500 + 4096;
	uint8_t *out = malloc(cap);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	for (size_t done = 0; done < n; done += sizeof zeros) {
		z.next_in = (Bytef *)(uintptr_t)zeros;
		z.avail_in = sizeof zeros;
		ck_assert_int_eq(deflate(&z, done + sizeof zeros >= n ? Z_FINISH : Z_NO_FLUSH),
				 done + sizeof zeros >= n ? Z_STREAM_END : Z_OK);
	}
	*out_len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* A 200 KB gzip body that would inflate to about 200 MB stops at the limit,
 * and the memory it took stays near the limit, not near the bomb. */
START_TEST(test_bomb)
{
	size_t zlen;
	uint8_t *z = gz_zeros(200u << 20, &zlen);
	ck_assert_uint_lt(zlen, 250000);
	ck_assert_uint_gt(zlen, 150000);
	long before = max_rss_kb();
	uint8_t *out;
	size_t out_len;
	ck_assert_int_eq(gzip_inflate(z, zlen, 1 << 20, &out, &out_len), -EFBIG);
	ck_assert_ptr_null(out);
	ck_assert_int_le(max_rss_kb() - before, RSS_SLACK * 4 * 1024);
	ck_assert_int_eq(gzip_inflate(z, zlen, 8 << 20, &out, &out_len), -EFBIG);
	ck_assert_int_le(max_rss_kb() - before, RSS_SLACK * 12 * 1024);
	free(z);
}
END_TEST

START_TEST(test_broken_input)
{
	char text[5000];
	memset(text, 'q', sizeof text);
	size_t zlen;
	uint8_t *z = gz(text, sizeof text, &zlen);
	uint8_t *out;
	size_t out_len;

	/* Cut short anywhere. */
	for (size_t cut = 0; cut < zlen; cut += zlen / 7 + 1)
		ck_assert_int_eq(gzip_inflate(z, cut, 1 << 20, &out, &out_len), -EBADMSG);
	ck_assert_int_eq(gzip_inflate(z, zlen - 1, 1 << 20, &out, &out_len), -EBADMSG);

	/* A wrong CRC in the trailer. */
	uint8_t *bad = malloc(zlen + 8);
	memcpy(bad, z, zlen);
	bad[zlen - 8] ^= 0x55;
	ck_assert_int_eq(gzip_inflate(bad, zlen, 1 << 20, &out, &out_len), -EBADMSG);

	/* Bytes after the member that are no member. */
	memcpy(bad, z, zlen);
	memcpy(bad + zlen, "garbage!", 8);
	ck_assert_int_eq(gzip_inflate(bad, zlen + 8, 1 << 20, &out, &out_len), -EBADMSG);
	free(bad);

	/* Not gzip at all: plain text, zlib framing, random bytes. */
	ck_assert_int_eq(gzip_inflate((const uint8_t *)text, sizeof text, 1 << 20, &out, &out_len),
			 -EBADMSG);
	uLongf clen = compressBound(sizeof text);
	uint8_t *zl = malloc(clen);
	ck_assert_int_eq(compress(zl, &clen, (const Bytef *)text, sizeof text), Z_OK);
	ck_assert_int_eq(gzip_inflate(zl, clen, 1 << 20, &out, &out_len), -EBADMSG);
	free(zl);
	uint8_t rnd[512];
	srand(7);
	for (size_t i = 0; i < sizeof rnd; i++)
		rnd[i] = (uint8_t)rand();
	rnd[0] = 0x1f;
	rnd[1] = 0x8b;
	ck_assert_int_eq(gzip_inflate(rnd, sizeof rnd, 1 << 20, &out, &out_len), -EBADMSG);
	ck_assert_ptr_null(out);
	free(z);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("gzip");
	TCase *tc = tcase_create("inflate");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_empty_body_and_members);
	tcase_add_test(tc, test_bomb);
	tcase_add_test(tc, test_broken_input);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
