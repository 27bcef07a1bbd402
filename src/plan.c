/* plan.c - the plan model: migrations, statements, predicted effects, warnings */
#include "plan.h"
#include "strbuf.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* --- strlist ------------------------------------------------------------------- */

void strlist_add(struct strlist *l, const char *s)
{
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = xstrdup(s);
}

void strlist_addf(struct strlist *l, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = strbuf_detach(&sb, NULL);
}

void strlist_release(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* --- lock modes ------------------------------------------------------------------ */

static const struct {
	const char *name, *pg;
	unsigned conflicts; /* bit 1 << mode for each conflicting mode */
} modes[] = {
	{ "none", "", 0 },
	{ "ACCESS SHARE", "AccessShareLock", 1u << 8 },
	{ "ROW SHARE", "RowShareLock", 1u << 7 | 1u << 8 },
	{ "ROW EXCLUSIVE", "RowExclusiveLock", 1u << 5 | 1u << 6 | 1u << 7 | 1u << 8 },
	{ "SHARE UPDATE EXCLUSIVE", "ShareUpdateExclusiveLock",
	  1u << 4 | 1u << 5 | 1u << 6 | 1u << 7 | 1u << 8 },
	{ "SHARE", "ShareLock", 1u << 3 | 1u << 4 | 1u << 6 | 1u << 7 | 1u << 8 },
	{ "SHARE ROW EXCLUSIVE", "ShareRowExclusiveLock",
	  1u << 3 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 7 | 1u << 8 },
	{ "EXCLUSIVE", "ExclusiveLock",
	  1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 7 | 1u << 8 },
	{ "ACCESS EXCLUSIVE", "AccessExclusiveLock", 0x1feu },
};

const char *plan_lock_name(int mode)
{
	return mode >= 0 && mode <= PLAN_LOCK_MAX ? modes[mode].name : "unknown";
}

const char *plan_lock_pg_name(int mode)
{
	return mode > 0 && mode <= PLAN_LOCK_MAX ? modes[mode].pg : "";
}

int plan_lock_from_pg(const char *pg_mode)
{
	int i;

	for (i = 1; i <= PLAN_LOCK_MAX; i++)
		if (!strcmp(modes[i].pg, pg_mode))
			return i;
	return 0;
}

int plan_lock_conflicts(int a, int b)
{
	if (a <= 0 || a > PLAN_LOCK_MAX || b <= 0 || b > PLAN_LOCK_MAX)
		return 0;
	return !!(modes[a].conflicts & (1u << b));
}

int plan_lock_blocks_reads(int mode)
{
	return plan_lock_conflicts(mode, PLAN_LOCK_ACCESS_SHARE);
}

int plan_lock_blocks_writes(int mode)
{
	return plan_lock_conflicts(mode, PLAN_LOCK_ROW_EXCLUSIVE);
}

int plan_effect_held(const struct plan_effect *e)
{
	int k;

	for (k = PLAN_LOCK_MAX; k > 0; k--)
		if (e->held & (1u << k))
			return k;
	return 0;
}

/* --- the model ---------------------------------------------------------------------- */

void plan_init(struct plan *p, const char *command, int direction)
{
	memset(p, 0, sizeof(*p));
	p->command = command;
	p->direction = direction;
	p->with_data_rows = -1;
}

static void effects_free(struct plan_effect *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(e[i].schema);
		free(e[i].name);
		free(e[i].parent);
	}
	free(e);
}

static void stmt_release(struct plan_stmt *s)
{
	size_t i;

	free(s->file);
	free(s->text);
	effects_free(s->effects, s->neffects);
	effects_free(s->seen, s->nseen);
	for (i = 0; i < s->nfindings; i++) {
		free(s->findings[i].rule);
		free(s->findings[i].message);
		free(s->findings[i].help);
		free(s->findings[i].reason);
	}
	free(s->findings);
	strlist_release(&s->warnings);
	strlist_release(&s->rebuilt);
	strlist_release(&s->diffs);
	strlist_release(&s->notes);
}

void plan_release(struct plan *p)
{
	size_t i, j;

	for (i = 0; i < p->n; i++) {
		struct plan_migration *m = &p->items[i];

		for (j = 0; j < m->nstmts; j++)
			stmt_release(&m->stmts[j]);
		free(m->stmts);
		free(m->version_str);
		free(m->name);
		free(m->file);
		free(m->undo_sql);
		free(m->undo_file);
		strlist_release(&m->warnings);
		strlist_release(&m->failures);
		strlist_release(&m->schema_diff);
	}
	free(p->items);
	free(p->database);
	free(p->scratch);
	strlist_release(&p->warnings);
	memset(p, 0, sizeof(*p));
}

size_t plan_failures(const struct plan *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		if (p->items[i].outcome && strcmp(p->items[i].outcome, "clean"))
			n++;
	return n;
}

/* "schema.name" or "name" of a RangeVar. */
static char *rangevar_name(const PgQuery__RangeVar *rv)
{
	if (!rv || !rv->relname)
		return xstrdup("?");
	if (rv->schemaname && *rv->schemaname)
		return xasprintf("%s.%s", rv->schemaname, rv->relname);
	return xstrdup(rv->relname);
}

