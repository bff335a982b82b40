#include "credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

static int fail(char *why, size_t cap, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t cap, int err, const char *fmt, ...)
{
	if (why && cap > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, cap, fmt, ap);
		va_end(ap);
	}
	return err;
}

static const struct {
	const char *name;
	unsigned bit;
} names[] = {
	{ "key", CREDENTIAL_KEY },
	{ "token", CREDENTIAL_TOKEN },
	{ "username", CREDENTIAL_USERNAME },
	{ "password", CREDENTIAL_PASSWORD },
};

static const char *bit_name(unsigned bit)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].bit == bit)
			return names[i].name;
	return "?";
}

static const char *auth_word(enum auth_type t)
{
	switch (t) {
	case AUTH_API_KEY:
		return "api_key";
	case AUTH_BEARER_TOKEN:
		return "bearer_token";
	case AUTH_BASIC:
		return "basic";
	case AUTH_NONE:
		break;
	}
	return "none";
}

unsigned credentials_needed(enum auth_type t)
{
	switch (t) {
	case AUTH_API_KEY:
		return CREDENTIAL_KEY;
	case AUTH_BEARER_TOKEN:
		return CREDENTIAL_TOKEN;
	case AUTH_BASIC:
		return CREDENTIAL_USERNAME | CREDENTIAL_PASSWORD;
	case AUTH_NONE:
		break;
	}
	return 0;
}

const char *credentials_needed_words(enum auth_type t)
{
	switch (t) {
	case AUTH_API_KEY:
		return "\"key\"";
	case AUTH_BEARER_TOKEN:
		return "\"token\"";
	case AUTH_BASIC:
		return "\"username\" and \"password\"";
	case AUTH_NONE:
		break;
	}
	return "no credentials";
}

unsigned credentials_name_bit(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == len && memcmp(names[i].name, name, len) == 0)
			return names[i].bit;
	return 0;
}

int credentials_check_names(enum auth_type t, unsigned have, char *why, size_t cap)
{
	unsigned need = credentials_needed(t);
	unsigned extra = have & ~need;
	unsigned missing = need & ~have;
	for (unsigned bit = 1; extra && bit <= CREDENTIAL_PASSWORD; bit <<= 1)
		if (extra & bit)
			return fail(why, cap, -EINVAL,
				    "the credential \"%s\" is not used by auth_type %s (it needs %s)",
				    bit_name(bit), auth_word(t), credentials_needed_words(t));
	for (unsigned bit = 1; missing && bit <= CREDENTIAL_PASSWORD; bit <<= 1)
		if (missing & bit)
			return fail(why, cap, -EINVAL,
				    "auth_type %s needs %s; the credential \"%s\" is missing",
				    auth_word(t), credentials_needed_words(t), bit_name(bit));
	return 0;
}

int credentials_check_value(unsigned bit, const uint8_t *value, size_t len, char *why, size_t cap)
{
	const char *name = bit_name(bit);
	if (len == 0)
		return fail(why, cap, -EINVAL, "the credential \"%s\" is empty", name);
	if (len > CREDENTIALS_VALUE_MAX)
		return fail(why, cap, -EINVAL, "the credential \"%s\" is longer than %u bytes", name,
			    CREDENTIALS_VALUE_MAX);
	bool visible_only = bit == CREDENTIAL_KEY || bit == CREDENTIAL_TOKEN;
	for (size_t i = 0; i < len; i++) {
		uint8_t ch = value[i];
		/* A CR or LF would let a credential inject a header. */
		if (ch < 0x20 || ch == 0x7f)
			return fail(why, cap, -EINVAL,
				    "the credential \"%s\" contains a control character (a line "
				    "break?)",
				    name);
		if (visible_only && (ch == ' ' || ch >= 0x80))
			return fail(why, cap, -EINVAL,
				    "the credential \"%s\" may hold only visible ASCII characters",
				    name);
		if (bit == CREDENTIAL_USERNAME && ch == ':')
			return fail(why, cap, -EINVAL,
				    "the credential \"username\" must not contain ':' (Basic "
				    "authentication joins username:password)");
	}
	return 0;
}

static struct secret **slot(struct credentials *c, unsigned bit)
{
	switch (bit) {
	case CREDENTIAL_KEY:
		return &c->key;
	case CREDENTIAL_TOKEN:
		return &c->token;
	case CREDENTIAL_USERNAME:
		return &c->username;
	default:
		return &c->password;
	}
}

static int store(struct credentials *c, unsigned bit, const void *value, size_t len, char *why,
		 size_t cap)
{
	int err = credentials_check_value(bit, value, len, why, cap);
	if (err)
		return err;
	err = secret_new(value, len, slot(c, bit));
	if (err)
		return fail(why, cap, err, "cannot keep the credential \"%s\" in locked memory: %s",
			    bit_name(bit), strerror(-err));
	return 0;
}

