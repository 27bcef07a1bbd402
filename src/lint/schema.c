/* schema.c - the linter's model of the schema, built from the migrations seen so far
 *
 * Only what the rules need: which tables exist and which section created
 * them, their columns (type, NOT NULL), CHECK constraints (valid, which
 * columns they prove NOT NULL), indexes, and the volatility of functions the
 * migrations created. Unknown is always answered conservatively by the rules.
 *
 * A down is linted against the model its up left and must not change it: a
 * savepoint journals what each change overwrites, and the rollback puts it
 * back (schema_savepoint / schema_rollback), instead of a copy of the whole
 * model per down, which made linting N migrations O(N^2).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "lint/schema.h"
#include "sql/locks.h"
#include "sql/pgnode.h"
#include "base/strbuf.h"
#include "base/util.h"

/* The journal of a savepoint: what each change overwrote, newest last. */
enum undo_kind { UNDO_TABLE, UNDO_INDEX, UNDO_FUNC, UNDO_DOMAIN, UNDO_MAP };

struct undo_entry {
	enum undo_kind kind;
	size_t at;               /* the object's place in its array */
	struct strmap *map;      /* UNDO_MAP: the map, the key, and what it held */
	char *key;
	int had;
	size_t value;
	union {
		struct sch_table table; /* deep copies, owned by the entry */
		struct sch_index index;
		struct sch_named named; /* name shared: it never changes in place */
	} old;
};

struct sch_undo {
	struct undo_entry *v;
	size_t n, alloc;
	/* the arrays' lengths at the savepoint: objects past them are new, not saved */
	size_t ntables, nindexes, nfuncs, ndomains;
};

void schema_init(struct schema *s)
{
	memset(s, 0, sizeof(*s));
}

/* A table's arrays (its strings are the model's: schema_str.c). */
static void table_release(struct sch_table *t)
{
	free(t->cols);
	free(t->checks);
}

void schema_release(struct schema *s)
{
	size_t i;

	if (s->undo)
		schema_rollback(s);
	for (i = 0; i < s->ntables; i++)
		table_release(&s->tables[i]);
	free(s->tables);
	free(s->indexes);
	free(s->funcs);
	free(s->domains);
	strmap_release(&s->tmap);
	strmap_release(&s->imap);
	strmap_release(&s->fmap);
	strmap_release(&s->dmap);
	sch_strings_release(s);
	schema_init(s);
}

/* n elements of size sz at a, copied (NULL when none). */
static void *copy_array(const void *a, size_t n, size_t sz)
{
	void *b;

	if (!n)
		return NULL;
	b = xmalloc(n * sz);
	memcpy(b, a, n * sz);
	return b;
}

/* The strings are shared: they never change in place. */
static void table_copy(struct sch_table *b, const struct sch_table *a)
{
	*b = *a;
	b->acols = a->ncols;
	b->cols = copy_array(a->cols, a->ncols, sizeof(*a->cols));
	b->achecks = a->nchecks;
	b->checks = copy_array(a->checks, a->nchecks, sizeof(*a->checks));
}

/* Room for one more in an array of n, *alloc, twice as large when full: not zeroed as
 * ALLOC_GROW's (the caller fills the new one), so the room not used yet is not touched
 * and takes no memory (a large realloc is a new mapping). */
static void *grow_big(void *items, size_t sz, size_t n, size_t *alloc)
{
	if (n < *alloc)
		return items;
	*alloc = *alloc ? *alloc * 2 : 8;
	return xrealloc(items, *alloc * sz);
}

/* Room for one more in an array of *n, *alloc: exact for a few, then a quarter more
 * (a table has a few columns and checks; most of a million tables must stay small). */
static void *grow_small(void *items, size_t sz, uint32_t n, uint32_t *alloc)
{
	if (n < *alloc)
		return items;
	*alloc = n < 8 ? n + 1 : n + n / 4;
	return xrealloc(items, (size_t)*alloc * sz);
}

/* ---- savepoints ---- */

void schema_savepoint(struct schema *s)
{
	assert(!s->undo); /* one at a time */
	s->undo = xcalloc(1, sizeof(*s->undo));
	s->undo->ntables = s->ntables;
	s->undo->nindexes = s->nindexes;
	s->undo->nfuncs = s->nfuncs;
	s->undo->ndomains = s->ndomains;
}

/* A new entry at the end of the savepoint's journal. */
static struct undo_entry *journal(struct sch_undo *u, enum undo_kind kind, size_t at)
{
	struct undo_entry *e;

