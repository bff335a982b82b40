#include "writer_signal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static int open_dir(int parent, const char *name)
{
	if (mkdirat(parent, name, 0750) != 0 && errno != EEXIST)
		return -errno;
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

/* The rows the filling batch may take while `writing` holds its own. */
static void set_room(struct writer_signal *s)
{
	uint32_t half = (s->max_rows + 1) / 2;
	uint32_t left = s->max_rows - (s->writing ? s->writing->rows : 0);
	s->sink.max_rows = half < left ? half : left;
}

int writer_signal_open(struct writer_signal *s, enum otlp_signal id, int otlp_dirfd,
		       const struct writer_signal_config *cfg)
{
	memset(s, 0, sizeof *s);
	s->id = id;
	s->dirfd = -1;
	arrow_ipc_encoder_init(&s->enc);
	const struct arrow_schema *schema = rows_schema(id);
	if (!schema || cfg->max_rows == 0 || cfg->max_file_bytes <= WRITER_BATCH_OVERHEAD)
		return -EINVAL;
	int err = arrow_batch_init(&s->batches[0], schema);
	if (!err)
		err = arrow_batch_init(&s->batches[1], schema);
	if (!err)
		err = arrow_ipc_schema(schema, &s->schema);
	if (!err) {
		s->dirfd = open_dir(otlp_dirfd, otlp_signal_name(id));
		if (s->dirfd < 0)
			err = s->dirfd;
	}
	if (err) {
		log_error("cannot set up %s: %s", otlp_signal_name(id), strerror(-err));
		return err;
	}
	uint64_t cap = cfg->max_file_bytes - WRITER_BATCH_OVERHEAD;
	s->max_rows = cfg->max_rows;
	s->sink = (struct row_sink){
		.batch = &s->batches[0],
		.max_bytes = cap < WRITER_BATCH_MAX_BYTES ? cap : WRITER_BATCH_MAX_BYTES,
	};
	set_room(s);
	s->limits = (struct arrow_file_limits){
		.max_bytes = cfg->max_file_bytes,
		.max_age_secs = cfg->max_file_age_secs,
	};
	arrow_file_init(&s->file, s->dirfd, otlp_signal_name(id), &s->schema);
	return 0;
}

static void count_failure(struct writer_signal *s, int err)
{
	s->write_errors++;
	if (!s->failing)
		log_error("cannot write %s (%u rows kept for a retry): %s", otlp_signal_name(s->id),
			  s->writing->rows, strerror(-err));
	s->failing = true;
}

int writer_signal_step(struct writer_signal *s, size_t budget)
{
	if (!s->writing || s->failing)
		return 0;
	int err = arrow_file_continue(&s->file, budget);
	if (err == 1)
		return 1;
	if (err) {
		count_failure(s, err);
		return err;
	}
	s->rows_written += s->writing->rows;
	s->batches_written++;
	arrow_batch_reset(s->writing);
	s->writing = NULL;
	set_room(s);
	return 0;
}

/* Writes `writing` from its start into the (maybe new) file. */
static int start_write(struct writer_signal *s, int64_t now, size_t chunk_bytes)
{
	int err = arrow_file_begin(&s->file, s->enc.iov, s->enc.iovcnt, s->enc.len, &s->limits,
				   now);
	if (err) {
		count_failure(s, err);
		return err;
	}
	if (s->failing)
		log_info("writing %s again", otlp_signal_name(s->id));
	s->failing = false;
	return chunk_bytes ? 0 : writer_signal_step(s, 0);
}

int writer_signal_flush(struct writer_signal *s, int64_t now, size_t chunk_bytes)
{
	if (s->writing && !s->failing)
		return -EBUSY;
	if (s->writing) /* the encoded batch is still in s->enc */
		return start_write(s, now, chunk_bytes);
	struct arrow_batch *full = s->sink.batch;
	if (full->rows == 0)
		return 0;
	int err = arrow_ipc_record_batch(&s->enc, full);
	if (err) {
		s->write_errors++;
		log_error("cannot encode %s (%u rows kept): %s", otlp_signal_name(s->id), full->rows,
			  strerror(-err));
		return err;
	}
	s->writing = full;
	s->sink.batch = full == &s->batches[0] ? &s->batches[1] : &s->batches[0];
	set_room(s);
	return start_write(s, now, chunk_bytes);
}

bool writer_signal_writing(const struct writer_signal *s)
{
	return s->writing && !s->failing;
}

uint32_t writer_signal_buffered_rows(const struct writer_signal *s)
{
	return s->sink.batch->rows + (s->writing ? s->writing->rows : 0);
}

void writer_signal_free(struct writer_signal *s)
{
	arrow_batch_free(&s->batches[0]);
	arrow_batch_free(&s->batches[1]);
	arrow_ipc_encoder_free(&s->enc);
	row_context_free(&s->sink.ctx);
	abuf_free(&s->schema);
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->dirfd = -1;
}
