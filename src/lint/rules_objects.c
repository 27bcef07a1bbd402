/* rules_objects.c - drops, renames and moves of objects other than tables and columns,
 * and ALTER TABLE combinations that change what a subcommand locks
 *
 *   drop-schema-cascade          DROP SCHEMA ... CASCADE: everything in it goes
 *   drop-cascade                 DROP TYPE/DOMAIN/SEQUENCE/EXTENSION ... CASCADE
 *   drop-owned                   DROP OWNED BY: every object of a role
 *   drop-object                  a view, function or type the application may use
 *   rename-object                a schema, type, domain, sequence or function renamed
 *   rename-enum-value            ALTER TYPE ... RENAME VALUE
 *   set-schema                   ALTER ... SET SCHEMA: the old qualified name stops working
 *   validate-constraint-combined VALIDATE CONSTRAINT with a subcommand that locks more
 *   add-constraint-using-index   USING INDEX on an index no migration here created
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"
#include "base/strbuf.h"
#include "base/util.h"

/* The object's name in a DROP / RENAME / SET SCHEMA object node. */
static const char *obj_name(const PgQuery__Node *o)
{
	if (!o)
		return NULL;
	switch (o->node_case) {
	case PG_QUERY__NODE__NODE_LIST:
		return pgnode_last_str(o->list->items, o->list->n_items);
	case PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS:
		return pgnode_last_str(o->object_with_args->objname, o->object_with_args->n_objname);
	case PG_QUERY__NODE__NODE_TYPE_NAME:
		return pgnode_last_str(o->type_name->names, o->type_name->n_names);
	case PG_QUERY__NODE__NODE_STRING:
		return o->string->sval;
	default:
		return NULL;
	}
}

/* The section that created the object, 0 when no migration linted did. */
static int obj_seq(const struct lint_ctx *c, PgQuery__ObjectType t, const char *name)
{
	const struct sch_table *tab;
	const struct sch_named *o = NULL;

	switch (t) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE:
		tab = schema_table(c->schema, NULL, name);
		return tab ? tab->seq : 0;
	case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION:
	case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_ROUTINE:
		o = schema_object(c->schema, SCH_OBJ_FUNCTION, name);
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE:
		o = schema_object(c->schema, SCH_OBJ_TYPE, name);
		if (!o)
			o = schema_object(c->schema, SCH_OBJ_DOMAIN, name);
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN:
		o = schema_object(c->schema, SCH_OBJ_DOMAIN, name);
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
		o = schema_object(c->schema, SCH_OBJ_SEQUENCE, name);
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA:
		o = schema_object(c->schema, SCH_OBJ_SCHEMA, name);
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_EXTENSION:
		o = schema_object(c->schema, SCH_OBJ_EXTENSION, name);
		break;
	default:
		break;
	}
	return o ? o->seq : 0;
}

/* Created in this section or run (nothing running uses it), or by the up this down reverts. */
static int obj_is_new(const struct lint_ctx *c, PgQuery__ObjectType t, const char *name)
{
	int seq = name ? obj_seq(c, t, name) : 0;

	return seq > 0 && (ctx_seq_is_new(c, seq) || (c->revert_seq && seq == c->revert_seq));
}

static const char *type_word(PgQuery__ObjectType t)
{
	switch (t) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA: return "schema";
	case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE: return "type";
	case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN: return "domain";
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE: return "sequence";
	case PG_QUERY__OBJECT_TYPE__OBJECT_EXTENSION: return "extension";
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW: return "view";
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW: return "materialized view";
	case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION: return "function";
	case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE: return "procedure";
	case PG_QUERY__OBJECT_TYPE__OBJECT_ROUTINE: return "routine";
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE: return "table";
	default: return "object";
	}
}

