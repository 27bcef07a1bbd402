/* rules_table.c - whole-table operations and breaking changes
 *
 *   rename-table, rename-column        the running application uses the old name
 *   drop-table, drop-database          data loss; the application still uses it
 *   truncate-table                     ACCESS EXCLUSIVE, data loss (CASCADE: more tables)
 *   vacuum-full, cluster-table         rewrite under ACCESS EXCLUSIVE
 *   refresh-matview-non-concurrently   ACCESS EXCLUSIVE on the view for the refresh
 *   lock-table                         an explicit lock that blocks writes or reads
 *   set-logged-unlogged, set-tablespace rewrite / copy under ACCESS EXCLUSIVE
 *   attach-partition, detach-partition scans and ACCESS EXCLUSIVE locks
 */
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"
#include "base/strbuf.h"
#include "base/util.h"

static void rename_table(struct lint_ctx *c, const PgQuery__RenameStmt *r, struct span where,
			 const struct sch_table *t)
{
	const char *rel = r->relation->relname;
	struct lint_emit e = {
		.rule = "rename-table",
		.where = where,
		.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 0, rel },
		.vars = { "table", ctx_relname(c, r->relation), "new_name", ctx_ident(c, r->newname) },
	};

	if (t && sch_renamed_from(t->renamed_from, t->renamed_seq, c->revert_seq, r->newname))
		return; /* a down giving back the name its up took */
	lint_report(c, &e, "renaming %s to %s breaks every running query and application "
		    "version that uses the old name", ctx_quote(c, rel), ctx_quote(c, r->newname));
}

static void rename_column(struct lint_ctx *c, const PgQuery__RenameStmt *r, struct span where,
			  const struct sch_table *t)
{
	const char *rel = r->relation->relname;
	const struct sch_column *col = sch_table_column(c->schema, t, r->subname);
	const char *type = col ? sch_id_str(c->schema, col->type) : NULL;
	struct lint_emit e = {
		.rule = "rename-column",
		.where = where,
		.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 0, rel },
		.vars = { "table", ctx_relname(c, r->relation), "column", ctx_ident(c, r->subname),
			  "new_name", ctx_ident(c, r->newname),
			  "type", type && *type ? ctx_typename(c, type, col->mod0, col->mod1) : NULL },
	};

	if (col && sch_renamed_from(sch_id_str(c->schema, col->renamed_from), col->renamed_seq,
				    c->revert_seq, r->newname))
		return; /* a down giving back the name its up took */
	lint_report(c, &e, "renaming column %s.%s to %s breaks every running query and "
		    "application version that uses the old name", ctx_quote(c, rel),
		    ctx_quote(c, r->subname), ctx_quote(c, r->newname));
}

static void rename_rel(struct lint_ctx *c, const PgQuery__RenameStmt *r)
{
	struct span where = span_keyword(c, PG_QUERY__TOKEN__RENAME, -1);
	const struct sch_table *t;

	if (!r->relation || ctx_is_new(c, r->relation))
		return;
	where.end = c->st->offset + c->st->len;
	t = ctx_table(c, r->relation);
	if (r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE ||
	    r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW ||
	    r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW)
		rename_table(c, r, where, t);
	else if (r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN &&
		 (r->relation_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE ||
		  r->relation_type == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW ||
		  r->relation_type == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW))
		rename_column(c, r, where, t);
}

