/* batch.h - a statement under "-- migrate:batch N" as keyset batches over the
 * table's primary key (or a unique NOT NULL key): each batch one statement,
 * its own transaction, that also records the position reached in the history
 * row (docs/batch.md) */
#ifndef MIGRATE_RUN_BATCH_H
#define MIGRATE_RUN_BATCH_H

#include "pg/db.h"
#include "pg/history.h"
#include "sql/step.h"

/* One batch's statement: $1 the last key done (JSON array, NULL: from the
 * start), $2 version, $3 direction, $4 the statement's index (without a
 * history: $1 only). It returns no row when nothing is left, else one: the
 * new last key, the rows changed. */
struct batch_sql {
	char *sql;
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

/* The table's row estimate (pg_class.reltuples), -1 when unknown. */
double batch_row_estimate(struct db *db, const struct step *s, size_t i);

#endif
