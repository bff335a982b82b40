/* The sandbox, proved from inside: each test runs in Check's forked child,
 * enters a profile, then either makes a forbidden call (must die by SIGSYS)
 * or lives through a steady state like the real process's and _exit(0)s.
 * After sandbox_enter only raw calls are used to report: Check's own
 * reporting needs syscalls the profiles forbid. */

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#include "sandbox.h"
#include "sandbox_internal.h"

#define NOBODY 65534
#define DATA_TEXT "hello from the jail\n"

static char base_dir[] = "/tmp/otlpd-test-sandbox-XXXXXX";

/* ---- reporting after the sandbox is entered ---- */

static void fail_step(int line, const char *what)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "sandboxed check failed at line %d: %s (errno %d)\n", line,
			 what, errno);

	if (n > 0 && write(STDERR_FILENO, buf, strnlen(buf, sizeof(buf))) < 0)
		_exit(2);
	_exit(1 + line % 200); /* never 0 */
}

#define REQUIRE(cond, what)                    \
	do {                                   \
		if (!(cond))                   \
			fail_step(__LINE__, what); \
	} while (0)

/* ---- jails and entering ---- */

static void write_file(int dirfd, const char *name, const char *text, mode_t mode)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	ck_assert_msg(fd >= 0, "create %s: %s", name, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
}

/* A fresh directory under base_dir; a shared one (0777) lets nobody write. */
static int make_dir(char *path, size_t len, bool shared)
{
	ck_assert_int_lt(snprintf(path, len, "%s/jail-XXXXXX", base_dir), (int)len);
	ck_assert_ptr_nonnull(mkdtemp(path));
	ck_assert_int_eq(chmod(path, shared ? 0777 : 0755), 0);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* -1 fails sandbox_enter loudly */
}

/* The jail the profile expects: the empty one stays empty. */
static int make_jail(enum sandbox_profile_id id)
{
	char path[256];
	int fd = make_dir(path, sizeof(path), false);

	switch (sandbox_profile_jail(id)) {
	case SANDBOX_JAIL_EMPTY:
		break;
	case SANDBOX_JAIL_OUTPUT_RW:
		write_file(fd, "marker", "", 0644);
		if (geteuid() == 0)
			ck_assert_int_eq(fchown(fd, NOBODY, NOBODY), 0);
		break;
	case SANDBOX_JAIL_OUTPUT_RO:
		/* World-writable where Landlock is there to refuse writes anyway. */
		write_file(fd, "data.txt", DATA_TEXT, sandbox_landlock_available() == 0 ? 0666 : 0644);
		break;
	}
	return fd;
}

static void enter_with(enum sandbox_profile_id id, int jail_fd, enum jail_method method,
		       enum sandbox_seccomp_mode mode)
{
	struct sandbox_params p = {
		.jail_fd = jail_fd, .method = method, .uid = NOBODY, .gid = NOBODY, .seccomp = mode
	};
	char why[256];

	if (sandbox_enter(id, &p, why, sizeof(why)) != 0)
		fail_step(__LINE__, why);
}

static void enter(enum sandbox_profile_id id)
{
	enter_with(id, make_jail(id), JAIL_METHOD_CHROOT, SECCOMP_MODE_ENFORCE);
}

/* ---- the steady state every child has: a libuv loop with a timer, a
 * polled socketpair, an async wake-up, a signal, fds passed over a socket ---- */

static struct {
	uv_loop_t *loop;
	uv_poll_t poll;
	uv_timer_t timer;
	uv_async_t async;
	uv_signal_t sig;
	uv_pipe_t ctl, peer;
	int sv[2];
	bool got_ping, got_async, got_signal;
} ls;

/* One byte with one fd attached, as the framing module passes fds. */
struct fd_msg {
	char byte;
	struct iovec iov;
	_Alignas(struct cmsghdr) char buf[CMSG_SPACE(sizeof(int))];
	struct msghdr msg;
};

static struct cmsghdr *fd_msg_init(struct fd_msg *m)
{
	m->iov = (struct iovec){ .iov_base = &m->byte, .iov_len = 1 };
	m->msg = (struct msghdr){ .msg_iov = &m->iov, .msg_iovlen = 1, .msg_control = m->buf,
				  .msg_controllen = sizeof(m->buf) };
	return CMSG_FIRSTHDR(&m->msg);
}

