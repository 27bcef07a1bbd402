/* session.c - set-up shared by commands, done once, in one place */
#include "session.h"
#include "util.h"

#include <string.h>

/* A failure after connecting: code, or EXIT_CONNECT when it was the connection that went. */
static int failed(struct session *s, int code)
{
	return PQstatus(s->db.conn) == CONNECTION_OK ? code : EXIT_CONNECT;
}

int session_open(struct session *s, struct app *app, int flags)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->app = app;
	if (app_config(app) < 0)
		return EXIT_USAGE;
	s->cfg = &app->cfg;
	if (history_init(&s->h, s->cfg->table) < 0)
		return EXIT_USAGE;
	s->h.allow_foreign = !!(flags & SESSION_FOREIGN_OK);
	if (flags & SESSION_FILES) {
		if (migration_set_load(&s->set, s->cfg->dir, !!(flags & SESSION_QUIET_FILES)) < 0) {
			log_error("%d problem%s in migrations directory \"%s\"", s->set.errors,
				  s->set.errors == 1 ? "" : "s", s->cfg->dir);
			return EXIT_USAGE;
		}
	}
	if (!(flags & (SESSION_CONNECT | SESSION_LOCK | SESSION_HISTORY)))
		return EXIT_OK;
	if ((r = db_connect(&s->db, s->cfg->database_url, app->opts.verbose)) < 0) {
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
		s->lock_key = db_lock_key(s->h.display);
		r = db_advisory_lock(&s->db, s->lock_key, s->cfg->wait_ms, s->h.display);
		if (r <= 0) {
			if (r == 0) {
				log_error("another migrate run holds the lock on %s; gave up after %lds",
					  s->h.display, s->cfg->wait_ms / 1000);
				log_hint("wait for it to finish, or raise --wait");
			}
			return EXIT_CONNECT;
		}
		s->locked = 1;
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
	if (s->locked && PQstatus(s->db.conn) == CONNECTION_OK)
		db_advisory_unlock(&s->db, s->lock_key);
	db_close(&s->db);
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
	if (strcmp(row->checksum, m->checksum))
		return "modified";
	return "applied";
}

int session_ensure_history(struct session *s)
{
	if (s->h.exists && s->h.log_current)
		return EXIT_OK;
	return history_create(&s->h, &s->db) < 0 ? EXIT_FAILED : EXIT_OK;
}

int session_unlock(struct session *s)
{
	if (!s->locked)
		return EXIT_OK;
	if (PQstatus(s->db.conn) != CONNECTION_OK ||
	    db_advisory_unlock(&s->db, s->lock_key) < 0) {
		log_error("lost the connection to the server at the end of the run");
		log_hint("everything reported above as applied or reverted is committed; "
			 "\"migrate status\" shows the state");
		return EXIT_CONNECT;
	}
	s->locked = 0;
	return EXIT_OK;
}
