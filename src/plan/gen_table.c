/* gen_table.c - what --change-type reads of a table from the server: the indexes
 * on a column, the foreign keys that reference it, and the memory an index build on the
 * table needs */
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
	for (int i = 0; i < *n; i++)
		if (gen_check_text("an index of the table", (*out)[i].name) < 0)
			return -1;
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
	for (int i = 0; i < *n; i++)
		if (gen_check_text("a foreign key referencing the column", (*out)[i].name) < 0 ||
		    gen_check_text("a table referencing the column", (*out)[i].table) < 0)
			return -1;
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

/* The table's row estimate (pg_class.reltuples, or its size / 64 when never analysed)
 * and the session's maintenance_work_mem in kB. */
static PGresult *sort_rows(struct db *db, const char *table)
{
	static const char sql[] =
		"SELECT CASE WHEN c.reltuples >= 0 THEN least(c.reltuples, 1e12)::bigint "
		"  ELSE pg_relation_size(c.oid) / 64 END, "
		"  pg_size_bytes(current_setting('maintenance_work_mem')) / 1024 "
		"FROM pg_class c WHERE c.oid = to_regclass($1)";
	const char *params[1] = { table };

	return db_exec(db, sql, 1, params);
}

/* 64 bytes a row: the build's sort of index entries (tuple, header, slot) and the
 * validation's sort of row pointers (a slot each), with room for the array's growth */
#define SORT_BYTES_PER_ROW 64
#define SORT_MAX_KB (1024 * 1024)

char *gen_sort_memory(struct db *db, const char *table)
{
	PGresult *r = db ? sort_rows(db, table) : NULL;
	long long rows, have, need;
	char *s;

	if (!r || PQntuples(r) != 1) {
		if (r)
			PQclear(r);
		return NULL;
	}
	rows = atoll(PQgetvalue(r, 0, 0));
	have = atoll(PQgetvalue(r, 0, 1));
	PQclear(r);
	if (rows < 0 || rows > (long long)1 << 40) /* rows * 64 stays far from overflow */
		rows = rows < 0 ? 0 : (long long)1 << 40;
	need = (rows * SORT_BYTES_PER_ROW + 1048575) / 1048576 * 1024; /* kB, whole MB */
	if (need <= have)
		return NULL;
	/* the table's name stays out of the comment: a quoted name may hold a line break */
	s = xasprintf("-- Memory for the build to sort the table's ~%lld rows at once (%lld kB now). With less,\n"
		      "-- the check of the new index (its validation) sorts and writes out each full batch of\n"
		      "-- row pointers while it holds a page of that index, and the application's writes to\n"
		      "-- that page wait for it (docs/recipes.md).%s\n"
		      "-- (Each statement on its own, in the same session: no transaction.)\n"
		      "-- migrate:no-transaction\n"
		      "SET maintenance_work_mem = '%lldMB';\n",
		      rows, have,
		      need > SORT_MAX_KB ? " Capped at 1GB: more rows than that holds\n"
					   "-- still sort in pieces; raise it here if the server has the memory." : "",
		      (need > SORT_MAX_KB ? SORT_MAX_KB : need) / 1024);
	return s;
}
