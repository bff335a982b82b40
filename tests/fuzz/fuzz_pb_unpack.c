/* Bytes as an OTLP request (the first byte picks the signal) -> pb_unpack
 * and protobuf_c_message_unpack side by side (tests/unit/pb_unpack_diff.h):
 * they must agree on accepting the bytes and, when both do, on the message
 * (pb_unpack's own limits excepted). The request's own first byte also
 * picks a small or a large arena, so running out of it is tried too. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../unit/pb_unpack_diff.h"
#include "otlp_signal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	enum otlp_signal sig = (enum otlp_signal)(data[0] % OTLP_SIGNAL_COUNT);
	size_t limit = (data[1] & 0x80) ? (size_t)16 << 10 : (size_t)64 << 20;
	char why[256];
	if (pb_diff(otlp_signal_request_descriptor(sig), data + 1, size - 1, 64, limit, why,
		    sizeof why) == PB_DIFF_MISMATCH) {
		fprintf(stderr, "pb_unpack differs from protobuf-c: %s\n", why);
		__builtin_trap();
	}
	return 0;
}
