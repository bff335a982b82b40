#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config_keys.h"
#include "credentials.h"
#include "header_list.h"

/* The YAML form is one mapping of nested mappings; the nesting is the dotted
 * key path. Read event by event, so that aliases are refused before anything
 * could expand them and every key is checked where it appears. */

#define CONFIG_FILE_MAX (1024 * 1024)
#define CONFIG_YAML_DEPTH_MAX 8
#define SEEN_MAX (2 * CONFIG_KEY_COUNT_MAX)
#define INLINE_CREDENTIALS_PATH "forwarding.authentication.credentials"

struct seen_path {
	char path[CONFIG_KEY_PATH_MAX];
	size_t line;
};

struct loader {
	yaml_parser_t parser;
	const char *name;
	struct config tmp; /* written back to the caller's config on success */
	struct config_error *err;
	struct seen_path seen[SEEN_MAX];
	size_t nseen;
	struct config_inline_credentials *cred; /* NULL: inline values are checked only */
};

static const char *event_kind(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_SCALAR_EVENT:
		return "a single value";
	default:
		return "something else";
	}
}

/* "FILE:LINE:COLUMN: PATH: " with 1-based positions; no PATH at the top. */
static int at_error(struct loader *ld, yaml_mark_t mark, const char *path, const char *problem)
{
	config_error_set(ld->err, "%s:%zu:%zu: %s%s%s", ld->name, mark.line + 1, mark.column + 1,
			 path, path[0] ? ": " : "", problem);
	return -EINVAL;
}

static int parser_error(struct loader *ld)
{
	if (ld->parser.error == YAML_MEMORY_ERROR) {
		config_error_set(ld->err, "%s: out of memory while reading YAML", ld->name);
		return -ENOMEM;
	}
	char problem[256];
	snprintf(problem, sizeof problem, "invalid YAML: %s%s%s",
		 ld->parser.problem ? ld->parser.problem : "parse error",
		 ld->parser.context ? " " : "", ld->parser.context ? ld->parser.context : "");
	return at_error(ld, ld->parser.problem_mark, "", problem);
}

/* Reads the next event and refuses aliases, anchors and tags wherever they
 * are. path names where we are, for messages. */
static int next_event(struct loader *ld, const char *path, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&ld->parser, ev))
		return parser_error(ld);
	const yaml_char_t *anchor = NULL, *tag = NULL;
	switch (ev->type) {
	case YAML_ALIAS_EVENT: {
		yaml_mark_t mark = ev->start_mark;
		yaml_event_delete(ev);
		return at_error(ld, mark, path, "aliases (*name) are not allowed");
	}
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	default:
		break;
	}
	if (anchor || tag) {
		yaml_mark_t mark = ev->start_mark;
		yaml_event_delete(ev);
		return at_error(ld, mark, path,
				anchor ? "anchors (&name) are not allowed"
				       : "tags (!name) are not allowed");
	}
	return 0;
}

static bool is_null_scalar(const yaml_event_t *ev)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++) {
		if (ev->data.scalar.length == strlen(nulls[i]) &&
		    memcmp(ev->data.scalar.value, nulls[i], ev->data.scalar.length) == 0)
			return true;
	}
	return false;
}

static int load_value(struct loader *ld, const struct config_key *k, const yaml_event_t *ev)
{
	char want[160];
	char problem[256];
	config_key_describe(k, want, sizeof want);
	if (ev->type != YAML_SCALAR_EVENT) {
		snprintf(problem, sizeof problem, "expected %s, found %s", want, event_kind(ev));
		return at_error(ld, ev->start_mark, k->path, problem);
	}
	if (is_null_scalar(ev)) {
		snprintf(problem, sizeof problem, "no value given (expected %s)", want);
		return at_error(ld, ev->start_mark, k->path, problem);
	}
	char origin[CONFIG_PATH_MAX + 48];
	snprintf(origin, sizeof origin, "%s:%zu:%zu", ld->name, ev->start_mark.line + 1,
		 ev->start_mark.column + 1);
	return config_key_parse(k, &ld->tmp, (const char *)ev->data.scalar.value,
				ev->data.scalar.length,
				ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE, origin, ld->err);
}

