#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "framing.h"
#include "messages.h"

#define ALL_TYPES (~UINT64_C(0))

/* Appends one encoded message (header + payload) to out; returns its size. */
static size_t encode_msg(uint8_t *out, uint32_t type, uint32_t flags, uint32_t seq,
			 const void *payload, uint32_t len)
{
	struct frame_header h = { .type = type, .flags = flags, .len = len, .seq = seq };
	frame_header_encode(&h, out);
	if (len > 0)
		memcpy(out + FRAME_HEADER_SIZE, payload, len);
	return FRAME_HEADER_SIZE + len;
}

START_TEST(header_round_trip_is_little_endian)
{
	struct frame_header h = { .type = 0x01020304u, .flags = 0x3u, .len = 0xa0b0c0d0u, .seq = 7 };
	uint8_t buf[FRAME_HEADER_SIZE];
	frame_header_encode(&h, buf);
	static const uint8_t want[FRAME_HEADER_SIZE] = {
		0x04, 0x03, 0x02, 0x01, 0x03, 0, 0, 0, 0xd0, 0xc0, 0xb0, 0xa0, 7, 0, 0, 0,
	};
	ck_assert_mem_eq(buf, want, sizeof want);
	struct frame_header back;
	frame_header_decode(buf, &back);
	ck_assert_uint_eq(back.type, h.type);
	ck_assert_uint_eq(back.flags, h.flags);
	ck_assert_uint_eq(back.len, h.len);
	ck_assert_uint_eq(back.seq, h.seq);
}
END_TEST

/* A stream of messages of varying sizes, with payload byte i of message m
 * equal to (m * 31 + i) & 0xff. */
#define STREAM_MSGS 40
#define STREAM_BOUND 8192u
static size_t build_stream(uint8_t **out)
{
	size_t cap = STREAM_MSGS * (FRAME_HEADER_SIZE + 3000);
	uint8_t *s = malloc(cap);
	ck_assert_ptr_nonnull(s);
	uint8_t payload[3000];
	size_t at = 0;
	for (uint32_t m = 0; m < STREAM_MSGS; m++) {
		uint32_t len = (m * 397u) % 3000u;
		for (uint32_t i = 0; i < len; i++)
			payload[i] = (uint8_t)((m * 31u + i) & 0xffu);
		at += encode_msg(s + at, MSG_STATS, 0, m + 1, payload, len);
	}
	*out = s;
	return at;
}

static void check_stream_msg(const struct frame *f, uint32_t m)
{
	ck_assert_uint_eq(f->h.type, MSG_STATS);
	ck_assert_uint_eq(f->h.seq, m + 1);
	ck_assert_uint_eq(f->h.len, (m * 397u) % 3000u);
	ck_assert_int_eq(f->fd, -1);
	for (uint32_t i = 0; i < f->h.len; i++)
		ck_assert_uint_eq(f->payload[i], (m * 31u + i) & 0xffu);
}

/* Feeds the stream in chunks of 1..max_chunk bytes (1 = byte by byte). */
static void feed_stream_in_chunks(unsigned seed, size_t max_chunk)
{
	uint8_t *s;
	size_t n = build_stream(&s);
	struct frame_reader r;
	/* The whole stream is several times the bound: it only fits because
	 * consumed bytes are compacted away. */
	ck_assert_int_eq(frame_reader_init(&r, STREAM_BOUND, MSG_BIT(MSG_STATS)), 0);
	srand(seed);
	uint32_t got = 0;
	size_t at = 0;
	while (at < n) {
		size_t chunk = max_chunk == 1 ? 1 : 1 + (size_t)rand() % max_chunk;
		if (chunk > n - at)
			chunk = n - at;
		ck_assert_int_eq(frame_reader_feed(&r, s + at, chunk), 0);
		at += chunk;
		struct frame f;
		int rc;
		while ((rc = frame_reader_next(&r, &f)) == 1)
			check_stream_msg(&f, got++);
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_le(r.cap, FRAME_HEADER_SIZE + STREAM_BOUND);
	}
	ck_assert_uint_eq(got, STREAM_MSGS);
	frame_reader_free(&r);
	free(s);
}

