#include "tcp_listener.h"

#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"

uint32_t tcp_fit_descriptor_limit(uint32_t max_connections, uint64_t reserve, const char *what)
{
	uint64_t need = (uint64_t)max_connections + reserve;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return max_connections;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
		struct rlimit nrl = {.rlim_cur = want, .rlim_max = rl.rlim_max};
		if (setrlimit(RLIMIT_NOFILE, &nrl) == 0)
			rl.rlim_cur = want;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return max_connections;
	uint64_t fit = rl.rlim_cur > reserve ? rl.rlim_cur - reserve : 1;
	log_warn("%s connections lowered from %u to %u: the descriptor limit is %llu", what,
		 max_connections, (unsigned)fit, (unsigned long long)rl.rlim_cur);
	return (uint32_t)fit;
}

int tcp_listener_open(uv_loop_t *loop, uv_tcp_t *listener, int listen_fd, void *data, bool *open)
{
	*open = false;
	int err = uv_tcp_init(loop, listener);
	if (err) {
		close(listen_fd);
		return err;
	}
	listener->data = data;
	*open = true;
	err = uv_tcp_open(listener, listen_fd);
	if (err) {
		close(listen_fd);
		uv_close((uv_handle_t *)listener, NULL);
		*open = false;
	}
	return err;
}

static void on_dropped_closed(uv_handle_t *h)
{
	free(h);
}

bool tcp_drop_connection(uv_loop_t *loop, uv_tcp_t *listener)
{
	uv_tcp_t *t = malloc(sizeof *t);
	if (t == NULL || uv_tcp_init(loop, t) != 0) {
		free(t);
		return false;
	}
	uv_accept((uv_stream_t *)listener, (uv_stream_t *)t);
	uv_close((uv_handle_t *)t, on_dropped_closed);
	return true;
}
