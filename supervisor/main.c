#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "identities.h"
#include "log.h"
#include "sandbox.h"
#include "scrub.h"
#include "supervisor.h"

extern char **environ;

/* defaults < YAML file < OTLP_* environment < --set flags. Inline
 * credentials go to *cred, never into cfg. */
static int load_config(const struct cli *cli, struct config *cfg,
		       struct config_inline_credentials *cred)
{
	struct config_error err = {{0}};
	config_defaults(cfg);
	int rc = cli->config_file ? config_load_file_credentials(cfg, cli->config_file, cred, &err)
				  : 0;
	if (!rc)
		rc = config_apply_env(cfg, environ, &err);
	for (unsigned i = 0; !rc && i < cli->nsets; i++) {
		char key[128];
		const char *eq = strchr(cli->sets[i], '=');
		size_t klen = eq ? (size_t)(eq - cli->sets[i]) : 0;
		if (eq == NULL || klen == 0 || klen >= sizeof key) {
			snprintf(err.msg, sizeof err.msg, "--set needs KEY=VALUE");
			rc = -EINVAL;
			break;
		}
		memcpy(key, cli->sets[i], klen);
		key[klen] = '\0';
		rc = config_set(cfg, key, eq + 1, "--set", &err);
	}
	if (!rc)
		rc = config_validate(cfg, &err);
	if (rc)
		fprintf(stderr, "otlpd: configuration error: %s\n", err.msg);
	return rc;
}

static int print_profile(const struct cli *cli, const struct config *cfg)
{
	enum sandbox_profile_id id;
	if (sandbox_profile_by_name(cli->profile_name, &id) != 0) {
		fprintf(stderr, "otlpd: unknown profile \"%s\" (receiver, writer, forwarder, dashboard)\n",
			cli->profile_name);
		return EXIT_FAILURE;
	}
	/* The user a child would run as, without starting anything. */
	char who[256] = "the invoking user (not root: no user change)";
	struct identities ids;
	log_init("otlpd", LOG_LEVEL_ERROR);
	if (identities_resolve(cfg, &ids) == 0 && ids.root)
		identity_describe(&ids.child[id], who, sizeof who);
	return sandbox_print_profile(id, who, stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	struct cli cli;
	if (cli_parse(argc, argv, &cli) != 0)
		return EXIT_FAILURE;
	switch (cli.action) {
	case CLI_HELP:
		cli_usage(STDOUT_FILENO);
		return EXIT_SUCCESS;
	case CLI_VERSION:
		printf("otlpd %s\n", OTLPD_VERSION);
		return EXIT_SUCCESS;
	default:
		break;
	}

	/* The supervisor reads credentials (YAML file, environment) before
	 * handing them over: no core file of it, and no ptrace or
	 * /proc/PID/mem for anyone without CAP_SYS_PTRACE. exec resets the
	 * flag in the children; the forwarder sets it again itself. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		fprintf(stderr, "otlpd: prctl(PR_SET_DUMPABLE): %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	static struct config cfg;
	struct config_inline_credentials inline_cred = { NULL, 0 };
	if (load_config(&cli, &cfg, &inline_cred) != 0) {
		config_inline_credentials_wipe(&inline_cred);
		return EXIT_FAILURE;
	}

	if (cli.action == CLI_CHECK_CONFIG) {
		char why[CONFIG_PATH_MAX + 256];
		if (sup_credentials_check(&cfg, &inline_cred, why, sizeof why) != 0) {
			fprintf(stderr, "otlpd: configuration error: %s\n", why);
			return EXIT_FAILURE;
		}
		config_print(&cfg, STDOUT_FILENO);
		fprintf(stderr, "otlpd: configuration OK\n");
		return EXIT_SUCCESS;
	}
	if (cli.action == CLI_PRINT_PROFILE) {
		config_inline_credentials_wipe(&inline_cred);
		return print_profile(&cli, &cfg);
	}

	log_init("otlpd", cfg.log_level);
	log_info("otlpd %s starting", OTLPD_VERSION);
	/* First of all: the supervisor's own copies of a credential go. */
	struct sup_credentials cred;
	int err = sup_credentials_prepare(&cfg, &inline_cred, &cred);
	/* What reading them left in registers and on the stack goes too. */
	scrub_after_secret();
	if (err)
		return EXIT_FAILURE;
	return sup_run(&cfg, &cred);
}
