#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "data_channel.h"
#include "log.h"
#include "messages.h"
#include "roles.h"
#include "writer.h"

/* Descriptors from the supervisor; CHILD_FD_JAIL is the output directory. */
enum writer_fd {
	WRITER_FD_RECEIVER = CHILD_FD_ROLE, /* data queue from the receiver */
	WRITER_FD_END = CHILD_FD_ROLE + 1,
};

/* While a batch cannot be written, the waiting request is retried this often. */
#define WRITER_RETRY_MS 1000
/* A full batch (up to 4 MiB, half of max_*_buffer_size rows) is written 1 MiB per turn
 * of the loop, about a millisecond, so that requests keep being taken (into
 * the other batch) while it goes out. */
#define WRITER_WRITE_CHUNK ((size_t)1 << 20)

struct writer_process {
	struct data_channel from_receiver;
	struct writer w;
	bool w_ready;
	/* Messages of an earlier channel still waiting: their credit is not
	 * returned on the channel that replaced it. */
	uint32_t stale_credits;
	uv_timer_t flush_timer;
	uv_timer_t retry_timer;
	uv_idle_t write_idle; /* active while a batch is being written */
};

static struct writer_process wp;

static int64_t wall_now(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec;
}

/* All rows of a message are in a batch: the receiver may send another. */
static void on_taken(void *ctx, uint32_t len)
{
	struct writer_process *p = ctx;
	if (p->stale_credits) {
		p->stale_credits--;
		return;
	}
	if (!p->from_receiver.ch)
		return;
	int err = channel_return_credit(p->from_receiver.ch, 1, len);
	if (err)
		log_error("returning credit: %s", strerror(-err));
}

static void keep_writing(void);

static void on_retry_timer(uv_timer_t *t)
{
	(void)writer_retry(&wp.w, wall_now());
	if (!writer_waiting(&wp.w))
		uv_timer_stop(t);
	keep_writing();
}

static void wait_for_retry(void)
{
	if (writer_waiting(&wp.w) && !uv_is_active((uv_handle_t *)&wp.retry_timer))
		uv_timer_start(&wp.retry_timer, on_retry_timer, WRITER_RETRY_MS, WRITER_RETRY_MS);
}

/* Between turns of the loop: the next chunk of each batch being written,
 * and, once a file was opened, a retention pass that removes at most one
 * file (~12 ms for a 64 MiB one), so that neither stops the queue long. */
static void on_write_idle(uv_idle_t *h)
{
	int64_t now = wall_now();
	bool writing = writer_pump(&wp.w, now);
	if (writer_retention_due(&wp.w))
		(void)writer_retention(&wp.w, now);
	if (!writing && !writer_retention_due(&wp.w))
		uv_idle_stop(h);
	wait_for_retry();
}

static void keep_writing(void)
{
	if ((writer_writing(&wp.w) || writer_retention_due(&wp.w)) &&
	    !uv_is_active((uv_handle_t *)&wp.write_idle))
		uv_idle_start(&wp.write_idle, on_write_idle);
}

static void writer_on_data(struct channel *ch, const struct frame *f, void *ctx)
{
	(void)ch;
	(void)ctx;
	if (f->fd >= 0)
		close(f->fd);
	if (writer_take(&wp.w, f->h.type, f->payload, f->h.len, wall_now()) != 0)
		wait_for_retry();
	keep_writing();
}

/* Flushes on the write interval; files past their age and the retention
 * rules are checked at the same pace. Errors are logged where they happen. */
static void on_flush_timer(uv_timer_t *t)
{
	(void)t;
	int64_t now = wall_now();
	(void)writer_flush(&wp.w, now);
	if (writer_waiting(&wp.w))
		(void)writer_retry(&wp.w, now);
	keep_writing();
	(void)writer_retention(&wp.w, now);
}

