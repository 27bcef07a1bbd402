/* steps.h - the steps of a run: which migrations it applies or reverts, prepared */
#ifndef MIGRATE_STEPS_H
#define MIGRATE_STEPS_H

#include "pg/history.h"
#include "sql/migration.h"
#include "run/runner.h"

/* The up step of m, parsed; 0, or -1 (printed) when it cannot run. */
int steps_up(struct step *st, struct migration *m);

/*
 * The down SQL that reverts row: the file's when the up file is unchanged
 * since it was applied (or nothing was recorded), otherwise the down SQL
 * recorded when it was applied; recorded_only takes the recorded one always.
 * sec->sql is NULL when there is none. 1 when the recorded SQL stands in for
 * a file that changed since, else 0. Shared by down, redo, rollback and plan.
 */
int steps_down_source(const struct history_row *row, const struct migration *m,
		      int recorded_only, struct section *sec);

/*
 * The down step of an applied version: the file's down SQL when the up file is
 * unchanged since it was applied, otherwise (changed or gone) the down SQL
 * recorded when it was applied; recorded_only takes the recorded one always.
 * A version without down SQL (or with an empty one for a non-empty up) is
 * refused, naming it (-1, printed), unless force: then the step is a no-op that
 * forgets it.
 */
int steps_down(struct step *st, struct history_row *row, struct migration *m, int force,
		   int recorded_only);

/* The rows down reverts, newest first: the `steps` newest, all newer than target (>= 0), or all. */
struct history_row **steps_down_rows(struct history *h, int steps, int64_t target, int all,
				    size_t *n);

/*
 * A version an up of a batched migration left dirty part way, with its
 * progress recorded, whose file is unchanged: the next up resumes it
 * (docs/batch.md). 1 when row is one, else 0.
 */
int steps_resumable(const struct history_row *row, const struct migration *m);
/* The up step of such a version, set to resume where its progress says; 0 or -1 (printed). */
int steps_resume(struct step *st, struct migration *m, const struct history_row *row);

/*
 * A version a down of a batched migration left dirty part way, with its
 * progress: 1 when the down SQL it would run now is the one it ran (the next
 * down resumes it), -1 when that changed, 0 when row is none.
 */
int steps_resumable_down(const struct history_row *row, const struct migration *m);
/* The down step of such a version, set to resume where its progress says; 0 or -1 (printed). */
int steps_resume_down(struct step *st, struct history_row *row, struct migration *m);
/* A dirty version stops down, unless it is the newest and its down resumes:
 * EXIT_FAILED (printed), or EXIT_OK. */
int steps_refuse_dirty_down(const struct history *h, struct migration_set *set);

/* A dirty version stops down and redo: EXIT_FAILED (printed), or EXIT_OK. */
int steps_refuse_dirty(const struct history *h);

/* The newest applied version (0 when none). */
int64_t steps_latest(const struct history *h);

/* Release steps[0..n) and the array. */
void steps_free(struct step *steps, size_t n);

#endif
