/* backup_scope.c - the tables a run changes, from the parse trees, and the
 * backup before it sized to them (see backup_scope.h) */
#include "run/backup_scope.h"
#include "run/session.h"
#include "sql/pgnode.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

static void add_name(struct backup_scope *sc, const char *schema, const char *name)
{
	char *qn, *qs;
	size_t i;

	if (!name)
		return;
	qn = db_quote_ident(name);
	qs = schema ? db_quote_ident(schema) : NULL;
	{
		char *full = qs ? xasprintf("%s.%s", qs, qn) : xstrdup(qn);

		for (i = 0; i < sc->tables.n && strcmp(sc->tables.v[i], full); i++)
			;
		if (i == sc->tables.n)
			strlist_add(&sc->tables, full);
		free(full);
	}
	free(qn);
	free(qs);
}

static void add_rv(struct backup_scope *sc, const PgQuery__RangeVar *rv)
{
	if (rv)
		add_name(sc, rv->schemaname && *rv->schemaname ? rv->schemaname : NULL, rv->relname);
}

static void whole(struct backup_scope *sc, const char *why, int line)
{
	if (!sc->whole_why)
		sc->whole_why = xasprintf("%s (line %d)", why, line);
}

/* INSERT, UPDATE, DELETE, MERGE anywhere in a statement (WITH ... UPDATE, rules). */
static int visit_dml(const ProtobufCMessage *m, void *ud)
{
	struct backup_scope *sc = ud;

	if (m->descriptor == &pg_query__insert_stmt__descriptor)
		add_rv(sc, ((const PgQuery__InsertStmt *)m)->relation);
	else if (m->descriptor == &pg_query__update_stmt__descriptor)
		add_rv(sc, ((const PgQuery__UpdateStmt *)m)->relation);
	else if (m->descriptor == &pg_query__delete_stmt__descriptor)
		add_rv(sc, ((const PgQuery__DeleteStmt *)m)->relation);
	else if (m->descriptor == &pg_query__merge_stmt__descriptor)
		add_rv(sc, ((const PgQuery__MergeStmt *)m)->relation);
	return PGNODE_CONTINUE;
}

static int is_table_kind(PgQuery__ObjectType t)
{
	return t == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE || t == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW ||
	       t == PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE;
}

static void drop(struct backup_scope *sc, const PgQuery__DropStmt *s, int line)
{
	size_t i;

	if (s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE) {
		whole(sc, "DROP ... CASCADE", line);
		return;
	}
	if (s->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA) {
		whole(sc, "DROP SCHEMA", line);
		return;
	}
	if (!is_table_kind(s->remove_type))
		return; /* an index, view, function, type ...: no rows are lost */
	for (i = 0; i < s->n_objects; i++) {
		const PgQuery__Node *o = s->objects[i];

		if (o->node_case == PG_QUERY__NODE__NODE_LIST)
			add_name(sc, pgnode_qualifier(o->list->items, o->list->n_items),
				 pgnode_last_str(o->list->items, o->list->n_items));
	}
}