static void send_fd(int sock, int fd)
{
	struct fd_msg m = { .byte = 'p' };
	struct cmsghdr *c = fd_msg_init(&m);

	*c = (struct cmsghdr){ .cmsg_len = CMSG_LEN(sizeof(int)), .cmsg_level = SOL_SOCKET,
			       .cmsg_type = SCM_RIGHTS };
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	REQUIRE(sendmsg(sock, &m.msg, 0) == 1, "sendmsg SCM_RIGHTS");
}

static int recv_fd(int sock)
{
	struct fd_msg m;
	struct cmsghdr *c;
	int fd;

	fd_msg_init(&m);
	REQUIRE(recvmsg(sock, &m.msg, MSG_CMSG_CLOEXEC) == 1, "recvmsg");
	c = CMSG_FIRSTHDR(&m.msg);
	REQUIRE(c && c->cmsg_type == SCM_RIGHTS, "no fd received");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	int pipefd[2], got;
	char buf[8];

	REQUIRE(status == 0 && (events & UV_READABLE), "poll status");
	REQUIRE(read(ls.sv[0], buf, 4) == 4 && memcmp(buf, "ping", 4) == 0, "read ping");
	/* An fd made after entering, passed the way the supervisor passes them. */
	REQUIRE(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) == 0, "pipe2");
	send_fd(ls.sv[1], pipefd[0]);
	got = recv_fd(ls.sv[0]);
	REQUIRE(write(pipefd[1], "x", 1) == 1 && read(got, buf, 1) == 1 && buf[0] == 'x',
		"data through the passed fd");
	/* A passed channel is wrapped the way a child wraps MSG_PEER_CHANNEL fds. */
	REQUIRE(uv_pipe_init(ls.loop, &ls.peer, 0) == 0 && uv_pipe_open(&ls.peer, got) == 0,
		"uv_pipe_open on a passed fd");
	uv_close((uv_handle_t *)&ls.peer, NULL);
	close(pipefd[0]);
	close(pipefd[1]);
	ls.got_ping = true;
	uv_close((uv_handle_t *)h, NULL);
	REQUIRE(uv_async_send(&ls.async) == 0, "uv_async_send");
}

static void on_async(uv_async_t *h)
{
	ls.got_async = true;
	uv_close((uv_handle_t *)h, NULL);
	REQUIRE(raise(SIGUSR1) == 0, "raise (tgkill to ourselves)");
}

static void on_signal(uv_signal_t *h, int signum)
{
	ls.got_signal = signum == SIGUSR1;
	uv_close((uv_handle_t *)h, NULL);
	uv_close((uv_handle_t *)&ls.ctl, NULL); /* the end of the chain */
}

static void on_timer(uv_timer_t *h) { uv_close((uv_handle_t *)h, NULL); }

/* Before entering: the loop and the first stream handle, like a child's
 * control channel. libuv opens /dev/null (its EMFILE reserve) on the first
 * stream handle of a loop; after the sandbox that open would be a kill. */
static void loop_prepare(uv_loop_t *loop)
{
	ck_assert_int_eq(uv_loop_init(loop), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ls.sv), 0);
	ck_assert_int_eq(uv_pipe_init(loop, &ls.ctl, 1), 0);
	ck_assert_int_eq(uv_pipe_open(&ls.ctl, ls.sv[1]), 0);
	ls.loop = loop;
}

/* After entering: handles are made and run the way a child does in serve. */
static void loop_start(void)
{
	REQUIRE(uv_poll_init(ls.loop, &ls.poll, ls.sv[0]) == 0, "uv_poll_init");
	REQUIRE(uv_poll_start(&ls.poll, UV_READABLE, on_readable) == 0, "uv_poll_start");
	REQUIRE(uv_async_init(ls.loop, &ls.async, on_async) == 0, "uv_async_init");
	REQUIRE(uv_signal_init(ls.loop, &ls.sig) == 0, "uv_signal_init");
	REQUIRE(uv_signal_start(&ls.sig, on_signal, SIGUSR1) == 0, "uv_signal_start");
	REQUIRE(uv_timer_init(ls.loop, &ls.timer) == 0, "uv_timer_init");
	REQUIRE(uv_timer_start(&ls.timer, on_timer, 20, 0) == 0, "uv_timer_start");
	REQUIRE(write(ls.sv[1], "ping", 4) == 4, "write ping");
}

