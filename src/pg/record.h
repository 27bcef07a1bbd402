/* record.h - write history rows for migrations that migrate did not run
 * (baseline, adopt), in the caller's transaction */
#ifndef MIGRATE_RECORD_H
#define MIGRATE_RECORD_H

#include "pg/history.h"
#include "sql/migration.h"

struct record_row {
	int64_t version;
	struct migration *m;  /* its files, NULL when they are gone */
	const char *name;     /* when m is NULL */
	int dirty;
};

/*
 * Insert history and log rows for rows[0..n): tx_mode and the log's direction
 * are `how` ("baseline", "adopt"), the log's outcome `outcome`, its note `note`.
 * Runs inside the caller's transaction; 0 or -1 (printed).
 */
int record_rows(struct history *h, struct db *db, const char *run_id, const struct record_row *rows,
		size_t n, const char *how, const char *outcome, const char *note);

/* BEGIN, or ROLLBACK after a failure (when still connected). */
int record_begin(struct db *db);
void record_rollback(struct db *db);

#endif
