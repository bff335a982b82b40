/* Bytes as an OTLP request (the first byte picks the signal) -> the writer's
 * path: validate, unpack with the arena, rows, Arrow record batches in
 * memory. Whatever validates must encode without a crash. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arrow_batch.h"
#include "arrow_ipc.h"
#include "otlp_validate.h"
#include "pb_arena.h"
#include "rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum otlp_signal sig = (enum otlp_signal)(data[0] % OTLP_SIGNAL_COUNT);
	data++;
	size--;
	struct otlp_limits limits = {.max_depth = 32, .max_attributes = 1024};
	struct otlp_check check;
	if (otlp_validate(sig, data, size, &limits, &check) != 0)
		return 0;

	struct pb_arena arena;
	pb_arena_init(&arena, 4096, 64u << 20);
	ProtobufCMessage *req = protobuf_c_message_unpack(otlp_signal_request_descriptor(sig),
							  &arena.allocator, size, data);
	if (req == NULL) {
		/* The validator promises that what it accepts unpacks. */
		if (!pb_arena_exhausted(&arena))
			__builtin_trap();
		pb_arena_destroy(&arena);
		return 0;
	}
	struct arrow_batch batch;
	if (arrow_batch_init(&batch, rows_schema(sig)) == 0) {
		struct row_sink sink = {.batch = &batch, .max_rows = 7, .max_bytes = 1u << 20};
		struct row_cursor cur;
		memset(&cur, 0, sizeof cur);
		struct arrow_ipc_encoder enc;
		arrow_ipc_encoder_init(&enc);
		int st;
		do {
			st = sig == OTLP_SIGNAL_TRACES	  ? rows_append_traces(&sink, (const TraceRequest *)req, &cur)
			     : sig == OTLP_SIGNAL_METRICS ? rows_append_metrics(&sink, (const MetricsRequest *)req, &cur)
							  : rows_append_logs(&sink, (const LogsRequest *)req, &cur);
			if (arrow_batch_check(&batch) != 0 || arrow_ipc_record_batch(&enc, &batch) != 0)
				__builtin_trap();
			arrow_batch_reset(&batch);
		} while (st == ROWS_FULL);
		arrow_ipc_encoder_free(&enc);
		row_context_free(&sink.ctx);
		arrow_batch_free(&batch);
	}
	pb_arena_destroy(&arena);
	return 0;
}