	ALLOC_GROW(u->v, u->n + 1, u->alloc);
	e = &u->v[u->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->at = at;
	return e;
}

/*
 * Each of these goes before an object is changed in place. Only objects older
 * than the savepoint are saved: one added since goes as a whole at rollback.
 */
static void save_table(struct schema *s, const struct sch_table *t)
{
	size_t at = (size_t)(t - s->tables);

	if (s->undo && at < s->undo->ntables)
		table_copy(&journal(s->undo, UNDO_TABLE, at)->old.table, t);
}

static void save_index(struct schema *s, const struct sch_index *ix)
{
	size_t at = (size_t)(ix - s->indexes);

	if (s->undo && at < s->undo->nindexes)
		journal(s->undo, UNDO_INDEX, at)->old.index = *ix;
}

/* x is a function (func, in s->funcs) or a domain (in s->domains). */
static void save_named(struct schema *s, int func, const struct sch_named *x)
{
	size_t at = (size_t)(x - (func ? s->funcs : s->domains));

	if (s->undo && at < (func ? s->undo->nfuncs : s->undo->ndomains))
		journal(s->undo, func ? UNDO_FUNC : UNDO_DOMAIN, at)->old.named = *x;
}

/* The maps change only through map_put and map_del, which save the key's entry. */
static void map_save(struct schema *s, struct strmap *m, const char *key)
{
	struct undo_entry *e;

	if (!s->undo)
		return;
	e = journal(s->undo, UNDO_MAP, 0);
	e->map = m;
	e->key = xstrdup(key);
	e->had = strmap_get(m, key, &e->value);
}

static void map_put(struct schema *s, struct strmap *m, const char *key, size_t value)
{
	map_save(s, m, key);
	strmap_put(m, key, value);
}

static void map_del(struct schema *s, struct strmap *m, const char *key)
{
	map_save(s, m, key);
	strmap_del(m, key);
}

void schema_rollback(struct schema *s)
{
	struct sch_undo *u = s->undo;
	size_t i;

	if (!u)
		return;
	s->undo = NULL;
	/* newest first: an object changed twice gets its state from before the first change */
	for (i = u->n; i-- > 0;) {
		struct undo_entry *e = &u->v[i];

		switch (e->kind) {
		case UNDO_TABLE:
			table_release(&s->tables[e->at]);
			s->tables[e->at] = e->old.table;
			break;
		case UNDO_INDEX:
			s->indexes[e->at] = e->old.index;
			break;
		case UNDO_FUNC:
			s->funcs[e->at] = e->old.named;
			break;
		case UNDO_DOMAIN:
			s->domains[e->at] = e->old.named;
			break;
		case UNDO_MAP:
			if (e->had)
				strmap_put(e->map, e->key, e->value);
			else
				strmap_del(e->map, e->key);
			free(e->key);
			break;
		}
	}
	/* then what was added since the savepoint goes */
	for (i = u->ntables; i < s->ntables; i++)
		table_release(&s->tables[i]);
	s->ntables = u->ntables;
	s->nindexes = u->nindexes;
	s->nfuncs = u->nfuncs;
	s->ndomains = u->ndomains;
	free(u->v);
	free(u);
}

/* ---- lookups ---- */

static int schema_matches(const char *want, const char *have)
{
	return !want || !have || !strcmp(want, have);
}

struct sch_table *schema_table(const struct schema *s, const char *schema, const char *name)
{
	size_t i;

	if (!name || !strmap_get(&s->tmap, name, &i))
		return NULL;
	if (s->tables[i].dead || !schema_matches(schema, s->tables[i].schema))
		return NULL;
	return &s->tables[i];
}

struct sch_index *schema_index(const struct schema *s, const char *schema, const char *name)
{
	size_t i;

	UNUSED(schema);
	if (!name || !strmap_get(&s->imap, name, &i) || s->indexes[i].dead)
		return NULL;
	return &s->indexes[i];
}

const struct sch_index *schema_index_rebuilt(const struct schema *s, const char *table,
					     const char *col, int opclass)
{
	size_t i;

	for (i = 0; table && col && i < s->nindexes; i++) {
		const struct sch_index *ix = &s->indexes[i];

		if (!ix->dead && !strcmp(ix->table, table) &&
		    sch_list_has(opclass ? ix->refs : ix->exprrefs, col))
			return ix;
	}
	return NULL;
}

int schema_func_volatility(const struct schema *s, const char *name)
{
	size_t i;

	if (!name || !strmap_get(&s->fmap, name, &i))
		return -1;
	return s->funcs[i].value;
}

struct sch_named *schema_func(const struct schema *s, const char *name)
{
	size_t i;