static int unknown_key(struct loader *ld, const yaml_event_t *kev, const char *path)
{
	const char *word = (const char *)kev->data.scalar.value;
	size_t word_len = kev->data.scalar.length;
	char shown[2 * CONFIG_KEY_PATH_MAX + 8];
	char problem[sizeof shown + 160];
	int n = snprintf(shown, sizeof shown, "%s%s", path, path[0] ? "." : "");
	if (n < 0 || (size_t)n >= sizeof shown)
		n = 0;
	config_printable(word, word_len, CONFIG_KEY_PATH_MAX, shown + n, sizeof shown - (size_t)n);
	bool dotted = memchr(word, '.', word_len) && config_key_find(shown, strlen(shown));
	snprintf(problem, sizeof problem, "unknown key \"%s\"%s", shown,
		 dotted ? " (write a dotted key as nested mappings)" : "");
	return at_error(ld, kev->start_mark, "", problem);
}

/* Remembers path; a second time is a duplicate key. */
static int mark_seen(struct loader *ld, const char *path, yaml_mark_t mark)
{
	for (size_t i = 0; i < ld->nseen; i++) {
		if (strcmp(ld->seen[i].path, path) == 0) {
			char problem[64];
			snprintf(problem, sizeof problem, "duplicate key (first given on line %zu)",
				 ld->seen[i].line);
			return at_error(ld, mark, path, problem);
		}
	}
	if (ld->nseen == SEEN_MAX)
		return at_error(ld, mark, path, "too many keys");
	snprintf(ld->seen[ld->nseen].path, sizeof ld->seen[0].path, "%s", path);
	ld->seen[ld->nseen].line = mark.line + 1;
	ld->nseen++;
	return 0;
}

/* Appends name: "value" to the inline credentials text, escaped for a
 * double-quoted YAML scalar. The buffer never grows: it was allocated at
 * its full size, so no reallocation leaves a copy of a value behind. */
static int append_credential(struct config_inline_credentials *cred, const char *name,
			     const unsigned char *value, size_t len)
{
	size_t need = strlen(name) + 4 + 2;
	for (size_t i = 0; i < len; i++)
		need += value[i] == '"' || value[i] == '\\' ? 2 : 1;
	if (cred->len + need > CONFIG_INLINE_CREDENTIALS_MAX)
		return -ENOBUFS;
	char *o = cred->text + cred->len;
	size_t n = strlen(name);
	memcpy(o, name, n);
	o += n;
	memcpy(o, ": \"", 3);
	o += 3;
	for (size_t i = 0; i < len; i++) {
		if (value[i] == '"' || value[i] == '\\')
			*o++ = '\\';
		*o++ = (char)value[i];
	}
	memcpy(o, "\"\n", 2);
	o += 2;
	cred->len = (size_t)(o - cred->text);
	return 0;
}

/* One name: value of the inline credentials map; kev is the name. */
static int load_credential(struct loader *ld, const char *path, const yaml_event_t *kev,
			   unsigned *have)
{
	if (kev->type != YAML_SCALAR_EVENT)
		return at_error(ld, kev->start_mark, path, "a credential name must be a word");
	unsigned bit = credentials_name_bit((const char *)kev->data.scalar.value,
					    kev->data.scalar.length);
	if (bit == 0) {
		char shown[CONFIG_KEY_PATH_MAX];
		char problem[CONFIG_KEY_PATH_MAX + 96];
		config_printable((const char *)kev->data.scalar.value, kev->data.scalar.length, 32,
				 shown, sizeof shown);
		snprintf(problem, sizeof problem,
			 "\"%s\" is not a credential name (key, token, username, password)", shown);
		return at_error(ld, kev->start_mark, path, problem);
	}
	if (*have & bit)
		return at_error(ld, kev->start_mark, path, "a credential is given twice");
	*have |= bit;
	const char *name = bit == CREDENTIAL_KEY ? "key" : bit == CREDENTIAL_TOKEN ? "token"
			   : bit == CREDENTIAL_USERNAME ? "username" : "password";

	yaml_event_t vev;
	int rc = next_event(ld, path, &vev);
	if (rc != 0)
		return rc;
	char why[160];
	if (vev.type != YAML_SCALAR_EVENT || is_null_scalar(&vev))
		rc = at_error(ld, vev.start_mark, path, "a credential must be a single value");
	else if (credentials_check_value(bit, vev.data.scalar.value, vev.data.scalar.length, why,
					 sizeof why) != 0)
		rc = at_error(ld, vev.start_mark, path, why);
	else if (ld->cred && append_credential(ld->cred, name, vev.data.scalar.value,
					       vev.data.scalar.length) != 0)
		rc = at_error(ld, vev.start_mark, path, "the credentials are too long");
	if (vev.type == YAML_SCALAR_EVENT)
		explicit_bzero(vev.data.scalar.value, vev.data.scalar.length);
	yaml_event_delete(&vev);
	return rc;
}

