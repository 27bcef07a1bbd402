/* runner.h - the apply/revert state machine: transactions, timeouts, retries */
#ifndef MIGRATE_RUNNER_H
#define MIGRATE_RUNNER_H

#include "config/config.h"
#include "pg/db.h"
#include "pg/history.h"
#include "sql/migration.h"
#include "sql/script.h"
#include "sql/step.h"

struct run_options {
	int64_t target;        /* --to VERSION */
	int has_target;
	int steps;             /* down --steps N (default 1) */
	int all;               /* down --all */
	int allow_drift;
	int force_irreversible;
	const char *note;      /* recorded in the audit log (e.g. "--allow-drift") */
};

struct watch;

struct runner {
	struct db *db;
	struct history *h;
	struct migration_set *set;
	const struct config *cfg;
	char run_id[33];
	/* the runner's own statements (timeouts, history, log) as named prepared
	 * statements on db: parsed and planned once, not once per migration */
	char stmt_prefix[24];
	/* through a pooler, our transactions' application_name (SET LOCAL): how the
	 * watch finds the server process that runs them */
	char app_tag[48];
	unsigned prepared;      /* bit per statement prepared so far */
	int unnamed;            /* send them unnamed from now on (see use_named) */
	struct watch *watch;    /* while a migration runs: blockers, progress, events */
	int pipe_first, pipe_n; /* in the pipeline batch read now: statement 0's query, how many */
};

void runner_init(struct runner *r, struct db *db, struct history *h, struct migration_set *set,
		 const struct config *cfg);

/*
 * Where in the file a server error in statement stmt points: the server's
 * error position mapped into the file, else the statement's start. Returns
 * the byte offset into s->sql and sets line and col; -1 when stmt is not one
 * of the step's statements.
 */
int step_error_location(const struct step *s, int stmt, const PGresult *res, int *line, int *col);

/* Apply one prepared step in direction +1 (up) or -1 (down): returns EXIT_*. */
int runner_apply(struct runner *r, struct step *s, int direction, const char *note);

#endif
