#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "otlp_validate.h"
#include "pb_unpack.h"
#include "retention.h"

#define WRITER_ARENA_FIRST_CHUNK ((size_t)256 * 1024)
/* A request decodes into several times its wire size; past this it is
 * refused rather than decoded. */
#define WRITER_ARENA_LIMIT ((size_t)1 << 30)
/* After a big request the arena is given back down to this. */
#define WRITER_ARENA_KEEP ((size_t)16 * 1024 * 1024)
/* The receiver's bound on message nesting for the same AnyValue depth: the
 * decoder never refuses a request the receiver let through. */
#define WRITER_UNPACK_DEPTH(anyvalue_depth) OTLP_MESSAGE_DEPTH(anyvalue_depth)

struct inbox_msg {
	struct inbox_msg *next;
	uint32_t type;
	uint32_t len;
	bool dropped; /* could not be copied: taken as rejected, in its turn */
	uint8_t data[];
};

int writer_init(struct writer *w, const struct writer_config *cfg)
{
	memset(w, 0, sizeof *w);
	w->cfg = *cfg;
	w->otlp_dirfd = -1;
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++)
		w->sig[i].dirfd = -1;
	pb_arena_init(&w->arena, WRITER_ARENA_FIRST_CHUNK, WRITER_ARENA_LIMIT);
	if (!cfg->on_taken || cfg->write_interval_secs <= 0)
		return -EINVAL;
	if (mkdirat(cfg->root_dirfd, "otlp", 0750) != 0 && errno != EEXIST)
		return -errno;
	w->otlp_dirfd = openat(cfg->root_dirfd, "otlp", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (w->otlp_dirfd < 0)
		return -errno;
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++) {
		/* A file never outlives its signal's retention while it is open. */
		int64_t age = cfg->write_interval_secs * 60;
		if (cfg->retention_secs[i] < age)
			age = cfg->retention_secs[i];
		struct writer_signal_config sc = {
			.max_rows = cfg->max_rows[i],
			.max_file_bytes = cfg->max_file_bytes,
			.max_file_age_secs = age,
		};
		int err = writer_signal_open(&w->sig[i], (enum otlp_signal)i, w->otlp_dirfd, &sc);
		if (err)
			return err;
	}
	return 0;
}

void writer_free(struct writer *w)
{
	while (w->inbox_head) {
		struct inbox_msg *m = w->inbox_head;
		w->inbox_head = m->next;
		free(m);
	}
	w->inbox_tail = NULL;
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++)
		writer_signal_free(&w->sig[i]);
	pb_arena_destroy(&w->arena);
	if (w->otlp_dirfd >= 0)
		close(w->otlp_dirfd);
	w->otlp_dirfd = -1;
}

static void release_arena(struct writer *w)
{
	if (w->arena.held > WRITER_ARENA_KEEP) {
		pb_arena_destroy(&w->arena);
		pb_arena_init(&w->arena, WRITER_ARENA_FIRST_CHUNK, WRITER_ARENA_LIMIT);
	} else {
		pb_arena_reset(&w->arena);
	}
}

static void reject(struct writer *w, uint32_t type, uint32_t len, int err)
{
	w->rejected_messages++;
	/* 1st, 2nd, 4th, 8th...: a broken peer cannot flood the log. */
	if ((w->rejected_messages & (w->rejected_messages - 1)) == 0)
		log_warn("dropped a message (type %u, %u bytes): %s (%llu dropped so far)", type,
			 len, strerror(-err), (unsigned long long)w->rejected_messages);
	w->cfg.on_taken(w->cfg.ctx, len);
}

static int append_rows(struct writer *w)
{
	struct row_sink *sink = &w->sig[w->cur.signal].sink;
	switch (w->cur.signal) {
	case OTLP_SIGNAL_TRACES:
		return rows_append_traces(sink, (const TraceRequest *)w->cur.req, &w->cur.cursor);
	case OTLP_SIGNAL_METRICS:
		return rows_append_metrics(sink, (const MetricsRequest *)w->cur.req, &w->cur.cursor);
	case OTLP_SIGNAL_LOGS:
		return rows_append_logs(sink, (const LogsRequest *)w->cur.req, &w->cur.cursor);
	case OTLP_SIGNAL_COUNT:
		break;
	}
	return ROWS_DONE;
}

/* Goes on with the request in hand: 0 once all its rows are in, -EAGAIN
 * while a full batch cannot be written. */
