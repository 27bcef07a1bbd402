/* judge.c - a finding weighed against the live catalog (up, plan, up --dry-run)
 *
 * Offline, lint must assume the worst about every table: in a pull request
 * it cannot know whether a table holds a billion rows or none. Connected, the
 * caller's facts callback says what exists right now (before the run) and how
 * big it is: a statement on a relation that the run itself creates, or that
 * does not exist, cannot lock or break anything; a lock, rewrite or scan on a
 * small table takes milliseconds; breaking the running application does not
 * depend on size.
 */
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"
#include "base/strbuf.h"
#include "base/strlist.h"
#include "base/util.h"

/* Rules whose danger is to the running application, whatever the size. */
static const char *const compat_rules[] = {
	"drop-column", "drop-database", "drop-table", "rename-column", "rename-table",
	"truncate-table", "drop-schema-cascade", "drop-cascade", "drop-owned", "drop-object",
	"rename-object", "rename-enum-value", "set-schema",
};

static int is_compat(const char *rule)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(compat_rules); i++)
		if (!strcmp(compat_rules[i], rule))
			return 1;
	return 0;
}

/* The facts of name, asked once per linter. NULL when the database cannot tell. */
static const struct lint_rel_facts *facts_of(struct linter *l, const char *name)
{
	size_t k;

	if (strmap_get(&l->facts_map, name, &k))
		return l->facts_items[k].ok ? &l->facts_items[k].f : NULL;
	ALLOC_GROW(l->facts_items, l->nfacts + 1, l->afacts);
	k = l->nfacts++;
	memset(&l->facts_items[k], 0, sizeof(l->facts_items[k]));
	l->facts_items[k].ok = l->facts(l->facts_arg, NULL, name, &l->facts_items[k].f) == 0;
	strmap_put(&l->facts_map, name, k);
	return l->facts_items[k].ok ? &l->facts_items[k].f : NULL;
}

/* The table a finding's relation stands for: an index's table when the model knows it. */
static const char *table_of(const struct lint_ctx *c, const char *name)
{
	const struct sch_index *ix;

	if (schema_table(c->schema, NULL, name))
		return name;
	ix = schema_index(c->schema, NULL, name);
	return ix && ix->table ? ix->table : name;
}

int lint_rel_created_in_run(const struct lint_ctx *c, const char *table)
{
	const struct sch_table *t = schema_table(c->schema, NULL, table);

	return t && ctx_seq_is_new(c, t->seq);
}

static void add_facts(struct strbuf *sb, const char *table, const struct lint_rel_facts *f)
{
	strbuf_addf(sb, " (%s: ", table);
	if (f->rows >= 0) {
		strbuf_add_count(sb, f->rows);
		strbuf_addstr(sb, f->rows == 1 ? " row, " : " rows, ");
	} else {
		strbuf_addstr(sb, "rows unknown, ");
	}
	strbuf_add_size(sb, f->bytes);
}

int lint_judge(struct lint_ctx *c, const struct lint_emit *e, enum lint_severity *sev,
	       struct strbuf *note)
{
	struct linter *l = c->l;
	const struct lint_rel_facts *f;
	const char *name = e->lock.table, *table;
	int compat = is_compat(e->rule);

	if ((!l->facts && !c->revert_seq) || *sev == LINT_OFF)
		return 1;
	if (!compat && e->lock.mode == LOCK_NONE && !e->lock.rewrite && !e->lock.scan)
		return 1;
	if (!name && c->st)
		name = ctx_stmt_lock(c, NULL).table;
	if (!name)
		return 1;
	table = table_of(c, name);
	if (down_doomed_later(c, table))
		return 0; /* a down that drops the table afterwards: that DROP is what counts */
	if (!l->facts)
		return 1;
	if (lint_rel_created_in_run(c, table))
		return 0; /* new to everyone: empty, and no application uses it yet */
	if (!(f = facts_of(l, table)))
		return 1;
	if (!f->exists)
		return 0; /* nothing there before the run: nothing to lock or break */
	if (f->bytes < 0)
		return 1;
	add_facts(note, table, f);
	if (compat) {
		strbuf_addstr(note, " now)");
	} else if (f->bytes < l->small_table) {
		strbuf_addf(note, ": %s takes milliseconds)", e->lock.rewrite ? "the rewrite" :
			    e->lock.scan ? "the scan" : "the lock");
		*sev = LINT_WARNING;
	} else {
		strbuf_addstr(note, ", at least lint.small_table)");
	}
	return 1;
}

