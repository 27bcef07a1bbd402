/* targets.c - resolve the targets of a fleet run (lists, or queries run on the
 * main or a control database) and pick the ones a command line names */
#include "fleet/targets.h"
#include "pg/db.h"
#include "pg/history.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

const char *target_kind_name(enum target_kind k)
{
	return k == TARGET_SCHEMA ? "schema" : k == TARGET_DATABASE ? "database" : "main";
}

static void target_release(struct target *t)
{
	free(t->name);
	free(t->url);
	free(t->dir);
	free(t->table);
	free(t->search_path);
	memset(t, 0, sizeof(*t));
}

void target_list_release(struct target_list *tl)
{
	size_t i;

	for (i = 0; i < tl->n; i++)
		target_release(&tl->items[i]);
	free(tl->items);
	memset(tl, 0, sizeof(*tl));
}

static struct target *add_target(struct target_list *tl, enum target_kind kind, const char *name,
				 const char *url, const char *dir)
{
	struct target *t;

	ALLOC_GROW(tl->items, tl->n + 1, tl->alloc);
	t = &tl->items[tl->n++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->name = xstrdup(name);
	t->url = url ? xstrdup(url) : NULL;
	t->dir = xstrdup(dir);
	return t;
}

/* A conninfo value in single quotes. */
static void add_quoted(struct strbuf *sb, const char *v)
{
	strbuf_addch(sb, '\'');
	for (; *v; v++) {
		if (*v == '\'' || *v == '\\')
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *v);
	}
	strbuf_addch(sb, '\'');
}

char *conninfo_with_dbname(const char *url, const char *dbname)
{
	struct strbuf sb = STRBUF_INIT;
	PQconninfoOption *opts, *o;
	char *err = NULL;

	if (url && (opts = PQconninfoParse(url, &err))) {
		for (o = opts; o->keyword; o++) {
			if (!o->val || !strcmp(o->keyword, "dbname"))
				continue;
			strbuf_addf(&sb, "%s=", o->keyword);
			add_quoted(&sb, o->val);
			strbuf_addch(&sb, ' ');
		}
		PQconninfoFree(opts);
	}
	PQfreemem(err);
	strbuf_addstr(&sb, "dbname=");
	add_quoted(&sb, dbname);
	return strbuf_detach(&sb, NULL);
}

/* A database entry: a URL or key=value string, or a bare database name. */
static int is_conninfo(const char *s)
{
	return strstr(s, "://") || strchr(s, '=');
}

/* The target name of a database URL: its database, else the URL without password. */
static char *database_name(const char *url)
{
	PQconninfoOption *opts, *o;
	char *err = NULL, *name = NULL;

	opts = PQconninfoParse(url, &err);
	PQfreemem(err);
	for (o = opts; o && o->keyword; o++)
		if (!strcmp(o->keyword, "dbname") && o->val && *o->val && !is_conninfo(o->val))
			name = xstrdup(o->val);
	if (opts)
		PQconninfoFree(opts);
	return name ? name : redact_conninfo(url);
}

/*
 * Run a target query: the names in the first column of each row; with urls,
 * also the second column when the query returns one (NULL otherwise).
 */
static int run_query(const char *url, const char *query, const char *what, char ***out, char ***urls,
		     size_t *n)
{
	struct db db;
	PGresult *res;
	size_t alloc = 0, ualloc = 0;
	int i;

	*out = NULL;
	if (urls)
		*urls = NULL;
	*n = 0;
	if (db_connect(&db, url, 0) < 0) {
		log_detail("needed to run the query of %s", what);
		db_close(&db);
		return EXIT_CONNECT;
	}
	res = db_exec(&db, query, 0, NULL);
	if (!res || PQnfields(res) < 1) {
		log_error("the query of %s failed", what);
		log_hint("it must return the names in its first column");
		PQclear(res);
		db_close(&db);
		return EXIT_USAGE;
	}
	for (i = 0; i < PQntuples(res); i++) {
		if (PQgetisnull(res, i, 0) || !*PQgetvalue(res, i, 0))
			continue;
		ALLOC_GROW(*out, *n + 1, alloc);
		(*out)[*n] = xstrdup(PQgetvalue(res, i, 0));
		if (urls) {
			ALLOC_GROW(*urls, *n + 1, ualloc);
			(*urls)[*n] = PQnfields(res) >= 2 && !PQgetisnull(res, i, 1) &&
					      *PQgetvalue(res, i, 1) ? xstrdup(PQgetvalue(res, i, 1)) : NULL;
		}
		(*n)++;
	}
	PQclear(res);
	db_close(&db);
	return EXIT_OK;
}

