/* gen_table.c - what --change-type reads of a table from the server: the indexes
 * on a column and the foreign keys that reference it */
#include "plan/gen.h"
#include "sql/colref.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* Every index of table whose keys, expressions or predicate use column, with its key
 * columns by name. */
static PGresult *index_rows(struct db *db, const char *table, const char *column)
{
	static const char sql[] =
		"SELECT ic.relname, ix.indisunique, ix.indisprimary, coalesce(con.conname, ''), "
		"  (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY k.n) FROM unnest(ix.indkey) "
		"     WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = ix.indrelid "
		"     AND a.attnum = k.attnum), "
		"  ix.indexprs IS NULL AND ix.indpred IS NULL AND am.amname = 'btree' "
		"  AND 0 <> ALL (ix.indkey::int2[]) AND ix.indnkeyatts = ix.indnatts, "
		"  coalesce(con.contype, ''), pg_get_indexdef(ix.indexrelid) "
		"FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid JOIN pg_am am ON am.oid = ic.relam "
		"LEFT JOIN pg_constraint con ON con.conindid = ix.indexrelid AND con.conrelid = ix.indrelid "
		"WHERE ix.indrelid = to_regclass($1) AND EXISTS (SELECT FROM pg_attribute a "
		"  WHERE a.attrelid = ix.indrelid AND a.attname = $2 AND (a.attnum = ANY (ix.indkey::int2[]) "
		/* in an expression or the predicate: the index depends on the column */
		"  OR EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
		"    AND d.objid = ix.indexrelid AND d.refclassid = 'pg_class'::regclass "
		"    AND d.refobjid = ix.indrelid AND d.refobjsubid = a.attnum))) ORDER BY 1";
	const char *params[2] = { table, column };

	return db_exec(db, sql, 2, params);
}

int gen_read_indexes(struct db *db, const char *table, const char *column, struct gen_index **out, int *n)
{
	PGresult *r = index_rows(db, table, column);

	*out = NULL;
	*n = 0;
	if (!r)
		return -1;
	*out = xcalloc((size_t)PQntuples(r) + 1, sizeof(**out));
	for (int i = 0; i < PQntuples(r); i++) {
		struct gen_index *x = &(*out)[i];
		const char *contype = PQgetvalue(r, i, 6);

		x->name = xstrdup(PQgetvalue(r, i, 0));
		x->unique = PQgetvalue(r, i, 1)[0] == 't';
		x->primary = PQgetvalue(r, i, 2)[0] == 't';
		x->conname = *PQgetvalue(r, i, 3) ? xstrdup(PQgetvalue(r, i, 3)) : NULL;
		x->cols = xstrdup(PQgetvalue(r, i, 4));
		x->plain = PQgetvalue(r, i, 5)[0] == 't' && (!*contype || *contype == 'p' || *contype == 'u');
		x->excl = *contype == 'x';
		x->def = xstrdup(PQgetvalue(r, i, 7));
		*n = i + 1;
	}
	PQclear(r);
	return 0;
}

int gen_read_referencing(struct db *db, const char *table, const char *column, struct gen_fk **out, int *n)
{
	static const char sql[] =
		"SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.convalidated "
		"FROM pg_constraint c WHERE c.contype = 'f' AND c.confrelid = to_regclass($1) "
		"AND (SELECT attnum FROM pg_attribute WHERE attrelid = c.confrelid AND attname = $2) = ANY (c.confkey) "
		"ORDER BY 1, 2";
	const char *params[2] = { table, column };
	PGresult *r = db_exec(db, sql, 2, params);

	*out = NULL;
	*n = 0;
	if (!r)
		return -1;
	*out = xcalloc((size_t)PQntuples(r) + 1, sizeof(**out));
	for (int i = 0; i < PQntuples(r); i++) {
		(*out)[i].table = xstrdup(PQgetvalue(r, i, 0));
		(*out)[i].name = xstrdup(PQgetvalue(r, i, 1));
		(*out)[i].def = xstrdup(PQgetvalue(r, i, 2));
		*n = i + 1;
	}
	PQclear(r);
	return 0;
}

void gen_indexes_release(struct gen_index *x, int n)
{
	for (int i = 0; i < n; i++)
		free(x[i].name), free(x[i].conname), free(x[i].cols), free(x[i].def);
	free(x);
}

void gen_fks_release(struct gen_fk *f, int n)
{
	for (int i = 0; i < n; i++)
		free(f[i].table), free(f[i].name), free(f[i].def);
	free(f);
}

char *gen_index_def(const struct gen_index *ix, const char *col, const char *repl, const char *name,
		    int concurrently)
{
	int on = sql_token_offset(ix->def, PG_QUERY__TOKEN__ON);
	int using = sql_token_offset(ix->def, PG_QUERY__TOKEN__USING);
	char *body, *q = gen_ident(name), *s;

	if (on < 0 || using < on || !(body = sql_rename_column(ix->def, using, -1, col, repl))) {
		free(q);
		return NULL;
	}
	s = xasprintf("CREATE %sINDEX %s%s %s", ix->unique ? "UNIQUE " : "",
		      concurrently ? "CONCURRENTLY IF NOT EXISTS " : "", q, body + on);
	free(body);
	free(q);
	return s;
}
