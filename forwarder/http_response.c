#include "http_response.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fwd_limits.h"

static struct fwd_response *of(llhttp_t *p)
{
	return p->data;
}

static int count_header_bytes(struct fwd_response *r, size_t len)
{
	r->header_bytes += len;
	if (r->header_bytes > FWD_RESPONSE_HEADER_MAX) {
		r->refused = "the response's headers are too large";
		return -1;
	}
	return 0;
}

static int on_status(llhttp_t *p, const char *at, size_t len)
{
	(void)at;
	return count_header_bytes(of(p), len);
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
	struct fwd_response *r = of(p);
	if (count_header_bytes(r, len) != 0)
		return -1;
	if (len > sizeof r->field - r->field_len) {
		r->field_too_long = true;
		return 0;
	}
	memcpy(r->field + r->field_len, at, len);
	r->field_len += len;
	return 0;
}

static int on_header_field_complete(llhttp_t *p)
{
	struct fwd_response *r = of(p);
	r->header = RESP_HEADER_OTHER;
	if (!r->field_too_long) {
		if (r->field_len == 11 && strncasecmp(r->field, "retry-after", 11) == 0)
			r->header = RESP_HEADER_RETRY_AFTER;
		else if (r->field_len == 12 && strncasecmp(r->field, "content-type", 12) == 0)
			r->header = RESP_HEADER_CONTENT_TYPE;
	}
	r->field_len = 0;
	r->field_too_long = false;
	if (r->header == RESP_HEADER_RETRY_AFTER) {
		r->retry_after_len = 0;
		r->has_retry_after = true;
	} else if (r->header == RESP_HEADER_CONTENT_TYPE) {
		r->content_type_len = 0;
	}
	return 0;
}

/* Appends to a small value buffer; a value that does not fit is emptied
 * (unusable) rather than cut. */
static void append(char *buf, size_t cap, size_t *len, bool *valid, const char *at, size_t n)
{
	if (n > cap - *len) {
		*len = cap;
		if (valid)
			*valid = false;
		return;
	}
	memcpy(buf + *len, at, n);
	*len += n;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct fwd_response *r = of(p);
	if (count_header_bytes(r, len) != 0)
		return -1;
	if (r->header == RESP_HEADER_RETRY_AFTER)
		append(r->retry_after, sizeof r->retry_after, &r->retry_after_len,
		       &r->has_retry_after, at, len);
	else if (r->header == RESP_HEADER_CONTENT_TYPE)
		append(r->content_type, sizeof r->content_type, &r->content_type_len, NULL, at,
		       len);
	return 0;
}

static int on_headers_complete(llhttp_t *p)
{
	struct fwd_response *r = of(p);
	r->status = (int)p->status_code;
	static const char protobuf[] = "application/x-protobuf";
	size_t n = sizeof protobuf - 1;
	r->protobuf = r->content_type_len >= n && r->content_type_len <= sizeof r->content_type &&
		      strncasecmp(r->content_type, protobuf, n) == 0 &&
		      (r->content_type_len == n || r->content_type[n] == ';' ||
		       r->content_type[n] == ' ');
	return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
	struct fwd_response *r = of(p);
	r->body_total += len;
	if (r->body_total > FWD_RESPONSE_BODY_MAX) {
		r->refused = "the response's body is too large";
		return -1;
	}
	if (r->body_len >= FWD_RESPONSE_BODY_KEEP)
		return 0;
	if (!r->body) {
		r->body = malloc(FWD_RESPONSE_BODY_KEEP);
		if (!r->body) {
			r->refused = "out of memory";
			r->out_of_memory = true;
			return -1;
		}
	}
	size_t take = FWD_RESPONSE_BODY_KEEP - r->body_len;
	if (take > len)
		take = len;
	memcpy(r->body + r->body_len, at, take);
	r->body_len += take;
	return 0;
}

/* Everything but llhttp's state and the body buffer. */
static void clear_fields(struct fwd_response *r)
{
	llhttp_t parser = r->parser;
	uint8_t *body = r->body;
	memset(r, 0, sizeof *r);
	r->parser = parser;
	r->body = body;
}

static int on_message_complete(llhttp_t *p)
{
	struct fwd_response *r = of(p);
	if (r->status >= 100 && r->status < 200) {
		/* An interim answer (100 Continue, 103 Early Hints): the real
		 * one follows on the same connection. */
		clear_fields(r);
		return 0;
	}
	r->complete = true;
	return HPE_PAUSED;
}

static llhttp_settings_t settings;
static bool settings_ready;

void fwd_response_reset(struct fwd_response *r)
{
	if (!settings_ready) {
		llhttp_settings_init(&settings);
		settings.on_status = on_status;
		settings.on_header_field = on_header_field;
		settings.on_header_field_complete = on_header_field_complete;
		settings.on_header_value = on_header_value;
		settings.on_headers_complete = on_headers_complete;
		settings.on_body = on_body;
		settings.on_message_complete = on_message_complete;
		settings_ready = true;
	}
	clear_fields(r);
	llhttp_init(&r->parser, HTTP_RESPONSE, &settings);
	r->parser.data = r;
}

void fwd_response_free(struct fwd_response *r)
{
	free(r->body);
	r->body = NULL;
}

int fwd_response_feed(struct fwd_response *r, const char *data, size_t len, size_t *consumed)
{
	*consumed = 0;
	llhttp_errno_t e = llhttp_execute(&r->parser, data, len);
	if (e == HPE_OK) {
		*consumed = len;
		return 0;
	}
	if (e == HPE_PAUSED && r->complete) {
		*consumed = (size_t)(llhttp_get_error_pos(&r->parser) - data);
		return 1;
	}
	if (!r->refused)
		r->refused = "the endpoint's answer is not valid HTTP/1.1";
	return r->out_of_memory ? -ENOMEM : -EPROTO;
}

int fwd_response_eof(struct fwd_response *r)
{
	if (r->complete)
		return 1;
	llhttp_errno_t e = llhttp_finish(&r->parser);
	if ((e == HPE_OK || e == HPE_PAUSED) && r->complete)
		return 1;
	return -ECONNRESET;
}

bool fwd_response_keep_alive(const struct fwd_response *r)
{
	return llhttp_should_keep_alive(&r->parser) != 0;
}
