/* gen_not_null.c - migrate new --add-not-null TABLE.COLUMN [--default EXPR] */
#include "plan/gen.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* The NOT VALID check, its VALIDATE, SET NOT NULL and dropping the check. */
void gen_not_null_steps(struct gen_out *o, const char *table, const char *column, const char *why)
{
	char *t = gen_table_ident(table), *c = gen_ident(column);
	char *rawchk = gen_name(table, column, "not_null"), *chk = gen_ident(rawchk);
	char *name;

	name = xasprintf("%s_check", rawchk);
	gen_add(o, name,
		xasprintf("-- %s\n-- NOT VALID: only rows written from now on are checked; no scan, a brief lock.\n"
			  "ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID;\n", why, t, chk, c),
		xasprintf("ALTER TABLE %s DROP CONSTRAINT %s;\n", t, chk));
	free(name);
	name = xasprintf("validate_%s", rawchk);
	gen_add(o, name,
		xasprintf("-- %s\n-- VALIDATE scans the table under SHARE UPDATE EXCLUSIVE: reads and writes go on.\n"
			  "ALTER TABLE %s VALIDATE CONSTRAINT %s;\n", why, t, chk),
		xasprintf("-- Back to the NOT VALID check the previous migration added.\n"
			  "ALTER TABLE %s DROP CONSTRAINT %s;\n"
			  "ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID;\n", t, chk, t, chk, c));
	free(name);
	name = xasprintf("set_%s", rawchk);
	gen_add(o, name,
		xasprintf("-- %s\n-- PostgreSQL 12+ takes the validated check as the proof: SET NOT NULL does not scan.\n"
			  "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;\n"
			  "-- The check has done its work.\n"
			  "ALTER TABLE %s DROP CONSTRAINT %s;\n", why, t, c, t, chk),
		xasprintf("-- The validated check again, while the column is still NOT NULL (a scan that finds no NULL).\n"
			  "-- migrate:allow add-check-constraint a down restoring the validated check the up dropped\n"
			  "ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL);\n"
			  "ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;\n", t, chk, c, t, c));
	free(name);
	free(t);
	free(c);
	free(rawchk);
	free(chk);
}

int gen_add_not_null(struct gen_out *o, struct db *db, const char *spec, const char *dflt)
{
	char *table, *column, *t, *c, *why;
	struct gen_column col;

	if (gen_split(spec, "--add-not-null", &table, &column) < 0)
		return -1;
	if (db) {
		if (gen_read_column(db, table, column, &col) < 0) {
			free(table);
			free(column);
			return -1;
		}
		if (col.not_null)
			log_warning("%s.%s is already NOT NULL on %s", table, column, db->display);
		gen_column_release(&col);
	}
	t = gen_table_ident(table);
	c = gen_ident(column);
	why = xasprintf("migrate new --add-not-null %s%s%s", spec, dflt ? " --default " : "", dflt ? dflt : "");
	gen_flatten(why);
	if (dflt) {
		char *name = xasprintf("backfill_%s_%s", table, column);

		gen_add(o, name,
			xasprintf("-- %s\n-- New rows get the default; the NULLs already there are set in batches,\n"
				  "-- each batch its own short transaction (docs/batch.md).\n"
				  "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n\n"
				  "-- migrate:batch 1000\nUPDATE %s SET %s = %s WHERE %s IS NULL;\n",
				  why, t, c, dflt, t, c, dflt, c),
			xasprintf("-- The backfilled values stay (they cannot be told from values written since).\n"
				  "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;\n", t, c));
		free(name);
	}
	gen_not_null_steps(o, table, column, why);
	free(why);
	free(t);
	free(c);
	free(table);
	free(column);
	return 0;
}