static void drop_table(struct lint_ctx *c, const PgQuery__DropStmt *d)
{
	struct strbuf names = STRBUF_INIT;
	const char *first = NULL;
	size_t i;
	int n = 0;

	if (d->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
		return;
	for (i = 0; i < d->n_objects; i++) {
		const PgQuery__Node *o = d->objects[i];
		const struct sch_table *t;
		const char *name;

		if (o->node_case != PG_QUERY__NODE__NODE_LIST)
			continue;
		name = pgnode_last_str(o->list->items, o->list->n_items);
		t = schema_table(c->schema, pgnode_qualifier(o->list->items, o->list->n_items), name);
		if (t && (t->seq == c->seq || (c->revert_seq && t->seq == c->revert_seq)))
			continue;
		if (!first)
			first = name;
		strbuf_addf(&names, "%s\"%s\"", n++ ? ", " : "", name);
	}
	if (n) {
		struct lint_emit e = {
			.rule = "drop-table",
			.where = { -1, -1 },
			.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 0, first },
			.vars = { "table", ctx_ident(c, first) },
		};

		lint_report(c, &e, "dropping %s%s deletes the data, and breaks every running query "
			    "and application version that still uses it", names.buf,
			    d->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE ?
			    " with CASCADE (and every view and foreign key that depends on it)" : "");
	}
	strbuf_release(&names);
}

static void truncate_table(struct lint_ctx *c, const PgQuery__TruncateStmt *t)
{
	const char *first = NULL;
	size_t i;

	for (i = 0; i < t->n_relations; i++) {
		const PgQuery__Node *n = t->relations[i];

		if (n->node_case == PG_QUERY__NODE__NODE_RANGE_VAR && !ctx_is_new(c, n->range_var)) {
			first = n->range_var->relname;
			break;
		}
	}
	if (first) {
		struct lint_emit e = {
			.rule = "truncate-table",
			.where = { -1, -1 },
			.lock = { LOCK_ACCESS_EXCLUSIVE, 1, 0, first },
			.vars = { "table", ctx_ident(c, first) },
		};

		lint_report(c, &e, "TRUNCATE %s takes ACCESS EXCLUSIVE and deletes every row%s",
			    ctx_quote(c, first),
			    t->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE ?
			    "; CASCADE also empties every table with a foreign key to it" : "");
	}
}

static int vacuum_full(const PgQuery__VacuumStmt *v)
{
	size_t i;

	if (!v->is_vacuumcmd)
		return 0;
	for (i = 0; i < v->n_options; i++) {
		const PgQuery__DefElem *d;

		if (v->options[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
			continue;
		d = v->options[i]->def_elem;
		if (!strcmp(d->defname, "full")) {
			const char *s = pgnode_str(d->arg);

			if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_BOOLEAN)
				return d->arg->boolean->boolval;
			if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_INTEGER)
				return d->arg->integer->ival != 0;
			return !s || (strcmp(s, "false") && strcmp(s, "off"));
		}
	}
	return 0;
}

static void vacuum(struct lint_ctx *c, const PgQuery__VacuumStmt *v)
{
	const char *first = NULL;
	size_t i;

	if (!vacuum_full(v))
		return;
	for (i = 0; i < v->n_rels; i++) {
		const PgQuery__Node *n = v->rels[i];

		if (n->node_case == PG_QUERY__NODE__NODE_VACUUM_RELATION && n->vacuum_relation->relation) {
			if (ctx_is_new(c, n->vacuum_relation->relation))
				continue;
			first = n->vacuum_relation->relation->relname;
			break;
		}
	}
	if (v->n_rels && !first)
		return;
	{
		struct lint_emit e = {
			.rule = "vacuum-full",
			.where = span_keyword(c, PG_QUERY__TOKEN__FULL, -1),
			.lock = { LOCK_ACCESS_EXCLUSIVE, 1, 1, first },
			.vars = { "table", first ? ctx_ident(c, first) : NULL },
		};

		lint_report(c, &e, "VACUUM FULL rewrites %s while holding ACCESS EXCLUSIVE: reads and "
			    "writes wait for the whole rewrite",
			    first ? ctx_quote(c, first) : "every table in the database");
	}
}

static void cluster(struct lint_ctx *c, const PgQuery__ClusterStmt *cl)
{
	const char *rel = cl->relation ? cl->relation->relname : NULL;

	if (cl->relation && ctx_is_new(c, cl->relation))
		return;
	{
		struct lint_emit e = {
			.rule = "cluster-table",
			.where = { -1, -1 },
			.lock = { LOCK_ACCESS_EXCLUSIVE, 1, 1, rel },
			.vars = { "table", rel ? ctx_ident(c, rel) : NULL,
				  "index", cl->indexname && *cl->indexname ? ctx_ident(c, cl->indexname) : NULL },
		};

		lint_report(c, &e, "CLUSTER rewrites %s in index order while holding ACCESS EXCLUSIVE: "
			    "reads and writes wait for the whole rewrite",
			    rel ? ctx_quote(c, rel) : "every clustered table");
	}
}

