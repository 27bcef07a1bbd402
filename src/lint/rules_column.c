/* rules_column.c - ALTER TABLE on the columns of an existing table
 *
 *   add-column-volatile-default  a default evaluated per row (any default before 11)
 *   add-column-serial            serial / identity column added to an existing table
 *   add-column-generated-stored  GENERATED ... STORED column added to an existing table
 *   add-column-not-null          NOT NULL column without a default
 *   add-column-domain-check      a column of a domain type with a CHECK (rewrites)
 *   add-column-json              a json column: running queries that compare rows fail
 *   change-column-type           a type change that rewrites (safe changes pass)
 *   set-not-null                 SET NOT NULL without a validated CHECK (12+)
 *   drop-not-null                DROP NOT NULL (clients may rely on it)
 *   drop-column                  DROP COLUMN (the running application may use it)
 */
#include <string.h>
#include <strings.h>

#include "lint/lint_int.h"
#include "base/util.h"

struct col_ctx {
	const PgQuery__AlterTableStmt *a;
	const PgQuery__AlterTableCmd *cmd;
	struct span where;
	const struct sch_table *t;
	const char *table;   /* as SQL */
};

static int is_serial(const PgQuery__TypeName *t)
{
	static const char *const serials[] = {
		"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial",
	};
	const char *n = pgnode_type_name(t);
	size_t i;

	if (pgnode_type_schema(t) || pgnode_type_is_array(t))
		return 0;
	for (i = 0; i < ARRAY_SIZE(serials); i++)
		if (!strcasecmp(n, serials[i]))
			return 1;
	return 0;
}

static const PgQuery__Constraint *find_constraint(const PgQuery__ColumnDef *d, int contype)
{
	size_t i;

	for (i = 0; i < d->n_constraints; i++)
		if (d->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    (int)d->constraints[i]->constraint->contype == contype)
			return d->constraints[i]->constraint;
	return NULL;
}

static int is_null_const(const PgQuery__Node *n)
{
	while (n && n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST)
		n = n->type_cast->arg;
	return n && n->node_case == PG_QUERY__NODE__NODE_A_CONST && n->a_const->isnull;
}

static void volatile_default(struct lint_ctx *c, struct col_ctx *x, const PgQuery__ColumnDef *d,
			     const PgQuery__Node *def, const PgQuery__Constraint *dc)
{
	struct span where = dc ? span_clause(c, dc->location, 1) : x->where;
	const char *rel = x->a->relation->relname;
	struct lint_emit e = {
		.rule = "add-column-volatile-default",
		.where = where,
		.lock = { LOCK_ACCESS_EXCLUSIVE, 1, 1, rel },
		.vars = { "table", x->table, "column", ctx_ident(c, d->colname),
			  "type", ctx_text(c, span_type(c, d->type_name ? d->type_name->location : -1)) },
	};
	enum volatility v;
	int at;

	if (!def || is_null_const(def))
		return;
	e.vars[6] = "default";
	e.vars[7] = ctx_text(c, span_clause(c, pgnode_location(&def->base), 1));
	if (c->pg < 11) {
		lint_report(c, &e, "before PostgreSQL 11, ADD COLUMN %s with a DEFAULT rewrites all of "
			    "%s and its indexes while holding ACCESS EXCLUSIVE",
			    ctx_quote(c, d->colname), ctx_quote(c, rel));
		return;
	}
	v = expr_volatility(def, ctx_func_volatility, c, &at);
	if (v < VOL_UNKNOWN)
		return;
	e.where = span_expr(c, at);
	if (v == VOL_VOLATILE) {
		lint_report(c, &e, "default %s is volatile: ADD COLUMN %s evaluates it for every row, "
			    "rewriting all of %s and its indexes while holding ACCESS EXCLUSIVE",
			    ctx_text(c, span_expr(c, at)), ctx_quote(c, d->colname), ctx_quote(c, rel));
	} else {
		lint_report(c, &e, "default %s calls a function the migrations do not declare "
			    "IMMUTABLE or STABLE, and functions are VOLATILE unless declared otherwise: "
			    "ADD COLUMN %s would then rewrite all of %s while holding ACCESS EXCLUSIVE",
			    ctx_text(c, span_expr(c, at)), ctx_quote(c, d->colname), ctx_quote(c, rel));
	}
}