/* The kind as SQL spells it: "MATERIALIZED VIEW". */
static const char *kind_sql(struct lint_ctx *c, PgQuery__ObjectType t)
{
	char *s = ctx_strdup(c, type_word(t)), *p;

	for (p = s; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return s;
}

/* The name a later statement of this section creates the object under, if it does. */
static const char *created_name(const PgQuery__Node *n, PgQuery__ObjectType t)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		return (t == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW && n->view_stmt->view) ?
		       n->view_stmt->view->relname : NULL;
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		return (t == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW && n->create_table_as_stmt->into &&
			n->create_table_as_stmt->into->rel) ? n->create_table_as_stmt->into->rel->relname : NULL;
	case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
		return (t == PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION ||
			t == PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE ||
			t == PG_QUERY__OBJECT_TYPE__OBJECT_ROUTINE) ?
		       pgnode_last_str(n->create_function_stmt->funcname,
				       n->create_function_stmt->n_funcname) : NULL;
	case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
		return t == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE ?
		       pgnode_last_str(n->create_enum_stmt->type_name, n->create_enum_stmt->n_type_name) : NULL;
	case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT:
		return t == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE && n->composite_type_stmt->typevar ?
		       n->composite_type_stmt->typevar->relname : NULL;
	case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT:
		return t == PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN || t == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE ?
		       pgnode_last_str(n->create_domain_stmt->domainname,
				       n->create_domain_stmt->n_domainname) : NULL;
	default:
		return NULL;
	}
}

static const PgQuery__ObjectType created_types[] = {
	PG_QUERY__OBJECT_TYPE__OBJECT_VIEW, PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW,
	PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION, PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE,
	PG_QUERY__OBJECT_TYPE__OBJECT_ROUTINE, PG_QUERY__OBJECT_TYPE__OBJECT_TYPE,
	PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN,
};

static const char *created_key(struct strbuf *sb, PgQuery__ObjectType t, const char *name)
{
	strbuf_reset(sb);
	strbuf_addf(sb, "%d:%s", (int)t, name);
	return sb->buf;
}

/* Note statement i of the section (before any is linted, its tree at hand): what it creates. */
void objects_note(struct lint_ctx *c, size_t i)
{
	const PgQuery__Node *n = sql_script_stmt(c->script, i)->node;
	struct strbuf sb = STRBUF_INIT;
	size_t k;

	for (k = 0; n && k < ARRAY_SIZE(created_types); k++) {
		const char *name = created_name(n, created_types[k]);

		if (name)
			strmap_put(&c->recreated, created_key(&sb, created_types[k], name), i);
	}
	strbuf_release(&sb);
}

/* Does a later statement of the section create it again (drop and re-create)? */
static int recreated_later(const struct lint_ctx *c, PgQuery__ObjectType t, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	size_t at;
	int found = strmap_get(&c->recreated, created_key(&sb, t, name), &at) && at > c->si;

	strbuf_release(&sb);
	return found;
}

static void report_drop(struct lint_ctx *c, const PgQuery__DropStmt *d, const char *rule,
			const char *name)
{
	int cascade = d->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
	const char *what = type_word(d->remove_type);
	struct lint_emit e = {
		.rule = rule,
		.where = { -1, -1 },
		.vars = { "name", ctx_ident(c, name), "kind", kind_sql(c, d->remove_type) },
	};

	if (!strcmp(rule, "drop-schema-cascade"))
		lint_report(c, &e, "DROP SCHEMA %s CASCADE drops every table, view, function and type "
			    "in it, with their data", ctx_quote(c, name));
	else if (!strcmp(rule, "drop-cascade"))
		lint_report(c, &e, "DROP %s %s CASCADE also drops every object that depends on it "
			    "(columns of tables, views, functions, defaults), which the statement does not "
			    "name", kind_sql(c, d->remove_type), ctx_quote(c, name));
	else
		lint_report(c, &e, "dropping %s %s breaks every running query and application version "
			    "that still uses it%s", what, ctx_quote(c, name),
			    cascade ? " (CASCADE: and everything that depends on it)" : "");
}

