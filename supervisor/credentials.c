#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "credentials.h"
#include "log.h"
#include "messages.h"
#include "supervisor.h"

/* The supervisor's side of the credential hand-off. It never parses a
 * credentials file: it checks the file's type and mode, opens it and
 * passes the descriptor. A value from the environment or from the YAML file
 * is moved into a sealed memfd at once and the supervisor's own copy wiped:
 * the environment block in place (what /proc/PID/environ shows; unsetenv
 * would leave it there), the loader's buffer with explicit_bzero. The
 * descriptor, which it never maps or reads, is closed as soon as a
 * forwarder has taken the credentials (its READY): from then on otlpd
 * holds no way to the credentials but the credentials_file's path, which
 * is opened again, with the same checks, for a restarted forwarder. */

extern char **environ;

/* Wipes the value of every NAME=... entry in place. */
static void wipe_env(const char *name)
{
	size_t n = strlen(name);
	for (char **e = environ; *e; e++) {
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			explicit_bzero(*e + n + 1, strlen(*e + n + 1));
	}
}

static const char *env_value(const char *name)
{
	size_t n = strlen(name);
	for (char **e = environ; *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

int sup_credentials_prepare(const struct config *cfg, struct config_inline_credentials *inline_cred,
			    struct sup_credentials *out)
{
	out->fd = -1;
	out->source = 0;
	const char *file = cfg->forwarding.authentication.credentials_file;
	const char *env = cfg->forwarding.authentication.credentials_env;
	enum auth_type type = cfg->forwarding.authentication.auth_type;
	int err = 0;
	char why[CONFIG_PATH_MAX + 160];

	if (type == AUTH_NONE || !cfg->forwarding.enabled) {
		/* Nobody needs them: no copy is kept anywhere. */
		if (env[0])
			wipe_env(env);
		config_inline_credentials_wipe(inline_cred);
		return 0;
	}
	if (file[0]) {
		err = credentials_open_file(file, &out->fd, why, sizeof why);
		if (err)
			log_error("forwarding.authentication.credentials_file: %s", why);
		else
			log_info("forwarding credentials: the forwarder reads %s", file);
		out->source = CREDENTIALS_FILE;
	} else if (env[0]) {
		const char *value = env_value(env);
		if (!value || !value[0]) {
			log_error("forwarding.authentication.credentials_env: the variable %s is not "
				  "set or empty",
				  env);
			err = -ENOENT;
		} else {
			err = credentials_memfd(value, strlen(value), &out->fd);
			if (err)
				log_error("cannot hand over the credentials: %s", strerror(-err));
		}
		wipe_env(env);
		if (!err)
			log_info("forwarding credentials: from the environment variable %s, now "
				 "wiped from otlpd's environment",
				 env);
		out->source = CREDENTIALS_ENV;
	} else if (inline_cred->text && inline_cred->len > 0) {
		err = credentials_memfd(inline_cred->text, inline_cred->len, &out->fd);
		if (err)
			log_error("cannot hand over the credentials: %s", strerror(-err));
		else
			log_warn("forwarding credentials are written inline in the configuration "
				 "file; prefer forwarding.authentication.credentials_file (mode 600) or "
				 "credentials_env");
		out->source = CREDENTIALS_INLINE;
	} else {
		log_error("forwarding.authentication: no credentials for auth_type other than none");
		err = -EINVAL;
	}
	config_inline_credentials_wipe(inline_cred);
	return err;
}

int sup_credentials_check(const struct config *cfg, struct config_inline_credentials *inline_cred,
			  char *why, size_t cap)
{
	const char *file = cfg->forwarding.authentication.credentials_file;
	const char *env = cfg->forwarding.authentication.credentials_env;
	enum auth_type type = cfg->forwarding.authentication.auth_type;
	struct credentials cred;
	char reason[CONFIG_PATH_MAX + 160];
	int err = 0;
	if (type != AUTH_NONE && file[0]) {
		int fd = -1;
		err = credentials_open_file(file, &fd, reason, sizeof reason);
		if (!err) {
			err = credentials_read_fd(fd, CREDENTIALS_FILE, type, &cred, reason,
						  sizeof reason);
			close(fd);
			credentials_free(&cred);
		}
		if (err)
			snprintf(why, cap, "forwarding.authentication.credentials_file: %s", reason);
	} else if (type != AUTH_NONE && env[0]) {
		const char *value = env_value(env);
		err = value && value[0] ? credentials_parse(CREDENTIALS_ENV, type, value,
							    strlen(value), &cred, reason,
							    sizeof reason)
					: -ENOENT;
		if (!err)
			credentials_free(&cred);
		else
			snprintf(why, cap, "forwarding.authentication.credentials_env (%s): %s", env,
				 err == -ENOENT ? "the variable is not set or empty" : reason);
	} else if (type != AUTH_NONE && inline_cred->text) {
		err = credentials_parse(CREDENTIALS_INLINE, type, inline_cred->text, inline_cred->len,
					&cred, reason, sizeof reason);
		if (!err)
			credentials_free(&cred);
		else
			snprintf(why, cap, "forwarding.authentication.credentials: %s", reason);
	}
	config_inline_credentials_wipe(inline_cred);
	return err;
}

int sup_credentials_ready(struct sup_credentials *h, const struct config *cfg)
{
	if (h->source == 0 || h->fd >= 0)
		return 0;
	if (h->source == CREDENTIALS_FILE) {
		char why[CONFIG_PATH_MAX + 160];
		int err = credentials_open_file(cfg->forwarding.authentication.credentials_file,
						&h->fd, why, sizeof why);
		if (err)
			log_error("forwarding.authentication.credentials_file: %s; the forwarder "
				  "restarts with forwarding off until otlpd is restarted (local files "
				  "are not affected)",
				  why);
		return err;
	}
	log_error("the forwarder restarts with forwarding off until otlpd is restarted: otlpd "
		  "keeps no copy of credentials from %s after the first hand-off (local files are "
		  "not affected); use forwarding.authentication.credentials_file, which is read "
		  "again at every start of the forwarder",
		  h->source == CREDENTIALS_ENV ? "credentials_env" : "inline credentials");
	return -ENOKEY;
}

int sup_credentials_send(const struct sup_credentials *h, struct channel *control)
{
	if (h->fd < 0)
		return 0;
	struct msg_credentials m = { .source = h->source };
	return channel_send(control, MSG_CREDENTIALS, &m, sizeof m, h->fd);
}

void sup_credentials_handed_over(struct sup_credentials *h)
{
	if (h->fd < 0)
		return;
	sup_credentials_close(h);
	if (h->source != CREDENTIALS_FILE)
		log_info("the forwarder holds the credentials; otlpd closed its descriptor and "
			 "keeps no copy (a restarted forwarder cannot get them again)");
}

void sup_credentials_close(struct sup_credentials *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}