static void loop_finish(void)
{
	REQUIRE(uv_run(ls.loop, UV_RUN_DEFAULT) == 0, "uv_run");
	REQUIRE(ls.got_ping && ls.got_async && ls.got_signal, "loop events");
	REQUIRE(uv_loop_close(ls.loop) == 0, "uv_loop_close");
}

/* Dumpable is checked only where the profile clears it: for the others the
 * kernel already reset it on the uid change (fs.suid_dumpable). */
static void verify_dropped(bool dumpable)
{
	REQUIRE(getuid() == NOBODY && geteuid() == NOBODY && getgid() == NOBODY && getegid() == NOBODY,
		"ids");
	REQUIRE(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "no_new_privs");
	REQUIRE(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2, "seccomp filter mode");
	REQUIRE(dumpable || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0, "not dumpable");
}

static long open2(const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = { .flags = flags, .resolve = resolve };

	how.mode = (flags & O_CREAT) ? 0644 : 0;
	return syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
}

/* ---- TCP helpers (made before entering, like the supervisor's sockets) ---- */

static int tcp_listener(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	*addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ck_assert_int_eq(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)addr, &len), 0);
	return fd;
}

static int tcp_client(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (const struct sockaddr *)addr, sizeof(*addr)), 0);
	return fd;
}

/* ---- forbidden calls: each must kill the process with SIGSYS ---- */

/* What a forbidden call may use, made before entering. */
struct before {
	int tcp;        /* an unconnected TCP socket */
	pid_t parent;   /* another process */
	void *page;     /* a read-write page */
	struct sockaddr_in listening;
};

static void call_socket_inet(struct before *b) { socket(AF_INET, SOCK_STREAM, 0); }
static void call_socket_unix(struct before *b) { socket(AF_UNIX, SOCK_STREAM, 0); }
static void call_socket_udp(struct before *b) { socket(AF_INET, SOCK_DGRAM, 0); }
static void call_open_dir(struct before *b) { open(".", O_RDONLY | O_DIRECTORY); }
static void call_listen(struct before *b) { listen(b->tcp, 1); }
static void call_tgkill_other(struct before *b) { syscall(SYS_tgkill, b->parent, b->parent, 0); }
static void call_ioctl_tiocsti(struct before *b) { ioctl(STDIN_FILENO, TIOCSTI, "x"); }

static void call_connect(struct before *b)
{
	connect(b->tcp, (struct sockaddr *)&b->listening, sizeof(b->listening));
}

/* Decided: a write-open in the dashboard is a kill, not an error. Nothing
 * in it opens for writing, so such a call is an exploit or a bug, and the
 * supervisor's SIGSYS log line is the signal we want. */
static void call_open_write(struct before *b) { open("/data.txt", O_WRONLY); }

static void call_mmap_exec(struct before *b)
{
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void call_mprotect_exec(struct before *b) { mprotect(b->page, 4096, PROT_READ | PROT_EXEC); }

static void call_other_arch(struct before *b)
{
#if defined(__x86_64__)
	long ret = 20; /* getpid through the i386 entry point: the arch check kills */
	__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
#else
	raise(SIGSYS); /* no second ABI to try here */
#endif
}

#define IN_EVERY_PROFILE(what, call)                                                     \
	{ SANDBOX_RECEIVER, "receiver: " what, call }, { SANDBOX_WRITER, "writer: " what, call }, \
	{ SANDBOX_FORWARDER, "forwarder: " what, call },                                     \
	{ SANDBOX_DASHBOARD, "dashboard: " what, call }

static const struct forbidden {
	enum sandbox_profile_id profile;
	const char *what;
	void (*call)(struct before *b);
} forbidden[] = {
	{ SANDBOX_WRITER, "writer: socket", call_socket_inet },
	{ SANDBOX_RECEIVER, "receiver: openat", call_open_dir },
	{ SANDBOX_DASHBOARD, "dashboard: connect", call_connect },
	{ SANDBOX_DASHBOARD, "dashboard: openat for writing", call_open_write },
	{ SANDBOX_FORWARDER, "forwarder: openat", call_open_dir },
	{ SANDBOX_FORWARDER, "forwarder: listen", call_listen },
	{ SANDBOX_FORWARDER, "forwarder: socket AF_UNIX", call_socket_unix },
	{ SANDBOX_FORWARDER, "forwarder: socket SOCK_DGRAM", call_socket_udp },
	IN_EVERY_PROFILE("mmap PROT_EXEC", call_mmap_exec),
	IN_EVERY_PROFILE("mprotect PROT_EXEC", call_mprotect_exec),
	IN_EVERY_PROFILE("ioctl TIOCSTI", call_ioctl_tiocsti),
	IN_EVERY_PROFILE("tgkill to another process", call_tgkill_other),
	IN_EVERY_PROFILE("a syscall of another architecture", call_other_arch),
};

START_TEST(forbidden_call_dies)
{
	const struct forbidden *f = &forbidden[_i];
	struct before b = { .parent = getppid() };

	tcp_listener(&b.listening); /* left open for connect() to reach */
	b.tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	b.page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(b.tcp >= 0 && b.page != MAP_FAILED);
	enter(f->profile);
	f->call(&b);
	errno = 0;
	fail_step(__LINE__, f->what); /* still alive: the call was allowed */
}
END_TEST

/* ---- allowed steady states: must _exit(0) ---- */

static struct {
	uv_tcp_t server, conn;
	uv_connect_t creq;
	char buf[64];
	bool done;
} net;

static void net_alloc(uv_handle_t *h, size_t size, uv_buf_t *b)
{
	*b = uv_buf_init(net.buf, sizeof(net.buf));
}

/* Writes what a fresh socket takes at once, then closes the connection. */
static void net_send(uv_stream_t *s, const char *text)
{
	uv_buf_t b = uv_buf_init(net.buf, (unsigned)strlen(text));

	memcpy(net.buf, text, b.len);
	REQUIRE(uv_try_write(s, &b, 1) == (int)b.len, "uv_try_write");
	net.done = true;
	uv_close((uv_handle_t *)s, NULL);
}

static void net_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	REQUIRE(n == 5 && memcmp(b->base, "hello", 5) == 0, "read the request");
	uv_read_stop(s);
	net_send(s, "ok");
}