	if (!name || !strmap_get(&s->fmap, name, &i))
		return NULL;
	return &s->funcs[i];
}

/* Other objects share the domains' list under a "kind:name" key (no domain name has a ':'). */
static char *object_key(char kind, const char *name)
{
	return xasprintf("%c:%s", kind, name);
}

struct sch_named *schema_object(const struct schema *s, char kind, const char *name)
{
	struct sch_named *o;
	char *key;

	if (!name)
		return NULL;
	if (kind == SCH_OBJ_DOMAIN)
		return schema_domain(s, name);
	if (kind == SCH_OBJ_FUNCTION)
		return schema_func(s, name);
	key = object_key(kind, name);
	o = schema_domain(s, key);
	free(key);
	return o;
}

struct sch_named *schema_domain(const struct schema *s, const char *name)
{
	size_t i;

	if (!name || !strmap_get(&s->dmap, name, &i))
		return NULL;
	return &s->domains[i];
}

struct sch_column *sch_table_column(const struct schema *s, const struct sch_table *t,
				    const char *name)
{
	uint32_t id = t && t->ncols ? sch_find_id(s, name) : 0;
	size_t i;

	for (i = 0; id && i < t->ncols; i++)
		if (t->cols[i].name == id)
			return &t->cols[i];
	return NULL;
}

int sch_renamed_from(const char *renamed_from, int renamed_seq, int seq, const char *old)
{
	return seq && renamed_seq == seq && renamed_from && old && !strcmp(renamed_from, old);
}

int sch_list_has(const char *list, const char *name)
{
	size_t n;
	const char *p;

	if (!list || !name)
		return 0;
	n = strlen(name);
	for (p = list; (p = strstr(p, name)); p++)
		if (p > list && p[-1] == '|' && p[n] == '|')
			return 1;
	return 0;
}

int sch_table_notnull_check(const struct sch_table *t, const char *col)
{
	size_t i;

	for (i = 0; t && i < t->nchecks; i++)
		if (t->checks[i].valid && sch_list_has(t->checks[i].notnull, col))
			return 1;
	return 0;
}

int sch_table_check_on(const struct sch_table *t, const char *col)
{
	size_t i;

	for (i = 0; t && i < t->nchecks; i++)
		if (t->checks[i].valid && sch_list_has(t->checks[i].cols, col))
			return 1;
	return 0;
}

char *schema_default_conname(const char *table, const char *col, const char *suffix)
{
	char *s = col ? xasprintf("%s_%s_%s", table, col, suffix) : xasprintf("%s_%s", table, suffix);

	if (strlen(s) > 63) {
		/* PostgreSQL truncates the table and column parts; keep it simple and valid */
		size_t sl = strlen(suffix) + 1;

		memmove(s + 63 - sl, s + strlen(s) - sl, sl + 1);
	}
	return s;
}

/* ---- building ---- */

static struct sch_table *add_table(struct schema *s, const char *schema, const char *name,
				   enum sch_kind kind, int seq)
{
	struct sch_table *t;