static void drop_stmt(struct lint_ctx *c, const PgQuery__DropStmt *d)
{
	int cascade = d->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
	const char *rule;
	size_t i;

	switch (d->remove_type) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA:
		rule = cascade ? "drop-schema-cascade" : NULL;
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_EXTENSION:
		rule = cascade ? "drop-cascade" : NULL;
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN:
		rule = cascade ? "drop-cascade" : "drop-object";
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION:
	case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_ROUTINE:
		rule = "drop-object";
		break;
	default:
		rule = NULL;
		break;
	}
	if (!rule)
		return;
	for (i = 0; i < d->n_objects; i++) {
		const char *name = obj_name(d->objects[i]);

		if (!name || obj_is_new(c, d->remove_type, name))
			continue;
		if (d->missing_ok && lint_object_absent(c, type_word(d->remove_type), name))
			continue; /* IF EXISTS of what is not there (connected): drops nothing */
		if (!strcmp(rule, "drop-object") && recreated_later(c, d->remove_type, name))
			continue; /* dropped to be re-created (a new signature or column list) */
		if (d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION &&
		    schema_object(c->schema, SCH_OBJ_TRIGGER_FUNC, name))
			continue; /* only triggers call it, and PostgreSQL refuses while one does */
		report_drop(c, d, rule, name);
		return; /* one finding per statement */
	}
}

static void rename_stmt(struct lint_ctx *c, const PgQuery__RenameStmt *r)
{
	const char *old;

	switch (r->rename_type) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA:
		old = r->subname;
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
		old = r->relation ? r->relation->relname : NULL;
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN:
	case PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION:
	case PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_ROUTINE:
		old = obj_name(r->object);
		break;
	default:
		return;
	}
	if (!old || !r->newname || obj_is_new(c, r->rename_type, old))
		return;
	{
		struct lint_emit e = {
			.rule = "rename-object",
			.where = { -1, -1 },
			.vars = { "name", ctx_ident(c, old), "new_name", ctx_ident(c, r->newname),
				  "kind", kind_sql(c, r->rename_type) },
		};

		lint_report(c, &e, "renaming %s %s to %s breaks every running query and application "
			    "version that uses the old name", type_word(r->rename_type),
			    ctx_quote(c, old), ctx_quote(c, r->newname));
	}
}

static void rename_enum_value(struct lint_ctx *c, const PgQuery__AlterEnumStmt *a)
{
	const char *type = pgnode_last_str(a->type_name, a->n_type_name);

	if (!a->old_val || !*a->old_val || obj_is_new(c, PG_QUERY__OBJECT_TYPE__OBJECT_TYPE, type))
		return;
	{
		struct lint_emit e = {
			.rule = "rename-enum-value",
			.where = span_keyword(c, PG_QUERY__TOKEN__RENAME, -1),
			.lock = { LOCK_EXCLUSIVE, 0, 0, NULL },
			.vars = { "type", ctx_ident(c, type), "value", a->old_val, "new_value", a->new_val },
		};

		e.where.end = c->st->offset + c->st->len;
		lint_report(c, &e, "renaming value '%s' of %s to '%s': running code that writes or "
			    "compares '%s' fails at once (invalid input value for enum)", a->old_val,
			    ctx_quote(c, type), a->new_val, a->old_val);
	}
}

static void set_schema(struct lint_ctx *c, const PgQuery__AlterObjectSchemaStmt *a)
{
	const char *name = a->relation ? a->relation->relname : obj_name(a->object);
	int rel = a->relation != NULL;

	if (!name || !a->newschema || obj_is_new(c, a->object_type, name))
		return;
	{
		struct lint_emit e = {
			.rule = "set-schema",
			.where = span_keyword(c, PG_QUERY__TOKEN__SCHEMA, -1),
			.lock = { rel ? LOCK_ACCESS_EXCLUSIVE : LOCK_NONE, 0, 0, rel ? name : NULL },
			.vars = { "kind", kind_sql(c, a->object_type), "name", ctx_ident(c, name),
				  "schema", ctx_ident(c, a->newschema) },
		};

		e.where.end = c->st->offset + c->st->len;
		lint_report(c, &e, "moving %s %s to schema %s: queries that name it with its old schema, "
			    "or find it through a search_path without %s, fail at once",
			    type_word(a->object_type), ctx_quote(c, name), ctx_quote(c, a->newschema),
			    ctx_quote(c, a->newschema));
	}
}

