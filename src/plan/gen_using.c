/* gen_using.c - --change-type without --using: does the column's value convert to the
 * new type by assignment (what the naive ALTER COLUMN TYPE without USING needs, and the
 * generated trigger and backfill do)? (docs/recipes.md) */
#include "plan/gen.h"
#include "base/util.h"

#include <stdlib.h>

/* The target type (a domain: its base type) exists; it is the column's type, or an
 * assignment or implicit cast leads to it, or it is a string type (any type converts
 * to one by assignment through its text form). */
static PGresult *cast_rows(struct db *db, const char *table, const char *column, const char *type)
{
	static const char sql[] =
		"WITH t AS (SELECT CASE WHEN typtype = 'd' THEN typbasetype ELSE oid END AS oid "
		"  FROM pg_type WHERE oid = to_regtype($3)) "
		"SELECT format_type(a.atttypid, NULL), (SELECT count(*) FROM t), "
		"  coalesce(a.atttypid = (SELECT oid FROM t) OR EXISTS (SELECT FROM pg_cast c "
		"    WHERE c.castsource = a.atttypid AND c.casttarget = (SELECT oid FROM t) "
		"    AND c.castcontext IN ('a', 'i')) "
		"  OR (SELECT typcategory = 'S' FROM pg_type WHERE oid = (SELECT oid FROM t)), false) "
		"FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attname = $2 "
		"AND a.attnum > 0 AND NOT a.attisdropped";
	const char *params[3] = { table, column, type };

	return db_exec(db, sql, 3, params);
}

int gen_check_cast(struct db *db, const char *table, const char *column, const char *type)
{
	PGresult *r = cast_rows(db, table, column, type);
	int rc = -1;

	if (!r)
		return -1;
	if (PQntuples(r) != 1)
		log_error("column %s.%s does not exist on %s", table, column, db->display);
	else if (PQgetvalue(r, 0, 1)[0] == '0')
		log_error("--change-type: type \"%s\" does not exist on %s", type, db->display);
	else if (PQgetvalue(r, 0, 2)[0] != 't') {
		log_error("--change-type: %s has no assignment cast to %s: the naive ALTER COLUMN TYPE "
			  "would need USING, and so do the generated trigger and backfill", PQgetvalue(r, 0, 0), type);
		log_hint("give the conversion with --using EXPR (an expression on the row's columns, as in "
			 "USING), e.g. --using '%s::%s'", column, type);
	} else
		rc = 0;
	PQclear(r);
	return rc;
}
