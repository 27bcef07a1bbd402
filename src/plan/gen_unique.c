/* gen_unique.c - migrate new --add-unique TABLE(COL, ...) */
#include "plan/gen.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* "a, b" -> "a_b" for the constraint's name; NULL when a name is not plain. */
static char *cols_label(const char *cols)
{
	char *s = xstrdup(cols), *o = s;

	for (const char *p = cols; *p; p++) {
		if (*p == ' ')
			continue;
		if (*p == '"' || *p == '(')
			return free(s), NULL;
		*o++ = *p == ',' ? '_' : *p;
	}
	*o = '\0';
	return s;
}

int gen_add_unique(struct gen_out *o, struct db *db, const char *spec)
{
	const char *open = strchr(spec, '('), *close = strrchr(spec, ')');
	char *table, *cols, *label, *rawname, *name, *t, *step, *sortmem;
	char *why = xasprintf("migrate new --add-unique '%s'", spec);

	if (gen_check_text("--add-unique", spec) < 0) {
		free(why);
		return -1;
	}
	if (!open || open == spec || !close || close < open || close[1] || close == open + 1) {
		log_error("--add-unique: expected TABLE(COLUMN, ...), got \"%s\"", spec);
		free(why);
		return -1;
	}
	table = xstrndup(spec, (size_t)(open - spec));
	cols = xstrndup(open + 1, (size_t)(close - open - 1));
	label = cols_label(cols);
	if (!label) {
		log_error("--add-unique: give plain column names, got \"%s\"", cols);
		free(table), free(cols), free(why);
		return -1;
	}
	rawname = gen_name(table, label, "key"); /* PostgreSQL's own name for UNIQUE (cols) */
	name = gen_ident(rawname);
	t = gen_table_ident(table);
	step = xasprintf("%s_index", rawname);
	sortmem = gen_sort_memory(db, table);
	gen_add(o, step,
		xasprintf("-- %s\n-- CONCURRENTLY: built without blocking writes (runs outside a transaction).\n"
			  "-- If it fails it leaves an INVALID index: \"migrate repair\" drops it.\n"
			  "%sCREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s);\n%s", why, sortmem ? sortmem : "",
			  name, t, cols, sortmem ? GEN_SORT_RESET : ""),
		xasprintf("DROP INDEX CONCURRENTLY IF EXISTS %s;\n", name));
	free(step);
	step = xasprintf("%s_constraint", rawname);
	gen_add(o, step,
		xasprintf("-- %s\n-- USING INDEX: the index built before becomes the constraint, a catalog change only.\n"
			  "ALTER TABLE %s ADD CONSTRAINT %s UNIQUE USING INDEX %s;\n", why, t, name, name),
		xasprintf("-- Dropping the constraint drops its index too: build the index again, as before the up\n"
			  "-- (CONCURRENTLY: this down runs without a transaction, each statement alone).\n"
			  "-- migrate:no-transaction\n"
			  "ALTER TABLE %s DROP CONSTRAINT %s;\n"
			  "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS %s ON %s (%s);\n", t, name, name, t, cols));
	free(step);
	free(table), free(cols), free(label), free(rawname), free(name), free(t), free(why), free(sortmem);
	return 0;
}