START_TEST(split_reads_byte_by_byte)
{
	feed_stream_in_chunks(1, 1);
}
END_TEST

START_TEST(split_reads_random_chunks)
{
	for (unsigned seed = 1; seed <= 20; seed++)
		feed_stream_in_chunks(seed, 1 + seed * 97);
}
END_TEST

START_TEST(oversized_length_refused_without_growing)
{
	struct frame_reader r;
	ck_assert_int_eq(frame_reader_init(&r, 1024, ALL_TYPES), 0);
	uint8_t hdr[FRAME_HEADER_SIZE];
	struct frame_header h = { .type = MSG_CONFIG, .len = 0xfffffff0u, .seq = 1 };
	frame_header_encode(&h, hdr);
	ck_assert_int_eq(frame_reader_feed(&r, hdr, sizeof hdr), 0);
	struct frame f;
	ck_assert_int_eq(frame_reader_next(&r, &f), -EMSGSIZE);
	ck_assert_uint_le(r.cap, 4096);

	/* One byte over the bound is already too much. */
	struct frame_reader r2;
	ck_assert_int_eq(frame_reader_init(&r2, 1024, ALL_TYPES), 0);
	h.len = 1025;
	frame_header_encode(&h, hdr);
	ck_assert_int_eq(frame_reader_feed(&r2, hdr, sizeof hdr), 0);
	ck_assert_int_eq(frame_reader_next(&r2, &f), -EMSGSIZE);
	frame_reader_free(&r2);
	frame_reader_free(&r);
}
END_TEST

START_TEST(oversized_length_on_socket_refused_before_growing)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct frame_reader r;
	ck_assert_int_eq(frame_reader_init(&r, 64u * 1024u * 1024u, ALL_TYPES), 0);
	struct frame_header h = { .type = MSG_CONFIG, .len = 64u * 1024u * 1024u + 1u, .seq = 1 };
	uint8_t buf[8192];
	memset(buf, 'x', sizeof buf);
	frame_header_encode(&h, buf);
	ck_assert_int_eq(write(sv[1], buf, sizeof buf), (ssize_t)sizeof buf);
	int rc = frame_reader_recv(&r, sv[0]);
	ck_assert_int_gt(rc, 0);
	struct frame f;
	ck_assert_int_eq(frame_reader_next(&r, &f), -EMSGSIZE);
	/* A second recv refuses too, still without growing. */
	ck_assert_int_eq(frame_reader_recv(&r, sv[0]), -EMSGSIZE);
	ck_assert_uint_le(r.cap, 4096);
	frame_reader_free(&r);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(feed_beyond_bound_refused)
{
	struct frame_reader r;
	ck_assert_int_eq(frame_reader_init(&r, 100, ALL_TYPES), 0);
	uint8_t junk[200] = { 0 };
	ck_assert_int_eq(frame_reader_feed(&r, junk, sizeof junk), -EMSGSIZE);
	ck_assert_int_eq(frame_reader_feed(&r, junk, FRAME_HEADER_SIZE + 100), 0);
	ck_assert_uint_le(r.cap, FRAME_HEADER_SIZE + 100);
	frame_reader_free(&r);
}
END_TEST

static int next_after_feeding(uint64_t allowed, uint32_t type, uint32_t flags, uint32_t seq)
{
	struct frame_reader r;
	ck_assert_int_eq(frame_reader_init(&r, 1024, allowed), 0);
	uint8_t buf[FRAME_HEADER_SIZE + 4];
	size_t n = encode_msg(buf, type, flags, seq, "abcd", 4);
	ck_assert_int_eq(frame_reader_feed(&r, buf, n), 0);
	struct frame f;
	int rc = frame_reader_next(&r, &f);
	if (rc == 1 && f.fd >= 0)
		close(f.fd);
	frame_reader_free(&r);
	return rc;
}

