/* rules_constraint.c - constraints that scan, build indexes or are validated too early
 *
 *   add-check-constraint        CHECK without NOT VALID (also inline in ADD COLUMN)
 *   add-foreign-key             FOREIGN KEY / REFERENCES without NOT VALID
 *   add-unique-constraint       UNIQUE / PRIMARY KEY without USING INDEX
 *   add-primary-key-nullable    PRIMARY KEY USING INDEX on nullable columns
 *   add-exclusion-constraint    EXCLUDE (no NOT VALID, no USING INDEX)
 *   validate-same-transaction   VALIDATE in the transaction that added the constraint
 *   alter-domain-add-constraint ALTER DOMAIN ADD CONSTRAINT without NOT VALID
 */
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"
#include "base/strbuf.h"
#include "base/util.h"

/* "a, b" from a list of String nodes. */
static const char *name_list(struct lint_ctx *c, PgQuery__Node *const *items, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	const char *d;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *s = pgnode_str(items[i]);

		if (!s && items[i]->node_case == PG_QUERY__NODE__NODE_INDEX_ELEM)
			s = items[i]->index_elem->name;
		if (i)
			strbuf_addstr(&sb, ", ");
		strbuf_addstr(&sb, s ? ctx_ident(c, s) : "?");
	}
	d = ctx_strdup(c, sb.buf);
	strbuf_release(&sb);
	return d;
}

/* The constraint's own text without "CONSTRAINT name": "CHECK (price > 0)". */
static const char *body(struct lint_ctx *c, const PgQuery__Constraint *k, struct span where)
{
	const struct toklist *tl = ctx_toks(c);
	struct span s = where;

	if (tl->ok && k->conname && *k->conname) {
		size_t i = toklist_at(tl, where.start);

		if (i < tl->n && tl->t[i].kind == PG_QUERY__TOKEN__ADD_P)
			i++; /* the span may start at ALTER TABLE's ADD */
		if (i < tl->n && tl->t[i].kind == PG_QUERY__TOKEN__CONSTRAINT && i + 2 < tl->n)
			s.start = tl->t[i + 2].start;
	}
	return ctx_text(c, s);
}

static const char *conname(struct lint_ctx *c, const PgQuery__RangeVar *rel,
			   const PgQuery__Constraint *k, const char *column, const char *suffix)
{
	char *n;
	const char *first = column;

	if (k->conname && *k->conname)
		return k->conname;
	if (!first && k->n_keys)
		first = pgnode_str(k->keys[0]);
	if (!first && k->n_fk_attrs)
		first = pgnode_str(k->fk_attrs[0]);
	n = schema_default_conname(rel->relname, first, suffix);
	first = ctx_strdup(c, n);
	free(n);
	return first;
}

/* The key of a constraint in cons_by_key (a scratch string of the statement). */
static const char *cons_key(struct lint_ctx *c, const char *table, const char *name)
{
	return ctx_printf(c, "%s\n%s", name, table);
}

static void record_added(struct lint_ctx *c, const PgQuery__RangeVar *rel, const char *name)
{
	struct tx_state *tx = &c->tx;
	struct added_constraint *a;
	const char *key;
	size_t at;

	if (!ctx_in_tx(c))
		return;
	ALLOC_GROW(tx->cons, tx->ncons + 1, tx->acons);
	a = &tx->cons[tx->ncons++];
	a->table = xstrdup(rel->relname);
	a->name = xstrdup(name);
	a->line = c->st->line;
	key = cons_key(c, rel->relname, name);
	if (!strmap_get(&tx->cons_by_key, key, &at))
		strmap_put(&tx->cons_by_key, key, tx->ncons - 1);
}

static void check_constraint(struct lint_ctx *c, const PgQuery__RangeVar *rel,
			     const PgQuery__Constraint *k, struct span where, const char *column)
{
	const char *name = conname(c, rel, k, column, "check");
	struct lint_emit e = {
		.rule = "add-check-constraint",
		.where = where,
		.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 1, rel->relname },
		.vars = { "table", ctx_relname(c, rel), "constraint", ctx_ident(c, name),
			  "check", body(c, k, where), "column", column ? ctx_ident(c, column) : NULL },
	};

	if (k->skip_validation) {
		record_added(c, rel, name);
		return;
	}
	if (column)
		lint_report(c, &e, "CHECK on new column %s cannot be NOT VALID inside ADD COLUMN: "
			    "it scans all of %s while holding ACCESS EXCLUSIVE (reads and writes wait)",
			    ctx_quote(c, column), ctx_quote(c, rel->relname));
	else
		lint_report(c, &e, "adding CHECK constraint %s without NOT VALID scans all of %s while "
			    "holding ACCESS EXCLUSIVE (reads and writes wait)",
			    ctx_quote(c, name), ctx_quote(c, rel->relname));
}

