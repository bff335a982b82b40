#include "retry.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "fwd_limits.h"

enum fwd_verdict retry_verdict(int status)
{
	if (status >= 200 && status <= 299)
		return FWD_DELIVERED;
	switch (status) {
	case 0:
	case 429:
	case 502:
	case 503:
	case 504:
		return FWD_RETRY;
	default:
		return FWD_PERMANENT;
	}
}

bool retry_endpoint_failed(int status)
{
	return retry_verdict(status) == FWD_RETRY || (status >= 500 && status <= 599);
}

uint64_t retry_backoff_ms(uint32_t failures, uint32_t random)
{
	uint64_t base = FWD_BACKOFF_INITIAL_MS;
	for (uint32_t i = 1; i < failures && base < FWD_BACKOFF_MAX_MS; i++)
		base *= 2;
	if (base > FWD_BACKOFF_MAX_MS)
		base = FWD_BACKOFF_MAX_MS;
	uint64_t half = base / 2;
	return half + (uint64_t)random % (base - half + 1);
}

static uint64_t cap_ms(uint64_t secs)
{
	uint64_t max_secs = FWD_RETRY_AFTER_MAX_MS / 1000u;
	return (secs > max_secs ? max_secs : secs) * 1000u;
}

static int parse_date(const char *text, int64_t now_secs, uint64_t *delay_ms)
{
	static const char *const formats[] = {
		"%a, %d %b %Y %H:%M:%S GMT", /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
		"%A, %d-%b-%y %H:%M:%S GMT", /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
		"%a %b %e %H:%M:%S %Y",      /* asctime: Sun Nov  6 08:49:37 1994 */
	};
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		struct tm tm;
		memset(&tm, 0, sizeof tm);
		const char *end = strptime(text, formats[i], &tm);
		if (end == NULL || *end != '\0')
			continue;
		time_t at = timegm(&tm);
		if (at == (time_t)-1)
			return -EINVAL;
		*delay_ms = (int64_t)at > now_secs ? cap_ms((uint64_t)((int64_t)at - now_secs)) : 0;
		return 0;
	}
	return -EINVAL;
}

int retry_after_parse(const char *text, size_t len, int64_t now_secs, uint64_t *delay_ms)
{
	while (len > 0 && (text[0] == ' ' || text[0] == '\t')) {
		text++;
		len--;
	}
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len == 0)
		return -EINVAL;
	if (text[0] >= '0' && text[0] <= '9') {
		uint64_t secs = 0;
		for (size_t i = 0; i < len; i++) {
			if (text[i] < '0' || text[i] > '9')
				return -EINVAL;
			if (secs <= FWD_RETRY_AFTER_MAX_MS)
				secs = secs * 10 + (uint64_t)(text[i] - '0');
		}
		*delay_ms = cap_ms(secs);
		return 0;
	}
	char buf[64];
	if (len >= sizeof buf)
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return parse_date(buf, now_secs, delay_ms);
}
