/* gen_constraint.c - --change-type and --rename-column of a column that CHECK or
 * FOREIGN KEY constraints of its own table use: each added again on the new column
 * NOT VALID (its own migration), validated (the next one), and given the old one's
 * name in the swap, where the old one is dropped (docs/recipes.md) */
#include "plan/gen.h"
#include "sql/colref.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* name + "_new", within 63 bytes, as SQL */
static char *tmp_ident(const char *name)
{
	char *raw = xasprintf("%.59s_new", name), *q = gen_ident(raw);

	free(raw);
	return q;
}

int gen_read_constraints(struct db *db, const char *opt, const char *table, const char *column,
			 struct gen_con **out, int *n)
{
	static const char sql[] =
		"SELECT conname, contype, pg_get_constraintdef(oid), convalidated, "
		"  CASE WHEN contype = 'f' AND confrelid <> conrelid THEN confrelid::regclass::text END "
		"FROM pg_constraint "
		"WHERE conrelid = to_regclass($1) AND contype IN ('c', 'f', 'x', 't') AND (SELECT attnum "
		"FROM pg_attribute WHERE attrelid = conrelid AND attname = $2) = ANY (conkey) ORDER BY 1";
	const char *params[2] = { table, column };
	PGresult *r = db_exec(db, sql, 2, params);

	*out = NULL;
	*n = 0;
	if (!r)
		return -1;
	*out = xcalloc((size_t)PQntuples(r) + 1, sizeof(**out));
	for (int i = 0; i < PQntuples(r); i++) {
		struct gen_con *c = &(*out)[i];
		char type = PQgetvalue(r, i, 1)[0];

		c->name = xstrdup(PQgetvalue(r, i, 0));
		c->def = xstrdup(PQgetvalue(r, i, 2));
		c->validated = PQgetvalue(r, i, 3)[0] == 't';
		c->fkey = type == 'f';
		c->reftable = PQgetisnull(r, i, 4) ? NULL : xstrdup(PQgetvalue(r, i, 4));
		*n = i + 1;
		if (type == 'x' || type == 't') {
			log_error("%s: %s.%s is in %s constraint %s: not generated", opt, table, column,
				  type == 'x' ? "exclusion" : "trigger", c->name);
			log_hint("drop it first and add it again on the new column after the sequence "
				 "(docs/recipes.md)");
			PQclear(r);
			return -1;
		}
	}
	PQclear(r);
	for (int i = 0; i < *n; i++)
		if (gen_check_text("a constraint on the column", (*out)[i].name) < 0)
			return -1;
	return 0;
}

/* The constraint's definition on column repl instead of col; NOT VALID stripped. */
static char *con_def(const struct gen_con *c, const char *col, const char *repl)
{
	int to = c->fkey ? sql_token_offset(c->def, PG_QUERY__TOKEN__REFERENCES) : -1;
	char *s = sql_rename_column(c->def, 0, to, col, repl);
	size_t len = s ? strlen(s) : 0;

	if (s && !c->validated && len > 10 && !strcmp(s + len - 10, " NOT VALID"))
		s[len - 10] = '\0';
	return s;
}

int gen_con_steps(struct gen_out *o, const char *t, const char *col, const char *repl,
		  const char *why, const struct gen_con *cons, int n)
{
	for (int i = 0; i < n; i++) {
		char *def = con_def(&cons[i], col, repl), *q = tmp_ident(cons[i].name), *name;

		if (!def) {
			log_error("the definition of constraint %s does not scan: %s", cons[i].name, cons[i].def);
			free(q);
			return -1;
		}
		name = xasprintf("constraint_%.59s_new", cons[i].name);
		gen_add(o, name,
			xasprintf("-- %s\n-- %s again on the new column, NOT VALID: it checks the rows written from now\n"
				  "-- on (a brief lock, no scan).\nALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID;\n",
				  why, cons[i].name, t, q, def),
			xasprintf("ALTER TABLE %s DROP CONSTRAINT %s;\n", t, q));
		free(name);
		if (cons[i].validated) {
			name = xasprintf("validate_%.59s_new", cons[i].name);
			gen_add(o, name,
				xasprintf("-- %s\n-- VALIDATE under SHARE UPDATE EXCLUSIVE: reads and writes go on.\n"
					  "ALTER TABLE %s VALIDATE CONSTRAINT %s;\n", why, t, q),
				xasprintf("ALTER TABLE %s DROP CONSTRAINT %s;\nALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID;\n",
					  t, q, t, q, def));
			free(name);
		}
		free(def), free(q);
	}
	return 0;
}

void gen_con_swap_up(struct strbuf *u, const char *t, const struct gen_con *cons, int n)
{
	for (int i = 0; i < n; i++) {
		char *q = tmp_ident(cons[i].name), *orig = gen_ident(cons[i].name);

		strbuf_addf(u, "ALTER TABLE %s DROP CONSTRAINT %s;\n"
			    "ALTER TABLE %s RENAME CONSTRAINT %s TO %s;\n", t, orig, t, q, orig);
		free(q), free(orig);
	}
}

void gen_con_swap_down(struct strbuf *d, const char *t, const struct gen_con *cons, int n, int restore)
{
	for (int i = 0; i < n; i++) {
		char *q = tmp_ident(cons[i].name), *orig = gen_ident(cons[i].name);

		if (!restore)
			strbuf_addf(d, "ALTER TABLE %s RENAME CONSTRAINT %s TO %s;\n", t, orig, q);
		else
			strbuf_addf(d, "-- migrate:allow %s a down restoring the old column's constraint\n"
				    "-- migrate:allow slow-statement-after-lock a down restoring the old column's constraint\n"
				    "ALTER TABLE %s ADD CONSTRAINT %s %s;\n",
				    cons[i].fkey ? "add-foreign-key" : "add-check-constraint", t, orig, cons[i].def);
		free(q), free(orig);
	}
}

void gen_cons_release(struct gen_con *c, int n)
{
	for (int i = 0; i < n; i++)
		free(c[i].name), free(c[i].def), free(c[i].reftable);
	free(c);
}