	s->tables = grow_big(s->tables, sizeof(*s->tables), s->ntables, &s->atables);
	t = &s->tables[s->ntables];
	memset(t, 0, sizeof(*t));
	t->schema = sch_str(s, schema && *schema ? schema : NULL);
	t->name = sch_str(s, name);
	t->kind = kind;
	t->seq = seq;
	map_put(s, &s->tmap, name, s->ntables);
	s->ntables++;
	return t;
}

static void drop_table(struct schema *s, const char *schema, const char *name)
{
	struct sch_table *t = schema_table(s, schema, name);
	size_t i;

	if (!t)
		return;
	save_table(s, t);
	t->dead = 1;
	map_del(s, &s->tmap, name);
	for (i = 0; i < s->nindexes; i++)
		if (!s->indexes[i].dead && !strcmp(s->indexes[i].table, name)) {
			save_index(s, &s->indexes[i]);
			s->indexes[i].dead = 1;
			map_del(s, &s->imap, s->indexes[i].name);
		}
}

static struct sch_column *add_column(struct schema *s, struct sch_table *t, const char *name,
				     int seq)
{
	struct sch_column *c = sch_table_column(s, t, name);

	if (!c) {
		t->cols = grow_small(t->cols, sizeof(*t->cols), t->ncols, &t->acols);
		c = &t->cols[t->ncols++];
	}
	memset(c, 0, sizeof(*c));
	c->name = sch_intern_id(s, name);
	c->mod0 = c->mod1 = -1;
	c->seq = seq;
	return c;
}

static void set_type(struct schema *s, struct sch_column *c, const PgQuery__TypeName *tn)
{
	c->type = sch_intern_id(s, pgnode_type_name(tn));
	c->mod0 = pgnode_type_mod(tn, 0);
	c->mod1 = pgnode_type_mod(tn, 1);
	c->is_array = pgnode_type_is_array(tn) != 0;
}

struct col_refs {
	struct strbuf *sb;
	const char *first;
};

static int collect_colrefs(const ProtobufCMessage *m, void *ud)
{
	struct col_refs *cr = ud;

	if (PGNODE_IS(m, column_ref)) {
		const PgQuery__ColumnRef *r = (const PgQuery__ColumnRef *)m;
		const char *name = pgnode_last_str(r->fields, r->n_fields);

		if (name) {
			if (!cr->first)
				cr->first = name;
			if (!cr->sb->len)
				strbuf_addch(cr->sb, '|');
			strbuf_addstr(cr->sb, name);
			strbuf_addch(cr->sb, '|');
		}
	}
	return PGNODE_CONTINUE;
}

/* Columns that expr proves NOT NULL: col IS NOT NULL, alone or in an AND. */
static void notnull_cols(const PgQuery__Node *e, struct strbuf *sb)
{
	size_t i;

	if (!e)
		return;
	if (e->node_case == PG_QUERY__NODE__NODE_NULL_TEST &&
	    e->null_test->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NOT_NULL &&
	    e->null_test->arg && e->null_test->arg->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
		const PgQuery__ColumnRef *r = e->null_test->arg->column_ref;
		const char *name = pgnode_last_str(r->fields, r->n_fields);

		if (name) {
			if (!sb->len)
				strbuf_addch(sb, '|');
			strbuf_addstr(sb, name);
			strbuf_addch(sb, '|');
		}
	} else if (e->node_case == PG_QUERY__NODE__NODE_BOOL_EXPR &&
		   e->bool_expr->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR) {
		for (i = 0; i < e->bool_expr->n_args; i++)
			notnull_cols(e->bool_expr->args[i], sb);
	}
}

static void add_check(struct schema *s, struct sch_table *t, const PgQuery__Constraint *k,
		      const char *col)
{
	struct strbuf nn = STRBUF_INIT, cols = STRBUF_INIT;
	struct col_refs cr = { &cols, NULL };
	struct sch_check *c;

	if (k->raw_expr)
		pgnode_walk(&k->raw_expr->base, collect_colrefs, &cr);
	notnull_cols(k->raw_expr, &nn);
	t->checks = grow_small(t->checks, sizeof(*t->checks), t->nchecks, &t->achecks);
	c = &t->checks[t->nchecks++];
	memset(c, 0, sizeof(*c));
	if (k->conname && *k->conname) {
		c->name = sch_str(s, k->conname);
	} else {
		char *name = schema_default_conname(t->name, col ? col : cr.first, "check");

		c->name = sch_str(s, name);
		free(name);
	}
	c->notnull = nn.len ? sch_intern(s, nn.buf) : NULL;
	c->cols = cols.len ? sch_intern(s, cols.buf) : NULL;
	c->valid = !k->skip_validation;
	strbuf_release(&nn);
	strbuf_release(&cols);
}

/* A validated constraint whose definition is not in the migrations read. */
static void add_unknown_check(struct schema *s, struct sch_table *t, const char *name)
{
	struct sch_check *k;

	t->checks = grow_small(t->checks, sizeof(*t->checks), t->nchecks, &t->achecks);
	k = &t->checks[t->nchecks++];
	memset(k, 0, sizeof(*k));
	k->name = sch_str(s, name);
	k->valid = k->unknown = 1;
}

static void drop_check(struct sch_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nchecks; i++)
		if (t->checks[i].name && !strcmp(t->checks[i].name, name)) {
			memmove(&t->checks[i], &t->checks[i + 1],
				(t->nchecks - i - 1) * sizeof(*t->checks));
			t->nchecks--;
			return;
		}
}

static void set_not_null_cols(const struct schema *s, struct sch_table *t,
			      PgQuery__Node *const *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct sch_column *c = sch_table_column(s, t, pgnode_str(keys[i]));

		if (c)
			c->not_null = 1;
	}
}

static void table_constraint(struct schema *s, struct sch_table *t, const PgQuery__Constraint *k)
{
	if (k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK)
		add_check(s, t, k, NULL);
	else if (k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY)
		set_not_null_cols(s, t, k->keys, k->n_keys);
}