static int writer_prepare(struct child *c)
{
	c->state = &wp;
	/* A file size limit (ulimit -f) must fail the write, which is cut back
	 * and retried, rather than kill the writer with its buffered rows. */
	if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		return -errno;
	/* Under load glibc grew the heap's top and trimmed it again ~300
	 * times a second, and gave each large request waiting in the inbox
	 * fresh pages of its own (mmap, munmap), every growth faulting in
	 * zeroed pages: a quarter of the writer's system time. Memory freed is
	 * kept for the next batch and request instead; the peak, which the
	 * memory bound is about, does not change. Only a hint: allocators
	 * other than glibc's (the sanitizers') refuse it, and work as before. */
	(void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
	(void)mallopt(M_TOP_PAD, 1 << 20);
	(void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
	uint64_t credit_bytes = (uint64_t)c->cfg.writer_queue.max_bytes;
	wp.from_receiver = (struct data_channel){
		.peer_name = "receiver",
		.side = DATA_CHANNEL_CONSUMER,
		.credit = {.msgs = (uint32_t)c->cfg.writer_queue.max_messages, .bytes = credit_bytes},
		.on_msg = writer_on_data,
	};
	return 0;
}

static int writer_start(struct child *c)
{
	const struct config *cfg = &c->cfg;
	uint64_t credit_bytes = (uint64_t)cfg->writer_queue.max_bytes;
	struct writer_config wc = {
		/* The jail is the output directory: paths are relative to it. */
		.root_dirfd = AT_FDCWD,
		.max_rows = {(uint32_t)cfg->max_trace_buffer_size, (uint32_t)cfg->max_metric_buffer_size,
			     (uint32_t)cfg->max_log_buffer_size},
		.retention_secs = {cfg->trace_cleanup_interval_secs, cfg->metric_cleanup_interval_secs,
				   cfg->log_cleanup_interval_secs},
		.write_interval_secs = cfg->write_interval_secs,
		.max_file_bytes = (uint64_t)cfg->max_file_bytes,
		.max_total_bytes = (uint64_t)cfg->max_total_bytes,
		.max_message_bytes = credit_bytes < UINT32_MAX ? (uint32_t)credit_bytes : UINT32_MAX,
		.max_anyvalue_depth = (uint32_t)cfg->receiver.max_anyvalue_depth,
		.inbox_max_bytes = credit_bytes,
		.write_chunk_bytes = WRITER_WRITE_CHUNK,
		.retention_step_files = 1,
		.on_taken = on_taken,
		.ctx = &wp,
	};
	int err = writer_init(&wp.w, &wc);
	if (err) {
		log_error("cannot set up the output directory: %s", strerror(-err));
		writer_free(&wp.w);
		return err;
	}
	wp.w_ready = true;
	uv_timer_init(&c->loop, &wp.flush_timer);
	uv_timer_init(&c->loop, &wp.retry_timer);
	uv_idle_init(&c->loop, &wp.write_idle);
	uint64_t interval_ms = (uint64_t)cfg->write_interval_secs * 1000u;
	uv_timer_start(&wp.flush_timer, on_flush_timer, interval_ms, interval_ms);
	(void)writer_retention(&wp.w, wall_now());
	return data_channel_attach(&wp.from_receiver, &c->loop, WRITER_FD_RECEIVER);
}

static void writer_on_control(struct child *c, const struct frame *f)
{
	struct msg_peer m;
	if (f->h.type != MSG_PEER_CHANNEL || msg_get_peer(f, &m) != 0 || f->fd < 0 ||
	    m.peer != PEER_RECEIVER) {
		if (f->fd >= 0)
			close(f->fd);
		child_fatal(c, CHILD_EXIT_PROTOCOL, "unexpected control message", 0);
	}
	/* What waits now came over the old channel, whose credit died with it. */
	wp.stale_credits = wp.w.inbox_count + (wp.w.cur.active ? 1u : 0u);
	int err = data_channel_attach(&wp.from_receiver, &c->loop, f->fd);
	if (err)
		log_error("cannot attach the new receiver channel: %s", strerror(-err));
}

static void writer_stop(struct child *c)
{
	data_channel_detach(&wp.from_receiver);
	if (wp.w_ready) {
		uv_timer_stop(&wp.flush_timer);
		uv_timer_stop(&wp.retry_timer);
		uv_idle_stop(&wp.write_idle);
		int err = writer_finish(&wp.w, wall_now());
		if (err)
			log_error("not everything could be written before stopping: %s",
				  strerror(-err));
		writer_free(&wp.w);
		wp.w_ready = false;
	}
	child_stopped(c);
}

static int writer_stats(struct child *c, struct stats_buf *b)
{
	(void)c;
	return wp.w_ready ? writer_stats_add(&wp.w, b) : 0;
}

static const struct child_role writer_role = {
	.name = "writer",
	.profile = SANDBOX_WRITER,
	.config_role = ROLE_WRITER,
	.role_fd_count = WRITER_FD_END - CHILD_FD_ROLE,
	.control_types = MSG_BIT(MSG_PEER_CHANNEL),
	.prepare = writer_prepare,
	.start = writer_start,
	.on_control = writer_on_control,
	.stop = writer_stop,
	.stats = writer_stats,
};

int main(int argc, char **argv)
{
	return child_main(&writer_role, argc, argv);
}
