/* plan.c - the plan model: migrations, statements, predicted effects, warnings */
#include "plan/plan.h"
#include "sql/directive.h"
#include "sql/pgnode.h"
#include "lint/lint.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* --- lock modes ------------------------------------------------------------------ */

/* pg_locks.mode names, and what each mode conflicts with (bit 1 << mode). */
static const struct {
	const char *pg;
	unsigned conflicts;
} modes[] = {
	[LOCK_NONE] = { "", 0 },
	[LOCK_ACCESS_SHARE] = { "AccessShareLock", 1u << 8 },
	[LOCK_ROW_SHARE] = { "RowShareLock", 1u << 7 | 1u << 8 },
	[LOCK_ROW_EXCLUSIVE] = { "RowExclusiveLock", 1u << 5 | 1u << 6 | 1u << 7 | 1u << 8 },
	[LOCK_SHARE_UPDATE_EXCLUSIVE] = { "ShareUpdateExclusiveLock",
					  1u << 4 | 1u << 5 | 1u << 6 | 1u << 7 | 1u << 8 },
	[LOCK_SHARE] = { "ShareLock", 1u << 3 | 1u << 4 | 1u << 6 | 1u << 7 | 1u << 8 },
	[LOCK_SHARE_ROW_EXCLUSIVE] = { "ShareRowExclusiveLock",
				       1u << 3 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 7 | 1u << 8 },
	[LOCK_EXCLUSIVE] = { "ExclusiveLock",
			     1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 7 | 1u << 8 },
	[LOCK_ACCESS_EXCLUSIVE] = { "AccessExclusiveLock", 0x1feu },
};

enum lock_mode plan_lock_from_pg(const char *pg_mode)
{
	int i;

	for (i = LOCK_ACCESS_SHARE; i <= LOCK_ACCESS_EXCLUSIVE; i++)
		if (!strcmp(modes[i].pg, pg_mode))
			return (enum lock_mode)i;
	return LOCK_NONE;
}

int plan_lock_conflicts(enum lock_mode a, enum lock_mode b)
{
	if (a <= LOCK_NONE || a > LOCK_ACCESS_EXCLUSIVE || b <= LOCK_NONE || b > LOCK_ACCESS_EXCLUSIVE)
		return 0;
	return !!(modes[a].conflicts & (1u << b));
}

enum lock_mode plan_effect_held(const struct plan_effect *e)
{
	int k;

