#include "otlp_decode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_filter.h"
#include "otlp_json.h"

int otlp_request_decode(enum otlp_signal signal, enum otlp_encoding encoding,
			const uint8_t *body, size_t len, const struct otlp_codec_limits *limits,
			struct otlp_request *req)
{
	if (!req)
		return -EINVAL;
	memset(req, 0, sizeof *req);
	if (!limits)
		return -EINVAL;
	const uint8_t *pb = body;
	size_t pb_len = len;
	int rc;
	if (encoding == OTLP_ENCODING_JSON) {
		struct otlp_json_limits jl = {
			.max_depth = limits->max_json_depth,
			.max_memory = limits->max_memory,
			.max_output = limits->max_output,
		};
		rc = otlp_json_to_protobuf(signal, body, len, &jl, &req->owned, &pb_len,
					   req->check.message, sizeof req->check.message);
		if (rc < 0)
			return rc;
		pb = req->owned;
	} else if (encoding != OTLP_ENCODING_PROTOBUF) {
		return -EINVAL;
	}
	rc = otlp_validate(signal, pb, pb_len, &limits->items, &req->check);
	if (rc < 0)
		return rc;
	if (req->check.rejected > 0) {
		uint8_t *filtered = NULL;
		size_t filtered_len = 0;
		uint64_t removed = 0;
		rc = otlp_filter_rejected(signal, pb, pb_len, limits->max_memory, &filtered,
					  &filtered_len, &removed);
		if (rc < 0) {
			snprintf(req->check.message, sizeof req->check.message,
				 "request: %s while removing rejected items",
				 rc == -E2BIG ? "memory limit reached" : "failure");
			return rc;
		}
		free(req->owned);
		req->owned = filtered;
		pb = filtered;
		pb_len = filtered_len;
		/* What was taken out is what the client is told was rejected. */
		req->check.rejected = removed;
	}
	req->data = pb;
	req->len = pb_len;
	return 0;
}

void otlp_request_release(struct otlp_request *req)
{
	if (!req)
		return;
	free(req->owned);
	req->owned = NULL;
	req->data = NULL;
	req->len = 0;
}