void credentials_free(struct credentials *c)
{
	secret_free(c->key);
	secret_free(c->token);
	secret_free(c->username);
	secret_free(c->password);
	memset(c, 0, sizeof *c);
}

/* libyaml copies the input into buffers of its own and each value into an
 * event; both are wiped before libyaml frees them. */
static void wipe_parser(yaml_parser_t *p)
{
	if (p->raw_buffer.start)
		explicit_bzero(p->raw_buffer.start, (size_t)(p->raw_buffer.end - p->raw_buffer.start));
	if (p->buffer.start)
		explicit_bzero(p->buffer.start, (size_t)(p->buffer.end - p->buffer.start));
}

static void drop_event(yaml_event_t *ev)
{
	if (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.value)
		explicit_bzero(ev->data.scalar.value, ev->data.scalar.length);
	yaml_event_delete(ev);
}

static int next(yaml_parser_t *p, yaml_event_t *ev, char *why, size_t cap)
{
	if (!yaml_parser_parse(p, ev))
		return fail(why, cap, -EINVAL, "not valid YAML (line %zu)",
			    p->problem_mark.line + 1);
	return 0;
}

static int expect(yaml_parser_t *p, yaml_event_type_t type, const char *what, char *why,
		  size_t cap)
{
	yaml_event_t ev;
	int err = next(p, &ev, why, cap);
	if (err)
		return err;
	bool ok = ev.type == type;
	size_t line = ev.start_mark.line + 1;
	drop_event(&ev);
	return ok ? 0 : fail(why, cap, -EINVAL, "expected %s (line %zu)", what, line);
}

/* A credential name is echoed in a message only when it looks like one. */
static void shown_name(const yaml_event_t *ev, char *out, size_t cap)
{
	size_t len = ev->data.scalar.length;
	bool word = len > 0 && len <= 32;
	for (size_t i = 0; word && i < len; i++) {
		char ch = (char)ev->data.scalar.value[i];
		word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
	}
	if (word)
		snprintf(out, cap, "\"%.*s\"", (int)len, (const char *)ev->data.scalar.value);
	else
		snprintf(out, cap, "a name");
}

static int parse_pair(yaml_parser_t *p, const yaml_event_t *kev, enum auth_type t,
		      struct credentials *out, unsigned *have, char *why, size_t cap)
{
	size_t line = kev->start_mark.line + 1;
	if (kev->type != YAML_SCALAR_EVENT)
		return fail(why, cap, -EINVAL, "line %zu: a credential name must be a word", line);
	unsigned bit = credentials_name_bit((const char *)kev->data.scalar.value,
					    kev->data.scalar.length);
	if (bit == 0) {
		char shown[48];
		shown_name(kev, shown, sizeof shown);
		return fail(why, cap, -EINVAL,
			    "line %zu: %s is not a credential name (auth_type %s needs %s)", line,
			    shown, auth_word(t), credentials_needed_words(t));
	}
	if (*have & bit)
		return fail(why, cap, -EINVAL, "line %zu: the credential \"%s\" is given twice",
			    line, bit_name(bit));
	*have |= bit;

	yaml_event_t vev;
	int err = next(p, &vev, why, cap);
	if (err)
		return err;
	if (vev.type != YAML_SCALAR_EVENT)
		err = fail(why, cap, -EINVAL, "line %zu: the credential \"%s\" must be a single value",
			   line, bit_name(bit));
	else
		err = store(out, bit, vev.data.scalar.value, vev.data.scalar.length, why, cap);
	drop_event(&vev);
	return err;
}

/* After an error the rest of the input is still parsed, so that values
 * libyaml has already scanned are wiped like the others. */
static void drain(yaml_parser_t *p)
{
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(p, &ev))
			return;
		/* After the end or an error libyaml keeps answering "no event". */
		bool end = ev.type == YAML_STREAM_END_EVENT || ev.type == YAML_NO_EVENT;
		drop_event(&ev);
		if (end)
			return;
	}
}

static int parse_map(yaml_parser_t *p, enum auth_type t, struct credentials *out, char *why,
		     size_t cap)
{
	int err = expect(p, YAML_STREAM_START_EVENT, "a YAML stream", why, cap);
	if (!err)
		err = expect(p, YAML_DOCUMENT_START_EVENT, "a map of credentials, e.g. \"token: ...\"",
			     why, cap);
	if (!err)
		err = expect(p, YAML_MAPPING_START_EVENT,
			     "a map of credentials, e.g. \"token: ...\"", why, cap);
	unsigned have = 0;
	while (!err) {
		yaml_event_t kev;
		err = next(p, &kev, why, cap);
		if (err)
			break;
		bool end = kev.type == YAML_MAPPING_END_EVENT;
		if (!end)
			err = parse_pair(p, &kev, t, out, &have, why, cap);
		drop_event(&kev);
		if (end)
			break;
	}
	if (!err)
		err = expect(p, YAML_DOCUMENT_END_EVENT, "the end of the document", why, cap);
	if (!err)
		err = credentials_check_names(t, have, why, cap);
	return err;
}