START_TEST(bad_headers_are_protocol_errors)
{
	uint64_t allowed = MSG_BIT(MSG_CONFIG) | MSG_BIT(MSG_READY);
	ck_assert_int_eq(next_after_feeding(allowed, MSG_CONFIG, 0, 1), 1);
	ck_assert_int_eq(next_after_feeding(allowed, MSG_STATS, 0, 1), -EPROTO);
	ck_assert_int_eq(next_after_feeding(ALL_TYPES, 64, 0, 1), -EPROTO);
	ck_assert_int_eq(next_after_feeding(ALL_TYPES, 0xffffffffu, 0, 1), -EPROTO);
	ck_assert_int_eq(next_after_feeding(allowed, MSG_CONFIG, 1u << 2, 1), -EPROTO);
	ck_assert_int_eq(next_after_feeding(allowed, MSG_CONFIG, 0x80000000u, 1), -EPROTO);
	ck_assert_int_eq(next_after_feeding(allowed, MSG_CONFIG, 0, 2), -EPROTO);
	ck_assert_int_eq(next_after_feeding(allowed, MSG_CONFIG, 0, 0), -EPROTO);
	/* A descriptor flag with no descriptor received. */
	ck_assert_int_eq(next_after_feeding(allowed, MSG_CONFIG, FRAME_FLAG_FD, 1), -EPROTO);
	ck_assert_int_eq(next_after_feeding(allowed, MSG_CONFIG, FRAME_FLAG_CREDITED, 1), 1);
}
END_TEST

START_TEST(sequence_gap_after_good_messages)
{
	struct frame_reader r;
	ck_assert_int_eq(frame_reader_init(&r, 1024, ALL_TYPES), 0);
	uint8_t buf[4 * FRAME_HEADER_SIZE];
	size_t n = 0;
	n += encode_msg(buf + n, MSG_READY, 0, 1, NULL, 0);
	n += encode_msg(buf + n, MSG_READY, 0, 2, NULL, 0);
	n += encode_msg(buf + n, MSG_READY, 0, 4, NULL, 0);
	ck_assert_int_eq(frame_reader_feed(&r, buf, n), 0);
	struct frame f;
	ck_assert_int_eq(frame_reader_next(&r, &f), 1);
	ck_assert_int_eq(frame_reader_next(&r, &f), 1);
	ck_assert_int_eq(frame_reader_next(&r, &f), -EPROTO);
	frame_reader_free(&r);
}
END_TEST

START_TEST(garbage_never_crashes)
{
	uint8_t junk[2048];
	for (unsigned seed = 1; seed <= 2000; seed++) {
		srand(seed);
		struct frame_reader r;
		ck_assert_int_eq(frame_reader_init(&r, 512, seed % 2 ? ALL_TYPES : 0x3fe), 0);
		size_t len = (size_t)rand() % sizeof junk;
		for (size_t i = 0; i < len; i++)
			junk[i] = (uint8_t)rand();
		/* Half the runs start with a plausible header so that the
		 * later checks are reached too. */
		if (seed % 2 == 0 && len >= FRAME_HEADER_SIZE) {
			struct frame_header h = { .type = 1u + (uint32_t)rand() % 8u,
						  .flags = (uint32_t)rand() % 4u,
						  .len = (uint32_t)rand() % 600u,
						  .seq = 1 };
			frame_header_encode(&h, junk);
		}
		size_t at = 0;
		int rc = 0;
		while (at < len && rc >= 0) {
			size_t chunk = 1 + (size_t)rand() % 300;
			if (chunk > len - at)
				chunk = len - at;
			rc = frame_reader_feed(&r, junk + at, chunk);
			if (rc < 0) {
				ck_assert_int_eq(rc, -EMSGSIZE);
				break;
			}
			at += chunk;
			struct frame f;
			while ((rc = frame_reader_next(&r, &f)) == 1) {
				ck_assert_uint_le(f.h.len, 512);
				ck_assert_int_eq(f.fd, -1);
			}
			ck_assert(rc == 0 || rc == -EPROTO || rc == -EMSGSIZE);
		}
		ck_assert_uint_le(r.cap, FRAME_HEADER_SIZE + 512);
		frame_reader_free(&r);
	}
}
END_TEST