static void net_connection(uv_stream_t *server, int status)
{
	struct sockaddr_storage peer;
	int len = sizeof(peer);

	REQUIRE(status == 0, "connection");
	REQUIRE(uv_tcp_init(server->loop, &net.conn) == 0, "uv_tcp_init");
	REQUIRE(uv_accept(server, (uv_stream_t *)&net.conn) == 0, "uv_accept");
	REQUIRE(uv_tcp_getpeername(&net.conn, (struct sockaddr *)&peer, &len) == 0, "getpeername");
	REQUIRE(uv_tcp_nodelay(&net.conn, 1) == 0, "uv_tcp_nodelay");
	REQUIRE(uv_read_start((uv_stream_t *)&net.conn, net_alloc, net_read) == 0, "uv_read_start");
	uv_close((uv_handle_t *)server, NULL);
}

static void net_connected(uv_connect_t *req, int status)
{
	REQUIRE(status == 0, "connect to 127.0.0.1");
	REQUIRE(uv_tcp_nodelay((uv_tcp_t *)req->handle, 1) == 0, "uv_tcp_nodelay");
	REQUIRE(uv_tcp_keepalive((uv_tcp_t *)req->handle, 1, 60) == 0, "uv_tcp_keepalive");
	net_send(req->handle, "data");
}

START_TEST(receiver_steady_state)
{
	static uv_loop_t loop;
	struct sockaddr_in addr;
	int lfd = tcp_listener(&addr), client = tcp_client(&addr);
	char buf[2];

	ck_assert_int_eq(write(client, "hello", 5), 5);
	loop_prepare(&loop);
	enter(SANDBOX_RECEIVER);
	loop_start();
	/* The passed listening socket, served the way libuv serves it. */
	REQUIRE(uv_tcp_init(&loop, &net.server) == 0 && uv_tcp_open(&net.server, lfd) == 0,
		"uv_tcp_open");
	REQUIRE(uv_listen((uv_stream_t *)&net.server, 8, net_connection) == 0, "uv_listen");
	loop_finish();
	REQUIRE(net.done && read(client, buf, 2) == 2 && memcmp(buf, "ok", 2) == 0,
		"answer to the client");
	verify_dropped(true);
	_exit(0);
}
END_TEST

START_TEST(forwarder_steady_state)
{
	static uv_loop_t loop;
	struct sockaddr_in addr;
	int lfd = tcp_listener(&addr);

	loop_prepare(&loop);
	enter(SANDBOX_FORWARDER);
	loop_start();
	REQUIRE(uv_tcp_init(&loop, &net.conn) == 0, "uv_tcp_init");
	REQUIRE(uv_tcp_connect(&net.creq, &net.conn, (struct sockaddr *)&addr, net_connected) == 0,
		"uv_tcp_connect");
	loop_finish();
	REQUIRE(net.done, "data written to the remote");
	REQUIRE(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0) >= 0 || errno == EAFNOSUPPORT, "AF_INET6");
	close(lfd);
	verify_dropped(false);
	_exit(0);
}
END_TEST

