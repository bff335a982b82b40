#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_name = "otlpd";
static enum log_level log_threshold = LOG_LEVEL_INFO;

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void log_init(const char *process_name, enum log_level level)
{
	/* glibc reads /etc/localtime on the first time conversion, even for
	 * gmtime_r; do it now, before a sandbox forbids opening files. */
	tzset();
	log_name = process_name;
	log_threshold = level;
}

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

enum log_level log_get_level(void)
{
	return log_threshold;
}

int log_level_parse(const char *text, enum log_level *out)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
		if (strcmp(text, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level < sizeof level_names / sizeof level_names[0])
		return level_names[level];
	return "?";
}

/* Formats into a stack buffer and writes it with one write(2), so lines of
 * several processes sharing stderr never interleave, and no stdio state is
 * needed inside a sandbox. Times are UTC: a jail has no zone files. */
void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > log_threshold)
		return;

	int saved_errno = errno;
	char line[1024];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);

	int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%ld] %s: ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, now.tv_nsec / 1000000L, log_name, (long)getpid(),
			 log_level_name(level));
	if (n < 0)
		n = 0;
	size_t used = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;

	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + used, sizeof line - used, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	if ((size_t)m >= sizeof line - used) {
		/* A line longer than the buffer is marked, not cut silently. */
		used = sizeof line - 1;
		memcpy(line + used - 3, "...", 3);
	} else {
		used += (size_t)m;
	}
	line[used++] = '\n';

	size_t off = 0;
	while (off < used) {
		ssize_t w = write(STDERR_FILENO, line + off, used - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	errno = saved_errno;
}
