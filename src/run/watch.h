/* watch.h - while one of a migration's statements runs: wait for it without
 * blocking, and from a second connection (opened once a statement is still
 * running after a moment, closed with the migration) name who blocks it,
 * apply apply.blockers, show progress; statement events for --events */
#ifndef MIGRATE_WATCH_H
#define MIGRATE_WATCH_H

#include "config/config.h"
#include "pg/db.h"
#include "pg/history.h"
#include "run/blockers.h"
#include "run/progress.h"
#include "sql/step.h"

struct watch {
	struct db *db;             /* the runner's connection */
	const struct config *cfg;
	struct history *h;         /* for the audit rows of terminated blockers */
	const char *run_id, *direction;
	const struct step *step;
	PGconn *obs;               /* the second connection, NULL until needed */
	int obs_failed;
	int pid;                   /* our backend */
	const char *tag;           /* through a pooler: the application_name of our transactions */
	int attempt;               /* 0: the first */
	int stmt;                  /* the statement running, -1: none (the runner's own) */
	int64_t t0, next_tick;     /* when it started, when to look next */
	int blocked;               /* it waited for a lock */
	int lock_sent;             /* and the lock_acquired event went out */
	struct blockers b;
	struct progress p;
};

void watch_init(struct watch *w, struct db *db, const struct config *cfg, struct history *h,
		const char *run_id, const struct step *s, int direction);
/* Through a pooler: our server process is the one whose application_name is tag
 * (set per transaction), found again at each look. */
void watch_pooled(struct watch *w, const char *tag);
/* Close the second connection, free everything. */
void watch_release(struct watch *w);

/* Statement stmt of the step starts, and ends (ok: it succeeded). */
void watch_stmt_begin(struct watch *w, int stmt);
void watch_stmt_end(struct watch *w, int ok);
/* Until a result can be read from the runner's connection without blocking. */
void watch_wait(struct watch *w);
/* A lock timeout in statement stmt is retried: name the blockers of the
 * attempt, the retry event; then the next attempt. */
void watch_retry(struct watch *w, int stmt, int retry, int of, long delay_ms);
/* Print the blockers of the last attempt (retries ran out in statement stmt). */
void watch_print_blockers(struct watch *w, int stmt);
/* Every blocker seen, as JSON text for the audit log row; NULL when none. */
const char *watch_blockers_json(struct watch *w);

/* The migration is applied (ok) or failed: the applied or failed event. */
void watch_outcome(struct watch *w, int ok, int retries, int64_t duration_ms,
		   const char *sqlstate, const char *message, int line, int col);

/* "20261201_add_index.up.sql:3 CREATE INDEX" for statement stmt. */
char *watch_stmt_label(const struct step *s, int stmt);

#endif