/* Statements that change no existing table's rows or shape (DML inside them is still found). */
static int harmless(PgQuery__Node__NodeCase k)
{
	static const PgQuery__Node__NodeCase ok[] = {
		PG_QUERY__NODE__NODE_CREATE_STMT, PG_QUERY__NODE__NODE_INDEX_STMT,
		PG_QUERY__NODE__NODE_VIEW_STMT, PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT,
		PG_QUERY__NODE__NODE_CREATE_ENUM_STMT, PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT,
		PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT, PG_QUERY__NODE__NODE_CREATE_SEQ_STMT,
		PG_QUERY__NODE__NODE_ALTER_SEQ_STMT, PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT,
		PG_QUERY__NODE__NODE_CREATE_EXTENSION_STMT, PG_QUERY__NODE__NODE_COMMENT_STMT,
		PG_QUERY__NODE__NODE_GRANT_STMT, PG_QUERY__NODE__NODE_GRANT_ROLE_STMT,
		PG_QUERY__NODE__NODE_VARIABLE_SET_STMT, PG_QUERY__NODE__NODE_TRANSACTION_STMT,
		PG_QUERY__NODE__NODE_SELECT_STMT, PG_QUERY__NODE__NODE_ALTER_ENUM_STMT,
		PG_QUERY__NODE__NODE_CREATE_TRIG_STMT, PG_QUERY__NODE__NODE_CREATE_POLICY_STMT,
		PG_QUERY__NODE__NODE_ALTER_POLICY_STMT, PG_QUERY__NODE__NODE_ALTER_DEFAULT_PRIVILEGES_STMT,
		PG_QUERY__NODE__NODE_CREATE_ROLE_STMT, PG_QUERY__NODE__NODE_ALTER_ROLE_STMT,
		PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT, PG_QUERY__NODE__NODE_REINDEX_STMT,
		PG_QUERY__NODE__NODE_CLUSTER_STMT, PG_QUERY__NODE__NODE_VACUUM_STMT,
		PG_QUERY__NODE__NODE_LOCK_STMT, PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT,
		PG_QUERY__NODE__NODE_CREATE_STATS_STMT, PG_QUERY__NODE__NODE_ALTER_FUNCTION_STMT,
		PG_QUERY__NODE__NODE_DEFINE_STMT, PG_QUERY__NODE__NODE_RULE_STMT,
		PG_QUERY__NODE__NODE_ALTER_OWNER_STMT, PG_QUERY__NODE__NODE_CREATE_EVENT_TRIG_STMT,
		PG_QUERY__NODE__NODE_NOTIFY_STMT, PG_QUERY__NODE__NODE_CREATE_PUBLICATION_STMT,
		PG_QUERY__NODE__NODE_INSERT_STMT, PG_QUERY__NODE__NODE_UPDATE_STMT,
		PG_QUERY__NODE__NODE_DELETE_STMT, PG_QUERY__NODE__NODE_MERGE_STMT,
		PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		if (ok[i] == k)
			return 1;
	return 0;
}

static void scope_of_stmt(struct backup_scope *sc, const struct sql_stmt *st)
{
	const PgQuery__Node *n = st->node;
	size_t i;

	if (!n) {
		whole(sc, "a statement the parser could not read", st->line);
		return;
	}
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		if (is_table_kind(n->alter_table_stmt->objtype))
			add_rv(sc, n->alter_table_stmt->relation);
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		drop(sc, n->drop_stmt, st->line);
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		if (n->rename_stmt->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA)
			whole(sc, "ALTER SCHEMA ... RENAME", st->line);
		else if (n->rename_stmt->relation)
			add_rv(sc, n->rename_stmt->relation);
		break;
	case PG_QUERY__NODE__NODE_ALTER_OBJECT_SCHEMA_STMT:
		if (is_table_kind(n->alter_object_schema_stmt->object_type))
			add_rv(sc, n->alter_object_schema_stmt->relation);
		break;
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		if (n->truncate_stmt->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE)
			whole(sc, "TRUNCATE ... CASCADE", st->line);
		for (i = 0; i < n->truncate_stmt->n_relations; i++)
			if (n->truncate_stmt->relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
				add_rv(sc, n->truncate_stmt->relations[i]->range_var);
		break;
	case PG_QUERY__NODE__NODE_COPY_STMT:
		if (n->copy_stmt->is_from)
			add_rv(sc, n->copy_stmt->relation);
		break;
	default:
		if (!harmless(n->node_case)) {
			/* DO, CALL, EXECUTE, DROP OWNED, ...: their effect cannot be read */
			char *why = xasprintf("a statement whose changes cannot be read from it (%s)",
					      protobuf_c_message_descriptor_get_field(
						      &pg_query__node__descriptor, n->node_case)->name);

			whole(sc, why, st->line);
			free(why);
		}
		break;
	}
	pgnode_walk(&n->base, visit_dml, sc);
}

void backup_scope_add_steps(struct backup_scope *sc, const struct step *steps, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < steps[i].script.n; k++)
			scope_of_stmt(sc, &steps[i].script.stmts[k]);
}

