/* guard.c - a migration may not change migrate's own tables: found in the parse
 * tree, never by matching text */
#include "run/guard.h"
#include "sql/pgnode.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <jansson.h>
#include <pg_query.h>
#include <stdlib.h>
#include <string.h>

struct ours {
	const char *schema;
	int unqualified; /* an unqualified name may be ours */
	char *tables[3]; /* history, _log, _lock */
};

/* One of our tables: schema NULL (unqualified) may resolve to ours. */
static int is_ours(const struct ours *o, const char *schema, const char *rel)
{
	int i;

	if (!rel || (schema && *schema ? strcmp(schema, o->schema) != 0 : !o->unqualified))
		return 0;
	for (i = 0; i < 3; i++)
		if (!strcmp(rel, o->tables[i]))
			return 1;
	return 0;
}

static int rv_ours(const struct ours *o, const PgQuery__RangeVar *rv)
{
	return rv && is_ours(o, rv->schemaname, rv->relname);
}

static int drop_ours(const struct ours *o, const PgQuery__DropStmt *d)
{
	size_t i;

	for (i = 0; i < d->n_objects; i++) {
		const PgQuery__Node *obj = d->objects[i];

		if (d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA && pgnode_str(obj) &&
		    !strcmp(pgnode_str(obj), o->schema))
			return 1;
		if (d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE &&
		    obj->node_case == PG_QUERY__NODE__NODE_LIST &&
		    is_ours(o, pgnode_qualifier(obj->list->items, obj->list->n_items),
			    pgnode_last_str(obj->list->items, obj->list->n_items)))
			return 1;
	}
	return 0;
}

static int do_changes_ours(const struct ours *o, const PgQuery__DoStmt *d);

/* Whether the statement changes one of our tables (or drops/renames their schema). */
static int changes_ours(const struct ours *o, const PgQuery__Node *n)
{
	size_t i;

	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		return rv_ours(o, n->alter_table_stmt->relation);
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		if (n->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA)
			return n->rename_stmt->subname && !strcmp(n->rename_stmt->subname, o->schema);
		return rv_ours(o, n->rename_stmt->relation);
	case PG_QUERY__NODE__NODE_ALTER_OBJECT_SCHEMA_STMT:
		return rv_ours(o, n->alter_object_schema_stmt->relation);
	case PG_QUERY__NODE__NODE_DROP_STMT:
		return drop_ours(o, n->drop_stmt);
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		for (i = 0; i < n->truncate_stmt->n_relations; i++)
			if (n->truncate_stmt->relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR &&
			    rv_ours(o, n->truncate_stmt->relations[i]->range_var))
				return 1;
		return 0;
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		return rv_ours(o, n->insert_stmt->relation);
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		return rv_ours(o, n->update_stmt->relation);
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		return rv_ours(o, n->delete_stmt->relation);
	case PG_QUERY__NODE__NODE_MERGE_STMT:
		return rv_ours(o, n->merge_stmt->relation);
	case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
		return rv_ours(o, n->create_trig_stmt->relation);
	case PG_QUERY__NODE__NODE_RULE_STMT:
		return rv_ours(o, n->rule_stmt->relation);
	case PG_QUERY__NODE__NODE_DO_STMT:
		return do_changes_ours(o, n->do_stmt);
	default:
		return 0;
	}
}

static int sql_changes_ours(const struct ours *o, const char *sql);

/* Any static SQL statement of a PL/pgSQL tree (pg_query_parse_plpgsql's JSON) that does. */
static int plpgsql_changes_ours(const struct ours *o, json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if (plpgsql_changes_ours(o, v))
				return 1;
		return 0;
	}
	if (!json_is_object(j))
		return 0;
	json_object_foreach(j, key, v) {
		json_t *q = json_object_get(json_object_get(json_object_get(v, "sqlstmt"),
							     "PLpgSQL_expr"), "query");

		if (!strcmp(key, "PLpgSQL_stmt_execsql") && json_is_string(q) &&
		    sql_changes_ours(o, json_string_value(q)))
			return 1;
		if (plpgsql_changes_ours(o, v))
			return 1;
	}
	return 0;
}

/* A DO block in PL/pgSQL: its static statements (not what it EXECUTEs). */
static int do_changes_ours(const struct ours *o, const PgQuery__DoStmt *d)
{
	const char *body = NULL, *lang = "plpgsql";
	struct strbuf sb = STRBUF_INIT;
	PgQueryPlpgsqlParseResult r;
	json_t *j;
	size_t i;
	int hit = 0;

	for (i = 0; i < d->n_args; i++) {
		const PgQuery__Node *a = d->args[i];

		if (a->node_case != PG_QUERY__NODE__NODE_DEF_ELEM || !a->def_elem->arg)
			continue;
		if (!strcmp(a->def_elem->defname, "as"))
			body = pgnode_str(a->def_elem->arg);
		else if (!strcmp(a->def_elem->defname, "language") && pgnode_str(a->def_elem->arg))
			lang = pgnode_str(a->def_elem->arg);
	}
	if (!body || strcmp(lang, "plpgsql") || strstr(body, "$migrate_guard$"))
		return 0;
	strbuf_addf(&sb, "CREATE FUNCTION migrate_guard() RETURNS void LANGUAGE plpgsql AS "
		    "$migrate_guard$%s$migrate_guard$", body);
	r = pg_query_parse_plpgsql(sb.buf);
	strbuf_release(&sb);
	if (!r.error && r.plpgsql_funcs && (j = json_loads(r.plpgsql_funcs, 0, NULL))) {
		hit = plpgsql_changes_ours(o, j);
		json_decref(j);
	}
	pg_query_free_plpgsql_parse_result(r);
	return hit;
}

static int sql_changes_ours(const struct ours *o, const char *sql)
{
	struct sql_script s;
	size_t i;
	int hit = 0;

	sql_script_parse(&s, sql, "", 1);
	for (i = 0; i < s.n && !hit; i++)
		hit = s.stmts[i].node && changes_ours(o, s.stmts[i].node);
	sql_script_release(&s);
	return hit;
}

int guard_steps(const struct history *h, const char *search_path, const struct step *steps,
		size_t n)
{
	struct ours o;
	size_t i, k;
	int rc = EXIT_OK, t;

	o.schema = h->schema;
	o.unqualified = !strcmp(h->schema, "public") || search_path;
	o.tables[0] = xstrdup(h->table);
	o.tables[1] = xasprintf("%s_log", h->table);
	o.tables[2] = xasprintf("%s_lock", h->table);
	for (i = 0; i < n; i++)
		for (k = 0; k < steps[i].script.n; k++) {
			const struct sql_stmt *st = &steps[i].script.stmts[k];

			if (!st->node || !changes_ours(&o, st->node))
				continue;
			log_error_at(steps[i].path, st->line, st->col,
				     "%s changes migrate's own history tables (%s, %s_log, %s_lock "
				     "in schema %s); refused before any change", sql_stmt_kind(st->node),
				     h->table, h->table, h->table, h->schema);
			rc = EXIT_USAGE;
		}
	if (rc != EXIT_OK)
		log_hint("a table of that name belongs to the project (another tool's history, "
			 "say): keep migrate's history elsewhere with --table (or table: in "
			 "migrate.yml), e.g. --table migrate.schema_migrations");
	for (t = 0; t < 3; t++)
		free(o.tables[t]);
	return rc;
}