/* forwarding.authentication.credentials: a map of name: value whose values
 * go to ld->cred, never into the config. */
static int load_credentials(struct loader *ld, const char *path)
{
	yaml_event_t ev;
	int rc = next_event(ld, path, &ev);
	if (rc != 0)
		return rc;
	bool map = ev.type == YAML_MAPPING_START_EVENT;
	yaml_mark_t mark = ev.start_mark;
	if (ev.type == YAML_SCALAR_EVENT)
		explicit_bzero(ev.data.scalar.value, ev.data.scalar.length);
	yaml_event_delete(&ev);
	if (!map)
		return at_error(ld, mark, path, "expected a map of credentials, e.g. token: ...");
	if (ld->cred && !ld->cred->text) {
		ld->cred->text = calloc(1, CONFIG_INLINE_CREDENTIALS_MAX);
		if (!ld->cred->text)
			return at_error(ld, mark, path, "out of memory");
	}
	if (ld->cred)
		ld->cred->len = 0;
	unsigned have = 0;
	for (;;) {
		yaml_event_t kev;
		rc = next_event(ld, path, &kev);
		if (rc != 0)
			return rc;
		bool end = kev.type == YAML_MAPPING_END_EVENT;
		if (!end)
			rc = load_credential(ld, path, &kev, &have);
		yaml_event_delete(&kev);
		if (end || rc != 0)
			break;
	}
	if (rc == 0)
		ld->tmp.forwarding.authentication.credentials_inline = have;
	return rc;
}

/* A header list written as a YAML map: turned into its text form and set
 * like any other value; mark is where the map starts. */
static int load_header_map(struct loader *ld, const struct config_key *k, yaml_mark_t mark)
{
	char text[CONFIG_VALUE_TEXT_MAX];
	size_t used = 0;
	text[0] = '\0';
	for (;;) {
		yaml_event_t kev, vev;
		int rc = next_event(ld, k->path, &kev);
		if (rc != 0)
			return rc;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			break;
		}
		rc = next_event(ld, k->path, &vev);
		if (rc != 0) {
			yaml_event_delete(&kev);
			return rc;
		}
		bool name_ok = kev.type == YAML_SCALAR_EVENT && kev.data.scalar.length > 0 &&
			       !memchr(kev.data.scalar.value, '=', kev.data.scalar.length) &&
			       !memchr(kev.data.scalar.value, ',', kev.data.scalar.length);
		if (!name_ok)
			rc = at_error(ld, kev.start_mark, k->path, "a header name must be a word");
		else if (vev.type != YAML_SCALAR_EVENT)
			rc = at_error(ld, vev.start_mark, k->path, "a header value must be text");
		else if (header_list_append(text, sizeof text, &used,
					    (const char *)kev.data.scalar.value,
					    kev.data.scalar.length,
					    (const char *)vev.data.scalar.value,
					    vev.data.scalar.length) != 0)
			rc = at_error(ld, vev.start_mark, k->path, "the headers are too long");
		yaml_event_delete(&kev);
		yaml_event_delete(&vev);
		if (rc != 0)
			return rc;
	}
	char origin[CONFIG_PATH_MAX + 48];
	snprintf(origin, sizeof origin, "%s:%zu:%zu", ld->name, mark.line + 1, mark.column + 1);
	return config_key_parse(k, &ld->tmp, text, used, true, origin, ld->err);
}

static int load_mapping(struct loader *ld, const char *path, size_t depth);

