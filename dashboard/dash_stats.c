#include "dash_stats.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Processes in one snapshot at most: the supervisor and its children. */
#define GROUPS_MAX 16u

struct line {
	const char *name; /* after "process." */
	size_t name_len;
	const char *proc;
	size_t proc_len;
	const char *value;
	size_t value_len;
};

/* Splits the line [p, end) into its parts; false when it is not
 * "process.name digits". */
static bool split_line(const char *p, const char *end, struct line *l)
{
	const char *sp = memchr(p, ' ', (size_t)(end - p));
	if (sp == NULL)
		return false;
	const char *dot = memchr(p, '.', (size_t)(sp - p));
	if (dot == NULL || dot == p || dot + 1 == sp)
		return false;
	l->proc = p;
	l->proc_len = (size_t)(dot - p);
	l->name = dot + 1;
	l->name_len = (size_t)(sp - dot - 1);
	l->value = sp + 1;
	l->value_len = (size_t)(end - sp - 1);
	if (l->value_len == 0 || l->value_len > 20)
		return false;
	for (size_t i = 0; i < l->value_len; i++)
		if (l->value[i] < '0' || l->value[i] > '9')
			return false;
	return true;
}

/* Calls add for every well-formed line of the snapshot; stops at an error. */
static int each_line(const struct stats_buf *snap, int (*add)(const struct line *, void *),
		     void *ctx)
{
	const char *p = snap->text, *end = snap->text + snap->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		struct line l;
		if (split_line(p, le, &l)) {
			int err = add(&l, ctx);
			if (err)
				return err;
		}
		p = le + 1;
	}
	return 0;
}

struct groups {
	const char *proc[GROUPS_MAX];
	size_t len[GROUPS_MAX];
	size_t n;
};

static int note_group(const struct line *l, void *ctx)
{
	struct groups *g = ctx;
	for (size_t i = 0; i < g->n; i++)
		if (g->len[i] == l->proc_len && memcmp(g->proc[i], l->proc, l->proc_len) == 0)
			return 0;
	if (g->n == GROUPS_MAX)
		return 0;
	g->proc[g->n] = l->proc;
	g->len[g->n] = l->proc_len;
	g->n++;
	return 0;
}

struct emit {
	struct dash_buf *out;
	const char *proc;
	size_t proc_len;
	bool first;
};

static int emit_line(const struct line *l, void *ctx)
{
	struct emit *e = ctx;
	if (l->proc_len != e->proc_len || memcmp(l->proc, e->proc, e->proc_len) != 0)
		return 0;
	int err = e->first ? 0 : dash_buf_str(e->out, ",");
	e->first = false;
	if (!err)
		err = dash_buf_json_str(e->out, l->name, l->name_len);
	if (!err)
		err = dash_buf_str(e->out, ":");
	if (!err)
		err = dash_buf_add(e->out, l->value, l->value_len);
	return err;
}

int dash_stats_json(const struct stats_buf *snap, uint64_t snapshots, int64_t age_ms,
		    struct dash_buf *out)
{
	struct groups g = {.n = 0};
	each_line(snap, note_group, &g);
	int err = dash_buf_str(out, "{\"snapshots\":");
	if (!err)
		err = dash_buf_u64(out, snapshots);
	if (!err)
		err = dash_buf_str(out, ",\"age_ms\":");
	if (!err)
		err = dash_buf_i64(out, age_ms);
	if (!err)
		err = dash_buf_str(out, ",\"processes\":{");
	for (size_t i = 0; i < g.n && !err; i++) {
		if (i)
			err = dash_buf_str(out, ",");
		if (!err)
			err = dash_buf_json_str(out, g.proc[i], g.len[i]);
		if (!err)
			err = dash_buf_str(out, ":{");
		struct emit e = {.out = out, .proc = g.proc[i], .proc_len = g.len[i], .first = true};
		if (!err)
			err = each_line(snap, emit_line, &e);
		if (!err)
			err = dash_buf_str(out, "}");
	}
	if (!err)
		err = dash_buf_str(out, "}}");
	return err;
}
