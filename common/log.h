#ifndef OTLPD_LOG_H
#define OTLPD_LOG_H

/* One line per event on stderr: UTC time, process name and pid, level,
 * message. Never pass a credential, a header value or a payload. */

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

void log_init(const char *process_name, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Returns 0 and sets *out for "error", "warn", "info", "debug"; -EINVAL else. */
int log_level_parse(const char *text, enum log_level *out);
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