/* A column whose domain has a CHECK: every row is checked, rewriting the table. 1 when reported. */
static int domain_check(struct lint_ctx *c, struct col_ctx *x, const PgQuery__ColumnDef *d)
{
	const char *rel = x->a->relation->relname;
	const struct sch_named *dom;

	if (pgnode_type_is_array(d->type_name))
		return 0;
	dom = schema_domain(c->schema, pgnode_type_name(d->type_name));
	if (!dom || !dom->value)
		return 0;
	{
		struct lint_emit e = {
			.rule = "add-column-domain-check",
			.where = span_type(c, d->type_name->location),
			.lock = { LOCK_ACCESS_EXCLUSIVE, 1, 1, rel },
			.vars = { "table", x->table, "column", ctx_ident(c, d->colname),
				  "domain", ctx_ident(c, dom->name),
				  "check_name", ctx_ident(c, ctx_printf(c, "%s_%s_check", rel, d->colname)) },
		};

		lint_report(c, &e, "column %s has domain type %s, which has a CHECK constraint: "
			    "PostgreSQL checks it for every existing row, rewriting %s while "
			    "holding ACCESS EXCLUSIVE", ctx_quote(c, d->colname),
			    ctx_quote(c, dom->name), ctx_quote(c, rel));
	}
	return 1;
}

/* json (or json[]) has no equality operator: DISTINCT, UNION, GROUP BY of the rows fail. */
static void json_column(struct lint_ctx *c, struct col_ctx *x, const PgQuery__ColumnDef *d)
{
	const char *schema = pgnode_type_schema(d->type_name);

	if (strcmp(pgnode_type_name(d->type_name), "json") || (schema && strcmp(schema, "pg_catalog")))
		return;
	{
		struct lint_emit e = {
			.rule = "add-column-json",
			.where = span_type(c, d->type_name->location),
			.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 0, x->a->relation->relname },
			.vars = { "table", x->table, "column", ctx_ident(c, d->colname) },
		};

		lint_report(c, &e, "adding json column %s to existing table %s: json has no equality "
			    "operator, so the running queries that use SELECT DISTINCT, UNION or GROUP "
			    "BY on its rows fail from now on; use jsonb", ctx_quote(c, d->colname),
			    ctx_quote(c, x->a->relation->relname));
	}
}

static void add_column(struct lint_ctx *c, struct col_ctx *x)
{
	const PgQuery__ColumnDef *d;
	const PgQuery__Constraint *k = NULL, *dc;
	const PgQuery__Node *def;
	const char *rel = x->a->relation->relname;
	int rewriting = 0, has_default, not_null;
	size_t i;

	if (!x->cmd->def || x->cmd->def->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF)
		return;
	d = x->cmd->def->column_def;
	if (!d->colname)
		return;
	dc = find_constraint(d, PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT);
	def = d->raw_default ? d->raw_default : dc ? dc->raw_expr : NULL;
	has_default = def && !is_null_const(def);
	not_null = d->is_not_null || find_constraint(d, PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL) ||
		   find_constraint(d, PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY);

	if (is_serial(d->type_name) || (k = find_constraint(d, PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY))) {
		int serial = is_serial(d->type_name);
		struct lint_emit e = {
			.rule = "add-column-serial",
			.where = serial ? span_type(c, d->type_name->location) :
					  span_clause(c, k->location, 1),
			.lock = { LOCK_ACCESS_EXCLUSIVE, 1, 1, rel },
			.vars = { "table", x->table, "column", ctx_ident(c, d->colname),
				  "table_name", rel, "sequence", ctx_ident(c, ctx_printf(c, "%s_%s_seq", rel, d->colname)) },
		};

		rewriting = 1;
		lint_report(c, &e, "adding %s column %s to existing table %s fills every row, "
			    "rewriting the table and its indexes while holding ACCESS EXCLUSIVE",
			    serial ? pgnode_type_name(d->type_name) : "an identity", ctx_quote(c, d->colname),
			    ctx_quote(c, rel));
	}
	if ((k = find_constraint(d, PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED))) {
		struct lint_emit e = {
			.rule = "add-column-generated-stored",
			.where = span_clause(c, k->location, 1),
			.lock = { LOCK_ACCESS_EXCLUSIVE, 1, 1, rel },
			.vars = { "table", x->table, "column", ctx_ident(c, d->colname),
				  "type", ctx_text(c, span_type(c, d->type_name->location)),
				  "expr", k->raw_expr ? ctx_text(c, span_clause(c, pgnode_location(&k->raw_expr->base), 0)) : "..." },
		};

		rewriting = 1;
		lint_report(c, &e, "adding GENERATED ... STORED column %s computes it for every row, "
			    "rewriting %s and its indexes while holding ACCESS EXCLUSIVE",
			    ctx_quote(c, d->colname), ctx_quote(c, rel));
	}
	if (d->type_name)
		json_column(c, x, d);
	if (!rewriting)
		volatile_default(c, x, d, def, dc);
	if (!rewriting)
		rewriting = domain_check(c, x, d);
	if (not_null && !has_default && !rewriting) {
		const PgQuery__Constraint *nn = find_constraint(d, PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL);
		struct lint_emit e = {
			.rule = "add-column-not-null",
			.where = nn ? span_clause(c, nn->location, 1) : x->where,
			.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 1, rel },
			.vars = { "table", x->table, "column", ctx_ident(c, d->colname),
				  "type", ctx_text(c, span_type(c, d->type_name->location)),
				  "check_name", ctx_ident(c, ctx_printf(c, "%s_%s_not_null", rel, d->colname)) },
		};

		lint_report(c, &e, "ADD COLUMN %s NOT NULL without a default fails as soon as %s has a "
			    "row (it scans the table to find out)", ctx_quote(c, d->colname),
			    ctx_quote(c, rel));
	}
	/* inline constraints: CHECK, REFERENCES, UNIQUE, PRIMARY KEY */
	for (i = 0; i < d->n_constraints; i++) {
		const PgQuery__Node *n = d->constraints[i];

		if (n->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		k = n->constraint;
		if (k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK ||
		    k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN ||
		    k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE ||
		    k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY)
			lint_constraint(c, x->a->relation, k, span_clause(c, k->location, 1), d->colname);
	}
}

