/* adopt.c - migrate adopt --from TOOL (golang-migrate, dbmate, goose, sql-migrate, diesel, prisma,
 * flyway): import the versions it recorded in its history table, and keep its table aside */
#include "cmd/applyopts.h"
#include "cmd/commands.h"
#include "pg/record.h"
#include "run/runner.h"
#include "run/session.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { O_FROM = 1, O_FROM_TABLE };

static const struct cli_option adopt_options[] = {
	{ O_FROM, 0, "from", "TOOL", "golang-migrate, dbmate, goose, sql-migrate, diesel, prisma or flyway" },
	{ O_FROM_TABLE, 0, "from-table", "NAME", "their history table (default: public.schema_migrations; goose: public.goose_db_version; diesel: public.__diesel_schema_migrations; prisma: public._prisma_migrations; flyway: public.flyway_schema_history; sql-migrate: public.gorp_migrations)" },
	{ AO_WAIT, 0, "wait", "DURATION", "wait this long for another run's lock (default 60s)" },
	CLI_END
};

/* A tool migrate adopts from: its default table, and the query of its applied versions
 * (%s: the table; a version as text, and for some whether it failed part way). */
struct tool {
	const char *name, *table, *aside, *query;
};

static const struct tool tools[] = {
	{ "golang-migrate", "public.schema_migrations", "golang_migrate", "SELECT version, dirty FROM %s" },
	{ "dbmate", "public.schema_migrations", "dbmate", "SELECT version FROM %s ORDER BY version" },
	/* version 0 is the row goose writes when it creates the table */
	{ "goose", "public.goose_db_version", "goose",
	  "SELECT version_id FROM (SELECT DISTINCT ON (version_id) version_id, is_applied FROM %s "
	  "ORDER BY version_id, id DESC) latest WHERE is_applied AND version_id <> 0 ORDER BY version_id" },
	/* a Diesel version is its directory's date, dashes dropped: 20190226002946 */
	{ "diesel", "public.__diesel_schema_migrations", "diesel", "SELECT version FROM %s ORDER BY version" },
	/* sql-migrate: a row per applied file, its name ("1-create.sql") the id */
	{ "sql-migrate", "public.gorp_migrations", "sql_migrate",
	  "SELECT coalesce(substring(id from '^[0-9]+'), id) FROM %s ORDER BY 1" },
	/* Flyway: each version's latest row, unless an undo; a failed one is dirty */
	{ "flyway", "public.flyway_schema_history", "flyway",
	  "SELECT version, NOT success FROM (SELECT DISTINCT ON (version) version, success, type FROM %s "
	  "WHERE version IS NOT NULL ORDER BY version, installed_rank DESC) latest "
	  "WHERE type NOT LIKE 'UNDO%' ORDER BY version" },
	/* Prisma: the latest attempt of each migration not rolled back; unfinished: it failed */
	{ "prisma", "public._prisma_migrations", "prisma",
	  "SELECT coalesce(substring(migration_name from '^[0-9]+'), migration_name), finished_at IS NULL "
	  "FROM (SELECT DISTINCT ON (migration_name) migration_name, finished_at FROM %s "
	  "WHERE rolled_back_at IS NULL ORDER BY migration_name, started_at DESC) latest ORDER BY 1" },
};

static const struct tool *tool_named(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(tools) / sizeof(*tools); i++)
		if (!strcmp(tools[i].name, name))
			return &tools[i];
	return NULL;
}

/* The versions their table says are applied. */
struct imported {
	struct record_row *rows;
	size_t n, alloc;
};

static void add_row(struct session *s, struct imported *im, int64_t version, int dirty)
{
	struct record_row *r;

	ALLOC_GROW(im->rows, im->n + 1, im->alloc);
	r = &im->rows[im->n++];
	r->version = version;
	r->m = migration_set_find(&s->set, version);
	r->name = "(adopted, no file)";
	r->dirty = dirty;
}

/*
 * golang-migrate keeps one row: the version it reached, and whether that one
 * failed part way. Every file up to it was applied.
 */