START_TEST(fd_passes_over_socketpair)
{
	int sv[2], pfd[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(pfd), 0);
	struct frame_header h = { .type = MSG_PEER_CHANNEL, .flags = FRAME_FLAG_FD, .len = 4, .seq = 1 };
	struct msg_peer peer = { .peer = PEER_WRITER };
	ck_assert_int_eq(frame_send_blocking(sv[0], &h, &peer, pfd[1]), 0);
	close(pfd[1]);

	struct frame_reader r;
	ck_assert_int_eq(frame_reader_init(&r, 1024, MSG_BIT(MSG_PEER_CHANNEL)), 0);
	struct frame f;
	ck_assert_int_eq(frame_recv_blocking(&r, sv[1], 2000, &f), 1);
	ck_assert_int_ge(f.fd, 0);
	ck_assert_int_ne(fcntl(f.fd, F_GETFD) & FD_CLOEXEC, 0);
	struct msg_peer got;
	ck_assert_int_eq(msg_get_peer(&f, &got), 0);
	ck_assert_uint_eq(got.peer, PEER_WRITER);

	ck_assert_int_eq(write(f.fd, "hi", 2), 2);
	close(f.fd);
	char buf[4];
	ck_assert_int_eq(read(pfd[0], buf, sizeof buf), 2);
	ck_assert_mem_eq(buf, "hi", 2);
	/* Every writer is gone: the pipe reports end of file. */
	ck_assert_int_eq(read(pfd[0], buf, sizeof buf), 0);

	/* The flag and the descriptor go together or not at all. */
	h.seq = 2;
	ck_assert_int_eq(frame_send_blocking(sv[0], &h, &peer, -1), -EINVAL);
	h.flags = 0;
	ck_assert_int_eq(frame_send_blocking(sv[0], &h, &peer, pfd[0]), -EINVAL);

	frame_reader_free(&r);
	close(pfd[0]);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* Sends one byte with n descriptors attached. */
static void send_raw_fds(int sock, const int *fds, unsigned n)
{
	union {
		struct cmsghdr align;
		unsigned char buf[CMSG_SPACE(sizeof(int) * 16)];
	} control;
	memset(&control, 0, sizeof control);
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			    .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	ck_assert_int_eq(sendmsg(sock, &m, 0), 1);
}

static int count_open_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

START_TEST(too_many_fds_refused_and_closed)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	int before = count_open_fds();
	int fds[16];
	for (unsigned i = 0; i < 16; i++)
		fds[i] = sv[0];

	/* More than the control buffer holds in one go: MSG_CTRUNC. */
	struct frame_reader r;
	ck_assert_int_eq(frame_reader_init(&r, 1024, ALL_TYPES), 0);
	send_raw_fds(sv[0], fds, 16);
	ck_assert_int_eq(frame_reader_recv(&r, sv[1]), -EPROTO);
	ck_assert_uint_eq(r.nfds, 0);
	ck_assert_int_eq(count_open_fds(), before);
	frame_reader_free(&r);

	/* Several messages' worth that pile up beyond FRAME_MAX_FDS. */
	ck_assert_int_eq(frame_reader_init(&r, 1024, ALL_TYPES), 0);
	int rc = 0;
	for (unsigned i = 0; i <= FRAME_MAX_FDS && rc >= 0; i++) {
		send_raw_fds(sv[0], fds, 1);
		rc = frame_reader_recv(&r, sv[1]);
	}
	ck_assert_int_eq(rc, -EPROTO);
	ck_assert_uint_eq(r.nfds, FRAME_MAX_FDS);
	frame_reader_free(&r);
	ck_assert_int_eq(count_open_fds(), before);

	close(sv[0]);
	close(sv[1]);
}
END_TEST