/* One "key: value" pair of the mapping at path; kev is the key. */
static int load_pair(struct loader *ld, const char *path, const yaml_event_t *kev, size_t depth)
{
	const char *word = (const char *)kev->data.scalar.value;
	size_t word_len = kev->data.scalar.length;
	char child[CONFIG_KEY_PATH_MAX];
	size_t want = strlen(path) + (path[0] ? 1 : 0) + word_len;
	int n = snprintf(child, sizeof child, "%s%s%.*s", path, path[0] ? "." : "", (int)word_len,
			 word);
	/* A NUL inside the word would end it early; the length catches that. */
	bool fits = word_len > 0 && want < sizeof child && n >= 0 && (size_t)n == want &&
		    !memchr(word, '.', word_len);
	const struct config_key *k = fits ? config_key_find(child, (size_t)n) : NULL;
	bool inline_credentials = fits && strcmp(child, INLINE_CREDENTIALS_PATH) == 0;
	if (!k && !inline_credentials && !(fits && config_key_is_section(child, (size_t)n)))
		return unknown_key(ld, kev, path);
	int rc = mark_seen(ld, child, kev->start_mark);
	if (rc != 0)
		return rc;
	if (inline_credentials)
		return load_credentials(ld, child);

	yaml_event_t vev;
	rc = next_event(ld, child, &vev);
	if (rc != 0)
		return rc;
	if (k && k->type == CONFIG_TYPE_STRING && k->text_kind == CONFIG_TEXT_HEADER_LIST &&
	    vev.type == YAML_MAPPING_START_EVENT) {
		rc = load_header_map(ld, k, vev.start_mark);
	} else if (k) {
		rc = load_value(ld, k, &vev);
	} else if (vev.type != YAML_MAPPING_START_EVENT) {
		char problem[CONFIG_KEY_PATH_MAX + 96];
		snprintf(problem, sizeof problem, "expected a mapping of the keys of %s, found %s",
			 child, event_kind(&vev));
		rc = at_error(ld, vev.start_mark, child, problem);
	} else if (depth + 1 > CONFIG_YAML_DEPTH_MAX) {
		rc = at_error(ld, vev.start_mark, child, "nested deeper than 8 levels");
	} else {
		rc = load_mapping(ld, child, depth + 1);
	}
	yaml_event_delete(&vev);
	return rc;
}

/* Reads the pairs of a mapping whose start event was just consumed. */
static int load_mapping(struct loader *ld, const char *path, size_t depth)
{
	for (;;) {
		yaml_event_t kev;
		int rc = next_event(ld, path, &kev);
		if (rc != 0)
			return rc;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			return 0;
		}
		if (kev.type != YAML_SCALAR_EVENT) {
			char problem[64];
			snprintf(problem, sizeof problem, "a key must be a word, found %s",
				 event_kind(&kev));
			rc = at_error(ld, kev.start_mark, path, problem);
		} else {
			rc = load_pair(ld, path, &kev, depth);
		}
		yaml_event_delete(&kev);
		if (rc != 0)
			return rc;
	}
}

/* Expects the next event to be of type want, else reports what was found. */
static int expect_event(struct loader *ld, yaml_event_type_t want, yaml_event_t *ev)
{
	int rc = next_event(ld, "", ev);
	if (rc != 0)
		return rc;
	if (ev->type == want)
		return 0;
	yaml_mark_t mark = ev->start_mark;
	bool document = ev->type == YAML_DOCUMENT_START_EVENT;
	yaml_event_delete(ev);
	return at_error(ld, mark, "",
			document ? "only one YAML document is allowed" : "unexpected YAML content");
}

static int load_document(struct loader *ld)
{
	yaml_event_t ev;
	int rc = next_event(ld, "", &ev);
	if (rc != 0)
		return rc;
	if (ev.type == YAML_MAPPING_START_EVENT) {
		rc = load_mapping(ld, "", 1);
	} else if (!(ev.type == YAML_SCALAR_EVENT && is_null_scalar(&ev))) {
		char problem[96];
		snprintf(problem, sizeof problem, "the file must be a mapping of keys, found %s",
			 event_kind(&ev));
		rc = at_error(ld, ev.start_mark, "", problem);
	}
	yaml_event_delete(&ev);
	if (rc != 0)
		return rc;
	rc = expect_event(ld, YAML_DOCUMENT_END_EVENT, &ev);
	if (rc != 0)
		return rc;
	yaml_event_delete(&ev);
	rc = expect_event(ld, YAML_STREAM_END_EVENT, &ev);
	if (rc != 0)
		return rc;
	yaml_event_delete(&ev);
	return 0;
}