static void free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * A target schema must be a schema of its own: not public (on every tenant's
 * search path) nor the schema of the main history table, whose migrations
 * would then be recorded in the main history. Its history table name must fit.
 */
static int check_schema(const struct target_source *src, const struct history *main_h,
			const char *name, const char *table, const char *cfg_path)
{
	struct history th;
	const char *file = cfg_path ? cfg_path : "migrate.yml";

	if (!strcmp(name, "public") || !strcmp(name, main_h->schema)) {
		log_error_at(file, src->line, 0, "schema \"%s\" cannot be a target%s: it is the main "
			     "database's own schema (%s)", name, src->query ? " (returned by "
			     "targets.schemas.query)" : "", !strcmp(name, "public") ? "public, on every "
			     "tenant's search path" : "the schema of the history table");
		log_hint("tenant schemas are schemas of their own; the main database is the target "
			 "\"main\"");
		return -1;
	}
	if (history_init(&th, table) < 0)
		return -1;
	history_release(&th);
	return 0;
}

/* A query that found nothing is a typo more often than an empty fleet: said, never silent. */
static int empty_query(const char *cfgpath, const struct target_source *src, const char *what,
		       int empty_is_error)
{

	if (empty_is_error) {
		log_error_at(cfgpath, src->line, 0, "the query of %s returned no rows: %s", what, src->query);
		log_hint("check its pattern; --allow-empty runs on the other targets anyway");
		return EXIT_USAGE;
	}
	log_warning_at(cfgpath, src->line, 0, "the query of %s returned no rows: %s", what, src->query);
	return EXIT_OK;
}

static int add_schemas(struct app *app, const struct target_source *src, struct target_list *tl,
		       int empty_is_error)
{
	struct config *cfg = &app->cfg;
	struct history h;
	char **names = src->list, **got = NULL;
	size_t n = src->n, i;
	int rc = EXIT_OK;

	if (src->query) {
		rc = run_query(cfg->database_url, src->query, "targets.schemas", &got, NULL, &n);
		if (rc == EXIT_OK && n == 0)
			rc = empty_query(cfg->path ? cfg->path : "migrate.yml", src, "targets.schemas", empty_is_error);
		if (rc != EXIT_OK)
			return rc;
		names = got;
	}
	/* the history table inside each schema: targets.schemas.table, else the
	 * table part of migrations.table */
	if (history_init(&h, cfg->table) < 0) {
		free_names(got, n);
		return EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		struct target *t = add_target(tl, TARGET_SCHEMA, names[i], cfg->database_url,
					      src->dir ? src->dir : cfg->dir);
		char *qs = db_quote_ident(names[i]);
		char *qt = db_quote_ident(src->table ? src->table : h.table);

		t->table = xasprintf("%s.%s", qs, qt);
		t->search_path = xasprintf("%s, public", qs);
		if (check_schema(src, &h, names[i], t->table, cfg->path) < 0)
			rc = EXIT_USAGE;
		free(qs);
		free(qt);
	}
	history_release(&h);
	free_names(got, got ? n : 0);
	return rc;
}

/*
 * A database target. A list entry of migrate.yml may be a URL or key=value
 * string. A name a query returns is a database name, always (whatever it
 * holds: "=", "://"); the query says where to reach it only in a second column.
 */
static void add_database(struct target_list *tl, const struct config *cfg,
			 const struct target_source *src, const char *name, const char *url)
{
	char *conn, *tname;
	struct target *t;

	if (url) {
		conn = xstrdup(url);
		tname = xstrdup(name);
	} else if (!src->query && is_conninfo(name)) {
		conn = xstrdup(name);
		tname = database_name(name);
	} else {
		conn = conninfo_with_dbname(cfg->database_url, name);
		tname = xstrdup(name);
	}
	t = add_target(tl, TARGET_DATABASE, tname, conn, src->dir ? src->dir : cfg->dir);
	t->table = xstrdup(src->table ? src->table : cfg->table);
	free(conn);
	free(tname);
}

