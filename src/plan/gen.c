/* gen.c - what the generators share: the step list, names, reading a column */
#include "plan/gen.h"
#include "base/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void gen_add(struct gen_out *o, const char *name, char *up, char *down)
{
	if (o->n == o->alloc) {
		o->alloc = o->alloc ? o->alloc * 2 : 8;
		o->steps = xrealloc(o->steps, (size_t)o->alloc * sizeof(*o->steps));
	}
	o->steps[o->n].name = xstrdup(name);
	o->steps[o->n].up = up;
	o->steps[o->n].down = down;
	o->n++;
}

void gen_release(struct gen_out *o)
{
	for (int i = 0; i < o->n; i++) {
		free(o->steps[i].name);
		free(o->steps[i].up);
		free(o->steps[i].down);
	}
	free(o->steps);
	o->steps = NULL;
	o->n = o->alloc = 0;
}

static int plain_ident(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

char *gen_ident(const char *name)
{
	return plain_ident(name) ? xstrdup(name) : db_quote_ident(name);
}

char *gen_table_ident(const char *table)
{
	const char *dot = strchr(table, '.');
	char *schema, *rel, *q;

	if (!dot)
		return gen_ident(table);
	schema = xstrndup(table, (size_t)(dot - table));
	q = gen_ident(schema);
	rel = gen_ident(dot + 1);
	free(schema);
	schema = xasprintf("%s.%s", q, rel);
	free(q), free(rel);
	return schema;
}

/* a copy of s with each control character as '?', for a message */
static char *visible(const char *s)
{
	char *c = xstrdup(s);

	for (char *p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return c;
}

int gen_check_text(const char *what, const char *s)
{
	char *c;

	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			c = visible(s);
			log_error("%s: \"%s\" holds a line break or another control character; the generated "
				  "files name it in comments: rename it first", what, c);
			free(c);
			return -1;
		}
	return 0;
}

void gen_flatten(char *s)
{
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

int gen_split(const char *spec, const char *what, char **table, char **column)
{
	const char *dot = strrchr(spec, '.');

	if (gen_check_text(what, spec) < 0)
		return -1;
	if (!dot || dot == spec || !dot[1] || strchr(spec, '"')) {
		log_error("%s: expected TABLE.COLUMN, got \"%s\"", what, spec);
		return -1;
	}
	*table = xstrndup(spec, (size_t)(dot - spec));
	*column = xstrdup(dot + 1);
	return 0;
}

char *gen_name(const char *table, const char *column, const char *suffix)
{
	const char *t = strrchr(table, '.');
	char *s = xasprintf("%s_%s_%s", t ? t + 1 : table, column, suffix);

	if (strlen(s) > 63)
		s[63] = '\0';
	return s;
}

int gen_read_column(struct db *db, const char *table, const char *column, struct gen_column *out)
{
	static const char sql[] =
		"SELECT format_type(a.atttypid, a.atttypmod), pg_get_expr(d.adbin, d.adrelid), "
		"a.attnotnull, a.attidentity "
		"FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
		"WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped";
	const char *params[2] = { table, column };
	PGresult *r;

	memset(out, 0, sizeof(*out));
	r = db_exec(db, sql, 2, params);
	if (!r)
		return -1;
	if (PQntuples(r) != 1) {
		log_error("column %s.%s does not exist on %s", table, column, db->display);
		PQclear(r);
		return -1;
	}
	out->type = xstrdup(PQgetvalue(r, 0, 0));
	out->dflt = PQgetisnull(r, 0, 1) ? NULL : xstrdup(PQgetvalue(r, 0, 1));
	out->not_null = PQgetvalue(r, 0, 2)[0] == 't';
	out->identity = PQgetvalue(r, 0, 3)[0];
	out->exists = 1;
	PQclear(r);
	return 0;
}

void gen_column_release(struct gen_column *c)
{
	free(c->type);
	free(c->dflt);
	memset(c, 0, sizeof(*c));
}
