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
	int err = arrow_batch_init(&s->batch, schema);
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
	s->sink = (struct row_sink){
		.batch = &s->batch,
		.max_rows = cfg->max_rows,
		.max_bytes = cap < WRITER_BATCH_MAX_BYTES ? cap : WRITER_BATCH_MAX_BYTES,
	};
	s->limits = (struct arrow_file_limits){
		.max_bytes = cfg->max_file_bytes,
		.max_age_secs = cfg->max_file_age_secs,
	};
	arrow_file_init(&s->file, s->dirfd, otlp_signal_name(id), &s->schema);
	return 0;
}

int writer_signal_flush(struct writer_signal *s, int64_t now)
{
	if (s->batch.rows == 0)
		return 0;
	int err = arrow_ipc_record_batch(&s->enc, &s->batch);
	if (!err)
		err = arrow_file_write(&s->file, s->enc.iov, s->enc.iovcnt, s->enc.len, &s->limits,
				       now);
	if (err) {
		s->write_errors++;
		if (!s->failing)
			log_error("cannot write %s (%u rows kept for a retry): %s",
				  otlp_signal_name(s->id), s->batch.rows, strerror(-err));
		s->failing = true;
		return err;
	}
	if (s->failing)
		log_info("writing %s again", otlp_signal_name(s->id));
	s->failing = false;
	s->rows_written += s->batch.rows;
	s->batches_written++;
	arrow_batch_reset(&s->batch);
	return 0;
}

void writer_signal_free(struct writer_signal *s)
{
	arrow_batch_free(&s->batch);
	arrow_ipc_encoder_free(&s->enc);
	row_context_free(&s->sink.ctx);
	abuf_free(&s->schema);
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->dirfd = -1;
}