static int run_current(struct writer *w, int64_t now)
{
	while (append_rows(w) == ROWS_FULL) {
		if (writer_signal_flush(&w->sig[w->cur.signal], now, w->cfg.write_chunk_bytes) != 0)
			return -EAGAIN;
	}
	w->cur.active = false;
	w->cur.req = NULL;
	release_arena(w);
	w->messages++;
	w->cfg.on_taken(w->cfg.ctx, w->cur.len);
	return 0;
}

/* Returns 0 when the message was taken, 1 when it waits. */
static int process(struct writer *w, uint32_t type, const uint8_t *buf, uint32_t len,
		   int64_t now)
{
	enum otlp_signal signal;
	int err = otlp_signal_from_msg_type(type, &signal);
	if (!err && len > w->cfg.max_message_bytes)
		err = -EMSGSIZE;
	if (err) {
		reject(w, type, len, err);
		return 0;
	}
	/* The receiver validated the request, but the writer does not trust
	 * it to: the decoder bounds nesting and memory and refuses strings
	 * that are not UTF-8 (-EBADMSG, or -E2BIG past a limit), and the row
	 * code skips items that break the validator's item rules (bad ids).
	 * One pass, no second validation. */
	ProtobufCMessage *req = NULL;
	err = pb_unpack_text(otlp_signal_request_descriptor(signal), buf, len, &w->arena,
			     WRITER_UNPACK_DEPTH(w->cfg.max_anyvalue_depth), &req);
	if (err) {
		release_arena(w);
		reject(w, type, len, err);
		return 0;
	}
	w->cur.active = true;
	w->cur.signal = signal;
	w->cur.req = req;
	w->cur.cursor = (struct row_cursor){0};
	w->cur.len = len;
	return run_current(w, now) == 0 ? 0 : 1;
}

static void enqueue(struct writer *w, uint32_t type, const uint8_t *payload, uint32_t len)
{
	struct inbox_msg *m = NULL;
	if (w->inbox_bytes + len <= w->cfg.inbox_max_bytes)
		m = malloc(sizeof *m + len);
	if (m) {
		memcpy(m->data, payload, len);
		m->dropped = false;
		w->inbox_bytes += len;
	} else {
		m = malloc(sizeof *m);
		if (!m) {
			/* Not even room to keep its turn: taken out of order. */
			reject(w, type, len, -ENOMEM);
			return;
		}
		m->dropped = true;
	}
	m->next = NULL;
	m->type = type;
	m->len = len;
	if (w->inbox_tail)
		w->inbox_tail->next = m;
	else
		w->inbox_head = m;
	w->inbox_tail = m;
	w->inbox_count++;
}

int writer_take(struct writer *w, uint32_t type, const uint8_t *payload, uint32_t len,
		int64_t now)
{
	if (w->cur.active || w->inbox_head) {
		enqueue(w, type, payload, len);
		return 1;
	}
	return process(w, type, payload, len, now);
}

bool writer_waiting(const struct writer *w)
{
	return w->cur.active || w->inbox_head;
}

int writer_retry(struct writer *w, int64_t now)
{
	if (w->cur.active && run_current(w, now) != 0)
		return -EAGAIN;
	while (!w->cur.active && w->inbox_head) {
		struct inbox_msg *m = w->inbox_head;
		w->inbox_head = m->next;
		if (!w->inbox_head)
			w->inbox_tail = NULL;
		w->inbox_count--;
		if (m->dropped) {
			reject(w, m->type, m->len, -ENOMEM);
		} else {
			w->inbox_bytes -= m->len;
			(void)process(w, m->type, m->data, m->len, now);
		}
		free(m);
	}
	return w->cur.active ? -EAGAIN : 0;
}

/* A batch still being written is no error here: its turn comes. */
static int flush_all(struct writer *w, int64_t now, size_t chunk_bytes)
{
	int first_err = 0;
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++) {
		struct writer_signal *s = &w->sig[i];
		int err = writer_signal_flush(s, now, chunk_bytes);
		if (err == -EBUSY)
			err = 0;
		if (!err)
			err = arrow_file_expire(&s->file, &s->limits, now);
		if (err && !first_err)
			first_err = err;
	}
	return first_err;
}

int writer_flush(struct writer *w, int64_t now)
{
	return flush_all(w, now, w->cfg.write_chunk_bytes);
}