/* VALIDATE CONSTRAINT in one ALTER TABLE with subcommands that lock more than it does. */
static void validate_combined(struct lint_ctx *c, const PgQuery__AlterTableStmt *a)
{
	enum lock_mode strongest = LOCK_NONE;
	const char *conname = NULL;
	size_t i, vi = 0;

	for (i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *cmd;
		struct lock_effect e;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		cmd = a->cmds[i]->alter_table_cmd;
		if (cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint) {
			conname = cmd->name;
			vi = i;
			continue;
		}
		memset(&e, 0, sizeof(e));
		locks_for_alter_cmd(cmd, c->pg, &e);
		if (e.mode > strongest)
			strongest = e.mode;
	}
	if (!conname || strongest <= LOCK_SHARE_UPDATE_EXCLUSIVE)
		return;
	{
		struct lint_emit e = {
			.rule = "validate-constraint-combined",
			.where = span_alter_cmd(c, a, vi),
			.lock = { strongest, 0, 1, a->relation->relname },
			.vars = { "table", ctx_relname(c, a->relation), "constraint", ctx_ident(c, conname) },
		};

		lint_report(c, &e, "VALIDATE CONSTRAINT %s shares this ALTER TABLE with a subcommand "
			    "that takes %s: the validating scan of %s runs under that lock (%s wait) "
			    "instead of SHARE UPDATE EXCLUSIVE", ctx_quote(c, conname),
			    lock_mode_name(strongest), ctx_quote(c, a->relation->relname),
			    lock_blocks_reads(strongest) ? "reads and writes" : "writes");
	}
}

static void using_index(struct lint_ctx *c, const PgQuery__AlterTableStmt *a)
{
	size_t i;

	for (i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *cmd;
		const PgQuery__Constraint *k;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		cmd = a->cmds[i]->alter_table_cmd;
		if (cmd->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint || !cmd->def ||
		    cmd->def->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		k = cmd->def->constraint;
		if ((k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY &&
		     k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE) ||
		    !k->indexname || !*k->indexname || schema_index(c->schema, NULL, k->indexname))
			continue;
		{
			const char *what = k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY ?
					   "PRIMARY KEY" : "UNIQUE";
			struct lint_emit e = {
				.rule = "add-constraint-using-index",
				.where = span_alter_cmd(c, a, i),
				.vars = { "table", ctx_relname(c, a->relation),
					  "index", ctx_ident(c, k->indexname), "kind", what },
			};

			lint_report(c, &e, "ADD %s USING INDEX %s: no migration in this directory creates "
				    "that index; it must exist, be UNIQUE and be valid (a failed CREATE "
				    "INDEX CONCURRENTLY leaves an INVALID one), or the migration fails",
				    what, ctx_quote(c, k->indexname));
		}
	}
}

void rules_objects(struct lint_ctx *c)
{
	const PgQuery__Node *n = c->st->node;

	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_DROP_STMT:
		drop_stmt(c, n->drop_stmt);
		break;
	case PG_QUERY__NODE__NODE_DROP_OWNED_STMT: {
		struct lint_emit e = { .rule = "drop-owned", .where = { -1, -1 } };

		lint_report(c, &e, "DROP OWNED drops every object the role%s own%s in this database "
			    "(tables with their data included) and revokes its privileges",
			    n->drop_owned_stmt->n_roles > 1 ? "s" : "",
			    n->drop_owned_stmt->n_roles > 1 ? "" : "s");
		break;
	}
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		rename_stmt(c, n->rename_stmt);
		break;
	case PG_QUERY__NODE__NODE_ALTER_ENUM_STMT:
		rename_enum_value(c, n->alter_enum_stmt);
		break;
	case PG_QUERY__NODE__NODE_ALTER_OBJECT_SCHEMA_STMT:
		set_schema(c, n->alter_object_schema_stmt);
		break;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		if (n->alter_table_stmt->relation && !ctx_is_new(c, n->alter_table_stmt->relation)) {
			validate_combined(c, n->alter_table_stmt);
			using_index(c, n->alter_table_stmt);
		}
		break;
	default:
		break;
	}
}