static void foreign_key(struct lint_ctx *c, const PgQuery__RangeVar *rel,
			const PgQuery__Constraint *k, struct span where, const char *column)
{
	const char *name = conname(c, rel, k, column, "fkey");
	const char *ref = k->pktable ? ctx_relname(c, k->pktable) : "?";
	const char *cols = column ? ctx_ident(c, column) : name_list(c, k->fk_attrs, k->n_fk_attrs);
	const char *refcols = k->n_pk_attrs ? ctx_printf(c, " (%s)", name_list(c, k->pk_attrs, k->n_pk_attrs)) : "";
	struct lint_emit e = {
		.rule = "add-foreign-key",
		.where = where,
		.lock = { LOCK_SHARE_ROW_EXCLUSIVE, 0, 1, rel->relname },
		.vars = { "table", ctx_relname(c, rel), "constraint", ctx_ident(c, name),
			  "columns", cols, "ref_table", ref, "ref_columns", refcols,
			  "column", column ? ctx_ident(c, column) : NULL },
	};

	if (k->skip_validation) {
		record_added(c, rel, name);
		return;
	}
	if (column)
		lint_report(c, &e, "REFERENCES %s on new column %s validates every row of %s while "
			    "holding SHARE ROW EXCLUSIVE on both tables (writes to both wait)",
			    ctx_quote(c, k->pktable ? k->pktable->relname : "?"), ctx_quote(c, column),
			    ctx_quote(c, rel->relname));
	else
		lint_report(c, &e, "adding FOREIGN KEY %s without NOT VALID validates every row of %s "
			    "while holding SHARE ROW EXCLUSIVE on %s and %s (writes to both wait)",
			    ctx_quote(c, name), ctx_quote(c, rel->relname), ctx_quote(c, rel->relname),
			    ctx_quote(c, k->pktable ? k->pktable->relname : "?"));
}

static void primary_key_using_index(struct lint_ctx *c, const PgQuery__RangeVar *rel,
				    const PgQuery__Constraint *k, struct span where)
{
	const struct sch_table *t = ctx_table(c, rel);
	const struct sch_index *ix = schema_index(c->schema, NULL, k->indexname);
	const char *nullable = NULL;
	size_t i;

	if (!t || !ix || !ix->cols)
		return; /* unknown: no guess */
	for (i = 0; i < t->ncols; i++) {
		const char *name = sch_id_str(c->schema, t->cols[i].name);

		if (sch_list_has(ix->cols, name) && !t->cols[i].not_null &&
		    !(c->pg >= 12 && sch_table_notnull_check(t, name))) {
			nullable = name;
			break;
		}
	}
	if (!nullable)
		return;
	{
		char *chk = schema_default_conname(rel->relname, nullable, "not_null");
		struct lint_emit e = {
			.rule = "add-primary-key-nullable",
			.where = where,
			.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 1, rel->relname },
			.vars = { "table", ctx_relname(c, rel), "column", ctx_ident(c, nullable),
				  "index", ctx_ident(c, k->indexname), "check_name", ctx_ident(c, chk) },
		};

		free(chk);
		lint_report(c, &e, "PRIMARY KEY USING INDEX %s makes %s NOT NULL, which scans all of "
			    "%s while holding ACCESS EXCLUSIVE", ctx_quote(c, k->indexname),
			    ctx_quote(c, nullable), ctx_quote(c, rel->relname));
	}
}

static void unique(struct lint_ctx *c, const PgQuery__RangeVar *rel, const PgQuery__Constraint *k,
		   struct span where, const char *column)
{
	int pk = k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY;
	const char *name = conname(c, rel, k, column, pk ? "pkey" : "key");
	const char *cols = column ? ctx_ident(c, column) : name_list(c, k->keys, k->n_keys);
	struct lint_emit e = {
		.rule = "add-unique-constraint",
		.where = where,
		.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 1, rel->relname },
		.vars = { "table", ctx_relname(c, rel), "constraint", ctx_ident(c, name),
			  "index", ctx_ident(c, name), "columns", cols,
			  "kind", pk ? "PRIMARY KEY" : "UNIQUE" },
	};

	if (k->indexname && *k->indexname) {
		if (pk)
			primary_key_using_index(c, rel, k, where);
		return;
	}
	lint_report(c, &e, "adding %s %s builds its unique index while holding ACCESS EXCLUSIVE on "
		    "%s: reads and writes wait for the whole build", pk ? "PRIMARY KEY" : "UNIQUE",
		    column ? ctx_quote(c, column) : ctx_quote(c, name), ctx_quote(c, rel->relname));
}