static void refresh(struct lint_ctx *c, const PgQuery__RefreshMatViewStmt *r)
{
	if (r->concurrent || !r->relation || ctx_is_new(c, r->relation))
		return;
	{
		struct lint_emit e = {
			.rule = "refresh-matview-non-concurrently",
			.where = { -1, -1 },
			.lock = { LOCK_ACCESS_EXCLUSIVE, 1, 1, r->relation->relname },
			.vars = { "view", ctx_relname(c, r->relation) },
		};

		lint_report(c, &e, "REFRESH MATERIALIZED VIEW %s without CONCURRENTLY holds ACCESS "
			    "EXCLUSIVE on it while the query runs: every read of the view waits",
			    ctx_quote(c, r->relation->relname));
	}
}

static void lock_table(struct lint_ctx *c, const PgQuery__LockStmt *l)
{
	enum lock_mode m = lock_mode_from_number(l->mode);
	const char *first = NULL;
	size_t i;

	if (!lock_blocks_writes(m))
		return;
	for (i = 0; i < l->n_relations; i++)
		if (l->relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR &&
		    !ctx_is_new(c, l->relations[i]->range_var)) {
			first = l->relations[i]->range_var->relname;
			break;
		}
	if (!first)
		return;
	{
		struct lint_emit e = {
			.rule = "lock-table",
			.where = { -1, -1 },
			.lock = { m, 0, 0, first },
			.vars = { "table", ctx_ident(c, first) },
		};

		lint_report(c, &e, "LOCK TABLE %s IN %s MODE blocks %s of it until the transaction "
			    "ends", ctx_quote(c, first), lock_mode_name(m),
			    lock_blocks_reads(m) ? "reads and writes" : "writes");
	}
}

static void attach(struct lint_ctx *c, const PgQuery__AlterTableStmt *a, size_t i,
		   const PgQuery__PartitionCmd *p)
{
	const struct sch_table *parent = ctx_table(c, a->relation), *part;
	const char *key = parent ? parent->partkey : NULL;
	size_t k;

	if (!p->name || ctx_is_new(c, p->name))
		return;
	part = ctx_table(c, p->name);
	/* a validated CHECK on the partition key lets PostgreSQL skip the scan */
	for (k = 0; part && key && k < part->nchecks; k++) {
		const char *cols = part->checks[k].cols;
		const char *q = key;

		if (!part->checks[k].valid || !cols)
			continue;
		while ((q = strchr(q, '|')) && q[1]) {
			const char *e = strchr(q + 1, '|');
			char *col = xstrndup(q + 1, (size_t)(e - q - 1));
			int hit = sch_list_has(cols, col);

			free(col);
			if (hit)
				return;
			q = e;
		}
	}
	{
		struct lint_emit e = {
			.rule = "attach-partition",
			.where = span_alter_cmd(c, a, i),
			.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 1, p->name->relname },
			.vars = { "table", ctx_relname(c, a->relation), "partition", ctx_relname(c, p->name),
				  "bound", p->bound ? ctx_text(c, span_clause(c, p->bound->location, 0)) : NULL },
		};

		lint_report(c, &e, "ATTACH PARTITION scans all of %s while holding ACCESS EXCLUSIVE on "
			    "it%s, unless a validated CHECK constraint already proves the partition bound",
			    ctx_quote(c, p->name->relname),
			    c->pg < 12 ? ctx_printf(c, " and on %s (before PostgreSQL 12)",
						    ctx_quote(c, a->relation->relname)) : "");
	}
}