START_TEST(writer_steady_state)
{
	static uv_loop_t loop;
	uv_fs_t req;
	struct stat st;
	struct dirent *de;
	DIR *dir;
	bool listed = false;
	int fd;

	loop_prepare(&loop);
	enter(SANDBOX_WRITER);
	loop_start();
	loop_finish();
	/* The root is the jail: what was put there before is at "/". */
	REQUIRE(stat("/marker", &st) == 0, "stat /marker");
	REQUIRE(stat("/etc/passwd", &st) != 0 && errno == ENOENT, "host files are out of sight");
	REQUIRE(mkdir("otlp", 0755) == 0 && mkdirat(AT_FDCWD, "otlp/traces", 0755) == 0, "mkdir");
	REQUIRE((fd = open("otlp/traces/a.tmp", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) >= 0,
		"create a file");
	struct iovec tail = {.iov_base = "atch", .iov_len = 4};
	REQUIRE(pwritev(fd, &tail, 1, 1) == 4 && pwrite(fd, "B", 1, 0) == 1, "write");
	REQUIRE(fsync(fd) == 0 && fdatasync(fd) == 0 && ftruncate(fd, 4) == 0, "fsync");
	REQUIRE(fstat(fd, &st) == 0 && st.st_size == 4 && close(fd) == 0, "size");
	REQUIRE(rename("otlp/traces/a.tmp", "otlp/traces/a.arrows") == 0, "rename");
	REQUIRE(renameat2(AT_FDCWD, "otlp/traces/a.arrows", AT_FDCWD, "otlp/b.arrows",
			  RENAME_NOREPLACE) == 0, "renameat2 across directories");
	REQUIRE((dir = opendir("otlp")) != NULL, "opendir");
	while ((de = readdir(dir)) != NULL)
		listed |= strcmp(de->d_name, "b.arrows") == 0;
	REQUIRE(listed && closedir(dir) == 0, "the file is listed");
	REQUIRE(unlink("otlp/b.arrows") == 0, "unlink");
	/* libuv's synchronous fs calls (statx) and glibc's rmdir. */
	REQUIRE(uv_fs_stat(NULL, &req, "otlp", NULL) == 0 && rmdir("otlp/traces") == 0, "stat, rmdir");
	uv_fs_req_cleanup(&req);
	REQUIRE(unlinkat(AT_FDCWD, "otlp", AT_REMOVEDIR) == 0, "remove a directory");
	verify_dropped(true);
	_exit(0);
}
END_TEST

START_TEST(dashboard_steady_state)
{
	static uv_loop_t loop;
	struct sockaddr_in addr;
	int lfd = tcp_listener(&addr), client = tcp_client(&addr), conn, fd;
	char buf[64];
	uv_fs_t req;
	struct stat st;

	loop_prepare(&loop);
	enter(SANDBOX_DASHBOARD);
	loop_start();
	loop_finish();
	REQUIRE((conn = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0, "accept4");
	REQUIRE((fd = open("/data.txt", O_RDONLY | O_CLOEXEC)) >= 0, "the root is the jail: /data.txt");
	REQUIRE(read(fd, buf, sizeof(buf)) == (ssize_t)strlen(DATA_TEXT), "read");
	REQUIRE(pread(fd, buf, 5, 0) == 5 && memcmp(buf, DATA_TEXT, 5) == 0, "pread");
	REQUIRE(fstat(fd, &st) == 0 && close(fd) == 0, "fstat");
	fd = (int)open2("data.txt", O_RDONLY | O_CLOEXEC, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	REQUIRE(fd >= 0 && close(fd) == 0, "openat2 RESOLVE_BENEATH");
	REQUIRE(open2("/etc/passwd", O_RDONLY, RESOLVE_BENEATH) < 0 && errno == EXDEV, "openat2 outside");
	REQUIRE(open2("data.txt", O_WRONLY, RESOLVE_BENEATH) < 0 && errno == EACCES,
		"openat2 for writing fails (Landlock, or file permissions)");
	REQUIRE(uv_fs_stat(NULL, &req, "data.txt", NULL) == 0, "uv_fs_stat");
	uv_fs_req_cleanup(&req);
	REQUIRE(uv_fs_scandir(NULL, &req, "/", 0, NULL) == 1, "uv_fs_scandir lists data.txt");
	uv_fs_req_cleanup(&req);
	close(conn);
	close(client);
	verify_dropped(true);
	_exit(0);
}
END_TEST

START_TEST(log_mode_does_not_kill)
{
	enter_with(SANDBOX_RECEIVER, make_jail(SANDBOX_RECEIVER), JAIL_METHOD_CHROOT, SECCOMP_MODE_LOG);
	REQUIRE(open("/nothing", O_RDONLY) < 0 && errno == ENOENT, "openat returns normally");
	REQUIRE(socket(AF_UNIX, SOCK_STREAM, 0) >= 0, "socket returns normally");
	REQUIRE(prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2, "filter loaded");
	_exit(0);
}
END_TEST

/* ---- Landlock, the jail when not root ---- */

START_TEST(landlock_writer_stays_in_jail)
{
	char other[256], path[300];
	int jail = make_dir(path, sizeof(path), true), fd;

	make_dir(other, sizeof(other), true);
	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/escaped", other), (int)sizeof(path));
	enter_with(SANDBOX_WRITER, jail, JAIL_METHOD_LANDLOCK, SECCOMP_MODE_ENFORCE);
	fd = open("inside", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	REQUIRE(fd >= 0 && write(fd, "x", 1) == 1 && close(fd) == 0, "write inside the jail");
	REQUIRE(rename("inside", "renamed") == 0 && unlink("renamed") == 0, "rename, unlink");
	REQUIRE(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 && errno == EACCES,
		"create in another directory");
	REQUIRE(open("/etc/passwd", O_RDONLY) < 0 && errno == EACCES, "read outside the jail");
	_exit(0);
}
END_TEST

/* openat2's flags are out of seccomp's sight: Landlock alone must refuse
 * writes, on a file whose permissions would allow them. */
START_TEST(landlock_dashboard_read_only)
{
	char path[256], buf[64];
	int jail = make_dir(path, sizeof(path), true), fd, abi = sandbox_landlock_abi();

	write_file(jail, "data.txt", DATA_TEXT, 0666);
	enter_with(SANDBOX_DASHBOARD, jail, JAIL_METHOD_LANDLOCK, SECCOMP_MODE_ENFORCE);
	fd = (int)open2("data.txt", O_RDONLY, RESOLVE_BENEATH);
	REQUIRE(fd >= 0 && read(fd, buf, sizeof(buf)) > 0 && close(fd) == 0, "read in the jail");
	REQUIRE(open2("data.txt", O_WRONLY, RESOLVE_BENEATH) < 0 && errno == EACCES, "open for writing");
	REQUIRE(open2("new", O_WRONLY | O_CREAT, RESOLVE_BENEATH) < 0 && errno == EACCES, "create");
	REQUIRE(abi < 3 || (open2("data.txt", O_RDONLY | O_TRUNC, RESOLVE_BENEATH) < 0 && errno == EACCES),
		"truncate through O_RDONLY|O_TRUNC");
	_exit(0);
}
END_TEST

START_TEST(landlock_empty_jail_opens_nothing)
{
	char path[256];

	enter_with(SANDBOX_RECEIVER, make_dir(path, sizeof(path), true), JAIL_METHOD_LANDLOCK,
		   SECCOMP_MODE_LOG);
	REQUIRE(open(".", O_RDONLY | O_DIRECTORY) < 0 && errno == EACCES, "open the jail");
	REQUIRE(open("/etc/passwd", O_RDONLY) < 0 && errno == EACCES, "open outside");
	_exit(0);
}
END_TEST

/* ---- bad input: an error with why set, nothing applied, no crash ---- */

static void expect_refused(enum sandbox_profile_id id, struct sandbox_params p, int want,
			   const char *why_part)
{
	char why[256];
	int jail = p.jail_fd;

	ck_assert_int_eq(sandbox_enter(id, &p, why, sizeof(why)), want);
	ck_assert_msg(strstr(why, why_part) != NULL, "why is \"%s\"", why);
	if (jail >= 0)
		ck_assert_msg(fcntl(jail, F_GETFD) < 0 && errno == EBADF, "jail fd not closed");
	ck_assert_int_eq(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	ck_assert_int_eq(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
}

START_TEST(bad_input_is_refused)
{
	static const struct {
		int profile, method, seccomp;
		unsigned uid, gid;
		const char *why;
	} bad[] = {
		{ 99, JAIL_METHOD_CHROOT, SECCOMP_MODE_ENFORCE, NOBODY, NOBODY, "unknown profile 99" },
		{ SANDBOX_WRITER, 0, SECCOMP_MODE_ENFORCE, NOBODY, NOBODY, "unknown jail method 0" },
		{ SANDBOX_WRITER, JAIL_METHOD_CHROOT, 7, NOBODY, NOBODY, "unknown seccomp mode 7" },
		/* Target ids matter only when root; then root itself is refused. */
		{ SANDBOX_RECEIVER, JAIL_METHOD_CHROOT, SECCOMP_MODE_ENFORCE, 0, NOBODY, "uid 0" },
		{ SANDBOX_RECEIVER, JAIL_METHOD_CHROOT, SECCOMP_MODE_ENFORCE, NOBODY, 0, "gid 0" },
		{ SANDBOX_RECEIVER, JAIL_METHOD_CHROOT, SECCOMP_MODE_ENFORCE, NOBODY, (gid_t)-1, "gid -1" },
	};
	char path[256], why[8];
	struct sandbox_params p = { .jail_fd = -1, .uid = NOBODY, .gid = NOBODY };
	int dir;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if ((bad[i].uid != NOBODY || bad[i].gid != NOBODY) && geteuid() != 0)
			continue;
		p = (struct sandbox_params){ make_dir(path, sizeof(path), false), bad[i].method,
					     bad[i].uid, bad[i].gid, bad[i].seccomp };
		expect_refused(bad[i].profile, p, -EINVAL, bad[i].why);
	}
	p.method = JAIL_METHOD_CHROOT;
	p.jail_fd = -1;
	expect_refused(SANDBOX_WRITER, p, -EBADF, "no jail directory");
	dir = make_dir(path, sizeof(path), false);
	write_file(dir, "file", "", 0644);
	p.jail_fd = openat(dir, "file", O_RDONLY | O_CLOEXEC);
	expect_refused(SANDBOX_WRITER, p, -ENOTDIR, "not a directory");
	ck_assert_int_eq(sandbox_enter(SANDBOX_WRITER, NULL, why, sizeof(why)), -EINVAL);
	p.jail_fd = -1;
	ck_assert_int_eq(sandbox_enter(SANDBOX_WRITER, &p, NULL, 0), -EBADF);
	ck_assert_int_eq(sandbox_enter(SANDBOX_WRITER, &p, why, sizeof(why)), -EBADF);
	ck_assert_str_eq(why, "sand..."); /* a cut message shows the cut */
}
END_TEST

/* Without root, chroot is refused by the kernel: an error, not a skip. */
START_TEST(chroot_without_root_fails)
{
	char path[256];
	struct sandbox_params p = { make_dir(path, sizeof(path), false), JAIL_METHOD_CHROOT, NOBODY,
				    NOBODY, SECCOMP_MODE_ENFORCE };

	ck_assert_int_eq(setresgid(NOBODY, NOBODY, NOBODY), 0);
	ck_assert_int_eq(setresuid(NOBODY, NOBODY, NOBODY), 0);
	expect_refused(SANDBOX_RECEIVER, p, -EPERM, "chroot: Operation not permitted");
}
END_TEST

/* ---- print-profile ---- */

static char *printed(enum sandbox_profile_id id)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(sandbox_print_profile(id, "nobody (uid 65534)", f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return text; /* caller frees */
}

/* Within each group, one call per line, sorted by name. */
static void assert_sorted(const char *text)
{
	char prev[64] = "", name[64];

	for (const char *line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, "group ", 6) == 0)
			prev[0] = '\0';
		if (strncmp(line, "  ", 2) != 0 || sscanf(line, " %63s", name) != 1)
			continue;
		ck_assert_msg(strcmp(prev, name) < 0, "%s listed after %s", name, prev);
		memcpy(prev, name, sizeof(name));
	}
}

START_TEST(print_profile_is_an_audit_list)
{
	static const char *const groups[] = { "group base:", "group event_loop:", "group ipc:" };
	enum sandbox_profile_id id;
	char *rx = printed(SANDBOX_RECEIVER), *wr = printed(SANDBOX_WRITER);
	char *fw = printed(SANDBOX_FORWARDER), *db = printed(SANDBOX_DASHBOARD);
	char *all[] = { rx, wr, fw, db };

	for (size_t i = 0; i < 4; i++) {
		for (size_t g = 0; g < 3; g++)
			ck_assert_ptr_nonnull(strstr(all[i], groups[g]));
		ck_assert_ptr_nonnull(strstr(all[i], "user: nobody (uid 65534)\n"));
		ck_assert_ptr_nonnull(strstr(all[i], "\n  mmap  (prot without PROT_EXEC)\n"));
		ck_assert_ptr_nonnull(strstr(all[i], "seccomp default action: kill process"));
		assert_sorted(all[i]);
	}
	ck_assert_ptr_nonnull(strstr(rx, "profile: receiver\njail: empty directory"));
	ck_assert_ptr_nonnull(strstr(rx, "\n  accept4\n"));
	ck_assert_ptr_null(strstr(wr, "accept4"));
	ck_assert_ptr_nonnull(strstr(wr, "group file_write:"));
	ck_assert_ptr_nonnull(strstr(wr, "jail: output directory, read-write"));
	ck_assert_ptr_nonnull(strstr(fw, "dumpable: no"));
	ck_assert_ptr_nonnull(strstr(fw, "\n  socket  (AF_INET or AF_INET6, SOCK_STREAM only)\n"));
	ck_assert_ptr_null(strstr(fw, "openat"));
	ck_assert_ptr_nonnull(strstr(db, "jail: output directory, read-only"));
	ck_assert_ptr_nonnull(strstr(db, "\n  openat  (flags without O_WRONLY"));
	ck_assert_ptr_null(strstr(db, "renameat"));
	for (size_t i = 0; i < 4; i++)
		free(all[i]);
	ck_assert_int_eq(sandbox_print_profile((enum sandbox_profile_id)99, "x", stdout), -EINVAL);
	ck_assert_int_eq(sandbox_print_profile(SANDBOX_WRITER, "x", NULL), -EINVAL);
	/* The names print-profile and the supervisor look profiles up by. */
	for (int i = 0; i < SANDBOX_PROFILE_COUNT; i++)
		ck_assert(sandbox_profile_by_name(sandbox_profile_name(i), &id) == 0 && id == (unsigned)i);
	ck_assert_int_eq(sandbox_profile_by_name("supervisor", &id), -ENOENT);
	ck_assert_int_eq(sandbox_profile_by_name(NULL, &id), -EINVAL);
	ck_assert_str_eq(sandbox_profile_name((enum sandbox_profile_id)99), "unknown");
}
END_TEST

/* ---- runner ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static TCase *root_cases(void)
{
	TCase *tc = tcase_create("profiles (root)");

	tcase_add_loop_test_raise_signal(tc, forbidden_call_dies, SIGSYS, 0,
					 (int)(sizeof(forbidden) / sizeof(forbidden[0])));
	tcase_add_exit_test(tc, receiver_steady_state, 0);
	tcase_add_exit_test(tc, writer_steady_state, 0);
	tcase_add_exit_test(tc, forwarder_steady_state, 0);
	tcase_add_exit_test(tc, dashboard_steady_state, 0);
	tcase_add_exit_test(tc, log_mode_does_not_kill, 0);
	tcase_add_test(tc, chroot_without_root_fails);
	return tc;
}

int main(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("any user");
	SRunner *sr;
	int failed;

	if (!mkdtemp(base_dir) || chmod(base_dir, 0755) != 0) {
		perror("test_sandbox: temporary directory");
		return EXIT_FAILURE;
	}
	tcase_add_test(tc, bad_input_is_refused);
	tcase_add_test(tc, print_profile_is_an_audit_list);
	suite_add_tcase(s, tc);
	if (sandbox_landlock_available() == 0) {
		tc = tcase_create("landlock");
		tcase_add_exit_test(tc, landlock_writer_stays_in_jail, 0);
		tcase_add_exit_test(tc, landlock_dashboard_read_only, 0);
		tcase_add_exit_test(tc, landlock_empty_jail_opens_nothing, 0);
		suite_add_tcase(s, tc);
	} else {
		printf("test_sandbox: Landlock not available here: skipping the Landlock tests\n");
	}
	if (geteuid() == 0)
		suite_add_tcase(s, root_cases());
	else
		printf("test_sandbox: not root: skipping the chroot and uid tests (CI runs them as root)\n");
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK); /* every sandboxed test needs its own process */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(base_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
