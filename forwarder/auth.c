#include "auth.h"

#include <errno.h>
#include <string.h>


#define DEFAULT_API_KEY_HEADER "X-API-Key"

int auth_base64(const uint8_t *in, size_t len, char *out, size_t cap, size_t *out_len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t need = (len + 2) / 3 * 4;
	if (need + 1 > cap)
		return -ENOBUFS;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	*out_len = o;
	return 0;
}

/* Appends len bytes to line at *used; -ENOBUFS when it does not fit. */
static int put(char *line, size_t cap, size_t *used, const void *p, size_t len)
{
	if (len > cap - *used)
		return -ENOBUFS;
	memcpy(line + *used, p, len);
	*used += len;
	return 0;
}

static int put_str(char *line, size_t cap, size_t *used, const char *s)
{
	return put(line, cap, used, s, strlen(s));
}

static int put_secret(char *line, size_t cap, size_t *used, const struct secret *s)
{
	return s ? put(line, cap, used, secret_data(s), secret_len(s)) : -EINVAL;
}

/* user:password in Basic form; pair and encoded are wiped by the caller. */
static int put_basic(char *line, size_t cap, size_t *used, const struct credentials *cred,
		     uint8_t *pair, size_t pair_cap, char *encoded, size_t enc_cap)
{
	if (!cred->username || !cred->password)
		return -EINVAL;
	size_t pair_len = 0;
	int err = put((char *)pair, pair_cap, &pair_len, secret_data(cred->username),
		      secret_len(cred->username));
	if (!err)
		err = put((char *)pair, pair_cap, &pair_len, ":", 1);
	if (!err)
		err = put((char *)pair, pair_cap, &pair_len, secret_data(cred->password),
			  secret_len(cred->password));
	size_t enc_len = 0;
	if (!err)
		err = auth_base64(pair, pair_len, encoded, enc_cap, &enc_len);
	if (!err)
		err = put_str(line, cap, used, "Authorization: Basic ");
	if (!err)
		err = put(line, cap, used, encoded, enc_len);
	return err;
}

int auth_header_build(enum auth_type type, const char *header_name,
		      const struct credentials *cred, struct secret **out)
{
	*out = NULL;
	if (type == AUTH_NONE)
		return 0;
	/* Large enough for the longest credentials; on the stack, wiped below. */
	char line[2 * CREDENTIALS_VALUE_MAX + 64 + CREDENTIALS_VALUE_MAX * 3];
	uint8_t pair[2 * CREDENTIALS_VALUE_MAX + 1];
	char encoded[(sizeof pair + 2) / 3 * 4 + 1];
	size_t used = 0;
	int err;
	switch (type) {
	case AUTH_API_KEY:
		err = put_str(line, sizeof line, &used,
			      header_name && header_name[0] ? header_name : DEFAULT_API_KEY_HEADER);
		if (!err)
			err = put_str(line, sizeof line, &used, ": ");
		if (!err)
			err = put_secret(line, sizeof line, &used, cred->key);
		break;
	case AUTH_BEARER_TOKEN:
		err = put_str(line, sizeof line, &used, "Authorization: Bearer ");
		if (!err)
			err = put_secret(line, sizeof line, &used, cred->token);
		break;
	case AUTH_BASIC:
		err = put_basic(line, sizeof line, &used, cred, pair, sizeof pair, encoded,
				sizeof encoded);
		break;
	default:
		err = -EINVAL;
		break;
	}
	if (!err)
		err = put_str(line, sizeof line, &used, "\r\n");
	if (!err)
		err = secret_new(line, used, out);
	explicit_bzero(line, sizeof line);
	explicit_bzero(pair, sizeof pair);
	explicit_bzero(encoded, sizeof encoded);
	return err;
}