#define BIG_PAYLOAD (4u * 1024u * 1024u)

static uint8_t big_byte(size_t i)
{
	return (uint8_t)((i * 7u + (i >> 12)) & 0xffu);
}

START_TEST(send_blocking_big_payload_to_another_process)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	int small = 16 * 1024;
	ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
	ck_assert_int_eq(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
	/* Non-blocking, so that the sender has to wait with poll(). */
	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);

	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		struct frame_reader r;
		if (frame_reader_init(&r, BIG_PAYLOAD, MSG_BIT(MSG_EXPORT_TRACES)) < 0)
			_exit(2);
		for (uint32_t seq = 1; seq <= 2; seq++) {
			struct frame f;
			if (frame_recv_blocking(&r, sv[1], 20000, &f) != 1)
				_exit(3);
			if (f.h.len != BIG_PAYLOAD || f.h.seq != seq)
				_exit(4);
			for (size_t i = 0; i < BIG_PAYLOAD; i++)
				if (f.payload[i] != big_byte(i))
					_exit(5);
		}
		struct frame f;
		if (frame_recv_blocking(&r, sv[1], 20000, &f) != 0)
			_exit(6);
		if (r.cap > FRAME_HEADER_SIZE + BIG_PAYLOAD)
			_exit(7);
		frame_reader_free(&r);
		_exit(0);
	}
	close(sv[1]);
	uint8_t *p = malloc(BIG_PAYLOAD);
	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < BIG_PAYLOAD; i++)
		p[i] = big_byte(i);
	for (uint32_t seq = 1; seq <= 2; seq++) {
		struct frame_header h = { .type = MSG_EXPORT_TRACES, .len = BIG_PAYLOAD, .seq = seq };
		ck_assert_int_eq(frame_send_blocking(sv[0], &h, p, -1), 0);
	}
	close(sv[0]);
	free(p);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(recv_blocking_times_out_and_sees_eof)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct frame_reader r;
	ck_assert_int_eq(frame_reader_init(&r, 1024, ALL_TYPES), 0);
	struct frame f;
	ck_assert_int_eq(frame_recv_blocking(&r, sv[1], 50, &f), -ETIMEDOUT);
	/* Half a header, then the peer goes: a cut message is an error. */
	ck_assert_int_eq(write(sv[0], "abc", 3), 3);
	close(sv[0]);
	ck_assert_int_eq(frame_recv_blocking(&r, sv[1], 1000, &f), -EPROTO);
	frame_reader_free(&r);
	close(sv[1]);

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(frame_reader_init(&r, 1024, ALL_TYPES), 0);
	close(sv[0]);
	ck_assert_int_eq(frame_recv_blocking(&r, sv[1], 1000, &f), 0);
	frame_reader_free(&r);
	close(sv[1]);
}
END_TEST

static struct frame payload_frame(const void *p, uint32_t len, int fd)
{
	struct frame f = { .h = { .type = 1, .len = len, .seq = 1 }, .payload = p, .fd = fd };
	return f;
}

