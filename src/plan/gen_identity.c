/* gen_identity.c - --change-type and --rename-column of an identity column: the
 * identity (and its sequence, its name, options and position) moved to the new
 * column in the swap, and back in its down (docs/recipes.md) */
#include "plan/gen.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* The identity sequence's options; min and max NULL when they are the defaults of
 * the sequence's type and direction (they then become the new type's, as with the
 * naive ALTER COLUMN TYPE). */
static PGresult *identity_rows(struct db *db, const char *table, const char *column)
{
	static const char sql[] =
		"SELECT quote_ident(n.nspname), c.relname, s.seqstart, s.seqincrement, s.seqcache, s.seqcycle, "
		"  nullif(s.seqmin, CASE WHEN s.seqincrement > 0 THEN 1 ELSE CASE s.seqtypid "
		"    WHEN 'int2'::regtype THEN -32768 WHEN 'int4'::regtype THEN -2147483648 "
		"    ELSE -9223372036854775808 END END), "
		"  nullif(s.seqmax, CASE WHEN s.seqincrement < 0 THEN -1 ELSE CASE s.seqtypid "
		"    WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647 "
		"    ELSE 9223372036854775807 END END) "
		"FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid "
		"JOIN pg_namespace n ON n.oid = c.relnamespace "
		"WHERE s.seqrelid = pg_get_serial_sequence($1, $2)::regclass";
	const char *params[2] = { table, column };

	return db_exec(db, sql, 2, params);
}

int gen_read_identity(struct db *db, const char *table, const char *column, int kind,
		      struct gen_identity *out)
{
	PGresult *r = identity_rows(db, table, column);
	char *tmp;

	memset(out, 0, sizeof(*out));
	if (!r)
		return -1;
	if (PQntuples(r) != 1) {
		log_error("identity column %s.%s: its sequence was not found", table, column);
		PQclear(r);
		return -1;
	}
	out->kind = kind;
	out->schema = xstrdup(PQgetvalue(r, 0, 0));
	out->name = gen_ident(PQgetvalue(r, 0, 1));
	tmp = xasprintf("%.59s_new", PQgetvalue(r, 0, 1));
	out->tmp = gen_ident(tmp);
	free(tmp);
	out->options = xasprintf("START WITH %s INCREMENT BY %s%s%s%s%s CACHE %s%s",
				 PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3),
				 PQgetisnull(r, 0, 6) ? "" : " MINVALUE ", PQgetvalue(r, 0, 6),
				 PQgetisnull(r, 0, 7) ? "" : " MAXVALUE ", PQgetvalue(r, 0, 7),
				 PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 5)[0] == 't' ? " CYCLE" : "");
	PQclear(r);
	return 0;
}

/* 'text' with its quotes doubled */
static char *sql_literal(const char *text)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addch(&sb, '\'');
	for (; *text; text++) {
		if (*text == '\'')
			strbuf_addch(&sb, '\'');
		strbuf_addch(&sb, *text);
	}
	strbuf_addch(&sb, '\'');
	return strbuf_detach(&sb, NULL);
}

void gen_identity_move(struct strbuf *sb, const char *t, const struct gen_identity *id,
		       const char *from, const char *to)
{
	char *lit = xasprintf("%s.%s", id->schema, id->tmp), *q = sql_literal(lit);

	strbuf_addf(sb, "-- The identity moves: a sequence for %s continuing where %s's stopped, then\n"
		    "-- %s's dropped and the new one given its name.\n"
		    "ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY (SEQUENCE NAME %s.%s %s);\n"
		    "-- migrate:allow slow-statement-after-lock a sequence is one row\n"
		    "SELECT setval(%s, last_value, is_called) FROM %s.%s;\n"
		    "ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY;\n"
		    "-- migrate:allow rename-object the sequence takes the old one's name: nothing uses %s\n"
		    "ALTER SEQUENCE %s.%s RENAME TO %s;\n",
		    to, from, from, t, to, id->kind == 'a' ? "ALWAYS" : "BY DEFAULT", id->schema, id->tmp,
		    id->options, q, id->schema, id->name,
		    t, from, id->tmp, id->schema, id->tmp, id->name);
	free(lit);
	free(q);
}

void gen_identity_release(struct gen_identity *id)
{
	free(id->schema), free(id->name), free(id->tmp), free(id->options);
	memset(id, 0, sizeof(*id));
}
