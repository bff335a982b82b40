#ifndef OTLPD_SUPERVISOR_CLI_H
#define OTLPD_SUPERVISOR_CLI_H

#include <stdbool.h>

#define CLI_MAX_SETS 64

enum cli_action {
	CLI_RUN,
	CLI_CHECK_CONFIG,
	CLI_PRINT_PROFILE,
	CLI_VERSION,
	CLI_HELP,
};

struct cli {
	enum cli_action action;
	const char *config_file;   /* -c FILE, or NULL */
	const char *profile_name;  /* --print-profile NAME */
	const char *sets[CLI_MAX_SETS]; /* --set key=value, in order */
	unsigned nsets;
};

/* Returns 0, or -EINVAL after printing what is wrong to stderr. */
int cli_parse(int argc, char **argv, struct cli *out);
void cli_usage(int fd);

#endif