	for (k = LOCK_ACCESS_EXCLUSIVE; k > 0; k--)
		if (e->held & (1u << k))
			return (enum lock_mode)k;
	return LOCK_NONE;
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

static void migration_release(struct plan_migration *m)
{
	size_t j;

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

void plan_forget(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		migration_release(&p->items[i]);
	p->n = 0;
}

void plan_release(struct plan *p)
{
	plan_forget(p);
	free(p->items);
	if (p->linter)
		linter_free(p->linter);
	if (p->predictor)
		linter_free(p->predictor);
	free(p->database);
	free(p->scratch);
	strlist_release(&p->warnings);
	memset(p, 0, sizeof(*p));
}

int plan_migration_failed(const struct plan_migration *m)
{
	return m->outcome && strcmp(m->outcome, "clean");
}

size_t plan_failures(const struct plan *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += plan_migration_failed(&p->items[i]);
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

/* --- predictions ------------------------------------------------------------------- */

int plan_linters(struct plan *p, const struct config *cfg, int pg_version,
		 const struct lint_options *db)
{
	struct lint_options user = { .cfg = cfg };
	struct lint_options defaults = { .cfg = NULL, .pg_version = pg_version };

	if (db) {
		user.facts = db->facts;
		user.facts_arg = defaults.facts_arg = db->facts_arg;
		user.objects = db->objects;
		/* the predictor reads column types from the catalog too, but judges nothing */
		user.columns = defaults.columns = db->columns;
	}

	p->linter = linter_new(&user);
	if (!p->linter)
		return -1;
	if (!pg_version)
		defaults.pg_version = linter_pg_version(p->linter);
	p->predictor = linter_new(&defaults);
	if (!p->predictor)
		return -1;
	p->pg_version = linter_pg_version(p->predictor);
	return 0;
}

void plan_begin_run(struct plan *p)
{
	if (p->linter)
		linter_begin_run(p->linter);
}

void plan_doomed_later(struct plan *p, const struct strlist *tables)
{
	/* the findings only: the locks and rewrites predicted still happen */
	if (p->linter)
		linter_doomed_later(p->linter, tables);
}

void plan_learn(struct plan *p, const struct section *sec)
{
	if (p->linter)
		linter_learn_section(p->linter, sec);
	if (p->predictor)
		linter_learn_section(p->predictor, sec);
}

static const char *target_kind(enum lock_target t)
{
	switch (t) {
	case LOCK_ON_INDEX:
		return "index";
	case LOCK_ON_TYPE:
		return "type";
	case LOCK_ON_DATABASE:
		return "database";
	case LOCK_ON_DOMAIN_USERS:
		return "tables using domain";
	default:
		return "table";
	}
}

/* What locks.c says a statement locks, rewrites and scans (context-free), as effects. */
static struct plan_effect *effects_of(const PgQuery__Node *node, int pg_version, size_t *nout)
{
	struct lock_effect e[64];
	size_t n = locks_for_stmt(node, pg_version, e, ARRAY_SIZE(e)), i;
	struct plan_effect *fx;

	if (n > ARRAY_SIZE(e))
		n = ARRAY_SIZE(e);
	fx = xcalloc(n + 1, sizeof(*fx));
	for (i = 0; i < n; i++) {
		struct plan_effect *x = &fx[i];

		x->schema = e[i].schema ? xstrdup(e[i].schema) : NULL;
		x->name = xstrdup(e[i].name);
		x->kind = target_kind(e[i].target);
		x->mode = e[i].mode;
		x->rewrite = e[i].rewrite;
		x->scan = e[i].scan;
		x->rows = -1;
		x->bytes = -1;
	}
	*nout = n;
	return fx;
}

static void predict(struct plan_stmt *ps, const struct sql_stmt *s, int pg_version)
{
	ps->effects = effects_of(s->node, pg_version, &ps->neffects);
}

/* The statement of m that a finding at (line, col) belongs to (the first one when before it). */
static struct plan_stmt *stmt_at(struct plan_migration *m, int line, int col)
{
	size_t i;

	for (i = m->nstmts; i-- > 1;)
		if (line > m->stmts[i].line || (line == m->stmts[i].line && col >= m->stmts[i].col))
			return &m->stmts[i];
	return m->nstmts ? &m->stmts[0] : NULL;
}

static void add_findings(struct plan_migration *m, const struct lint_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct lint_finding *f = &r->items[i];
		struct plan_stmt *s = stmt_at(m, f->line, f->col);
		struct plan_finding *x;

		if (!s) {
			strlist_addf(&m->warnings, "[%s] %s", f->rule, f->message);
			continue;
		}
		s->findings = xrealloc(s->findings, (s->nfindings + 1) * sizeof(*s->findings));
		x = &s->findings[s->nfindings++];
		memset(x, 0, sizeof(*x));
		x->rule = xstrdup(f->rule);
		x->severity = f->severity;
		x->line = f->line;
		x->col = f->col;
		x->message = xstrdup(f->message);
		x->help = f->help ? xstrdup(f->help) : NULL;
		x->allowed = f->allowed;
		x->reason = f->allow_reason ? xstrdup(f->allow_reason) : NULL;
	}
}

struct disable_scan {
	const char *rule;
	int found;
};

static void disable_comment(const char *src, int start, int end, void *ud)
{
	struct disable_scan *d = ud;
	struct directive dv;
	const char *tok, *rest, *p;
	size_t tok_len, rest_len, n = strlen(d->rule);

	if (!directive_read(src + start, (size_t)(end - start), &dv) ||
	    !directive_is(&dv, "disable") ||
	    !directive_split(&dv, &tok, &tok_len, &rest, &rest_len))
		return;
	/* RULE or RULE,RULE,... */
	for (p = tok; p < tok + tok_len; p += strcspn(p, ",") + 1)
		if ((size_t)(tok + tok_len - p) >= n && !strncmp(p, d->rule, n) &&
		    (p + n == tok + tok_len || p[n] == ','))
			d->found = 1;
}

/* Does the section turn the rule off with "-- migrate:disable RULE"? */
static int section_disables(const char *sql, const char *rule)
{
	struct disable_scan d = { rule, 0 };

	sql_for_each_comment(sql, disable_comment, &d);
	return d.found;
}

/*
 * locks.c sees one statement, not the schema: it answers ALTER COLUMN TYPE and
 * SET NOT NULL the conservative way (a rewrite, a scan), and cannot know that a
 * column's type is a domain with a CHECK (a rewrite). The linter knows the
 * column's old type, the validated CHECKs and the domains from the migrations
 * before; its findings (every rule on) decide those subcommands.
 */
struct refine_at {
	const struct sql_stmt *s, *next; /* the findings between these two statements */
	const struct lint_result *r;
	const char *sql;
	int pg_version;
	int by_table;                    /* only the findings on the altered table */
};

static int finding_in(const struct refine_at *at, const struct lint_finding *f, const char *table)
{
	const struct sql_stmt *s = at->s, *next = at->next;

	if (f->line < s->line || (f->line == s->line && f->col < s->col) ||
	    (next && (f->line > next->line || (f->line == next->line && f->col >= next->col))))
		return 0;
	return !at->by_table || (f->table && !strcmp(f->table, table));
}

static void refine_alter(struct plan_effect *fx, size_t nfx, const PgQuery__Node *node,
			 const struct refine_at *at)
{
	static const struct {
		PgQuery__AlterTableType subtype;
		const char *rule;
		int replace; /* the finding decides; else it can only add a rewrite or scan */
	} refined[] = {
		{ PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType, "change-column-type", 1 },
		{ PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull, "set-not-null", 1 },
		{ PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn, "add-column-domain-check", 0 },
	};
	const PgQuery__AlterTableStmt *a;
	struct plan_effect *t = NULL;
	int rewrite = 0, scan = 0, touched = 0;
	size_t i, k, j;

	if (!node || node->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
		return;
	a = node->alter_table_stmt;
	for (i = 0; i < nfx; i++)
		if (!strcmp(fx[i].kind, "table") && a->relation &&
		    !strcmp(fx[i].name, a->relation->relname))
			t = &fx[i];
	if (!t)
		return;
	for (i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c;
		struct lock_effect e;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		c = a->cmds[i]->alter_table_cmd;
		locks_for_alter_cmd(c, at->pg_version, &e);
		for (k = 0; k < ARRAY_SIZE(refined); k++)
			if (c->subtype == refined[k].subtype && !section_disables(at->sql, refined[k].rule))
				break;
		if (k == ARRAY_SIZE(refined) || !refined[k].replace) {
			rewrite |= e.rewrite;
			scan |= e.scan;
		}
		if (k == ARRAY_SIZE(refined))
			continue;
		touched = 1;
		for (j = 0; j < at->r->n; j++) {
			const struct lint_finding *f = &at->r->items[j];

			if (strcmp(f->rule, refined[k].rule) || !finding_in(at, f, t->name))
				continue;
			rewrite |= f->rewrite;
			scan |= f->scan;
		}
	}
	if (touched) {
		t->rewrite = rewrite;
		t->scan = scan;
	}
}

/* An effect of a statement in a PL/pgSQL body counts for the statement that runs it. */
static void merge_effect(struct plan_stmt *ps, struct plan_effect *x)
{
	size_t i;

	for (i = 0; i < ps->neffects; i++) {
		struct plan_effect *y = &ps->effects[i];

		if (strcmp(y->kind, x->kind) || strcmp(y->name, x->name) ||
		    !y->schema != !x->schema || (y->schema && strcmp(y->schema, x->schema)))
			continue;
		if (x->mode > y->mode)
			y->mode = x->mode;
		y->rewrite |= x->rewrite;
		y->scan |= x->scan;
		free(x->schema);
		free(x->name);
		free(x->parent);
		return;
	}
	ps->effects = xrealloc(ps->effects, (ps->neffects + 1) * sizeof(*ps->effects));
	ps->effects[ps->neffects++] = *x;
}

/* ACCESS EXCLUSIVE on a table the statement does not name, as effect of ps. */
static void add_locked(struct plan_stmt *ps, const char *table)
{
	struct plan_effect x;

	memset(&x, 0, sizeof(x));
	x.name = xstrdup(table);
	x.kind = "table";
	x.mode = LOCK_ACCESS_EXCLUSIVE;
	x.rows = -1;
	x.bytes = -1;
	merge_effect(ps, &x);
}

/*
 * Dropping a foreign key (DROP CONSTRAINT, or DROP TABLE of the table holding it)
 * takes ACCESS EXCLUSIVE on the referenced table too: the migrations that created
 * the key say which table that is (pred has seen them).
 */
static void fkey_effects(struct plan_stmt *ps, const struct linter *pred, const PgQuery__Node *n)
{
	size_t i, j;

	if (!pred || !n)
		return;
	if (n->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT && n->alter_table_stmt->relation) {
		const PgQuery__AlterTableStmt *a = n->alter_table_stmt;

		for (i = 0; i < a->n_cmds; i++) {
			const PgQuery__AlterTableCmd *c = a->cmds[i]->node_case ==
				PG_QUERY__NODE__NODE_ALTER_TABLE_CMD ? a->cmds[i]->alter_table_cmd : NULL;
			const char *ref;

			if (c && (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint ||
				  c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraintRecurse) &&
			    (ref = linter_fk_references(pred, a->relation->relname, c->name)) &&
			    strcmp(ref, a->relation->relname))
				add_locked(ps, ref);
		}
	} else if (n->node_case == PG_QUERY__NODE__NODE_DROP_STMT &&
		   n->drop_stmt->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
		struct strlist refs = { NULL, 0, 0 };

		for (i = 0; i < n->drop_stmt->n_objects; i++) {
			const PgQuery__Node *o = n->drop_stmt->objects[i];

			if (o->node_case == PG_QUERY__NODE__NODE_LIST)
				linter_fk_tables(pred, pgnode_last_str(o->list->items, o->list->n_items),
						 &refs);
		}
		for (j = 0; j < refs.n; j++)
			add_locked(ps, refs.v[j]);
		strlist_release(&refs);
	}
}

struct body_predict {
	struct plan_stmt *ps;
	struct refine_at at;
	const struct linter *pred;
};

/* One statement of a DO block or of a called function: its locks, refined by the
 * findings on its table that the predictor placed on the statement that runs it. */
static void body_effects(const struct sql_stmt *s, void *ud)
{
	struct body_predict *b = ud;
	size_t n, i;
	struct plan_effect *fx = effects_of(s->node, b->at.pg_version, &n);

	if (b->at.r)
		refine_alter(fx, n, s->node, &b->at);
	for (i = 0; i < n; i++)
		merge_effect(b->ps, &fx[i]);
	free(fx);
	fkey_effects(b->ps, b->pred, s->node);
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
	ps->dml = s->node && (s->node->node_case == PG_QUERY__NODE__NODE_INSERT_STMT ||
			      s->node->node_case == PG_QUERY__NODE__NODE_UPDATE_STMT ||
			      s->node->node_case == PG_QUERY__NODE__NODE_DELETE_STMT ||
			      s->node->node_case == PG_QUERY__NODE__NODE_MERGE_STMT);
	ps->batch = s->batch;
	ps->batch_rows = -1;
	return ps;
}

/* Lint the section that runs (a down against the schema its up left) and refine predictions. */
static void lint_step(struct plan *p, struct plan_migration *m, const struct step *st, int direction)
{
	struct section sec;
	struct lint_result r;
	size_t i;

	memset(&sec, 0, sizeof(sec));
	sec.path = (char *)st->path;
	sec.sql = (char *)st->sql;
	sec.line_base = st->line_base;
	sec.dir = st->dir;
	if (p->linter) {
		lint_result_init(&r);
		if (direction > 0)
			lint_section(p->linter, &sec, &r);
		else
			lint_section_isolated(p->linter, &sec, &r);
		add_findings(m, &r);
		lint_result_release(&r);
	}
	if (p->predictor) {
		lint_result_init(&r);
		if (direction > 0)
			lint_section(p->predictor, &sec, &r);
		else
			lint_section_isolated(p->predictor, &sec, &r);
		for (i = 0; i < st->script.n; i++) {
			struct body_predict b = { &m->stmts[i], { &st->script.stmts[i],
				i + 1 < st->script.n ? &st->script.stmts[i + 1] : NULL, &r, st->sql,
				p->pg_version, 0 }, p->predictor };

			refine_alter(b.ps->effects, b.ps->neffects, b.at.s->node, &b.at);
			fkey_effects(b.ps, p->predictor, b.at.s->node);
			b.at.by_table = 1;
			lint_body_stmts(&st->script, i, body_effects, &b);
		}
		lint_result_release(&r);
	}
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

		predict(ps, s, p->pg_version);
		if (direction < 0)
			destroyed_data(s->node, &ps->warnings);
	}
	lint_step(p, m, st, direction);
	return m;
}