void backup_scope_release(struct backup_scope *sc)
{
	free(sc->whole_why);
	strlist_release(&sc->tables);
	memset(sc, 0, sizeof(*sc));
}

/*
 * The named relations that exist, then what hangs on them, recursively:
 * partitions and inheritance children, tables with a foreign key to them,
 * views and materialized views on them.
 */
static const char resolve_sql[] =
	"WITH RECURSIVE named AS ("
	"  SELECT to_regclass(n)::oid AS oid FROM unnest($1::text[]) n"
	"  UNION SELECT to_regclass($2)::oid"
	"), rel(oid) AS ("
	"  SELECT oid FROM named WHERE oid IS NOT NULL"
	"  UNION"
	"  SELECT d.oid FROM rel r, LATERAL ("
	"    SELECT i.inhrelid FROM pg_inherits i WHERE i.inhparent = r.oid"
	"    UNION SELECT c.conrelid FROM pg_constraint c WHERE c.contype = 'f' AND c.confrelid = r.oid"
	"    UNION SELECT w.ev_class FROM pg_depend dp JOIN pg_rewrite w ON w.oid = dp.objid"
	"      WHERE dp.classid = 'pg_rewrite'::regclass AND dp.refclassid = 'pg_class'::regclass"
	"      AND dp.refobjid = r.oid AND w.ev_class <> r.oid"
	"  ) d(oid)"
	") SELECT DISTINCT format('%I.%I', n.nspname, c.relname), c.oid = to_regclass($2) FROM rel"
	"  JOIN pg_class c ON c.oid = rel.oid JOIN pg_namespace n ON n.oid = c.relnamespace ORDER BY 1";

