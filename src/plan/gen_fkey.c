/* gen_fkey.c - migrate new --add-foreign-key TABLE.COLUMN REFTABLE[.COLUMN] */
#include "plan/gen.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* 1 when the server names ref a table; its single-column primary key in *col. */
static int ref_primary_key(struct db *db, const char *ref, char **col)
{
	static const char sql[] =
		"SELECT (SELECT a.attname FROM pg_index i JOIN pg_attribute a "
		"          ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
		"        WHERE i.indrelid = c.oid AND i.indisprimary AND i.indnatts = 1) "
		"FROM pg_class c WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p')";
	const char *params[1] = { ref };
	PGresult *r = db_exec(db, sql, 1, params);
	int found;

	if (!r)
		return -1;
	found = PQntuples(r) == 1;
	*col = found && !PQgetisnull(r, 0, 0) ? xstrdup(PQgetvalue(r, 0, 0)) : NULL;
	PQclear(r);
	return found;
}

/* 1 when a valid index of table starts with column (it serves the foreign key's checks). */
static int has_index(struct db *db, const char *table, const char *column)
{
	static const char sql[] =
		"SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
		"AND a.attnum = i.indkey[0] WHERE i.indrelid = to_regclass($1) AND a.attname = $2 "
		"AND i.indisvalid AND i.indpred IS NULL";
	const char *params[2] = { table, column };
	PGresult *r = db_exec(db, sql, 2, params);
	int n;

	if (!r)
		return -1;
	n = PQntuples(r) > 0;
	PQclear(r);
	return n;
}

/* The referenced table and column: from the server, or REFTABLE.COLUMN offline. */
static int resolve_ref(struct db *db, const char *ref, char **rtable, char **rcol)
{
	int r = db ? ref_primary_key(db, ref, rcol) : 0;

	if (r < 0)
		return -1;
	if (r == 1) {
		*rtable = xstrdup(ref);
		if (*rcol)
			return 0;
		log_error("--add-foreign-key: %s has no single-column primary key; give %s.COLUMN", ref, ref);
		return -1;
	}
	if (!strchr(ref, '.')) {
		if (db)
			log_error("--add-foreign-key: table %s does not exist on %s", ref, db->display);
		else
			log_error("--add-foreign-key: without a database connection the referenced column "
				  "cannot be read; give %s.COLUMN", ref);
		return -1;
	}
	return gen_split(ref, "--add-foreign-key", rtable, rcol);
}

static void fk_steps(struct gen_out *o, const char *table, const char *column, const char *rtable,
		     const char *rcol, int index, const char *sortmem, const char *why)
{
	char *t = gen_table_ident(table), *c = gen_ident(column), *rt = gen_table_ident(rtable), *rc = gen_ident(rcol);
	char *rawfk = gen_name(table, column, "fkey"), *fk = gen_ident(rawfk);
	char *rawidx = gen_name(table, column, "idx"), *idx = gen_ident(rawidx), *name;

	if (index) {
		gen_add(o, rawidx,
			xasprintf("-- %s\n-- An index on the referencing column: without it every DELETE or key UPDATE\n"
				  "-- on %s scans %s. CONCURRENTLY: built without blocking writes.%s\n"
				  "%sCREATE INDEX CONCURRENTLY IF NOT EXISTS %s ON %s (%s);\n%s", why, rtable, table,
				  index == 2 ? "\n-- (Written offline: an index on the column may already exist.)" : "",
				  sortmem ? sortmem : "", idx, t, c, sortmem ? GEN_SORT_RESET : ""),
			xasprintf("DROP INDEX CONCURRENTLY IF EXISTS %s;\n", idx));
	}
	gen_add(o, rawfk,
		xasprintf("-- %s\n-- NOT VALID: only rows written from now on are checked; no scan, a brief lock.\n"
			  "ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) NOT VALID;\n",
			  why, t, fk, c, rt, rc),
		xasprintf("ALTER TABLE %s DROP CONSTRAINT %s;\n", t, fk));
	name = xasprintf("validate_%s", rawfk);
	gen_add(o, name,
		xasprintf("-- %s\n-- VALIDATE checks the existing rows under SHARE UPDATE EXCLUSIVE on %s\n"
			  "-- and ROW SHARE on %s: reads and writes of both go on.\n"
			  "ALTER TABLE %s VALIDATE CONSTRAINT %s;\n", why, table, rtable, t, fk),
		xasprintf("-- Back to the NOT VALID foreign key the previous migration added.\n"
			  "ALTER TABLE %s DROP CONSTRAINT %s;\n"
			  "ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) NOT VALID;\n",
			  t, fk, t, fk, c, rt, rc));
	free(name), free(t), free(c), free(rt), free(rc), free(rawfk), free(fk), free(rawidx), free(idx);
}

int gen_add_foreign_key(struct gen_out *o, struct db *db, const char *spec, const char *ref)
{
	char *table, *column, *rtable = NULL, *rcol = NULL, *why, *sortmem = NULL;
	struct gen_column col;
	int index = 2, rc = -1;

	if (gen_check_text("--add-foreign-key", ref) < 0 ||
	    gen_split(spec, "--add-foreign-key", &table, &column) < 0)
		return -1;
	if (db) {
		if (gen_read_column(db, table, column, &col) < 0)
			goto out;
		gen_column_release(&col);
		index = has_index(db, table, column);
		if (index < 0)
			goto out;
		index = !index;
		sortmem = index ? gen_sort_memory(db, table) : NULL;
	}
	if (resolve_ref(db, ref, &rtable, &rcol) < 0)
		goto out;
	why = xasprintf("migrate new --add-foreign-key %s %s", spec, ref);
	gen_flatten(why);
	fk_steps(o, table, column, rtable, rcol, index, sortmem, why);
	free(why);
	rc = 0;
out:
	free(table), free(column), free(rtable), free(rcol), free(sortmem);
	return rc;
}