static int read_golang_migrate(struct session *s, PGresult *res, struct imported *im)
{
	int64_t top;
	int dirty;
	size_t i;

	if (PQntuples(res) == 0)
		return 0;
	if (PQntuples(res) > 1) {
		log_error("golang-migrate's table holds %d rows, it keeps one", PQntuples(res));
		return -1;
	}
	top = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	dirty = PQgetvalue(res, 0, 1)[0] == 't';
	for (i = 0; i < s->set.n && s->set.items[i].version < top; i++)
		add_row(s, im, s->set.items[i].version, 0);
	add_row(s, im, top, dirty);
	return 0;
}

/*
 * The others keep one row per applied version (the query keeps those applied), and
 * Prisma whether it failed part way (a second column).
 */
static int read_rows(struct session *s, PGresult *res, struct imported *im, const char *tool,
		     const char *table)
{
	int i;

	for (i = 0; i < PQntuples(res); i++) {
		int64_t v = parse_int64(PQgetvalue(res, i, 0));

		if (v < 0) {
			char *shown = escape_name(PQgetvalue(res, i, 0));

			log_error("%s's table %s holds version \"%s\" in row %d (ordered by version), "
				  "which is not a number", tool, table, shown, i + 1);
			log_hint("migrate's versions are numbers: fix or delete that row, then adopt again");
			free(shown);
			return -1;
		}
		add_row(s, im, v, PQnfields(res) > 1 && PQgetvalue(res, i, 1)[0] == 't');
	}
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct record_row *x = a, *y = b;
	return x->version < y->version ? -1 : x->version > y->version;
}

/* Check their table is the tool's and read it; EXIT_*. */
static int read_theirs(struct session *s, struct history *theirs, const struct tool *t,
		       struct imported *im)
{
	const char *tool = t->name, *at;
	PGresult *cols = history_table_columns(&s->db, theirs->schema, theirs->table), *res = NULL;
	const char *found;
	char *sql;
	int rc = EXIT_USAGE;

	if (!cols)
		return EXIT_FAILED;
	if (PQntuples(cols) == 0) {
		log_error("there is no table %s to adopt", theirs->display);
		log_hint("name %s's table with --from-table", tool);
		goto done;
	}
	found = history_foreign_tool(cols);
	if (!found || strcasecmp(found, tool)) {
		log_error("table %s is not %s's history table (it looks like %s's)", theirs->display,
			  tool, found ? found : "nobody");
		goto done;
	}
	at = strstr(t->query, "%s");
	sql = xasprintf("%.*s%s%s", (int)(at - t->query), t->query, theirs->qtable, at + 2);
	res = db_exec(&s->db, sql, 0, NULL);
	free(sql);
	if (!res) {
		rc = EXIT_FAILED;
		goto done;
	}
	if ((!strcmp(tool, "golang-migrate") ? read_golang_migrate(s, res, im)
					     : read_rows(s, res, im, tool, theirs->display)) == 0) {
		if (im->n)
			qsort(im->rows, im->n, sizeof(*im->rows), cmp_row);
		rc = EXIT_OK;
	}
done:
	PQclear(cols);
	PQclear(res);
	return rc;
}

/* In one transaction: their table renamed aside, ours created, the rows recorded. */
static int import(struct session *s, struct history *theirs, const char *tool,
		  struct imported *im, const char *aside)
{
	struct runner r;
	/* their schema exists: creating it needs CREATE on the database, which a role may lack */
	char *qaside = db_quote_ident(aside), *rename,
	     *create = history_sql_create(&s->h, strcmp(s->h.schema, theirs->schema) != 0);
	char *note = xasprintf("from %s (its table kept as %s.%s)", tool, theirs->schema, aside);
	int rc = EXIT_OK;

	rename = xasprintf("ALTER TABLE %s RENAME TO %s", theirs->qtable, qaside);
	runner_init(&r, &s->db, &s->h, &s->set, s->cfg);
	if (record_begin(&s->db) < 0 || db_command(&s->db, rename, 0, NULL) < 0 ||
	    db_command(&s->db, create, 0, NULL) < 0 ||
	    record_rows(&s->h, &s->db, r.run_id, im->rows, im->n, "adopt", "adopted", note) < 0 ||
	    db_command(&s->db, "COMMIT", 0, NULL) < 0) {
		record_rollback(&s->db);
		rc = PQstatus(s->db.conn) == CONNECTION_OK ? EXIT_FAILED : EXIT_CONNECT;
	}
	free(qaside);
	free(rename);
	free(create);
	free(note);
	return rc;
}