static void column_def(struct schema *s, struct sch_table *t, const PgQuery__ColumnDef *d, int seq)
{
	struct sch_column *c;
	size_t i;

	if (!d->colname)
		return;
	c = add_column(s, t, d->colname, seq);
	set_type(s, c, d->type_name);
	c->not_null = d->is_not_null != 0;
	for (i = 0; i < d->n_constraints; i++) {
		const PgQuery__Constraint *k;

		if (d->constraints[i]->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		k = d->constraints[i]->constraint;
		switch (k->contype) {
		case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL:
		case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
		case PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY:
			c->not_null = 1;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
			add_check(s, t, k, d->colname);
			break;
		default:
			break;
		}
	}
}

static void partkey(struct schema *s, struct sch_table *t, const PgQuery__PartitionSpec *ps)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	t->partitioned = 1;
	for (i = 0; i < ps->n_part_params; i++) {
		const PgQuery__Node *n = ps->part_params[i];

		if (n->node_case == PG_QUERY__NODE__NODE_PARTITION_ELEM && n->partition_elem->name &&
		    *n->partition_elem->name) {
			if (!sb.len)
				strbuf_addch(&sb, '|');
			strbuf_addf(&sb, "%s|", n->partition_elem->name);
		}
	}
	t->partkey = sb.len ? sch_str(s, sb.buf) : NULL;
	strbuf_release(&sb);
}

