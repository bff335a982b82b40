#ifndef OTLPD_SUPERVISOR_H
#define OTLPD_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "backoff.h"
#include "channel.h"
#include "config.h"
#include "endpoint_url.h"
#include "identities.h"
#include "jails.h"
#include "listeners.h"
#include "messages.h"
#include "sandbox.h"
#include "stats.h"

#define SUP_READY_TIMEOUT_MS 10000
#define SUP_STATS_INTERVAL_MS 1000
#define SUP_RESOLVE_MIN_INTERVAL_MS 5000

enum proc_state {
	PROC_DOWN,     /* not running (maybe waiting to restart) */
	PROC_STARTING, /* spawned, READY not seen yet */
	PROC_READY,
	PROC_STOPPING, /* asked to shut down */
};

struct sup;

struct proc {
	struct sup *sup;
	enum sandbox_profile_id id;
	bool enabled;
	char exe[4096];
	pid_t pid;
	enum proc_state state;
	struct channel *control;
	uv_timer_t restart_timer;
	uv_timer_t ready_timer;
	uint64_t ready_at_ms;
	struct backoff backoff;
	uint64_t restarts;
	struct stats_buf stats; /* last MSG_STATS */
};

/* A data queue between two children: the supervisor makes the socketpair,
 * and keeps an end only while the child it is meant for is not running. */
struct link {
	enum sandbox_profile_id side[2];
	int pending[2]; /* end waiting for side[i], or -1 */
};

#define SUP_LINK_COUNT 2

/* credentials.c: the one descriptor the forwarder reads its credentials
 * from (a credentials file, or a sealed memfd), held only until a
 * forwarder has taken them. */
struct sup_credentials {
	int fd;          /* -1: none held now */
	uint32_t source; /* enum credentials_source; 0: none needed */
};

/* resolve.c: the endpoint's addresses, resolved for the forwarder. */
struct sup_resolver {
	bool enabled;
	char host[ENDPOINT_HOST_MAX];
	char port[8];
	uv_getaddrinfo_t req;
	bool busy;         /* a lookup is running */
	bool again;        /* asked again while it ran */
	bool started_once;
	bool have;         /* addrs holds an answer (maybe with no address) */
	bool numeric;      /* the host is an address literal */
	uint64_t last_start_ms;
	uv_timer_t delay;  /* the next lookup, rate-limited */
	struct msg_endpoint_addrs addrs;
};

struct sup {
	uv_loop_t *loop;
	const struct config *cfg;
	struct identities ids;
	struct jails jails;
	struct listeners listeners;
	struct proc procs[SANDBOX_PROFILE_COUNT];
	struct link links[SUP_LINK_COUNT];
	struct sup_credentials cred;
	struct sup_resolver resolver;
	bool all_ready_once;
	bool stopping;
	int exit_code;
	unsigned phase;
	uv_timer_t phase_timer;
	uv_timer_t stats_timer;
	uv_signal_t sigterm;
	uv_signal_t sigint;
	uv_signal_t sigchld;
};

/* Runs otlpd until SIGTERM/SIGINT or a failed start. Returns the exit code.
 * Takes over cred's descriptor. */
int sup_run(const struct config *cfg, struct sup_credentials *cred);

/* credentials.c. Prepares the hand-off: opens credentials_file (refused
 * unless owner-only), or moves the credentials_env value or the inline
 * credentials into a sealed memfd and wipes the supervisor's copy (the
 * environment block in place). inline_cred is wiped in every case. Returns
 * 0 or a negative errno (logged). */
int sup_credentials_prepare(const struct config *cfg, struct config_inline_credentials *inline_cred,
			    struct sup_credentials *out);
/* --check-config: reads the credentials once to check their names and
 * values; nothing is kept. Returns 0 or a negative errno with why set. */
int sup_credentials_check(const struct config *cfg, struct config_inline_credentials *inline_cred,
			  char *why, size_t cap);
/* Before a forwarder starts: 0 when it can get its credentials (none are
 * needed, the descriptor is still held, or credentials_file opened again);
 * else a negative errno, with one error line saying that forwarding stays
 * off (env and inline credentials are not kept after the first hand-off). */
int sup_credentials_ready(struct sup_credentials *h, const struct config *cfg);
/* MSG_CREDENTIALS with the descriptor, before the forwarder's SANDBOX. */
int sup_credentials_send(const struct sup_credentials *h, struct channel *control);
/* The forwarder is READY, so it has read them: the descriptor is closed. */
void sup_credentials_handed_over(struct sup_credentials *h);
void sup_credentials_close(struct sup_credentials *h);

/* resolve.c */
int sup_resolve_init(struct sup *s);
/* MSG_RESOLVE from the forwarder; rate-limited. */
void sup_resolve_request(struct sup *s);
/* The forwarder is READY: it gets the addresses known so far. */
void sup_resolve_forwarder_ready(struct sup *s);
void sup_resolve_stop(struct sup *s);

/* links.c: the descriptor a starting child gets for each of its links. */
void links_init(struct sup *s);
/* Returns the end for proc (caller closes it after the spawn) or a negative
 * errno; the partner end goes to the running peer or waits for it. */
int links_end_for(struct sup *s, enum sandbox_profile_id proc, enum sandbox_profile_id peer);
/* proc died: ends waiting for its peers were paired with it and are stale. */
void links_forget(struct sup *s, enum sandbox_profile_id proc);
void links_close(struct sup *s);

/* shutdown.c */
void sup_begin_shutdown(struct sup *s, int exit_code, const char *why);
void sup_shutdown_progress(struct sup *s);

/* stats_relay.c */
void sup_stats_start(struct sup *s);

const char *proc_name(const struct proc *p);
void proc_kill(struct proc *p, int sig);

#endif