/* ---- ALTER COLUMN TYPE ---- */

/* A change that does not rewrite the table may still scan it under ACCESS EXCLUSIVE: the
 * CHECK constraints on the column are re-checked, and an index that cannot be kept (its
 * expression or WHERE uses the column, or the operator class changes: text to citext) is
 * rebuilt. Why, or NULL. */
static const char *safe_change_scans(struct lint_ctx *c, const struct sch_table *t, const char *rel,
				     const char *col, const struct sch_column *old,
				     const PgQuery__TypeName *tn)
{
	const struct sch_index *ix;
	const char *otype;
	int opclass;

	if (sch_table_check_on(t, col))
		return "no rewrite, but the CHECK constraints on the column are re-checked with a full "
		       "scan while ACCESS EXCLUSIVE is held";
	otype = old ? sch_id_str(c->schema, old->type) : NULL;
	opclass = otype && !strcmp(otype, "citext") != !strcmp(pgnode_type_name(tn), "citext");
	ix = schema_index_rebuilt(c->schema, rel, col, opclass);
	if (!ix)
		return NULL;
	return ctx_printf(c, "no table rewrite, but index %s %s: it is rebuilt with a full scan while "
			  "ACCESS EXCLUSIVE is held", ctx_quote(c, ix->name),
			  sch_list_has(ix->exprrefs, col) ? "uses the column in an expression or WHERE" :
			  "changes operator class (text and citext compare differently)");
}

int lint_alter_cost(struct lint_ctx *c, const PgQuery__AlterTableStmt *a,
		    const PgQuery__AlterTableCmd *cmd)
{
	const struct sch_table *t = ctx_table(c, a->relation);
	struct lock_effect e;

	switch (cmd->subtype) {
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
		if (cmd->def && cmd->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF && cmd->name) {
			const PgQuery__ColumnDef *d = cmd->def->column_def;
			const char *why = NULL;

			enum change ch = CHANGE_REWRITE;

			if (!d->raw_default || lint_using_is_noop(d->raw_default, cmd->name, d->type_name))
				ch = lint_type_change(c, lint_column_now(c, t, a->relation->relname,
									 cmd->name), d->type_name, &why);
			if (ch == CHANGE_SAFE)
				return safe_change_scans(c, t, a->relation->relname, cmd->name,
							 lint_column_now(c, t, a->relation->relname, cmd->name),
							 d->type_name) ? 1 : 0;
			if (ch == CHANGE_MAYBE)
				return 3;
		}
		return 2;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
		return c->pg >= 12 && sch_table_notnull_check(t, cmd->name) ? 0 : 1;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumnRecurse:
		if (cmd->def && cmd->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
			const PgQuery__ColumnDef *d = cmd->def->column_def;
			const struct sch_named *dom = schema_domain(c->schema, pgnode_type_name(d->type_name));

			if (locks_column_rewrites(d, c->pg, ctx_func_volatility, c) || (dom && dom->value))
				return 2;
		}
		break;
	default:
		break;
	}
	locks_for_alter_cmd(cmd, c->pg, &e);
	return e.rewrite ? 2 : e.scan ? 1 : 0;
}

static int is_temporal(const PgQuery__TypeName *t)
{
	static const char *const names[] = { "timestamp", "timestamptz", "time", "timetz", "interval" };
	const char *n = pgnode_type_name(t);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(n, names[i]))
			return 1;
	return 0;
}

