/*
 * libFuzzer target: OTLP/JSON body -> protobuf -> otlp_validate -> filter.
 *
 * The input is tried as a body of each signal. Beyond "no crash, no leak,
 * no undefined behaviour" it checks what the receiver relies on: a failure
 * is -EBADMSG or -E2BIG with a message; a conversion yields protobuf that
 * the validator accepts as well formed (it may still pass a limit, or hold
 * a profiles-only field that JSON can name); items it rejects are exactly
 * the ones the filter removes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_filter.h"
#include "otlp_json.h"
#include "otlp_validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_output(enum otlp_signal s, const uint8_t *pb, size_t len)
{
	static const struct otlp_limits limits = { .max_depth = 32, .max_attributes = 64 };
	struct otlp_check c;
	int rc = otlp_validate(s, pb, len, &limits, &c);
	if (rc == -E2BIG || (rc == -EBADMSG && strstr(c.message, "profiles-only")))
		return;
	if (rc != 0)
		abort(); /* the converter wrote protobuf the validator calls broken */
	if (c.rejected == 0)
		return;
	uint8_t *out;
	size_t out_len;
	uint64_t removed;
	if (otlp_filter_rejected(s, pb, len, 0, &out, &out_len, &removed) != 0)
		abort();
	struct otlp_check after;
	if (removed != c.rejected || otlp_validate(s, out, out_len, &limits, &after) != 0 ||
	    after.rejected != 0 || after.items != c.items - c.rejected)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct otlp_json_limits limits = { .max_depth = 64 };
	for (int s = 0; s < OTLP_SIGNAL_COUNT; s++) {
		uint8_t *pb = NULL;
		size_t len = 0;
		char err[256];
		int rc = otlp_json_to_protobuf((enum otlp_signal)s, data, size, &limits, &pb, &len,
					       err, sizeof err);
		if (rc == 0) {
			check_output((enum otlp_signal)s, pb, len);
			free(pb);
		} else if ((rc != -EBADMSG && rc != -E2BIG) || err[0] == '\0') {
			abort();
		}
	}
	return 0;
}
