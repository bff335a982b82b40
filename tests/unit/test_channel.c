#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "channel.h"
#include "framing.h"
#include "messages.h"

#define MAX_SEEN 8

/* One end under test and what its callbacks saw. */
struct side {
	struct channel *ch;
	int msgs;
	struct frame_header h[MAX_SEEN];
	int fds[MAX_SEEN];
	uint8_t *payloads[MAX_SEEN]; /* copies; owned */
	int closed_calls;
	int closed_err;
	int credit_calls;
	bool close_on_msg;
	int send_in_closed; /* what channel_send answered inside on_closed */
};

static uv_loop_t loop;

static void on_msg(struct channel *ch, const struct frame *f, void *ctx)
{
	struct side *s = ctx;
	ck_assert_ptr_eq(ch, s->ch);
	if (s->msgs < MAX_SEEN) {
		s->h[s->msgs] = f->h;
		s->fds[s->msgs] = f->fd;
		uint8_t *copy = malloc(f->h.len + 1u);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, f->payload, f->h.len);
		s->payloads[s->msgs] = copy;
	} else if (f->fd >= 0) {
		close(f->fd);
	}
	s->msgs++;
	if (s->close_on_msg) {
		channel_close(ch);
		s->ch = NULL;
	}
}

static void on_closed(struct channel *ch, int err, void *ctx)
{
	struct side *s = ctx;
	ck_assert_ptr_eq(ch, s->ch);
	s->closed_calls++;
	s->closed_err = err;
	s->send_in_closed = channel_send(ch, MSG_READY, NULL, 0, -1);
	/* Closing here as well must be harmless. */
	channel_close(ch);
	s->ch = NULL;
}

static void on_credit(struct channel *ch, void *ctx)
{
	struct side *s = ctx;
	ck_assert_ptr_eq(ch, s->ch);
	s->credit_calls++;
}

static void side_init(struct side *s)
{
	memset(s, 0, sizeof *s);
	for (int i = 0; i < MAX_SEEN; i++)
		s->fds[i] = -1;
}

static void side_open(struct side *s, int fd, uint32_t max_payload, size_t max_out,
		      uint64_t types)
{
	side_init(s);
	struct channel_limits lim = { .max_payload = max_payload, .max_out_bytes = max_out,
				      .allowed_types = types };
	ck_assert_int_eq(channel_open(&loop, fd, &lim, on_msg, on_closed, s, &s->ch), 0);
}

static void side_done(struct side *s)
{
	channel_close(s->ch);
	s->ch = NULL;
	for (int i = 0; i < MAX_SEEN && i < s->msgs; i++) {
		if (s->fds[i] >= 0)
			close(s->fds[i]);
		free(s->payloads[i]);
	}
}

static void on_tick(uv_timer_t *t)
{
	(void)t;
}

