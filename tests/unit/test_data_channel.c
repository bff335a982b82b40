#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "data_channel.h"
#include "messages.h"

/* A producer and a consumer on one loop: acks arrive in order, once each. */

struct fixture {
	uv_loop_t loop;
	struct data_channel producer;
	struct data_channel consumer;
	int acked[8];
	int ack_status[8];
	unsigned nacks;
	unsigned received;
	unsigned return_after; /* consumer returns credit once this many arrived */
};

static void on_ack(void *token, int status, void *ctx)
{
	struct fixture *f = ctx;
	ck_assert_uint_lt(f->nacks, 8);
	f->acked[f->nacks] = (int)(intptr_t)token;
	f->ack_status[f->nacks] = status;
	f->nacks++;
}

static void on_msg(struct channel *ch, const struct frame *fr, void *ctx)
{
	struct fixture *f = ctx;
	f->received++;
	ck_assert_uint_eq(fr->h.type, MSG_EXPORT_TRACES);
	if (f->received == f->return_after)
		ck_assert_int_eq(channel_return_credit(ch, f->received, (uint64_t)f->received * 10), 0);
}

static void setup_pair(struct fixture *f, uint32_t credit_msgs)
{
	memset(f, 0, sizeof *f);
	ck_assert_int_eq(uv_loop_init(&f->loop), 0);
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	struct channel_credit credit = {.msgs = credit_msgs, .bytes = 1000};
	f->producer = (struct data_channel){
		.peer_name = "consumer", .side = DATA_CHANNEL_PRODUCER, .credit = credit,
		.max_payload = 100, .on_ack = on_ack, .ctx = f};
	f->consumer = (struct data_channel){
		.peer_name = "producer", .side = DATA_CHANNEL_CONSUMER, .credit = credit,
		.on_msg = on_msg, .ctx = f};
	ck_assert_int_eq(data_channel_attach(&f->producer, &f->loop, sv[0]), 0);
	ck_assert_int_eq(data_channel_attach(&f->consumer, &f->loop, sv[1]), 0);
}

static void run_a_while(struct fixture *f)
{
	for (int i = 0; i < 20; i++)
		uv_run(&f->loop, UV_RUN_NOWAIT);
}

static void teardown_pair(struct fixture *f)
{
	data_channel_free(&f->producer);
	data_channel_free(&f->consumer);
	run_a_while(f);
	ck_assert_int_eq(uv_loop_close(&f->loop), 0);
}

START_TEST(test_acks_in_order)
{
	static struct fixture f;
	setup_pair(&f, 3);
	f.return_after = 2;
	char payload[10] = "0123456789";
	ck_assert_int_eq(data_channel_send(&f.producer, MSG_EXPORT_TRACES, payload, 10, (void *)1), 0);
	ck_assert_int_eq(data_channel_send(&f.producer, MSG_EXPORT_TRACES, payload, 10, (void *)2), 0);
	ck_assert_int_eq(data_channel_send(&f.producer, MSG_EXPORT_TRACES, payload, 10, (void *)3), 0);
	/* The bound holds: a fourth message has no credit. */
	ck_assert_int_eq(data_channel_send(&f.producer, MSG_EXPORT_TRACES, payload, 10, (void *)4), -EAGAIN);
	run_a_while(&f);
	ck_assert_uint_eq(f.received, 3);
	ck_assert_uint_eq(f.nacks, 2);
	ck_assert_int_eq(f.acked[0], 1);
	ck_assert_int_eq(f.acked[1], 2);
	ck_assert_int_eq(f.ack_status[0], 0);
	ck_assert_int_eq(f.ack_status[1], 0);

	/* The consumer goes away holding message 3: it is reported lost. */
	data_channel_detach(&f.consumer);
	run_a_while(&f);
	ck_assert_uint_eq(f.nacks, 3);
	ck_assert_int_eq(f.acked[2], 3);
	ck_assert_int_eq(f.ack_status[2], -EPIPE);
	ck_assert(!data_channel_up(&f.producer));
	ck_assert_int_eq(data_channel_send(&f.producer, MSG_EXPORT_TRACES, payload, 10, (void *)5), -ENOTCONN);
	teardown_pair(&f);
}
END_TEST

START_TEST(test_detach_fails_in_flight)
{
	static struct fixture f;
	setup_pair(&f, 4);
	f.return_after = 100;
	char payload[4] = "abcd";
	ck_assert_int_eq(data_channel_send(&f.producer, MSG_EXPORT_TRACES, payload, 4, (void *)7), 0);
	run_a_while(&f);
	ck_assert_uint_eq(f.nacks, 0);
	data_channel_detach(&f.producer);
	ck_assert_uint_eq(f.nacks, 1);
	ck_assert_int_eq(f.ack_status[0], -EPIPE);
	/* A consumer cannot send data. */
	ck_assert_int_eq(data_channel_send(&f.consumer, MSG_EXPORT_TRACES, payload, 4, NULL), -EINVAL);
	teardown_pair(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("data_channel");
	TCase *tc = tcase_create("data_channel");
	tcase_add_test(tc, test_acks_in_order);
	tcase_add_test(tc, test_detach_fails_in_flight);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
