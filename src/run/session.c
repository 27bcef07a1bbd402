/* session.c - set-up shared by commands, done once, in one place */
#include "run/session.h"
#include "run/replica.h"
#include "run/runlock.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* A failure after connecting: code, or EXIT_CONNECT when it was the connection that went. */
static int failed(struct session *s, int code)
{
	return PQstatus(s->db.conn) == CONNECTION_OK ? code : EXIT_CONNECT;
}

static struct {
	int on;
	struct db db;
	char *url;   /* NULL: libpq defaults */
} kept;

void session_keep_connection(int on)
{
	kept.on = on;
	if (!on) {
		db_close(&kept.db);
		free(kept.url);
		kept.url = NULL;
	}
}

static int same_url(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int connect_db(struct session *s)
{
	if (kept.on && kept.db.conn && same_url(kept.url, s->cfg->database_url) &&
	    PQstatus(kept.db.conn) == CONNECTION_OK &&
	    PQtransactionStatus(kept.db.conn) == PQTRANS_IDLE) {
		db_move(&s->db, &kept.db);
		s->db.verbose = s->app->opts.verbose;
		return 0;
	}
	/* another database: one connection per worker, never two */
	db_close(&kept.db);
	int r = db_connect(&s->db, s->cfg->database_url, s->app->opts.verbose);

	if (r < 0)
		return r; /* -2: the connection string does not parse */
	log_info("%s", shown_text(s->db.display)); /* the target, said before anything is done to it */
	return 0;
}

/* Keep the connection for the next target, as a new session would find it. */
static void keep_or_close(struct session *s)
{
	if (kept.on && s->connected && PQstatus(s->db.conn) == CONNECTION_OK &&
	    PQtransactionStatus(s->db.conn) == PQTRANS_IDLE &&
	    db_command(&s->db, "DISCARD ALL", 0, NULL) == 0) {
		db_close(&kept.db);
		free(kept.url);
		kept.url = s->cfg->database_url ? xstrdup(s->cfg->database_url) : NULL;
		db_move(&kept.db, &s->db);
		return;
	}
	db_close(&s->db);
}

int session_open(struct session *s, struct app *app, int flags)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->app = app;
	if (app_config(app) < 0)
		return EXIT_USAGE;
	s->cfg = &app->cfg;
	flags |= app->setup;
	if (app->quiet_files)
		flags |= SESSION_QUIET_FILES;
	if (history_init(&s->h, s->cfg->table) < 0)
		return EXIT_USAGE;
	s->h.allow_foreign = !!(flags & SESSION_FOREIGN_OK);
	if (flags & SESSION_FILES) {
		if (migration_set_load(&s->set, s->cfg->dir, !!(flags & SESSION_QUIET_FILES)) < 0) {
			log_error("%d problem%s in migrations directory \"%s\"", s->set.errors,
				  s->set.errors == 1 ? "" : "s", shown(s->cfg->dir));
			return EXIT_USAGE;
		}
	}
	if (!(flags & (SESSION_CONNECT | SESSION_LOCK | SESSION_HISTORY)))
		return EXIT_OK;
	if (config_require(s->cfg, NULL) < 0)
		return EXIT_USAGE;
	if ((r = connect_db(s)) < 0) {
		if (r == -2) {
			log_detail("it comes from %s", s->cfg->url_source);
			log_hint("write a URL (postgresql://user@host:5432/dbname?sslmode=require) or "
				 "key=value pairs (host=db dbname=app)");
			return EXIT_USAGE;
		}
		if (s->cfg->database_url == NULL)
			log_hint("no database given: use --database-url, DATABASE_URL, database.url in "
				 "migrate.yml, or libpq's PGHOST/PGDATABASE/... variables");
		return EXIT_CONNECT;
	}
	s->connected = 1;
	if (history_inspect(&s->h, &s->db) < 0)
		return failed(s, EXIT_USAGE);
	if (flags & SESSION_LOCK) {
		r = runlock_take(s);
		if (r != EXIT_OK)
			return r;
		/* another runner may have created the tables while we waited */
		if (history_inspect(&s->h, &s->db) < 0)
			return failed(s, EXIT_USAGE);
	}
	if (history_load(&s->h, &s->db) < 0)
		return failed(s, EXIT_FAILED);
	return EXIT_OK;
}

void session_close(struct session *s)
{
	runlock_release(s);
	keep_or_close(s);
	migration_set_release(&s->set);
	history_release(&s->h);
	memset(s, 0, sizeof(*s));
}

const char *session_state(struct session *s, int64_t version)
{
	struct history_row *row = history_find(&s->h, version);
	struct migration *m = migration_set_find(&s->set, version);

	if (!row)
		return "pending";
	if (row->dirty)
		return "dirty";
	if (!m)
		return "missing";
	if (!migration_checksum_matches(m, row->checksum))
		return "modified";
	return "applied";
}

int session_ensure_history(struct session *s)
{
	if (s->h.exists && s->h.log_current)
		return EXIT_OK;
	return history_create(&s->h, &s->db) < 0 ? EXIT_FAILED : EXIT_OK;
}

int session_before_migration(struct session *s)
{
	int rc = runlock_renew(s);

	if (rc == EXIT_OK && replica_wait(&s->db, s->cfg->max_replica_lag_ms) < 0)
		rc = EXIT_FAILED;
	return rc;
}

int session_unlock(struct session *s)
{
	if (!s->locked)
		return EXIT_OK;
	if (runlock_release(s) < 0) {
		log_error("lost the connection to the server at the end of the run");
		log_hint("everything reported above as applied or reverted is committed; "
			 "\"migrate status\" shows the state");
		return EXIT_CONNECT;
	}
	return EXIT_OK;
}