static void change_type(struct lint_ctx *c, struct col_ctx *x)
{
	const PgQuery__ColumnDef *d;
	const struct sch_column *old;
	const char *why = NULL, *rel = x->a->relation->relname, *col = x->cmd->name;
	enum change ch;
	int warn;

	if (!x->cmd->def || x->cmd->def->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF || !col)
		return;
	d = x->cmd->def->column_def;
	old = lint_column_now(c, x->t, rel, col);
	if (d->raw_default && !lint_using_is_noop(d->raw_default, col, d->type_name))
		ch = CHANGE_REWRITE;
	else
		ch = lint_type_change(c, old, d->type_name, &why);
	/* a warning only when the rewrite hangs on the session's TimeZone or a precision: the type
	 * is known, or the target is a date/time type (without USING, only the same family casts
	 * to it). Text, varchar, numeric and inet from an unknown type may well rewrite; a
	 * re-checked CHECK scans under ACCESS EXCLUSIVE. */
	warn = ch == CHANGE_MAYBE && ((old && old->type && *sch_id_str(c->schema, old->type)) ||
				      is_temporal(d->type_name));
	if (ch == CHANGE_SAFE) {
		why = safe_change_scans(c, x->t, rel, col, old, d->type_name);
		if (!why) {
			lint_column_retyped(c, rel, col, d->type_name);
			return;
		}
		ch = CHANGE_MAYBE;
	}
	{
		const char *to = ctx_text(c, span_type(c, d->type_name->location));
		struct lint_emit e = {
			.rule = "change-column-type",
			.where = x->where,
			.lock = { LOCK_ACCESS_EXCLUSIVE, ch == CHANGE_REWRITE, 1, rel },
			.severity = warn ? LINT_WARNING : 0,
			.vars = { "table", x->table, "column", ctx_ident(c, col), "type", to,
				  "new_column", ctx_ident(c, ctx_printf(c, "%s_new", col)),
				  "table_name", rel },
		};

		if (ch == CHANGE_MAYBE)
			lint_report(c, &e, "changing the type of %s.%s to %s: %s", ctx_quote(c, rel),
				    ctx_quote(c, col), to, why);
		else if (old)
			lint_report(c, &e, "changing %s.%s from %s to %s rewrites the table and its "
				    "indexes while holding ACCESS EXCLUSIVE (reads and writes wait)",
				    ctx_quote(c, rel), ctx_quote(c, col),
				    ctx_typename(c, sch_id_str(c->schema, old->type), old->mod0, old->mod1),
				    to);
		else
			lint_report(c, &e, "changing the type of %s.%s to %s%s rewrites the table and its "
				    "indexes while holding ACCESS EXCLUSIVE (reads and writes wait)",
				    ctx_quote(c, rel), ctx_quote(c, col), to,
				    d->raw_default ? " with USING" : "");
	}
	lint_column_retyped(c, rel, col, d->type_name);
}

/* Is n a name for "col IS NOT NULL"? col as a whole word (between "_" or the ends) right
 * before "_not_null", "_is_not_null", "_notnull" or "_nn", or right after "nn_" or
 * "not_null_": users_email_not_null, email_nn, nn_email. */
static int names_not_null(const char *n, const char *col)
{
	static const char *const after[] = { "_not_null", "_is_not_null", "_notnull", "_nn" };
	size_t len = strlen(col), k;
	const char *p;

	for (p = n; len && (p = strstr(p, col)); p++) {
		const char *rest = p + len;

		if ((p > n && p[-1] != '_') || (*rest && *rest != '_'))
			continue;
		for (k = 0; k < ARRAY_SIZE(after); k++) {
			size_t m = strlen(after[k]);

			if (!strncmp(rest, after[k], m) && (!rest[m] || rest[m] == '_'))
				return 1;
		}
		if ((p - n >= 3 && !strncmp(p - 3, "nn_", 3) && (p - n == 3 || p[-4] == '_')) ||
		    (p - n >= 9 && !strncmp(p - 9, "not_null_", 9) && (p - n == 9 || p[-10] == '_')))
			return 1;
	}
	return 0;
}

/* A validated constraint whose definition no migration read shows, named as if it proved
 * col IS NOT NULL. */
static const char *unknown_notnull_check(const struct sch_table *t, const char *col)
{
	size_t i;

	for (i = 0; t && i < t->nchecks; i++) {
		const char *n = t->checks[i].name;

		if (t->checks[i].unknown && t->checks[i].valid && n && names_not_null(n, col))
			return n;
	}
	return NULL;
}