static int add_databases(struct app *app, const struct target_source *src, struct target_list *tl,
			 int empty_is_error)
{
	struct config *cfg = &app->cfg;
	char **names = src->list, **got = NULL, **urls = NULL;
	size_t n = src->n, i;
	int rc;

	if (src->query) {
		rc = run_query(src->database ? src->database : cfg->database_url, src->query,
			       "targets.databases", &got, &urls, &n);
		if (rc == EXIT_OK && n == 0)
			rc = empty_query(cfg->path ? cfg->path : "migrate.yml", src, "targets.databases", empty_is_error);
		if (rc != EXIT_OK)
			return rc;
		names = got;
	}
	for (i = 0; i < n; i++)
		add_database(tl, cfg, src, names[i], urls ? urls[i] : NULL);
	free_names(got, got ? n : 0);
	free_names(urls, urls ? n : 0);
	return EXIT_OK;
}

/* Names must be unique: a schema and a database of the same name become kind:name. */
static int settle_names(struct target_list *tl)
{
	size_t i, j;
	int rc = EXIT_OK;

	for (i = 0; i < tl->n; i++)
		for (j = i + 1; j < tl->n; j++) {
			struct target *a = &tl->items[i], *b = &tl->items[j];
			char *na, *nb;

			if (strcmp(a->name, b->name))
				continue;
			if (a->kind == b->kind) {
				log_error("target %s \"%s\" is listed twice", target_kind_name(a->kind),
					  a->name);
				rc = EXIT_USAGE;
				continue;
			}
			na = xasprintf("%s:%s", target_kind_name(a->kind), a->name);
			nb = xasprintf("%s:%s", target_kind_name(b->kind), b->name);
			free(a->name);
			free(b->name);
			a->name = na;
			b->name = nb;
		}
	return rc;
}

int targets_resolve(struct app *app, struct target_list *out, int empty_is_error)
{
	struct config *cfg = &app->cfg;
	struct targets_config *tc = cfg->targets;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!tc || (!tc->schemas.set && !tc->databases.set)) {
		log_error("no targets: %s has no targets section", cfg->path ? cfg->path : "migrate.yml");
		log_hint("list tenant schemas or databases under targets: in migrate.yml "
			 "(docs/multi-tenant.md), or run without --all for the one database");
		return EXIT_USAGE;
	}
	if (config_require(cfg, NULL) < 0)
		return EXIT_USAGE;
	if (tc->main) {
		struct target *t = add_target(out, TARGET_MAIN, "main", cfg->database_url, cfg->dir);
		t->table = xstrdup(cfg->table);
	}
	if (tc->schemas.set && (rc = add_schemas(app, &tc->schemas, out, empty_is_error)) != EXIT_OK)
		return rc;
	if (tc->databases.set && (rc = add_databases(app, &tc->databases, out, empty_is_error)) != EXIT_OK)
		return rc;
	return settle_names(out);
}

static int name_matches(const struct target *t, const char *name)
{
	const char *kind = target_kind_name(t->kind);
	size_t kl = strlen(kind);

	if (!strcmp(t->name, name))
		return 1;
	/* kind:name always works, whether or not the name clashed */
	if (!strncmp(name, kind, kl) && name[kl] == ':') {
		const char *bare = strchr(t->name, ':') ? strchr(t->name, ':') + 1 : t->name;
		return !strcmp(bare, name + kl + 1);
	}
	return 0;
}

int targets_select(struct target_list *tl, char **names, size_t nnames, char **patterns,
		   size_t npatterns)
{
	size_t i, j, k = 0;
	char *keep;
	int rc = EXIT_OK;

	if (!nnames && !npatterns)
		return EXIT_OK;
	keep = xcalloc(tl->n + 1, 1);
	for (j = 0; j < nnames; j++) {
		int found = 0;

		for (i = 0; i < tl->n; i++)
			if (name_matches(&tl->items[i], names[j]))
				keep[i] = found = 1;
		if (!found) {
			log_error("no target named \"%s\"", names[j]);
			log_hint("\"migrate status --all\" lists the targets");
			rc = EXIT_USAGE;
		}
	}
	for (j = 0; j < npatterns; j++)
		for (i = 0; i < tl->n; i++)
			if (!fnmatch(patterns[j], tl->items[i].name, 0))
				keep[i] = 1;
	for (i = 0; i < tl->n; i++) {
		if (keep[i])
			tl->items[k++] = tl->items[i];
		else
			target_release(&tl->items[i]);
	}
	tl->n = k;
	free(keep);
	return rc;
}