static void create_table(struct schema *s, const PgQuery__CreateStmt *cs, int seq)
{
	struct sch_table *t;
	size_t i;

	if (!cs->relation)
		return;
	if (cs->if_not_exists && schema_table(s, cs->relation->schemaname, cs->relation->relname))
		return;
	drop_table(s, cs->relation->schemaname, cs->relation->relname);
	t = add_table(s, cs->relation->schemaname, cs->relation->relname, SCH_TABLE, seq);
	for (i = 0; i < cs->n_table_elts; i++) {
		const PgQuery__Node *n = cs->table_elts[i];

		if (n->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			column_def(s, t, n->column_def, seq);
		else if (n->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			table_constraint(s, t, n->constraint);
	}
	for (i = 0; i < cs->n_constraints; i++)
		if (cs->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			table_constraint(s, t, cs->constraints[i]->constraint);
	if (cs->partspec)
		partkey(s, t, cs->partspec);
}

static void alter_cmd(struct schema *s, struct sch_table *t, const PgQuery__AlterTableCmd *c, int seq)
{
	struct sch_column *col;
	size_t i;

	switch (c->subtype) {
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumnRecurse:
		if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			column_def(s, t, c->def->column_def, seq);
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumnRecurse:
		for (i = 0; i < t->ncols; i++)
			if (!strcmp(sch_id_str(s, t->cols[i].name), c->name)) {
				memmove(&t->cols[i], &t->cols[i + 1], (t->ncols - i - 1) * sizeof(*t->cols));
				t->ncols--;
				break;
			}
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
		col = sch_table_column(s, t, c->name);
		if (col && c->def && c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
			set_type(s, col, c->def->column_def->type_name);
			col->type_seq = seq;
		}
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
		if ((col = sch_table_column(s, t, c->name)))
			col->not_null = seq > 0 ? seq : 1; /* which section set it, for its down */
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull:
		if ((col = sch_table_column(s, t, c->name)))
			col->not_null = 0;
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraintRecurse:
		if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT) {
			const PgQuery__Constraint *k = c->def->constraint;

			table_constraint(s, t, k);
			if (k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY && k->indexname &&
			    *k->indexname) {
				struct sch_index *ix = schema_index(s, NULL, k->indexname);

				for (i = 0; ix && ix->cols && i < t->ncols; i++)
					if (sch_list_has(ix->cols, sch_id_str(s, t->cols[i].name)))
						t->cols[i].not_null = 1;
			}
		}
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraintRecurse:
		drop_check(t, c->name);
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraintRecurse: {
		int found = 0;

		for (i = 0; i < t->nchecks; i++)
			if (t->checks[i].name && !strcmp(t->checks[i].name, c->name))
				t->checks[i].valid = found = 1;
		/* a table from before the migrations read: a constraint added there, what it checks
		 * unknown (set-not-null weighs its name) */
		if (!found && !t->seq && c->name)
			add_unknown_check(s, t, c->name);
		break;
	}
	default:
		break;
	}
}

static void alter_table(struct schema *s, const PgQuery__AlterTableStmt *a, int seq)
{
	struct sch_table *t;
	size_t i;

	if (!a->relation)
		return;
	t = schema_table(s, a->relation->schemaname, a->relation->relname);
	if (!t) {
		if (a->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
			return;
		/* a table from before the migrations we read: remember what we learn */
		t = add_table(s, a->relation->schemaname, a->relation->relname, SCH_TABLE, 0);
	}
	save_table(s, t);
	for (i = 0; i < a->n_cmds; i++) {
		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		alter_cmd(s, t, a->cmds[i]->alter_table_cmd, seq);
	}
}

static void add_object(struct schema *s, char kind, const char *name, int seq);
static void add_named(struct schema *s, int func, const char *name, int value, int seq);

/* The name an object other than a relation is renamed from (a list, a function's name). */
static const char *renamed_name(const PgQuery__Node *o)
{
	if (!o)
		return NULL;
	if (o->node_case == PG_QUERY__NODE__NODE_LIST)
		return pgnode_last_str(o->list->items, o->list->n_items);
	if (o->node_case == PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS)
		return pgnode_last_str(o->object_with_args->objname, o->object_with_args->n_objname);
	return o->node_case == PG_QUERY__NODE__NODE_STRING ? o->string->sval : NULL;
}

/* A function, type, domain, sequence or schema renamed: known under its new name too,
 * as new as it was (what a migration created and renamed is still that migration's). */
static void rename_named(struct schema *s, const PgQuery__RenameStmt *r)
{
	const struct sch_named *o = NULL;
	const char *old = NULL;
	char kind = 0;

	switch (r->rename_type) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION:
	case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_ROUTINE:
		kind = SCH_OBJ_FUNCTION;
		old = renamed_name(r->object);
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE:
		kind = SCH_OBJ_TYPE;
		old = renamed_name(r->object);
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN:
		kind = SCH_OBJ_DOMAIN;
		old = renamed_name(r->object);
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
		kind = SCH_OBJ_SEQUENCE;
		old = r->relation ? r->relation->relname : NULL;
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA:
		kind = SCH_OBJ_SCHEMA;
		old = r->subname;
		break;
	default:
		return;
	}
	if (!old || !r->newname || !(o = schema_object(s, kind, old)))
		return;
	if (kind == SCH_OBJ_FUNCTION || kind == SCH_OBJ_DOMAIN)
		add_named(s, kind == SCH_OBJ_FUNCTION, r->newname, o->value, o->seq);
	else
		add_object(s, kind, r->newname, o->seq);
}

static void rename_obj(struct schema *s, const PgQuery__RenameStmt *r, int seq)
{
	struct sch_table *t;
	size_t i;

	switch (r->rename_type) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
		if (!r->relation || !(t = schema_table(s, r->relation->schemaname, r->relation->relname)))
			return;
		for (i = 0; i < s->nindexes; i++)
			if (!s->indexes[i].dead && !strcmp(s->indexes[i].table, t->name)) {
				save_index(s, &s->indexes[i]);
				s->indexes[i].table = sch_str(s, r->newname);
			}
		save_table(s, t);
		map_del(s, &s->tmap, t->name);
		t->renamed_from = t->name;
		t->renamed_seq = seq;
		t->name = sch_str(s, r->newname);
		map_put(s, &s->tmap, t->name, (size_t)(t - s->tables));
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN:
		if (!r->relation)
			break;
		t = schema_table(s, r->relation->schemaname, r->relation->relname);
		if (!t && r->relation_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
			t = add_table(s, r->relation->schemaname, r->relation->relname, SCH_TABLE, 0);
		if (t) {
			struct sch_column *c;

			save_table(s, t);
			c = sch_table_column(s, t, r->subname);
			if (!c) {
				/* a column from before the migrations we read: its type is unknown ("") */
				c = add_column(s, t, r->subname, 0);
				c->type = sch_intern_id(s, "");
			}
			if (c) {
				c->renamed_from = c->name;
				c->renamed_seq = seq;
				c->name = sch_intern_id(s, r->newname);
			}
		}
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX: {
		struct sch_index *ix;

		if (!r->relation || !(ix = schema_index(s, NULL, r->relation->relname)))
			return;
		save_index(s, ix);
		map_del(s, &s->imap, ix->name);
		ix->name = sch_str(s, r->newname);
		map_put(s, &s->imap, ix->name, (size_t)(ix - s->indexes));
		break;
	}
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT:
		if (!r->relation || !(t = schema_table(s, r->relation->schemaname, r->relation->relname)))
			break;
		save_table(s, t);
		for (i = 0; i < t->nchecks; i++)
			if (t->checks[i].name && !strcmp(t->checks[i].name, r->subname)) {
				t->checks[i].name = sch_str(s, r->newname);
			}
		break;
	default:
		rename_named(s, r);
		break;
	}
}

static void drop_objects(struct schema *s, const PgQuery__DropStmt *d)
{
	size_t i;

	for (i = 0; i < d->n_objects; i++) {
		const PgQuery__Node *o = d->objects[i];
		const char *name, *schema;

		if (o->node_case != PG_QUERY__NODE__NODE_LIST)
			continue;
		name = pgnode_last_str(o->list->items, o->list->n_items);
		schema = pgnode_qualifier(o->list->items, o->list->n_items);
		switch (d->remove_type) {
		case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
		case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
		case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
			drop_table(s, schema, name);
			break;
		case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX: {
			struct sch_index *ix = schema_index(s, schema, name);

			if (ix) {
				save_index(s, ix);
				ix->dead = 1;
				map_del(s, &s->imap, ix->name);
			}
			break;
		}
		default:
			break;
		}
	}
}

/* The columns an index uses: "|a|b|" in refs (all), in expr (expressions and WHERE only). */
static void index_refs(const PgQuery__IndexStmt *x, struct strbuf *refs, struct strbuf *expr)
{
	struct col_refs cr = { expr, NULL };
	size_t i;

	for (i = 0; i < x->n_index_params; i++) {
		const PgQuery__Node *n = x->index_params[i];

		if (n->node_case != PG_QUERY__NODE__NODE_INDEX_ELEM)
			continue;
		if (n->index_elem->name && *n->index_elem->name)
			strbuf_addf(refs, "%s%s|", refs->len ? "" : "|", n->index_elem->name);
		else if (n->index_elem->expr)
			pgnode_walk(&n->index_elem->expr->base, collect_colrefs, &cr);
	}
	if (x->where_clause)
		pgnode_walk(&x->where_clause->base, collect_colrefs, &cr);
	if (expr->len)
		strbuf_addf(refs, "%s", refs->len ? expr->buf + 1 : expr->buf);
}

static void create_index(struct schema *s, const PgQuery__IndexStmt *x, int seq)
{
	struct strbuf cols = STRBUF_INIT, refs = STRBUF_INIT, expr = STRBUF_INIT;
	struct sch_index *ix;
	size_t i;
	int plain = 1;

	if (!x->idxname || !*x->idxname || !x->relation)
		return;
	for (i = 0; i < x->n_index_params; i++) {
		const PgQuery__Node *n = x->index_params[i];

		if (n->node_case != PG_QUERY__NODE__NODE_INDEX_ELEM || !n->index_elem->name ||
		    !*n->index_elem->name) {
			plain = 0;
			break;
		}
		strbuf_addf(&cols, "%s%s|", cols.len ? "" : "|", n->index_elem->name);
	}
	if (schema_index(s, NULL, x->idxname) && x->if_not_exists) {
		strbuf_release(&cols);
		return;
	}
	index_refs(x, &refs, &expr);
	s->indexes = grow_big(s->indexes, sizeof(*s->indexes), s->nindexes, &s->aindexes);
	ix = &s->indexes[s->nindexes];
	memset(ix, 0, sizeof(*ix));
	ix->name = sch_str(s, x->idxname);
	ix->table = sch_str(s, x->relation->relname);
	ix->seq = seq;
	ix->cols = plain && cols.len ? sch_intern(s, cols.buf) : NULL;
	ix->refs = refs.len ? sch_intern(s, refs.buf) : NULL;
	ix->exprrefs = expr.len ? sch_intern(s, expr.buf) : NULL;
	strbuf_release(&cols);
	strbuf_release(&refs);
	strbuf_release(&expr);
	map_put(s, &s->imap, ix->name, s->nindexes);
	s->nindexes++;
}

/* A function (func) or a domain. */
static void add_named(struct schema *s, int func, const char *name, int value, int seq)
{
	struct sch_named **arr = func ? &s->funcs : &s->domains;
	size_t *n = func ? &s->nfuncs : &s->ndomains, *alloc = func ? &s->afuncs : &s->adomains;
	struct strmap *map = func ? &s->fmap : &s->dmap;
	size_t i;

	if (!name)
		return;
	if (strmap_get(map, name, &i)) {
		save_named(s, func, &(*arr)[i]);
		(*arr)[i].value = value;
		(*arr)[i].seq = seq;
		return;
	}
	ALLOC_GROW(*arr, *n + 1, *alloc);
	(*arr)[*n].name = sch_str(s, name);
	(*arr)[*n].value = value;
	(*arr)[*n].seq = seq;
	map_put(s, map, name, *n);
	(*n)++;
}

static void add_object(struct schema *s, char kind, const char *name, int seq);

static void create_function(struct schema *s, const PgQuery__CreateFunctionStmt *f, int seq)
{
	int vol = VOL_VOLATILE;
	size_t i;

	for (i = 0; i < f->n_options; i++) {
		const PgQuery__Node *o = f->options[i];
		const char *v;

		if (o->node_case != PG_QUERY__NODE__NODE_DEF_ELEM ||
		    strcmp(o->def_elem->defname, "volatility"))
			continue;
		v = pgnode_str(o->def_elem->arg);
		if (v && !strcmp(v, "immutable"))
			vol = VOL_IMMUTABLE;
		else if (v && !strcmp(v, "stable"))
			vol = VOL_STABLE;
	}
	add_named(s, 1, pgnode_last_str(f->funcname, f->n_funcname), vol, seq);
	if (f->return_type && (!strcmp(pgnode_type_name(f->return_type), "trigger") ||
			       !strcmp(pgnode_type_name(f->return_type), "event_trigger")))
		add_object(s, SCH_OBJ_TRIGGER_FUNC, pgnode_last_str(f->funcname, f->n_funcname), seq);
}

static void create_domain(struct schema *s, const PgQuery__CreateDomainStmt *d, int seq)
{
	int has_check = 0;
	size_t i;

	for (i = 0; i < d->n_constraints; i++)
		if (d->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    (d->constraints[i]->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK ||
		     d->constraints[i]->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL))
			has_check = 1;
	add_named(s, 0, pgnode_last_str(d->domainname, d->n_domainname), has_check, seq);
}

static void add_object(struct schema *s, char kind, const char *name, int seq)
{
	char *key;

	if (!name)
		return;
	key = object_key(kind, name);
	add_named(s, 0, key, 0, seq);
	free(key);
}

static void alter_domain(struct schema *s, const PgQuery__AlterDomainStmt *d)
{
	struct sch_named *dom = schema_domain(s, pgnode_last_str(d->type_name, d->n_type_name));

	if (dom && d->subtype && (d->subtype[0] == 'C' || d->subtype[0] == 'N')) {
		save_named(s, 0, dom);
		dom->value = 1;
	}
}

void schema_apply(struct schema *s, const PgQuery__Node *n, int seq)
{
	if (!n)
		return;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		create_table(s, n->create_stmt, seq);
		break;
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT: {
		const PgQuery__CreateTableAsStmt *c = n->create_table_as_stmt;

		if (c->into && c->into->rel) {
			drop_table(s, c->into->rel->schemaname, c->into->rel->relname);
			add_table(s, c->into->rel->schemaname, c->into->rel->relname,
				  c->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW ? SCH_MATVIEW : SCH_TABLE,
				  seq);
		}
		break;
	}
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		if (n->view_stmt->view &&
		    !schema_table(s, n->view_stmt->view->schemaname, n->view_stmt->view->relname))
			add_table(s, n->view_stmt->view->schemaname, n->view_stmt->view->relname,
				  SCH_VIEW, seq);
		break;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		alter_table(s, n->alter_table_stmt, seq);
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		rename_obj(s, n->rename_stmt, seq);
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		drop_objects(s, n->drop_stmt);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		create_index(s, n->index_stmt, seq);
		break;
	case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
		create_function(s, n->create_function_stmt, seq);
		break;
	case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT:
		create_domain(s, n->create_domain_stmt, seq);
		break;
	case PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT:
		alter_domain(s, n->alter_domain_stmt);
		break;
	case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
		add_object(s, SCH_OBJ_TYPE, pgnode_last_str(n->create_enum_stmt->type_name,
							    n->create_enum_stmt->n_type_name), seq);
		break;
	case PG_QUERY__NODE__NODE_CREATE_RANGE_STMT:
		add_object(s, SCH_OBJ_TYPE, pgnode_last_str(n->create_range_stmt->type_name,
							    n->create_range_stmt->n_type_name), seq);
		break;
	case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT:
		if (n->composite_type_stmt->typevar)
			add_object(s, SCH_OBJ_TYPE, n->composite_type_stmt->typevar->relname, seq);
		break;
	case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
		if (n->create_seq_stmt->sequence &&
		    !(n->create_seq_stmt->if_not_exists &&
		      schema_object(s, SCH_OBJ_SEQUENCE, n->create_seq_stmt->sequence->relname)))
			add_object(s, SCH_OBJ_SEQUENCE, n->create_seq_stmt->sequence->relname, seq);
		break;
	case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
		if (!(n->create_schema_stmt->if_not_exists &&
		      schema_object(s, SCH_OBJ_SCHEMA, n->create_schema_stmt->schemaname)))
			add_object(s, SCH_OBJ_SCHEMA, n->create_schema_stmt->schemaname, seq);
		break;
	case PG_QUERY__NODE__NODE_CREATE_EXTENSION_STMT:
		if (!(n->create_extension_stmt->if_not_exists &&
		      schema_object(s, SCH_OBJ_EXTENSION, n->create_extension_stmt->extname)))
			add_object(s, SCH_OBJ_EXTENSION, n->create_extension_stmt->extname, seq);
		break;
	default:
		break;
	}
}
