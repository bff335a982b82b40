#ifndef OTLPD_SUPERVISOR_LISTENERS_H
#define OTLPD_SUPERVISOR_LISTENERS_H

#include "config.h"

/* Listening sockets are made here, so no child ever needs to bind (nor the
 * privilege for a low port). They stay open across child restarts, so
 * clients queue in the backlog instead of being refused. */
struct listeners {
	int http; /* -1 when disabled */
	int grpc;
	int dashboard;
};

#define LISTEN_BACKLOG 511

int listeners_open(const struct config *cfg, struct listeners *out);
void listeners_close(struct listeners *l);

#endif