static void detach(struct lint_ctx *c, const PgQuery__AlterTableStmt *a, size_t i,
		   const PgQuery__PartitionCmd *p)
{
	struct lint_emit e = {
		.rule = "detach-partition",
		.where = span_alter_cmd(c, a, i),
		.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 0, a->relation->relname },
		.vars = { "table", ctx_relname(c, a->relation),
			  "partition", p->name ? ctx_relname(c, p->name) : NULL },
	};

	if (p->concurrent && c->pg >= 14)
		return;
	if (c->pg < 14) {
		e.severity = LINT_WARNING;
		lint_report(c, &e, "DETACH PARTITION takes ACCESS EXCLUSIVE on %s and the partition "
			    "(reads and writes wait); CONCURRENTLY needs PostgreSQL 14",
			    ctx_quote(c, a->relation->relname));
	} else {
		lint_report(c, &e, "DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on "
			    "%s and the partition: reads and writes of both wait",
			    ctx_quote(c, a->relation->relname));
	}
}

static void alter_table(struct lint_ctx *c, const PgQuery__AlterTableStmt *a)
{
	size_t i;

	if (!a->relation || ctx_is_new(c, a->relation))
		return;
	for (i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *cmd;
		const char *rel = a->relation->relname;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		cmd = a->cmds[i]->alter_table_cmd;
		switch (cmd->subtype) {
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetLogged:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetUnLogged: {
			int logged = cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_SetLogged;
			struct lint_emit e = {
				.rule = "set-logged-unlogged",
				.where = span_alter_cmd(c, a, i),
				.lock = { LOCK_ACCESS_EXCLUSIVE, 1, 1, rel },
				.vars = { "table", ctx_relname(c, a->relation) },
			};

			lint_report(c, &e, "SET %s rewrites %s and its indexes while holding ACCESS "
				    "EXCLUSIVE%s", logged ? "LOGGED" : "UNLOGGED", ctx_quote(c, rel),
				    logged ? " (and writes all of it to the WAL)" : "");
			break;
		}
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetTableSpace: {
			struct lint_emit e = {
				.rule = "set-tablespace",
				.where = span_alter_cmd(c, a, i),
				.lock = { LOCK_ACCESS_EXCLUSIVE, 1, 0, rel },
				.vars = { "table", ctx_relname(c, a->relation),
					  "tablespace", ctx_ident(c, cmd->name) },
			};

			lint_report(c, &e, "SET TABLESPACE copies every file of %s while holding ACCESS "
				    "EXCLUSIVE: reads and writes wait for the copy", ctx_quote(c, rel));
			break;
		}
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition:
			if (cmd->def && cmd->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD)
				attach(c, a, i, cmd->def->partition_cmd);
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition:
			if (cmd->def && cmd->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD)
				detach(c, a, i, cmd->def->partition_cmd);
			break;
		default:
			break;
		}
	}
}

void rules_table(struct lint_ctx *c)
{
	const PgQuery__Node *n = c->st->node;

	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		rename_rel(c, n->rename_stmt);
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		drop_table(c, n->drop_stmt);
		break;
	case PG_QUERY__NODE__NODE_DROPDB_STMT: {
		struct lint_emit e = {
			.rule = "drop-database",
			.where = { -1, -1 },
			.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 0, NULL },
			.vars = { "database", ctx_ident(c, n->dropdb_stmt->dbname) },
		};

		lint_report(c, &e, "DROP DATABASE %s deletes the whole database",
			    ctx_quote(c, n->dropdb_stmt->dbname));
		break;
	}
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		truncate_table(c, n->truncate_stmt);
		break;
	case PG_QUERY__NODE__NODE_VACUUM_STMT:
		vacuum(c, n->vacuum_stmt);
		break;
	case PG_QUERY__NODE__NODE_CLUSTER_STMT:
		cluster(c, n->cluster_stmt);
		break;
	case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT:
		refresh(c, n->refresh_mat_view_stmt);
		break;
	case PG_QUERY__NODE__NODE_LOCK_STMT:
		lock_table(c, n->lock_stmt);
		break;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		alter_table(c, n->alter_table_stmt);
		break;
	default:
		break;
	}
}