/* A type as format_type() spells it, read by the parser as the model reads a column's. */
static void column_from_catalog(struct schema *m, struct sch_column *out, const char *type)
{
	char *sql = xasprintf("SELECT NULL::%s", type);
	struct sql_script s;
	const PgQuery__Node *n;

	if (sql_script_parse(&s, sql, NULL, 1) == 0 && s.n == 1 && (n = s.stmts[0].node) &&
	    n->node_case == PG_QUERY__NODE__NODE_SELECT_STMT && n->select_stmt->n_target_list == 1 &&
	    (n = n->select_stmt->target_list[0])->node_case == PG_QUERY__NODE__NODE_RES_TARGET &&
	    (n = n->res_target->val) && n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST &&
	    n->type_cast->type_name) {
		const PgQuery__TypeName *tn = n->type_cast->type_name;

		out->type = sch_intern_id(m, pgnode_type_name(tn));
		out->mod0 = pgnode_type_mod(tn, 0);
		out->mod1 = pgnode_type_mod(tn, 1);
		out->is_array = pgnode_type_is_array(tn);
	}
	sql_script_release(&s);
	free(sql);
}

const struct sch_column *lint_column_now(struct lint_ctx *c, const struct sch_table *t,
					 const char *table, const char *col)
{
	struct linter *l = c->l;
	const struct sch_column *m = t ? sch_table_column(&l->schema, t, col) : NULL;
	char *key, *type = NULL;
	size_t k;

	if (m && (!m->type || !*sch_id_str(&l->schema, m->type)))
		m = NULL; /* known by name only */
	/* created or changed by a section not applied yet: the catalog does not have it */
	if (!l->columns || (t && t->seq > l->learned_seq) ||
	    (m && (m->seq > l->learned_seq || m->type_seq > l->learned_seq)))
		return m;
	key = xasprintf("%s.%s", table, col);
	if (!strmap_get(&l->cols_map, key, &k)) {
		ALLOC_GROW(l->cols_items, l->ncols + 1, l->acols);
		k = l->ncols++;
		memset(&l->cols_items[k], 0, sizeof(l->cols_items[k]));
		l->cols_items[k].name = sch_intern_id(&l->schema, col);
		l->cols_items[k].mod0 = l->cols_items[k].mod1 = -1;
		if (l->columns(l->facts_arg, NULL, table, col, &type) == 0 && type)
			column_from_catalog(&l->schema, &l->cols_items[k], type);
		free(type);
		strmap_put(&l->cols_map, key, k);
	}
	free(key);
	return l->cols_items[k].type ? &l->cols_items[k] : m;
}

void lint_column_retyped(struct lint_ctx *c, const char *table, const char *col,
			 const PgQuery__TypeName *tn)
{
	struct sch_column *k;
	char *key = xasprintf("%s.%s", table, col);
	size_t i;

	if (strmap_get(&c->l->cols_map, key, &i) && (k = &c->l->cols_items[i])->type) {
		k->type = sch_intern_id(&c->l->schema, pgnode_type_name(tn));
		k->mod0 = pgnode_type_mod(tn, 0);
		k->mod1 = pgnode_type_mod(tn, 1);
		k->is_array = pgnode_type_is_array(tn);
	}
	free(key);
}

int lint_object_absent(struct lint_ctx *c, const char *kind, const char *name)
{
	return c->l->objects && c->l->objects(c->l->facts_arg, kind, name) == 0;
}

void lint_facts_release(struct linter *l)
{
	free(l->cols_items);
	strmap_release(&l->cols_map);
	lint_fkeys_release(l);
	strmap_release(&l->facts_map);
	strmap_release(&l->later_doomed);
	free(l->facts_items);
}