static void report(struct session *s, struct history *theirs, const char *tool,
		   struct imported *im, const char *aside)
{
	size_t i, missing = 0;

	if (log_verbosity < 0)
		return;
	for (i = 0; i < im->n; i++) {
		const struct record_row *r = &im->rows[i];
		printf("adopted %lld %s%s\n", (long long)r->version, shown(r->m ? r->m->name : r->name),

		       r->dirty ? " (dirty)" : "");
		missing += !r->m;
	}
	printf("%zu version%s adopted from %s into %s; their table is kept as %s.%s\n", im->n,
	       im->n == 1 ? "" : "s", tool, s->h.display, theirs->schema, aside);
	if (missing)
		log_warning("%zu adopted version%s no file in \"%s\" (\"migrate status\" shows them "
			    "as missing)", missing, missing == 1 ? " has" : "s have", s->cfg->dir);
	for (i = 0; i < im->n; i++)
		if (im->rows[i].dirty)
			log_warning("%s left version %lld dirty (it failed part way): settle it with "
				    "\"migrate repair\"", tool, (long long)im->rows[i].version);
}

int cmd_adopt(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct session s;
	struct history theirs;
	struct apply_overrides ov = APPLY_OVERRIDES_INIT;
	struct imported im = { NULL, 0, 0 };
	const char *tool = NULL, *from_table = NULL;
	const struct tool *t = NULL;
	char *aside = NULL;
	int rc, opt, theirs_init = 0, from_table_given = 0;

	cli_init(&c, "adopt", "--from TOOL", "Switch from golang-migrate, dbmate, goose, sql-migrate, diesel, prisma or\n"
		 "flyway: import the versions recorded in their history table into migrate's history\n"
		 "(with the checksums and down SQL of the files here), in one transaction. Their table\n"
		 "is kept, renamed to <table>_<tool> (- as _). Logged.", adopt_options,
		 &app->opts, argc, argv);
	while ((opt = cli_next(&c)) > 0) {
		if (apply_option(&ov, opt, c.arg) < 0) {
			opt = CLI_ERROR;
			break;
		}
		if (opt == O_FROM)
			tool = c.arg;
		else if (opt == O_FROM_TABLE)
			from_table = c.arg, from_table_given = 1;
	}
	if (opt == CLI_DONE && !(t = tool_named(tool))) {
		log_error("%s: --from golang-migrate, dbmate, goose, sql-migrate, diesel, prisma or flyway",
			  tool ? "unknown tool" : "from which tool?");
		opt = CLI_ERROR;
	}
	if (t && !from_table_given)
		from_table = t->table;
	rc = apply_options_done(&c, opt, 0, app, &ov);
	if (rc >= 0)
		return rc;
	if (history_init(&theirs, from_table ? from_table : "public.schema_migrations") < 0)
		return EXIT_USAGE;
	theirs_init = 1;
	rc = session_open(&s, app, 0);
	if (rc != EXIT_OK)
		goto done;
	if (s.h.exists && s.h.n) {
		log_error("%s already holds migrate's history (%zu versions): nothing to adopt into",
			  s.h.display, s.h.n);
		rc = EXIT_USAGE;
		goto done;
	}
	if (s.h.exists && !strcmp(s.h.display, theirs.display)) {
		log_error("%s is migrate's own history table", theirs.display);
		rc = EXIT_USAGE;
		goto done;
	}
	rc = read_theirs(&s, &theirs, t, &im);
	if (rc != EXIT_OK)
		goto done;
	aside = xasprintf("%s_%s", theirs.table, t->aside);
	rc = import(&s, &theirs, tool, &im, aside);
	if (rc == EXIT_OK)
		rc = session_unlock(&s);
	if (rc == EXIT_OK)
		report(&s, &theirs, tool, &im, aside);
done:
	free(aside);
	free(im.rows);
	if (theirs_init)
		history_release(&theirs);
	session_close(&s);
	return rc;
}
