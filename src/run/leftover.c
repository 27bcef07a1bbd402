/* leftover.c - find and drop the INVALID indexes of a failed CONCURRENTLY build */
#include "run/leftover.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * qualified name of an invalid index, one per row; never one whose build
 * another session is running now (pg_stat_progress_create_index: by the
 * index, or, when that session's details are hidden from us, by its lock on
 * the table): dropping it would kill that build
 */
#define SELECT_INVALID \
	"SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_index i " \
	"JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace " \
	"WHERE NOT i.indisvalid AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p " \
	"WHERE p.pid <> pg_backend_pid() AND (p.index_relid = c.oid OR " \
	"coalesce(p.index_relid, 0) = 0 AND (p.relid = i.indrelid OR p.relid IS NULL AND " \
	"EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = p.pid AND l.relation = i.indrelid)))) "
/* the relation $1 (schema $2, NULL: the search path) */
#define RELATION "to_regclass(CASE WHEN $2::text IS NULL THEN quote_ident($1) " \
	"ELSE quote_ident($2) || '.' || quote_ident($1) END)"
/* REINDEX CONCURRENTLY's copies: <index>_ccnew, _ccnew1, ..., <index>_ccold, ... */
#define CC_COPY "c.relname ~ '_cc(new|old)[0-9]*$' "

static const PgQuery__ReindexStmt *reindex_concurrently(const struct sql_stmt *st)
{
	const PgQuery__ReindexStmt *r;
	size_t i;

	if (!st->node || st->node->node_case != PG_QUERY__NODE__NODE_REINDEX_STMT)
		return NULL;
	r = st->node->reindex_stmt;
	for (i = 0; i < r->n_params; i++)
		if (r->params[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM &&
		    r->params[i]->def_elem->defname &&
		    !strcmp(r->params[i]->def_elem->defname, "concurrently"))
			return r;
	return NULL;
}

static const PgQuery__IndexStmt *create_index_concurrently(const struct sql_stmt *st)
{
	if (!st->node || st->node->node_case != PG_QUERY__NODE__NODE_INDEX_STMT ||
	    !st->node->index_stmt->concurrent || !st->node->index_stmt->idxname ||
	    !*st->node->index_stmt->idxname)
		return NULL;
	return st->node->index_stmt;
}

int leftover_possible(const struct sql_stmt *st)
{
	return create_index_concurrently(st) || reindex_concurrently(st);
}

static const char *schema_of(const PgQuery__RangeVar *rv)
{
	return rv && rv->schemaname && *rv->schemaname ? rv->schemaname : NULL;
}

/* The query that finds what st left; params filled. NULL when st leaves nothing. */
static const char *leftover_query(const struct sql_stmt *st, const char *params[3])
{
	const PgQuery__IndexStmt *ix = create_index_concurrently(st);
	const PgQuery__ReindexStmt *rx = reindex_concurrently(st);

	params[0] = params[1] = params[2] = NULL;
	if (ix) {
		/* the index of that name on the statement's table: in the table's schema */
		params[0] = ix->relation ? ix->relation->relname : NULL;
		params[1] = schema_of(ix->relation);
		params[2] = ix->idxname;
		return SELECT_INVALID "AND c.relname = $3 AND i.indrelid = " RELATION;
	}
	if (!rx)
		return NULL;
	switch (rx->kind) {
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX:
		if (!rx->relation)
			return NULL;
		params[0] = rx->relation->relname;
		params[1] = schema_of(rx->relation);
		/* on the index's table, named after it (a long name is cut to fit the suffix) */
		return SELECT_INVALID "AND " CC_COPY "AND i.indrelid = (SELECT indrelid FROM pg_index "
		       "WHERE indexrelid = " RELATION ") AND starts_with($1, "
		       "regexp_replace(c.relname, '_cc(new|old)[0-9]*$', ''))";
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_TABLE:
		if (!rx->relation)
			return NULL;
		params[0] = rx->relation->relname;
		params[1] = schema_of(rx->relation);
		return SELECT_INVALID "AND " CC_COPY "AND i.indrelid = " RELATION;
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SCHEMA:
		params[0] = rx->name;
		params[1] = NULL;
		return SELECT_INVALID "AND " CC_COPY "AND n.nspname = $1 AND $2::text IS NULL";
	default: /* DATABASE, SYSTEM */
		return SELECT_INVALID "AND " CC_COPY "AND $1::text IS NULL AND $2::text IS NULL";
	}
}

int leftover_drop(struct db *db, const struct sql_stmt *st, const char *path)
{
	const char *params[3];
	const char *sql = leftover_query(st, params);
	PGresult *res;
	int k, dropped = 0;

	if (!sql)
		return 0;
	res = db_exec(db, sql, params[2] ? 3 : 2, params);
	if (!res)
		return -1;
	for (k = 0; k < PQntuples(res); k++) {
		char *drop = xasprintf("DROP INDEX CONCURRENTLY IF EXISTS %s", PQgetvalue(res, k, 0));

		log_info("dropping invalid index %s, left by %s at %s:%d", PQgetvalue(res, k, 0),
			 sql_stmt_kind(st->node), path, st->line);
		if (db_command(db, drop, 0, NULL) < 0)
			dropped = -1;
		else if (dropped >= 0)
			dropped++;
		free(drop);
	}
	PQclear(res);
	return dropped;
}