static int parse_value(enum auth_type t, const char *text, size_t len, struct credentials *out,
		       char *why, size_t cap)
{
	switch (t) {
	case AUTH_API_KEY:
		return store(out, CREDENTIAL_KEY, text, len, why, cap);
	case AUTH_BEARER_TOKEN:
		return store(out, CREDENTIAL_TOKEN, text, len, why, cap);
	case AUTH_BASIC: {
		const char *colon = memchr(text, ':', len);
		if (!colon)
			return fail(why, cap, -EINVAL,
				    "auth_type basic needs the variable to hold username:password");
		size_t ulen = (size_t)(colon - text);
		int err = store(out, CREDENTIAL_USERNAME, text, ulen, why, cap);
		if (!err)
			err = store(out, CREDENTIAL_PASSWORD, colon + 1, len - ulen - 1, why, cap);
		return err;
	}
	case AUTH_NONE:
		break;
	}
	return fail(why, cap, -EINVAL, "auth_type none takes no credentials");
}

int credentials_parse(enum credentials_source src, enum auth_type t, const char *text,
		      size_t len, struct credentials *out, char *why, size_t cap)
{
	memset(out, 0, sizeof *out);
	if (t == AUTH_NONE)
		return fail(why, cap, -EINVAL, "auth_type none takes no credentials");
	if (len > CREDENTIALS_TEXT_MAX)
		return fail(why, cap, -EFBIG, "the credentials are larger than %u bytes",
			    CREDENTIALS_TEXT_MAX);
	int err;
	if (src == CREDENTIALS_ENV) {
		err = parse_value(t, text, len, out, why, cap);
	} else if (src == CREDENTIALS_FILE || src == CREDENTIALS_INLINE) {
		yaml_parser_t p;
		if (!yaml_parser_initialize(&p))
			return fail(why, cap, -ENOMEM, "out of memory");
		yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
		yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
		err = parse_map(&p, t, out, why, cap);
		drain(&p);
		wipe_parser(&p);
		yaml_parser_delete(&p);
	} else {
		err = fail(why, cap, -EINVAL, "unknown credentials source %d", (int)src);
	}
	if (err)
		credentials_free(out);
	return err;
}

int credentials_read_fd(int fd, enum credentials_source src, enum auth_type t,
			struct credentials *out, char *why, size_t cap)
{
	memset(out, 0, sizeof *out);
	char buf[CREDENTIALS_TEXT_MAX + 1];
	size_t used = 0;
	int err = 0;
	while (used < sizeof buf) {
		ssize_t r = pread(fd, buf + used, sizeof buf - used, (off_t)used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = fail(why, cap, -errno, "cannot read the credentials: %s",
				   strerror(errno));
			break;
		}
		if (r == 0)
			break;
		used += (size_t)r;
	}
	if (!err && used > CREDENTIALS_TEXT_MAX)
		err = fail(why, cap, -EFBIG, "the credentials are larger than %u bytes",
			   CREDENTIALS_TEXT_MAX);
	if (!err)
		err = credentials_parse(src, t, buf, used, out, why, cap);
	explicit_bzero(buf, sizeof buf);
	return err;
}

int credentials_open_file(const char *path, int *out_fd, char *why, size_t cap)
{
	*out_fd = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		return fail(why, cap, -e, "%s: cannot open: %s%s", path, strerror(e),
			    e == ELOOP ? " (symbolic links are not followed)" : "");
	}
	struct stat st;
	int err = 0;
	if (fstat(fd, &st) != 0)
		err = fail(why, cap, -errno, "%s: cannot stat: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		err = fail(why, cap, -EINVAL, "%s: not a regular file", path);
	else if (st.st_mode & (S_IRWXG | S_IRWXO))
		err = fail(why, cap, -EPERM,
			   "%s: group or others may access it (mode %04o); make it readable by its "
			   "owner only (chmod 600)",
			   path, (unsigned)(st.st_mode & 07777));
	else if (st.st_size > (off_t)CREDENTIALS_TEXT_MAX)
		err = fail(why, cap, -EFBIG, "%s: larger than %u bytes", path,
			   CREDENTIALS_TEXT_MAX);
	if (err) {
		close(fd);
		return err;
	}
	*out_fd = fd;
	return 0;
}

int credentials_memfd(const void *data, size_t len, int *out_fd)
{
	*out_fd = -1;
	int fd = memfd_create("otlpd-credentials", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, (const char *)data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int err = w < 0 ? -errno : -EIO;
			close(fd);
			return err;
		}
		off += (size_t)w;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	*out_fd = fd;
	return 0;
}