static void set_not_null(struct lint_ctx *c, struct col_ctx *x)
{
	const char *rel = x->a->relation->relname, *col = x->cmd->name;
	int has_check = 0;
	size_t i;

	if (!col)
		return;
	if (c->pg >= 12 && sch_table_notnull_check(x->t, col))
		return;
	if (c->pg >= 12 && unknown_notnull_check(x->t, col)) {
		struct lint_emit e = {
			.rule = "set-not-null", .where = x->where, .severity = LINT_WARNING,
			.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 0, rel },
			.vars = { "table", x->table, "column", ctx_ident(c, col),
				  "check_name", ctx_ident(c, unknown_notnull_check(x->t, col)) },
		};

		lint_report(c, &e, "SET NOT NULL on %s.%s skips the scan only if the validated constraint "
			    "%s is CHECK (%s IS NOT NULL): it was added before the migrations read",
			    ctx_quote(c, rel), ctx_quote(c, col),
			    ctx_quote(c, unknown_notnull_check(x->t, col)), col);
		return;
	}
	for (i = 0; x->t && i < x->t->nchecks; i++)
		if (sch_list_has(x->t->checks[i].notnull, col))
			has_check = 1;
	{
		struct lint_emit e = {
			.rule = "set-not-null",
			.where = x->where,
			.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 1, rel },
			.vars = { "table", x->table, "column", ctx_ident(c, col),
				  "check_name", ctx_ident(c, ctx_printf(c, "%s_%s_not_null", rel, col)) },
		};

		if (c->pg < 12)
			lint_report(c, &e, "SET NOT NULL on %s.%s scans all of %s while holding ACCESS "
				    "EXCLUSIVE; before PostgreSQL 12 no CHECK constraint can spare the scan",
				    ctx_quote(c, rel), ctx_quote(c, col), ctx_quote(c, rel));
		else if (has_check)
			lint_report(c, &e, "SET NOT NULL on %s.%s scans all of %s while holding ACCESS "
				    "EXCLUSIVE: its CHECK (%s IS NOT NULL) is not validated yet",
				    ctx_quote(c, rel), ctx_quote(c, col), ctx_quote(c, rel), col);
		else
			lint_report(c, &e, "SET NOT NULL on %s.%s scans all of %s while holding ACCESS "
				    "EXCLUSIVE (reads and writes wait)", ctx_quote(c, rel),
				    ctx_quote(c, col), ctx_quote(c, rel));
	}
}

void rules_column(struct lint_ctx *c)
{
	const PgQuery__AlterTableStmt *a;
	struct col_ctx x;
	size_t i;

	if (c->st->node->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
		return;
	a = c->st->node->alter_table_stmt;
	if (!a->relation || a->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE || ctx_is_new(c, a->relation))
		return;
	x.a = a;
	x.t = ctx_table(c, a->relation);
	x.table = ctx_relname(c, a->relation);
	for (i = 0; i < a->n_cmds; i++) {
		const char *rel = a->relation->relname;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		x.cmd = a->cmds[i]->alter_table_cmd;
		x.where = span_alter_cmd(c, a, i);
		switch (x.cmd->subtype) {
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumnRecurse:
			add_column(c, &x);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
			change_type(c, &x);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
			set_not_null(c, &x);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull: {
			struct lint_emit e = {
				.rule = "drop-not-null",
				.where = x.where,
				.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 0, rel },
				.vars = { "table", x.table, "column", ctx_ident(c, x.cmd->name) },
			};

			const struct sch_column *col = sch_table_column(c->schema, x.t, x.cmd->name);

			if (col && c->revert_seq && col->not_null == c->revert_seq)
				break; /* a down undoing its own up's SET NOT NULL */
			lint_report(c, &e, "DROP NOT NULL on %s.%s: code that reads the column may not "
				    "expect NULLs", ctx_quote(c, rel), ctx_quote(c, x.cmd->name));
			break;
		}
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumnRecurse: {
			const struct sch_column *col = sch_table_column(c->schema, x.t, x.cmd->name);
			struct lint_emit e = {
				.rule = "drop-column",
				.where = x.where,
				.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 0, rel },
				.vars = { "table", x.table, "column", ctx_ident(c, x.cmd->name) },
			};

			if (col && c->revert_seq && col->seq == c->revert_seq)
				break; /* a down removing the column its own up added */
			lint_report(c, &e, "dropping %s.%s breaks every running query and application "
				    "version that still reads or writes it", ctx_quote(c, rel),
				    ctx_quote(c, x.cmd->name));
			break;
		}
		default:
			break;
		}
	}
}