static void exclusion(struct lint_ctx *c, const PgQuery__RangeVar *rel, const PgQuery__Constraint *k,
		      struct span where)
{
	const char *name = conname(c, rel, k, NULL, "excl");
	struct lint_emit e = {
		.rule = "add-exclusion-constraint",
		.where = where,
		.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 1, rel->relname },
		.vars = { "table", ctx_relname(c, rel), "constraint", ctx_ident(c, name),
			  "definition", body(c, k, where) },
	};

	lint_report(c, &e, "adding EXCLUDE constraint %s builds its index and checks every row while "
		    "holding ACCESS EXCLUSIVE on %s: it has no NOT VALID and no USING INDEX",
		    ctx_quote(c, name), ctx_quote(c, rel->relname));
}

void lint_constraint(struct lint_ctx *c, const PgQuery__RangeVar *rel, const PgQuery__Constraint *k,
		     struct span where, const char *column)
{
	switch (k->contype) {
	case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
		check_constraint(c, rel, k, where, column);
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
		foreign_key(c, rel, k, where, column);
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
	case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
		unique(c, rel, k, where, column);
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION:
		exclusion(c, rel, k, where);
		break;
	default:
		break;
	}
}

static void validate(struct lint_ctx *c, const PgQuery__RangeVar *rel, const char *name,
		     struct span where)
{
	const struct tx_state *tx = &c->tx;
	size_t i;

	if (!ctx_in_tx(c))
		return;
	/* the first constraint added with this name on this table (a look-up, not a walk) */
	if (strmap_get(&tx->cons_by_key, cons_key(c, rel->relname, name), &i)) {
		{
			struct lint_emit e = {
				.rule = "validate-same-transaction",
				.where = where,
				.lock = { LOCK_SHARE_UPDATE_EXCLUSIVE, 0, 1, rel->relname },
				.vars = { "table", ctx_relname(c, rel), "constraint", ctx_ident(c, name) },
			};

			lint_report(c, &e, "VALIDATE CONSTRAINT %s runs in the transaction that added it "
				    "(line %d): the lock taken to add it is held for the whole scan of %s",
				    ctx_quote(c, name), tx->cons[i].line, ctx_quote(c, rel->relname));
		}
	}
}

static void alter_table(struct lint_ctx *c, const PgQuery__AlterTableStmt *a)
{
	size_t i;

	if (!a->relation || a->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
		return;
	for (i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *cmd;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		cmd = a->cmds[i]->alter_table_cmd;
		switch (cmd->subtype) {
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraintRecurse:
			if (!cmd->def || cmd->def->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
				break;
			if (ctx_is_new(c, a->relation)) {
				/* a new table: nothing to scan; remember NOT VALID ones all the same */
				break;
			}
			lint_constraint(c, a->relation, cmd->def->constraint, span_alter_cmd(c, a, i), NULL);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraintRecurse:
			validate(c, a->relation, cmd->name, span_alter_cmd(c, a, i));
			break;
		default:
			break;
		}
	}
}

static void alter_domain(struct lint_ctx *c, const PgQuery__AlterDomainStmt *d)
{
	const char *name = pgnode_last_str(d->type_name, d->n_type_name);
	const struct sch_named *dom = schema_domain(c->schema, name);
	const PgQuery__Constraint *k;

	if (!d->subtype || d->subtype[0] != 'C' || !d->def ||
	    d->def->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
		return;
	k = d->def->constraint;
	if (k->skip_validation || (dom && ctx_seq_is_new(c, dom->seq)))
		return;
	{
		struct lint_emit e = {
			.rule = "alter-domain-add-constraint",
			.where = span_clause(c, k->location, 0),
			.lock = { LOCK_SHARE, 0, 1, NULL },
			.vars = { "domain", ctx_ident(c, name),
				  "constraint", ctx_ident(c, k->conname && *k->conname ? k->conname :
							  ctx_printf(c, "%s_check", name)),
				  "check", body(c, k, span_clause(c, k->location, 0)) },
		};

		lint_report(c, &e, "ALTER DOMAIN %s ADD CONSTRAINT without NOT VALID checks every "
			    "column of every table that uses the domain, holding SHARE on them "
			    "(writes wait)", ctx_quote(c, name));
	}
}

void rules_constraint(struct lint_ctx *c)
{
	const PgQuery__Node *n = c->st->node;

	if (n->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
		alter_table(c, n->alter_table_stmt);
	else if (n->node_case == PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT)
		alter_domain(c, n->alter_domain_stmt);
}
