/* batch.h - a statement under "-- migrate:batch N" as keyset batches over the
 * table's primary key (or a unique NOT NULL key): each batch its own
 * transaction, that also records the position reached in the history row
 * (docs/batch.md) */
#ifndef MIGRATE_RUN_BATCH_H
#define MIGRATE_RUN_BATCH_H

#include "pg/db.h"
#include "pg/history.h"
#include "sql/step.h"

/*
 * One batch is two statements: pick, then the statement itself on the keys
 * picked, in a transaction with the progress when there is a history.
 */
struct batch_sql {
	char *pick;      /* $1 the last key done (JSON array, NULL: from the start): no row
			    when nothing is left, else the batch's greatest key (JSON array) */
	char *apply;     /* $1 the last key done, $2 the batch's greatest key: the statement
			    on that key range, with its own WHERE */
	char *progress;  /* history_sql_progress_batch; NULL without a history */
	char *table;     /* for messages: the table as written */
	char *key;       /* for messages: "(id)" */
	int nkeys;
};

/*
 * Build statement i's batch from the live catalog; h NULL: without recording
 * the progress (rehearse). 0; 1 when the table does
 * not exist (yet: an earlier statement of the migration may create it, and
 * missing_ok); -1 refused (no usable key, a key column assigned: printed with
 * path:line); -2 the catalog query failed (printed).
 */
int batch_sql_build(struct db *db, const struct history *h, const struct step *s, size_t i,
		    int missing_ok, struct batch_sql *out);
void batch_sql_release(struct batch_sql *b);

/* How a batch's statements run: like PQexecParams (the runner's adds its watch). */
typedef PGresult *(*batch_exec_fn)(void *ud, const char *sql, int n, const char *const *params);

/*
 * The next batch after last (NULL: the first), its own transaction: the
 * statement on the batch's keys and, with b->progress, the position
 * (hist: version, direction, statement index) committed with it. ex NULL:
 * PQexecParams. 1: done, its greatest key in *next (JSON, to free), its rows
 * in *rows; 0: nothing left; -1: *err the failed result, rolled back.
 */
int batch_next(struct db *db, const struct batch_sql *b, batch_exec_fn ex, void *ud,
	       const char *last, const char *const *hist, char **next, long long *rows,
	       PGresult **err);

/* The table's row estimate (pg_class.reltuples), -1 when unknown. */
double batch_row_estimate(struct db *db, const struct step *s, size_t i);

#endif
