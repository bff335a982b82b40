/*
 * libFuzzer target: protobuf bytes -> otlp_validate -> protobuf-c unpack.
 *
 * The input is tried as a request of each signal. What passes validation
 * must unpack with protobuf-c (the promise the writer relies on), and when
 * items were rejected the filter must remove exactly those.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "otlp_filter.h"
#include "otlp_validate.h"
#include "pb_arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct otlp_limits limits = { .max_depth = 16, .max_attributes = 64 };
	for (int i = 0; i < OTLP_SIGNAL_COUNT; i++) {
		enum otlp_signal s = (enum otlp_signal)i;
		struct otlp_check c;
		int rc = otlp_validate(s, data, size, &limits, &c);
		if (rc == -EBADMSG || rc == -E2BIG) {
			if (c.message[0] == '\0')
				abort();
			continue;
		}
		if (rc != 0)
			abort();
		struct pb_arena arena;
		pb_arena_init(&arena, 4096, 64 * size + (1u << 20));
		ProtobufCMessage *m = protobuf_c_message_unpack(otlp_signal_request_descriptor(s),
								&arena.allocator, size, data);
		if (!m && !pb_arena_exhausted(&arena))
			abort(); /* validated, yet protobuf-c refuses it */
		pb_arena_destroy(&arena);
		if (c.rejected == 0)
			continue;
		uint8_t *out;
		size_t out_len;
		uint64_t removed;
		rc = otlp_filter_rejected(s, data, size, 0, &out, &out_len, &removed);
		if (rc == -E2BIG)
			continue;
		struct otlp_check after;
		if (rc != 0 || removed != c.rejected ||
		    otlp_validate(s, out, out_len, &limits, &after) != 0 || after.rejected != 0 ||
		    after.items != c.items - c.rejected)
			abort();
		free(out);
	}
	return 0;
}
