/* Bytes from a hostile peer -> frame reader: every outcome is a message, a
 * need for more bytes, or an error for that peer; never a crash or an
 * allocation past the bound. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "framing.h"
#include "messages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_PAYLOAD 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_reader r;
	uint64_t allowed = MSG_BIT(MSG_CONFIG) | MSG_BIT(MSG_READY) | MSG_BIT(MSG_STATS) |
			   MSG_BIT(MSG_CREDIT) | MSG_BIT(MSG_EXPORT_TRACES);
	if (frame_reader_init(&r, FUZZ_MAX_PAYLOAD, allowed) != 0)
		return 0;
	/* The first byte picks the chunk size, so split reads are covered. */
	size_t chunk = size ? (size_t)data[0] % 64 + 1 : 1;
	size_t pos = size ? 1 : 0;
	int err = 0;
	while (pos < size && err == 0) {
		size_t n = size - pos < chunk ? size - pos : chunk;
		if (frame_reader_feed(&r, data + pos, n) != 0)
			break;
		pos += n;
		struct frame f;
		int rc;
		while ((rc = frame_reader_next(&r, &f)) == 1) {
			if (f.fd >= 0)
				close(f.fd);
			if (r.cap > FRAME_HEADER_SIZE + FUZZ_MAX_PAYLOAD)
				__builtin_trap();
			struct msg_credit c;
			(void)msg_get_credit(&f, &c);
			(void)msg_get_empty(&f);
		}
		err = rc < 0 ? rc : 0;
	}
	frame_reader_free(&r);
	return 0;
}