/* Runs the loop until *counter reaches want or two seconds pass. */
static bool run_until(const int *counter, int want)
{
	uv_timer_t tick;
	uv_timer_init(&loop, &tick);
	uv_timer_start(&tick, on_tick, 5, 5);
	uint64_t deadline = uv_now(&loop) + 2000;
	while (*counter < want && uv_now(&loop) < deadline)
		uv_run(&loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
	return *counter >= want;
}

static void loop_setup(void)
{
	ck_assert_int_eq(uv_loop_init(&loop), 0);
}

/* Every channel freed: the loop has no handle left. */
static void loop_teardown(void)
{
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

static void make_pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

START_TEST(control_round_trip_with_fd)
{
	int sv[2], pfd[2];
	make_pair(sv);
	ck_assert_int_eq(pipe(pfd), 0);
	struct side a, b;
	side_open(&a, sv[0], 1024, 65536, MSG_BIT(MSG_READY));
	side_open(&b, sv[1], 1024, 65536, MSG_BIT(MSG_CONFIG) | MSG_BIT(MSG_PEER_CHANNEL));

	ck_assert_int_eq(channel_send(a.ch, MSG_CONFIG, "log_level=debug\n", 16, -1), 0);
	struct msg_peer peer = { .peer = PEER_FORWARDER };
	ck_assert_int_eq(channel_send(a.ch, MSG_PEER_CHANNEL, &peer, sizeof peer, pfd[1]), 0);
	close(pfd[1]);
	ck_assert(run_until(&b.msgs, 2));

	ck_assert_uint_eq(b.h[0].type, MSG_CONFIG);
	ck_assert_uint_eq(b.h[0].seq, 1);
	ck_assert_int_eq(b.fds[0], -1);
	ck_assert_uint_eq(b.h[1].type, MSG_PEER_CHANNEL);
	ck_assert_uint_eq(b.h[1].seq, 2);
	struct frame f = { .h = b.h[1], .payload = b.payloads[1], .fd = b.fds[1] };
	struct msg_peer got;
	ck_assert_int_eq(msg_get_peer(&f, &got), 0);
	ck_assert_uint_eq(got.peer, PEER_FORWARDER);

	ck_assert_int_eq(write(b.fds[1], "ok", 2), 2);
	char buf[2];
	ck_assert_int_eq(read(pfd[0], buf, 2), 2);
	ck_assert_mem_eq(buf, "ok", 2);

	ck_assert_int_eq(channel_send(b.ch, MSG_READY, NULL, 0, -1), 0);
	ck_assert(run_until(&a.msgs, 1));
	ck_assert_uint_eq(a.h[0].type, MSG_READY);
	ck_assert_uint_eq(a.h[0].seq, 1);
	ck_assert_int_eq(a.closed_calls + b.closed_calls, 0);

	side_done(&a);
	side_done(&b);
	close(pfd[0]);
}
END_TEST

#define BIG (3u * 1024u * 1024u)

START_TEST(big_message_waits_in_queue_and_fd_survives)
{
	int sv[2], pfd[2];
	make_pair(sv);
	ck_assert_int_eq(pipe(pfd), 0);
	struct side a, b;
	side_open(&a, sv[0], 1024, 8u * 1024u * 1024u, 0);
	side_open(&b, sv[1], 4u * 1024u * 1024u, 65536,
		  MSG_BIT(MSG_EXPORT_LOGS) | MSG_BIT(MSG_PEER_CHANNEL));

	uint8_t *p = malloc(BIG);
	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < BIG; i++)
		p[i] = (uint8_t)(i * 13u + (i >> 10));
	ck_assert_int_eq(channel_send(a.ch, MSG_EXPORT_LOGS, p, BIG, -1), 0);
	ck_assert_uint_gt(channel_out_bytes(a.ch), 0);
	/* Queued behind the big one: the channel keeps its own duplicate. */
	struct msg_peer peer = { .peer = PEER_WRITER };
	ck_assert_int_eq(channel_send(a.ch, MSG_PEER_CHANNEL, &peer, sizeof peer, pfd[1]), 0);
	close(pfd[1]);

	ck_assert(run_until(&b.msgs, 1));
	ck_assert_uint_eq(b.h[0].len, BIG);
	ck_assert_mem_eq(b.payloads[0], p, BIG);
	ck_assert(run_until(&b.msgs, 2));
	ck_assert_int_ge(b.fds[1], 0);
	ck_assert_int_eq(write(b.fds[1], "x", 1), 1);
	close(b.fds[1]);
	b.fds[1] = -1;
	char c;
	ck_assert_int_eq(read(pfd[0], &c, 1), 1);
	/* Every write end is closed, the queued duplicate included. */
	ck_assert_int_eq(read(pfd[0], &c, 1), 0);
	ck_assert_uint_eq(channel_out_bytes(a.ch), 0);

	free(p);
	side_done(&a);
	side_done(&b);
	close(pfd[0]);
}
END_TEST

START_TEST(credit_bounds_the_producer)
{
	int sv[2];
	make_pair(sv);
	struct side prod, cons;
	/* The producer's mask leaves MSG_CREDIT out: the channel adds it. */
	side_open(&prod, sv[0], 1024, 65536, 0);
	side_open(&cons, sv[1], 1024, 65536, MSG_BIT(MSG_EXPORT_TRACES));
	struct channel_credit grant = { .msgs = 3, .bytes = 1000 };
	channel_set_send_credit(prod.ch, &grant, on_credit);
	channel_set_recv_credit(cons.ch, &grant);

	uint8_t data[1001];
	memset(data, 'd', sizeof data);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(channel_send_data(prod.ch, MSG_EXPORT_TRACES, data, 100), 0);
	ck_assert(!channel_has_credit(prod.ch, 0));
	ck_assert_int_eq(channel_send_data(prod.ch, MSG_EXPORT_TRACES, data, 1), -EAGAIN);
	struct channel_credit av = channel_credit_available(prod.ch);
	ck_assert_uint_eq(av.msgs, 0);
	ck_assert_uint_eq(av.bytes, 700);

	ck_assert(run_until(&cons.msgs, 3));
	ck_assert_uint_eq(cons.h[2].flags, FRAME_FLAG_CREDITED);
	struct channel_credit out = channel_credit_outstanding(cons.ch);
	ck_assert_uint_eq(out.msgs, 3);
	ck_assert_uint_eq(out.bytes, 300);
	ck_assert_int_eq(channel_return_credit(cons.ch, 4, 0), -EINVAL);
	ck_assert_int_eq(channel_return_credit(cons.ch, 1, 301), -EINVAL);
	ck_assert_int_eq(channel_return_credit(cons.ch, 3, 300), 0);
	out = channel_credit_outstanding(cons.ch);
	ck_assert_uint_eq(out.msgs, 0);
	ck_assert_uint_eq(out.bytes, 0);

	ck_assert(run_until(&prod.credit_calls, 1));
	av = channel_credit_available(prod.ch);
	ck_assert_uint_eq(av.msgs, 3);
	ck_assert_uint_eq(av.bytes, 1000);

	/* The byte bound holds on its own. */
	ck_assert_int_eq(channel_send_data(prod.ch, MSG_EXPORT_TRACES, data, 600), 0);
	ck_assert(channel_has_credit(prod.ch, 400));
	ck_assert(!channel_has_credit(prod.ch, 401));
	ck_assert_int_eq(channel_send_data(prod.ch, MSG_EXPORT_TRACES, data, 500), -EAGAIN);
	ck_assert_int_eq(channel_send_data(prod.ch, MSG_EXPORT_TRACES, data, 1001), -EMSGSIZE);
	ck_assert(run_until(&cons.msgs, 4));
	ck_assert_uint_eq(cons.h[3].len, 600);
	ck_assert_uint_eq(cons.h[3].seq, 4);
	/* Plain sends are not credited. */
	ck_assert_int_eq(channel_return_credit(prod.ch, 0, 0), -EINVAL);
	ck_assert_int_eq(prod.closed_calls + cons.closed_calls, 0);

	side_done(&prod);
	side_done(&cons);
}
END_TEST

static void raw_send(int fd, uint32_t type, uint32_t flags, uint32_t seq, const void *p,
		     uint32_t len)
{
	struct frame_header h = { .type = type, .flags = flags, .len = len, .seq = seq };
	ck_assert_int_eq(frame_send_blocking(fd, &h, p, -1), 0);
}

START_TEST(consumer_closes_when_peer_exceeds_messages)
{
	int sv[2];
	make_pair(sv);
	struct side cons;
	side_open(&cons, sv[1], 1024, 65536, MSG_BIT(MSG_EXPORT_TRACES));
	channel_set_recv_credit(cons.ch, &(struct channel_credit){ .msgs = 1, .bytes = 100 });
	uint8_t data[50] = { 0 };
	raw_send(sv[0], MSG_EXPORT_TRACES, FRAME_FLAG_CREDITED, 1, data, 50);
	raw_send(sv[0], MSG_EXPORT_TRACES, FRAME_FLAG_CREDITED, 2, data, 50);
	ck_assert(run_until(&cons.closed_calls, 1));
	ck_assert_int_eq(cons.msgs, 1);
	ck_assert_int_eq(cons.closed_err, -EPROTO);
	ck_assert_int_eq(cons.send_in_closed, -EPIPE);
	side_done(&cons);
	close(sv[0]);
}
END_TEST

START_TEST(consumer_closes_when_peer_exceeds_bytes)
{
	int sv[2];
	make_pair(sv);
	struct side cons;
	side_open(&cons, sv[1], 1024, 65536, MSG_BIT(MSG_EXPORT_TRACES));
	channel_set_recv_credit(cons.ch, &(struct channel_credit){ .msgs = 5, .bytes = 100 });
	uint8_t data[150] = { 0 };
	raw_send(sv[0], MSG_EXPORT_TRACES, FRAME_FLAG_CREDITED, 1, data, 150);
	ck_assert(run_until(&cons.closed_calls, 1));
	ck_assert_int_eq(cons.msgs, 0);
	ck_assert_int_eq(cons.closed_err, -EPROTO);
	side_done(&cons);
	close(sv[0]);
}
END_TEST

START_TEST(credited_message_without_grant_is_refused)
{
	int sv[2];
	make_pair(sv);
	struct side s;
	side_open(&s, sv[1], 1024, 65536, MSG_BIT(MSG_EXPORT_TRACES));
	raw_send(sv[0], MSG_EXPORT_TRACES, FRAME_FLAG_CREDITED, 1, "x", 1);
	ck_assert(run_until(&s.closed_calls, 1));
	ck_assert_int_eq(s.msgs, 0);
	ck_assert_int_eq(s.closed_err, -EPROTO);
	side_done(&s);
	close(sv[0]);
}
END_TEST

START_TEST(producer_closes_on_excess_credit)
{
	int sv[2];
	make_pair(sv);
	struct side prod;
	side_open(&prod, sv[0], 1024, 65536, 0);
	channel_set_send_credit(prod.ch, &(struct channel_credit){ .msgs = 2, .bytes = 100 },
				on_credit);
	ck_assert_int_eq(channel_send_data(prod.ch, MSG_EXPORT_TRACES, "12345", 5), 0);

	struct frame_reader r;
	ck_assert_int_eq(frame_reader_init(&r, 1024, MSG_BIT(MSG_EXPORT_TRACES)), 0);
	struct frame f;
	ck_assert_int_eq(frame_recv_blocking(&r, sv[1], 1000, &f), 1);
	ck_assert_uint_eq(f.h.flags, FRAME_FLAG_CREDITED);
	frame_reader_free(&r);

	struct msg_credit back = { .msgs = 1, .bytes = 5 };
	raw_send(sv[1], MSG_CREDIT, 0, 1, &back, sizeof back);
	ck_assert(run_until(&prod.credit_calls, 1));
	ck_assert_uint_eq(channel_credit_available(prod.ch).msgs, 2);
	ck_assert_uint_eq(channel_credit_available(prod.ch).bytes, 100);

	back.bytes = 0;
	raw_send(sv[1], MSG_CREDIT, 0, 2, &back, sizeof back);
	ck_assert(run_until(&prod.closed_calls, 1));
	ck_assert_int_eq(prod.closed_err, -EPROTO);
	ck_assert_int_eq(prod.credit_calls, 1);
	side_done(&prod);
	close(sv[1]);
}
END_TEST

START_TEST(out_queue_is_bounded)
{
	int sv[2];
	make_pair(sv);
	int small = 8192;
	ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
	const size_t max_out = 65536;
	struct side a;
	side_open(&a, sv[0], 1024, max_out, 0);

	static uint8_t too_big[65536];
	ck_assert_int_eq(channel_send(a.ch, MSG_STATS, too_big, (uint32_t)max_out, -1), -EMSGSIZE);
	uint8_t data[4000];
	memset(data, 'q', sizeof data);
	int sent = 0, rc;
	while ((rc = channel_send(a.ch, MSG_STATS, data, sizeof data, -1)) == 0) {
		sent++;
		ck_assert_uint_le(channel_out_bytes(a.ch), max_out);
		ck_assert_int_lt(sent, 10000);
	}
	ck_assert_int_eq(rc, -ENOBUFS);
	ck_assert_uint_le(channel_out_bytes(a.ch), max_out);
	ck_assert_uint_gt(channel_out_bytes(a.ch), max_out - (sizeof data + FRAME_HEADER_SIZE));
	/* The refusal left nothing behind: a reader sees every message in
	 * sequence once it starts reading. */
	struct side b;
	side_open(&b, sv[1], 4096, 65536, MSG_BIT(MSG_STATS));
	ck_assert(run_until(&b.msgs, sent));
	ck_assert_int_eq(b.closed_calls, 0);
	ck_assert_uint_eq(channel_out_bytes(a.ch), 0);
	ck_assert_int_eq(channel_send(a.ch, MSG_STATS, data, sizeof data, -1), 0);
	ck_assert(run_until(&b.msgs, sent + 1));
	side_done(&a);
	side_done(&b);
}
END_TEST

START_TEST(close_inside_on_msg_is_safe)
{
	int sv[2];
	make_pair(sv);
	struct side a, b;
	side_open(&a, sv[0], 1024, 65536, 0);
	side_open(&b, sv[1], 1024, 65536, MSG_BIT(MSG_STATS));
	b.close_on_msg = true;
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(channel_send(a.ch, MSG_STATS, "abc", 3, -1), 0);
	/* b's socket closes once its handle is released: a sees the end. */
	ck_assert(run_until(&a.closed_calls, 1));
	ck_assert(a.closed_err == 0 || a.closed_err == -ECONNRESET);
	ck_assert_int_eq(b.msgs, 1);
	ck_assert_int_eq(b.closed_calls, 0);
	side_done(&a);
	side_done(&b);
}
END_TEST

START_TEST(eof_reports_zero_once)
{
	int sv[2];
	make_pair(sv);
	struct side a;
	side_open(&a, sv[0], 1024, 65536, MSG_BIT(MSG_STATS));
	close(sv[1]);
	ck_assert(run_until(&a.closed_calls, 1));
	ck_assert_int_eq(a.closed_err, 0);
	ck_assert_int_eq(a.send_in_closed, -EPIPE);
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_int_eq(a.closed_calls, 1);
	side_done(&a);
}
END_TEST

START_TEST(cut_message_at_eof_is_an_error)
{
	int sv[2];
	make_pair(sv);
	struct side a;
	side_open(&a, sv[0], 1024, 65536, MSG_BIT(MSG_STATS));
	uint8_t hdr[FRAME_HEADER_SIZE];
	frame_header_encode(&(struct frame_header){ .type = MSG_STATS, .len = 10, .seq = 1 }, hdr);
	ck_assert_int_eq(write(sv[1], hdr, sizeof hdr), (ssize_t)sizeof hdr);
	close(sv[1]);
	ck_assert(run_until(&a.closed_calls, 1));
	ck_assert_int_eq(a.closed_err, -EPROTO);
	side_done(&a);
}
END_TEST

START_TEST(unexpected_type_closes_channel)
{
	int sv[2];
	make_pair(sv);
	struct side a;
	side_open(&a, sv[0], 1024, 65536, MSG_BIT(MSG_STATS));
	raw_send(sv[1], MSG_STATS, 0, 1, "ok", 2);
	raw_send(sv[1], MSG_SANDBOX, 0, 2, "no", 2);
	ck_assert(run_until(&a.closed_calls, 1));
	ck_assert_int_eq(a.msgs, 1);
	ck_assert_int_eq(a.closed_err, -EPROTO);
	side_done(&a);
	close(sv[1]);
}
END_TEST

START_TEST(send_to_vanished_peer_fails)
{
	int sv[2];
	make_pair(sv);
	struct side a;
	side_open(&a, sv[0], 1024, 65536, 0);
	close(sv[1]);
	ck_assert_int_eq(channel_send(a.ch, MSG_READY, NULL, 0, -1), -EPIPE);
	ck_assert_int_eq(channel_send(a.ch, MSG_READY, NULL, 0, -1), -EPIPE);
	ck_assert(run_until(&a.closed_calls, 1));
	ck_assert_int_eq(a.closed_err, -EPIPE);
	side_done(&a);
}
END_TEST

START_TEST(open_rejects_bad_arguments)
{
	int sv[2];
	make_pair(sv);
	struct channel *ch = NULL;
	struct channel_limits lim = { .max_payload = 10, .max_out_bytes = 4, .allowed_types = 0 };
	struct side s;
	side_init(&s);
	ck_assert_int_eq(channel_open(&loop, sv[0], &lim, on_msg, on_closed, &s, &ch), -EINVAL);
	lim.max_out_bytes = 1024;
	ck_assert_int_eq(channel_open(&loop, -1, &lim, on_msg, on_closed, &s, &ch), -EINVAL);
	ck_assert_ptr_null(ch);
	/* The caller still owns the descriptor after a failure. */
	ck_assert_int_ge(fcntl(sv[0], F_GETFD), 0);
	channel_close(NULL);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

static Suite *channel_suite(void)
{
	Suite *s = suite_create("channel");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, loop_setup, loop_teardown);
	tcase_add_test(tc, control_round_trip_with_fd);
	tcase_add_test(tc, big_message_waits_in_queue_and_fd_survives);
	tcase_add_test(tc, credit_bounds_the_producer);
	tcase_add_test(tc, consumer_closes_when_peer_exceeds_messages);
	tcase_add_test(tc, consumer_closes_when_peer_exceeds_bytes);
	tcase_add_test(tc, credited_message_without_grant_is_refused);
	tcase_add_test(tc, producer_closes_on_excess_credit);
	tcase_add_test(tc, out_queue_is_bounded);
	tcase_add_test(tc, close_inside_on_msg_is_safe);
	tcase_add_test(tc, eof_reports_zero_once);
	tcase_add_test(tc, cut_message_at_eof_is_an_error);
	tcase_add_test(tc, unexpected_type_closes_channel);
	tcase_add_test(tc, send_to_vanished_peer_fails);
	tcase_add_test(tc, open_rejects_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(channel_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
