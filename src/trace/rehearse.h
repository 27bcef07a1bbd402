/* rehearse.h - run one migration up, down and up again on a scratch database,
 * observing what its up really does and proving its down restores the schema */
#ifndef MIGRATE_REHEARSE_H
#define MIGRATE_REHEARSE_H

#include "config/config.h"
#include "pg/db.h"
#include "plan/plan.h"
#include "run/runner.h"

struct rehearsal {
	struct db *db;         /* the scratch database */
	struct db *observer;   /* a second connection to it */
	const struct config *cfg;
	const char *hist_schema, *hist_table; /* left out of schema snapshots */
	int compare;           /* compare observations with predictions */
};

/*
 * Rehearse one migration: up (observed, statement by statement, in its own
 * transaction mode), down, schema compared with before the up, up again.
 * down may be NULL (no down). Fills pm (outcome, observations, failures).
 * Returns 0 to go on with the next migration, -1 when the scratch database
 * is no longer in a known state (an up failed, or Ctrl-C).
 */
int rehearse_migration(struct rehearsal *r, struct step *up, struct step *down,
		       struct plan_migration *pm);

#endif