/*
 * The section number to record a statement's creations with: CREATE ... IF NOT
 * EXISTS of a relation that exists on the database (and that the model never
 * saw: created outside these migrations) creates nothing, so it is not new.
 */
int lint_create_seq(struct lint_ctx *c, const PgQuery__Node *n)
{
	const PgQuery__RangeVar *rv = NULL;
	const struct lint_rel_facts *f;
	const char *name = NULL;

	if (!c->l->facts || !n)
		return c->seq;
	if (n->node_case == PG_QUERY__NODE__NODE_CREATE_STMT && n->create_stmt->if_not_exists)
		rv = n->create_stmt->relation;
	else if (n->node_case == PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT &&
		 n->create_table_as_stmt->if_not_exists && n->create_table_as_stmt->into)
		rv = n->create_table_as_stmt->into->rel;
	else if (n->node_case == PG_QUERY__NODE__NODE_INDEX_STMT && n->index_stmt->if_not_exists)
		name = n->index_stmt->idxname;
	if (rv)
		name = rv->relname;
	if (!name || (rv ? ctx_table(c, rv) != NULL : schema_index(c->schema, NULL, name) != NULL))
		return c->seq;
	f = facts_of(c->l, name);
	return f && f->exists ? 0 : c->seq;
}

/* The name a DROP object stands for: a list, a string, a type or a function. */
const char *lint_dropped_name(const PgQuery__Node *o)
{
	switch (o->node_case) {
	case PG_QUERY__NODE__NODE_LIST:
		return pgnode_last_str(o->list->items, o->list->n_items);
	case PG_QUERY__NODE__NODE_TYPE_NAME:
		return pgnode_last_str(o->type_name->names, o->type_name->n_names);
	case PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS:
		return pgnode_last_str(o->object_with_args->objname, o->object_with_args->n_objname);
	default:
		return pgnode_str(o);
	}
}

/* ---- a down's statements on a table it drops afterwards ----
 * An index dropped or built, a column altered, on a table about to go: they lock
 * nothing that the DROP TABLE does not lock anyway, and it is what counts. */

/* fn(name, i, ud) for each table that statement i (its tree n) drops (DROP TABLE). */
static void drop_stmt_tables(const PgQuery__Node *n, size_t i,
			     void (*fn)(const char *name, size_t i, void *ud), void *ud)
{
	size_t k;

	if (!n || n->node_case != PG_QUERY__NODE__NODE_DROP_STMT ||
	    n->drop_stmt->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
		return;
	for (k = 0; k < n->drop_stmt->n_objects; k++) {
		const char *name = lint_dropped_name(n->drop_stmt->objects[k]);

		if (name)
			fn(name, i, ud);
	}
}

static void doom(const char *name, size_t i, void *ud)
{
	strmap_put(ud, name, i);
}

/* Note statement i of the section (before any is linted, its tree at hand). */
void down_doomed_note(struct lint_ctx *c, size_t i)
{
	if (c->revert_seq)
		drop_stmt_tables(sql_script_stmt(c->script, i)->node, i, doom, &c->doomed);
}

int down_doomed_later(const struct lint_ctx *c, const char *table)
{
	size_t at;

	if (!c->revert_seq)
		return 0;
	if (strmap_get(&c->l->later_doomed, table, &at))
		return 1; /* a later down of the same run drops it */
	return c->st && strmap_get(&c->doomed, table, &at) && at > c->si;
}

static void add_name(const char *name, size_t i, void *ud)
{
	(void)i;
	strlist_add(ud, name);
}

void lint_script_dropped_tables(const struct sql_script *script, struct strlist *out)
{
	size_t i;

	for (i = 0; i < script->n; i++)
		drop_stmt_tables(script->stmts[i].node, i, add_name, out);
}

void linter_doomed_later(struct linter *l, const struct strlist *tables)
{
	size_t i;

	strmap_release(&l->later_doomed);
	for (i = 0; tables && i < tables->n; i++)
		strmap_put(&l->later_doomed, tables->v[i], 1);
}