START_TEST(typed_getters_check_size_and_values)
{
	struct msg_sandbox sb = { .uid = 100, .gid = 100, .jail_method = JAIL_METHOD_LANDLOCK,
				  .seccomp_mode = 1 };
	uint8_t raw[sizeof sb + 1];
	/* Unaligned on purpose: getters copy, never cast. */
	memcpy(raw + 1, &sb, sizeof sb);
	struct frame f = payload_frame(raw + 1, sizeof sb, -1);
	struct msg_sandbox got;
	ck_assert_int_eq(msg_get_sandbox(&f, &got), 0);
	ck_assert_uint_eq(got.uid, 100);
	ck_assert_uint_eq(got.jail_method, JAIL_METHOD_LANDLOCK);
	f.h.len = sizeof sb - 1;
	ck_assert_int_eq(msg_get_sandbox(&f, &got), -EBADMSG);
	sb.jail_method = 3;
	f = payload_frame(&sb, sizeof sb, -1);
	ck_assert_int_eq(msg_get_sandbox(&f, &got), -EBADMSG);
	sb.jail_method = 0;
	ck_assert_int_eq(msg_get_sandbox(&f, &got), -EBADMSG);
	sb.jail_method = JAIL_METHOD_CHROOT;
	sb.seccomp_mode = 2;
	ck_assert_int_eq(msg_get_sandbox(&f, &got), -EBADMSG);

	struct msg_peer peer = { .peer = PEER_FORWARDER };
	f = payload_frame(&peer, sizeof peer, 9);
	struct msg_peer gp;
	ck_assert_int_eq(msg_get_peer(&f, &gp), 0);
	ck_assert_uint_eq(gp.peer, PEER_FORWARDER);
	f.fd = -1;
	ck_assert_int_eq(msg_get_peer(&f, &gp), -EBADMSG);
	peer.peer = 4;
	f = payload_frame(&peer, sizeof peer, 9);
	ck_assert_int_eq(msg_get_peer(&f, &gp), -EBADMSG);
	peer.peer = 0;
	ck_assert_int_eq(msg_get_peer(&f, &gp), -EBADMSG);

	struct msg_credit c = { .msgs = 3, .bytes = 1000 };
	f = payload_frame(&c, sizeof c, -1);
	struct msg_credit gc;
	ck_assert_int_eq(msg_get_credit(&f, &gc), 0);
	ck_assert_uint_eq(gc.bytes, 1000);
	c.reserved = 1;
	ck_assert_int_eq(msg_get_credit(&f, &gc), -EBADMSG);
	f.h.len = 0;
	ck_assert_int_eq(msg_get_credit(&f, &gc), -EBADMSG);

	f = payload_frame(NULL, 0, -1);
	ck_assert_int_eq(msg_get_empty(&f), 0);
	f.h.len = 1;
	f.payload = (const uint8_t *)"x";
	ck_assert_int_eq(msg_get_empty(&f), -EBADMSG);
	f = payload_frame(NULL, 0, 5);
	ck_assert_int_eq(msg_get_empty(&f), -EBADMSG);

	ck_assert_str_eq(msg_type_name(MSG_CREDIT), "CREDIT");
	ck_assert_str_eq(msg_type_name(MSG_EXPORT_LOGS), "EXPORT_LOGS");
	ck_assert_str_eq(msg_type_name(999), "unknown");
}
END_TEST

static Suite *framing_suite(void)
{
	Suite *s = suite_create("framing");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, header_round_trip_is_little_endian);
	tcase_add_test(tc, split_reads_byte_by_byte);
	tcase_add_test(tc, split_reads_random_chunks);
	tcase_add_test(tc, oversized_length_refused_without_growing);
	tcase_add_test(tc, oversized_length_on_socket_refused_before_growing);
	tcase_add_test(tc, feed_beyond_bound_refused);
	tcase_add_test(tc, bad_headers_are_protocol_errors);
	tcase_add_test(tc, sequence_gap_after_good_messages);
	tcase_add_test(tc, garbage_never_crashes);
	tcase_add_test(tc, fd_passes_over_socketpair);
	tcase_add_test(tc, too_many_fds_refused_and_closed);
	tcase_add_test(tc, send_blocking_big_payload_to_another_process);
	tcase_add_test(tc, recv_blocking_times_out_and_sees_eof);
	tcase_add_test(tc, typed_getters_check_size_and_values);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(framing_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