bool writer_writing(const struct writer *w)
{
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++)
		if (writer_signal_writing(&w->sig[i]))
			return true;
	return false;
}

bool writer_pump(struct writer *w, int64_t now)
{
	bool finished = false;
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++) {
		struct writer_signal *s = &w->sig[i];
		if (writer_signal_writing(s) && writer_signal_step(s, w->cfg.write_chunk_bytes) <= 0)
			finished = true;
	}
	if (finished && writer_waiting(w))
		(void)writer_retry(w, now);
	return writer_writing(w);
}

static uint64_t files_opened(const struct writer *w)
{
	uint64_t n = 0;
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++)
		n += w->sig[i].file.files_opened;
	return n;
}

bool writer_retention_due(const struct writer *w)
{
	return w->retention_more || files_opened(w) != w->files_at_retention;
}

int writer_retention(struct writer *w, int64_t now)
{
	static const char *const prefixes[OTLP_SIGNAL_COUNT] = {
		"otlp_traces_", "otlp_metrics_", "otlp_logs_",
	};
	struct retention_dir dirs[OTLP_SIGNAL_COUNT];
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++) {
		const struct writer_signal *s = &w->sig[i];
		dirs[i] = (struct retention_dir){
			.dirfd = s->dirfd,
			.prefix = prefixes[i],
			.max_age_secs = w->cfg.retention_secs[i],
			.open_name = arrow_file_is_open(&s->file) ? s->file.name : NULL,
		};
	}
	struct retention_result res;
	int err = retention_run(dirs, OTLP_SIGNAL_COUNT, w->cfg.max_total_bytes,
				w->cfg.retention_step_files, now, &res);
	w->retention_more = res.more;
	w->files_at_retention = files_opened(w);
	w->removed_files += res.removed_files;
	w->removed_bytes += res.removed_bytes;
	w->kept_bytes = res.kept_bytes;
	if (res.removed_files)
		log_debug("retention removed %llu files (%llu bytes)",
			  (unsigned long long)res.removed_files,
			  (unsigned long long)res.removed_bytes);
	return err;
}

int writer_finish(struct writer *w, int64_t now)
{
	w->cfg.write_chunk_bytes = 0; /* from now on every write is finished at once */
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++)
		(void)writer_signal_step(&w->sig[i], 0); /* a failure is counted and logged */
	int err = writer_retry(w, now);
	if (err)
		log_error("stopping with %u messages that could not be written",
			  w->inbox_count + (w->cur.active ? 1u : 0u));
	int flush_err = flush_all(w, now, 0);
	if (flush_err && !err)
		err = flush_err;
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++) {
		int close_err = arrow_file_close(&w->sig[i].file);
		if (close_err && !err)
			err = close_err;
	}
	return err;
}

static int signal_stats(const struct writer_signal *s, struct stats_buf *b)
{
	static const char *const names[] = {"rows", "batches", "files", "bytes", "rejected_rows",
					    "write_errors", "buffered_rows"};
	const uint64_t values[] = {s->rows_written,      s->batches_written, s->file.files_opened,
				   s->file.bytes_written, s->sink.rejected,   s->write_errors,
				   writer_signal_buffered_rows(s)};
	int err = 0;
	for (size_t i = 0; !err && i < sizeof names / sizeof names[0]; i++) {
		char name[STATS_NAME_MAX];
		int n = snprintf(name, sizeof name, "%s.%s", otlp_signal_name(s->id), names[i]);
		if (n < 0 || (size_t)n >= sizeof name)
			return -ENOBUFS;
		err = stats_add(b, name, values[i]);
	}
	return err;
}

int writer_stats_add(const struct writer *w, struct stats_buf *b)
{
	int err = 0;
	for (int i = 0; !err && i < OTLP_SIGNAL_COUNT; i++)
		err = signal_stats(&w->sig[i], b);
	if (!err)
		err = stats_add(b, "messages", w->messages);
	if (!err)
		err = stats_add(b, "rejected_messages", w->rejected_messages);
	if (!err)
		err = stats_add(b, "waiting_messages", w->inbox_count + (w->cur.active ? 1u : 0u));
	if (!err)
		err = stats_add(b, "retention.removed_files", w->removed_files);
	if (!err)
		err = stats_add(b, "retention.removed_bytes", w->removed_bytes);
	if (!err)
		err = stats_add(b, "retention.kept_bytes", w->kept_bytes);
	return err;
}
