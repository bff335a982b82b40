#include "http_request.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Status codes, reasons and the head of every response. */

static const struct {
	int status;
	const char *message;
} errors[HTTP_ERR_COUNT] = {
	[HTTP_ERR_BAD_REQUEST] = {400, "malformed HTTP request"},
	[HTTP_ERR_HEADERS_TOO_LARGE] = {431, "request line and headers are too large"},
	[HTTP_ERR_TOO_MANY_HEADERS] = {431, "too many header fields"},
	[HTTP_ERR_BODY_TOO_LARGE] = {413, "request body is larger than the limit"},
	[HTTP_ERR_HEADER_TIMEOUT] = {408, "request headers were not received in time"},
	[HTTP_ERR_BODY_TIMEOUT] = {408, "request body was not received in time"},
	[HTTP_ERR_EXPECTATION] = {417, "only the expectation 100-continue is supported"},
	[HTTP_ERR_OVERLOADED] = {503, "server is busy receiving other requests; retry later"},
	[HTTP_ERR_HANDLER_TIMEOUT] = {503, "the data could not be stored in time; retry later"},
	[HTTP_ERR_TOO_MANY_CONNECTIONS] = {503, "too many connections; retry later"},
};

int http_error_status(enum http_error e)
{
	return (unsigned)e < HTTP_ERR_COUNT ? errors[e].status : 500;
}

const char *http_error_message(enum http_error e)
{
	return (unsigned)e < HTTP_ERR_COUNT ? errors[e].message : "internal error";
}

static const char *reason_phrase(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 206: return "Partial Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

static bool header_text_ok(const char *t)
{
	return t != NULL && strpbrk(t, "\r\n") == NULL;
}

/* Appends to head at *off; -ENOBUFS when it does not fit. */
static int append(char *head, size_t cap, size_t *off, const char *a, const char *b,
		  const char *c)
{
	int n = snprintf(head + *off, cap - *off, "%s%s%s", a, b, c);
	if (n < 0 || (size_t)n >= cap - *off)
		return -ENOBUFS;
	*off += (size_t)n;
	return 0;
}

int http_format_head(char *head, size_t cap, const struct http_response *resp, bool last,
		     bool http10_keep_alive)
{
	char date[40] = "";
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm) != NULL)
		strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	char retry[32] = "";
	if (resp->retry_after_s > 0)
		snprintf(retry, sizeof retry, "Retry-After: %u\r\n", resp->retry_after_s);
	int n = snprintf(head, cap,
			 "HTTP/1.1 %d %s\r\n"
			 "Date: %s\r\n"
			 "%s%s%s"
			 "%s%s%s"
			 "%s",
			 resp->status, reason_phrase(resp->status), date,
			 resp->content_type ? "Content-Type: " : "",
			 resp->content_type ? resp->content_type : "", resp->content_type ? "\r\n" : "",
			 resp->allow ? "Allow: " : "", resp->allow ? resp->allow : "",
			 resp->allow ? "\r\n" : "", retry);
	if (n < 0 || (size_t)n >= cap)
		return -ENOBUFS;
	size_t off = (size_t)n;
	for (size_t i = 0; i < resp->n_headers; i++) {
		const struct http_header *h = &resp->headers[i];
		if (!header_text_ok(h->name) || !header_text_ok(h->value))
			return -EINVAL;
		if (append(head, cap, &off, h->name, ": ", h->value) != 0 ||
		    append(head, cap, &off, "\r\n", "", "") != 0)
			return -ENOBUFS;
	}
	uint64_t length = 0;
	if (resp->content_type)
		length = resp->stream ? resp->stream->length : resp->body_len;
	n = snprintf(head + off, cap - off, "Content-Length: %llu\r\n%s\r\n",
		     (unsigned long long)length,
		     last ? "Connection: close\r\n"
			  : (http10_keep_alive ? "Connection: keep-alive\r\n" : ""));
	if (n < 0 || (size_t)n >= cap - off)
		return -ENOBUFS;
	return (int)(off + (size_t)n);
}
