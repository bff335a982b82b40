#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void cli_usage(int fd)
{
	dprintf(fd,
		"usage: otlpd [-c FILE] [--set KEY=VALUE]...\n"
		"       otlpd --check-config [-c FILE] [--set KEY=VALUE]...\n"
		"       otlpd --print-profile receiver|writer|forwarder|dashboard [-c FILE]\n"
		"       otlpd --version | --help\n"
		"\n"
		"Receives OTLP traces, metrics and logs (HTTP :4318, gRPC :4317), writes them\n"
		"as Arrow IPC files under output_dir, serves a dashboard on 127.0.0.1:8080 and\n"
		"can forward them to a remote OTLP endpoint.\n"
		"\n"
		"  -c, --config FILE      YAML configuration file\n"
		"      --set KEY=VALUE    set one configuration key (beats the file and OTLP_*)\n"
		"      --check-config     validate the configuration, print it, exit 0 or 1\n"
		"      --print-profile N  print the sandbox profile of child N and exit\n"
		"  -V, --version          print the version and exit\n"
		"  -h, --help             print this help and exit\n"
		"\n"
		"Every key can also be set by an environment variable: OTLP_ + the key in upper\n"
		"case with '.' replaced by '_' (receiver.http.port -> OTLP_RECEIVER_HTTP_PORT).\n");
}

static int need_value(int argc, char **argv, int i)
{
	if (i + 1 >= argc || argv[i + 1][0] == '\0') {
		fprintf(stderr, "otlpd: %s needs a value\n", argv[i]);
		return -EINVAL;
	}
	return 0;
}

static int set_action(struct cli *out, enum cli_action a, const char *flag)
{
	if (out->action != CLI_RUN && out->action != a) {
		fprintf(stderr, "otlpd: %s cannot be combined with another action\n", flag);
		return -EINVAL;
	}
	out->action = a;
	return 0;
}

int cli_parse(int argc, char **argv, struct cli *out)
{
	memset(out, 0, sizeof *out);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int err = 0;
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if ((err = need_value(argc, argv, i)) == 0)
				out->config_file = argv[++i];
		} else if (strcmp(a, "--set") == 0) {
			if ((err = need_value(argc, argv, i)) != 0)
				return err;
			if (out->nsets == CLI_MAX_SETS) {
				fprintf(stderr, "otlpd: more than %d --set flags\n", CLI_MAX_SETS);
				return -EINVAL;
			}
			out->sets[out->nsets++] = argv[++i];
		} else if (strcmp(a, "--check-config") == 0) {
			err = set_action(out, CLI_CHECK_CONFIG, a);
		} else if (strcmp(a, "--print-profile") == 0) {
			if ((err = need_value(argc, argv, i)) == 0 &&
			    (err = set_action(out, CLI_PRINT_PROFILE, a)) == 0)
				out->profile_name = argv[++i];
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			err = set_action(out, CLI_VERSION, a);
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			err = set_action(out, CLI_HELP, a);
		} else {
			fprintf(stderr, "otlpd: unknown argument \"%s\" (see otlpd --help)\n", a);
			return -EINVAL;
		}
		if (err)
			return err;
	}
	return 0;
}