static int load_stream(struct loader *ld)
{
	yaml_event_t ev;
	int rc = expect_event(ld, YAML_STREAM_START_EVENT, &ev);
	if (rc != 0)
		return rc;
	yaml_event_delete(&ev);
	rc = next_event(ld, "", &ev);
	if (rc != 0)
		return rc;
	bool empty = ev.type == YAML_STREAM_END_EVENT;
	bool document = ev.type == YAML_DOCUMENT_START_EVENT;
	yaml_mark_t mark = ev.start_mark;
	yaml_event_delete(&ev);
	if (empty)
		return 0;
	if (!document)
		return at_error(ld, mark, "", "unexpected YAML content");
	return load_document(ld);
}

void config_inline_credentials_wipe(struct config_inline_credentials *cred)
{
	if (cred->text) {
		explicit_bzero(cred->text, CONFIG_INLINE_CREDENTIALS_MAX);
		free(cred->text);
	}
	cred->text = NULL;
	cred->len = 0;
}

/* libyaml's copies of the input: a credential written inline is among them. */
static void wipe_parser_buffers(yaml_parser_t *p)
{
	if (p->raw_buffer.start)
		explicit_bzero(p->raw_buffer.start, (size_t)(p->raw_buffer.end - p->raw_buffer.start));
	if (p->buffer.start)
		explicit_bzero(p->buffer.start, (size_t)(p->buffer.end - p->buffer.start));
}

int config_load_buffer(struct config *c, const char *name, const char *yaml, size_t len,
		       struct config_error *err)
{
	return config_load_buffer_credentials(c, name, yaml, len, NULL, err);
}

int config_load_buffer_credentials(struct config *c, const char *name, const char *yaml,
				   size_t len, struct config_inline_credentials *cred,
				   struct config_error *err)
{
	if (!name)
		name = "config";
	if (!yaml) {
		if (len != 0) {
			config_error_set(err, "%s: no text", name);
			return -EINVAL;
		}
		yaml = "";
	}
	if (len > CONFIG_FILE_MAX) {
		config_error_set(err, "%s: larger than 1 MiB", name);
		return -EFBIG;
	}
	struct loader *ld = calloc(1, sizeof *ld);
	if (!ld) {
		config_error_set(err, "%s: out of memory", name);
		return -ENOMEM;
	}
	if (!yaml_parser_initialize(&ld->parser)) {
		free(ld);
		config_error_set(err, "%s: out of memory", name);
		return -ENOMEM;
	}
	ld->name = name;
	ld->err = err;
	ld->cred = cred;
	ld->tmp = *c;
	yaml_parser_set_encoding(&ld->parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&ld->parser, (const unsigned char *)yaml, len);
	int rc = load_stream(ld);
	if (rc == 0)
		*c = ld->tmp;
	else if (cred)
		config_inline_credentials_wipe(cred);
	wipe_parser_buffers(&ld->parser);
	yaml_parser_delete(&ld->parser);
	free(ld);
	return rc;
}

/* Reads at most CONFIG_FILE_MAX + 1 bytes, so a larger file is seen as such
 * without reading all of it. *out is malloc'd; the caller frees it. */
static int read_file(const char *path, char **out, size_t *len, struct config_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		config_error_set(err, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		config_error_set(err, "%s: not a regular file", path);
		return -EINVAL;
	}
	char *buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf) {
		close(fd);
		config_error_set(err, "%s: out of memory", path);
		return -ENOMEM;
	}
	size_t used = 0;
	while (used <= CONFIG_FILE_MAX) {
		ssize_t r = read(fd, buf + used, CONFIG_FILE_MAX + 1 - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			free(buf);
			config_error_set(err, "%s: cannot read: %s", path, strerror(e));
			return -e;
		}
		if (r == 0)
			break;
		used += (size_t)r;
	}
	close(fd);
	if (used > CONFIG_FILE_MAX) {
		free(buf);
		config_error_set(err, "%s: larger than 1 MiB", path);
		return -EFBIG;
	}
	*out = buf;
	*len = used;
	return 0;
}

int config_load_file(struct config *c, const char *path, struct config_error *err)
{
	return config_load_file_credentials(c, path, NULL, err);
}

int config_load_file_credentials(struct config *c, const char *path,
				 struct config_inline_credentials *cred, struct config_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc = read_file(path, &text, &len, err);
	if (rc != 0)
		return rc;
	rc = config_load_buffer_credentials(c, path, text, len, cred, err);
	/* The file may hold inline credentials. */
	explicit_bzero(text, len);
	free(text);
	return rc;
}