int backup_scope_resolve(struct db *db, const struct backup_scope *sc, const char *history_schema,
			 const char *history_table, const char *search_path, struct strlist *out)
{
	struct strbuf arr = STRBUF_INIT;
	char *qs = db_quote_ident(history_schema), *qt = db_quote_ident(history_table);
	char *hist = xasprintf("%s.%s", qs, qt);
	const char *params[2];
	PGresult *res;
	size_t i;
	int r, others = 0;

	/* a text[] literal: each element double-quoted, \ and " escaped */
	strbuf_addch(&arr, '{');
	for (i = 0; i < sc->tables.n; i++) {
		const char *p;

		strbuf_addstr(&arr, i ? ",\"" : "\"");
		for (p = sc->tables.v[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				strbuf_addch(&arr, '\\');
			strbuf_addch(&arr, *p);
		}
		strbuf_addch(&arr, '"');
	}
	strbuf_addch(&arr, '}');
	params[0] = arr.buf;
	params[1] = hist;
	/* names resolve as the migrations' will: a fleet tenant's search_path is SET LOCAL there */
	if (search_path) {
		PGresult *b = db_exec(db, "BEGIN", 0, NULL), *sp = b ? db_exec(db,
			"SELECT set_config('search_path', $1, true)", 1, &search_path) : NULL;

		PQclear(b);
		PQclear(sp);
	}
	res = db_exec(db, resolve_sql, 2, params);
	if (search_path)
		PQclear(db_exec(db, res ? "COMMIT" : "ROLLBACK", 0, NULL));
	if (res) {
		for (r = 0; r < PQntuples(res); r++) {
			strlist_add(out, PQgetvalue(res, r, 0));
			others += strcmp(PQgetvalue(res, r, 1), "t") != 0;
		}
		PQclear(res);
	}
	strbuf_release(&arr);
	free(qs);
	free(qt);
	free(hist);
	return res ? others : -1;
}

int backup_before_steps(struct session *s, const char *run_id, const char *what, int64_t from,
			int64_t to, const struct step *steps, size_t n, struct backup_mark *m)
{
	struct backup_scope sc = BACKUP_SCOPE_INIT;
	int rc;

	backup_scope_add_steps(&sc, steps, n);
	rc = backup_before_scope(s, run_id, what, from, to, &sc, m);
	backup_scope_release(&sc);
	return rc;
}

/*
 * No table that exists now is changed (the migrations create new objects, or
 * change only tables they create): a dump would hold the history table alone,
 * and restoring it would only make history forget what the database holds.
 * No dump; the log still records the recovery point. This target only: a fleet
 * worker's next target decides for itself.
 */
static int skip_nothing_to_save(struct session *s, const char *run_id, const char *what,
				int64_t from, int64_t to, struct backup_mark *m)
{
	int enabled = s->cfg->backup_enabled, rc;
	const char *by = s->cfg->backup_skipped_by;

	s->cfg->backup_enabled = 0;
	s->cfg->backup_skipped_by = "nothing to back up: the migrations change no table that exists now";
	rc = backup_before_change(s, run_id, what, from, to, m);
	s->cfg->backup_enabled = enabled;
	s->cfg->backup_skipped_by = by;
	return rc;
}

int backup_before_scope(struct session *s, const char *run_id, const char *what, int64_t from,
			int64_t to, const struct backup_scope *sc, struct backup_mark *m)
{
	int rc;

	if (s->cfg->backup_scope == BACKUP_SCOPE_DATABASE || !s->cfg->backup_enabled)
		return backup_before_change(s, run_id, what, from, to, m);
	if (s->cfg->backup_scope == BACKUP_SCOPE_NONE) {
		log_warning("backup.scope: none: no backup before this change; \"migrate restore\" "
			    "will have nothing to go back to");
		s->cfg->backup_enabled = 0;
		s->cfg->backup_skipped_by = "backup.scope: none";
		return backup_before_change(s, run_id, what, from, to, m);
	}
	if (sc->whole_why) {
		log_info("backup: the whole database: %s", sc->whole_why);
		rc = backup_before_change(s, run_id, what, from, to, m);
	} else {
		struct strlist tables = { NULL, 0, 0 };
		int others = -1;

		/* the history table first, so that the backup holds it (a restore resets history) */
		memset(m, 0, sizeof(*m));
		if (session_ensure_history(s) != EXIT_OK || (others = backup_scope_resolve(&s->db, sc,
						s->h.schema, s->h.table, s->cfg->search_path, &tables)) < 0)
			rc = PQstatus(s->db.conn) == CONNECTION_OK ? EXIT_FAILED : EXIT_CONNECT;
		else if (others == 0)
			rc = skip_nothing_to_save(s, run_id, what, from, to, m);
		else
			rc = backup_before_tables(s, run_id, what, from, to, &tables, m);
		strlist_release(&tables);
	}
	return rc;
}

char *backup_scope_of_file(struct session *s, const char *file)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	char *sql, *tables = NULL;
	const char *params[1] = { base };
	PGresult *res;

	if (!s->h.log_current)
		return NULL;
	sql = xasprintf("SELECT message FROM %s WHERE direction = 'backup' AND backup_path IS NOT NULL "
			"AND (backup_path = $1 OR right(backup_path, length($1) + 1) = '/' || $1) "
			"ORDER BY id DESC LIMIT 1", s->h.qlog);
	res = db_exec(&s->db, sql, 1, params);
	if (res && PQntuples(res) == 1) {
		const char *mark = strstr(PQgetvalue(res, 0, 0), BACKUP_TABLES_MARK);

		if (mark)
			tables = xstrdup(mark + strlen(BACKUP_TABLES_MARK));
	}
	PQclear(res);
	free(sql);
	return tables;
}
