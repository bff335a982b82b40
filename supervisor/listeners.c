#include "listeners.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

static int open_one(const char *what, const struct config_listener *l, int *out)
{
	*out = -1;
	if (!l->enabled)
		return 0;

	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, l->bind_address, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)l->port);
		len = sizeof *in4;
	} else if (inet_pton(AF_INET6, l->bind_address, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)l->port);
		len = sizeof *in6;
	} else {
		log_error("%s.bind_address %s is not a numeric IP address", what, l->bind_address);
		return -EINVAL;
	}

	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	int err = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, LISTEN_BACKLOG) != 0)
		err = -errno;
	if (err) {
		log_error("%s: cannot listen on %s port %lld: %s", what, l->bind_address,
			  (long long)l->port, strerror(-err));
		close(fd);
		return err;
	}
	log_info("%s listening on %s port %lld", what, l->bind_address, (long long)l->port);
	*out = fd;
	return 0;
}

int listeners_open(const struct config *cfg, struct listeners *out)
{
	out->http = out->grpc = out->dashboard = -1;
	int err = open_one("receiver.http", &cfg->receiver.http, &out->http);
	if (!err)
		err = open_one("receiver.grpc", &cfg->receiver.grpc, &out->grpc);
	if (!err)
		err = open_one("dashboard", &cfg->dashboard.listen, &out->dashboard);
	if (err)
		listeners_close(out);
	return err;
}

void listeners_close(struct listeners *l)
{
	int *fds[] = {&l->http, &l->grpc, &l->dashboard};
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}
