/* session.h - what a command needs before it runs: config, files, connection, lock */
#ifndef MIGRATE_SESSION_H
#define MIGRATE_SESSION_H

#include "config/app.h"
#include "pg/db.h"
#include "pg/history.h"
#include "sql/migration.h"

struct session {
	struct app *app;
	struct config *cfg;
	struct migration_set set;
	struct db db;
	struct history h;
	int64_t lock_key;
	int locked;
	int connected;
	int proxied;        /* connected through a proxy such as PgBouncer (runlock.c) */
	int pooled;         /* ... that pools transactions */
	char *lock_owner;   /* apply.lock: table: our owner string */
};

/*
 * Everything the command's row of the command table (app->setup) asks for,
 * and flags on top (what an option adds, e.g. plan without --offline). Returns
 * EXIT_OK, or the exit code to return (after printing why).
 */
int session_open(struct session *s, struct app *app, int flags);
void session_close(struct session *s);

/*
 * A fleet worker keeps its connection for its next target when that one is in
 * the same database (DISCARD ALL in between); off closes the one kept.
 */
void session_keep_connection(int on);

/* Create the history tables if missing (under the lock, right before the first change). */
int session_ensure_history(struct session *s);
/*
 * Release the runner lock at the end of a run that changed the database:
 * EXIT_OK, or EXIT_CONNECT (printed) when the connection was lost by then.
 */
int session_unlock(struct session *s);

/* Before each migration: renew the lock's lease, wait for lagging replicas. EXIT_*. */
int session_before_migration(struct session *s);

/* State of one version for status: applied, pending, modified, missing, dirty. */
const char *session_state(struct session *s, int64_t version);

#endif
