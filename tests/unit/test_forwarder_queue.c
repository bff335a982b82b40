/* The forwarder's own queue: bounded in items and bytes, taken items still
 * counted, retries go back to the front. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../forwarder/queue.h"

static struct fwd_item *item(size_t len, uint8_t fill)
{
	uint8_t buf[256];
	memset(buf, fill, sizeof buf);
	struct fwd_item *it = NULL;
	ck_assert_int_eq(fwd_item_new(16, buf, len, &it), 0);
	return it;
}

START_TEST(test_bounds)
{
	struct fwd_queue q;
	fwd_queue_init(&q, 3, 250);
	ck_assert_int_eq(fwd_queue_push(&q, item(100, 1)), 0);
	ck_assert_int_eq(fwd_queue_push(&q, item(100, 2)), 0);
	/* 250 bytes: a third of 100 does not fit, one of 50 does. */
	struct fwd_item *big = item(100, 3);
	ck_assert(!fwd_queue_fits(&q, 100));
	ck_assert_int_eq(fwd_queue_push(&q, big), -ENOSPC);
	free(big);
	ck_assert_int_eq(fwd_queue_push(&q, item(50, 4)), 0);
	ck_assert_uint_eq(q.items, 3);
	ck_assert_uint_eq(q.bytes, 250);
	/* 3 items: full even for one byte. */
	ck_assert(!fwd_queue_fits(&q, 1));
	ck_assert_uint_eq(fwd_queue_clear(&q), 3);
	/* Larger than the whole bound, and no overflow in the check. */
	fwd_queue_init(&q, 3, 250);
	ck_assert(!fwd_queue_fits(&q, 251));
	ck_assert(!fwd_queue_fits(&q, SIZE_MAX));
	struct fwd_item *it = NULL;
	ck_assert_int_eq(fwd_item_new(16, "", 0, &it), -EINVAL);
	ck_assert_ptr_null(it);
}
END_TEST

START_TEST(test_take_put_back_release)
{
	struct fwd_queue q;
	fwd_queue_init(&q, 10, 10000);
	for (uint8_t i = 1; i <= 3; i++)
		ck_assert_int_eq(fwd_queue_push(&q, item(10, i)), 0);
	struct fwd_item *a = fwd_queue_take(&q);
	ck_assert_uint_eq(a->body[0], 1);
	ck_assert_uint_eq(q.waiting, 2);
	ck_assert_uint_eq(q.items, 3); /* still held */
	ck_assert_uint_eq(q.bytes, 30);
	struct fwd_item *b = fwd_queue_take(&q);
	ck_assert_uint_eq(b->body[0], 2);
	fwd_queue_put_back(&q, a); /* retried first */
	struct fwd_item *again = fwd_queue_take(&q);
	ck_assert_ptr_eq(again, a);
	fwd_queue_release(&q, a);
	fwd_queue_release(&q, b);
	ck_assert_uint_eq(q.items, 1);
	ck_assert_uint_eq(q.bytes, 10);
	ck_assert_uint_eq(fwd_queue_clear(&q), 1);
	ck_assert_uint_eq(q.items, 0);
	ck_assert_uint_eq(q.bytes, 0);
	ck_assert_ptr_null(fwd_queue_take(&q));
	/* put_back into an empty queue, then push behind it. */
	ck_assert_int_eq(fwd_queue_push(&q, item(10, 7)), 0);
	struct fwd_item *c = fwd_queue_take(&q);
	fwd_queue_put_back(&q, c);
	ck_assert_int_eq(fwd_queue_push(&q, item(10, 8)), 0);
	ck_assert_uint_eq(fwd_queue_take(&q)->body[0], 7);
	fwd_queue_release(&q, c);
	ck_assert_uint_eq(fwd_queue_clear(&q), 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("forwarder_queue");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_take_put_back_release);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