/* "a.b" of a DROP's object name list. */
static char *name_list(const PgQuery__Node *n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (!n || n->node_case != PG_QUERY__NODE__NODE_LIST)
		return xstrdup("?");
	for (i = 0; i < n->list->n_items; i++) {
		const PgQuery__Node *it = n->list->items[i];
		if (it->node_case != PG_QUERY__NODE__NODE_STRING)
			continue;
		if (sb.len)
			strbuf_addch(&sb, '.');
		strbuf_addstr(&sb, it->string->sval);
	}
	return strbuf_detach(&sb, NULL);
}

/* What data a statement destroys, as warnings: DROP TABLE, DROP COLUMN, TRUNCATE, DELETE. */
static void destroyed_data(const PgQuery__Node *n, struct strlist *out)
{
	size_t i;
	char *t;

	if (!n)
		return;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_DROP_STMT: {
		const PgQuery__DropStmt *d = n->drop_stmt;
		if (d->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE &&
		    !(d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA &&
		      d->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE))
			return;
		for (i = 0; i < d->n_objects; i++) {
			if (d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA) {
				const PgQuery__Node *o = d->objects[i];
				strlist_addf(out, "destroys data: drops schema %s with every table in it",
					     o->node_case == PG_QUERY__NODE__NODE_STRING ? o->string->sval : "?");
				continue;
			}
			t = name_list(d->objects[i]);
			strlist_addf(out, "destroys data: drops table %s and its rows", t);
			free(t);
		}
		break;
	}
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT: {
		const PgQuery__AlterTableStmt *a = n->alter_table_stmt;
		for (i = 0; i < a->n_cmds; i++) {
			const PgQuery__Node *c = a->cmds[i];
			if (c->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD ||
			    c->alter_table_cmd->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn)
				continue;
			t = rangevar_name(a->relation);
			strlist_addf(out, "destroys data: drops column %s.%s and its values", t,
				     c->alter_table_cmd->name);
			free(t);
		}
		break;
	}
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		for (i = 0; i < n->truncate_stmt->n_relations; i++) {
			const PgQuery__Node *r = n->truncate_stmt->relations[i];
			if (r->node_case != PG_QUERY__NODE__NODE_RANGE_VAR)
				continue;
			t = rangevar_name(r->range_var);
			strlist_addf(out, "destroys data: empties table %s", t);
			free(t);
		}
		break;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		t = rangevar_name(n->delete_stmt->relation);
		strlist_addf(out, "destroys data: deletes rows from %s%s", t,
			     n->delete_stmt->where_clause ? "" : " (every row)");
		free(t);
		break;
	default:
		break;
	}
}

static struct plan_stmt *add_stmt(struct plan_migration *m, const struct step *st,
				  const struct sql_stmt *s)
{
	struct plan_stmt *ps;

	ALLOC_GROW(m->stmts, m->nstmts + 1, m->stmts_alloc);
	ps = &m->stmts[m->nstmts++];
	memset(ps, 0, sizeof(*ps));
	ps->file = xstrdup(st->path);
	ps->line = s->line;
	ps->col = s->col;
	ps->text = xstrdup(s->text);
	ps->kind = s->flags & STMT_UNPARSED ? "unparsed statement" : sql_stmt_kind(s->node);
	ps->no_tx = !!(s->flags & STMT_NO_TX);
	return ps;
}

struct plan_migration *plan_add(struct plan *p, const struct step *st, int direction,
				const struct section *undo)
{
	struct plan_migration *m;
	size_t i;

	ALLOC_GROW(p->items, p->n + 1, p->alloc);
	m = &p->items[p->n++];
	memset(m, 0, sizeof(*m));
	m->version = st->version;
	m->version_str = st->version_str ? xstrdup(st->version_str)
					 : xasprintf("%lld", (long long)st->version);
	m->name = xstrdup(st->name ? st->name : "");
	m->direction = direction;
	m->file = xstrdup(st->path ? st->path : "");
	m->mode = st->mode;
	m->lock_timeout_ms = st->dir.lock_timeout_ms;
	m->statement_timeout_ms = st->dir.statement_timeout_ms;
	if (undo && undo->sql && !sql_is_blank(undo->sql)) {
		m->undo_sql = xstrdup(undo->sql);
		m->undo_file = xstrdup(undo->path ? undo->path : "");
	}
	if (st->script.error)
		strlist_addf(&m->warnings, "%s:%d:%d: could not be parsed (%s): it is sent to the "
			     "server as written and nothing about it is predicted", st->path,
			     st->script.error_line, st->script.error_col, st->script.error);
	for (i = 0; i < st->script.n; i++) {
		const struct sql_stmt *s = &st->script.stmts[i];
		struct plan_stmt *ps = add_stmt(m, st, s);

		if (direction < 0)
			destroyed_data(s->node, &ps->warnings);
	}
	return m;
}
