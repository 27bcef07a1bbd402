/* run.h - the one way anything is applied: run_steps()
 *
 * up, down, redo, the rollback of "up --on-failure rollback" and every fleet
 * worker apply migrations only through run_steps, so the guards below hold for
 * each of them by construction.
 */
#ifndef MIGRATE_RUN_RUN_H
#define MIGRATE_RUN_RUN_H

#include "run/session.h"
#include "sql/step.h"

#include <stddef.h>
#include <stdint.h>

enum run_kind { RUN_UP, RUN_DOWN, RUN_REDO };

struct run_policy {
	enum run_kind kind;  /* names the run in the backup and the log */
	int gate;            /* lint the steps first, with the applied ones as context */
	int unsafe;          /* ... and go on despite error-level findings */
	const char *note;    /* recorded with every step ("--allow-drift", "redo") */
	int force_irreversible; /* down: a step without down SQL forgets its version */
	int64_t from, to;    /* the newest applied version before and after the run */
};

/* What the run did, for a fleet target's result. */
struct run_outcome {
	size_t done;         /* steps applied or reverted (rolled back ones included) */
	int64_t to;          /* the newest applied version afterwards, as far as known */
	int rolled_back;     /* on_failure: rollback ran */
};

/*
 * Run steps[0..n) in order, each in its own direction (step.direction):
 *   1. refuse, before any change, a step that a transaction pooler cannot run
 *      (also the downs that on_failure: rollback may need);
 *   2. the lint gate (policy->gate);
 *   3. the backup (of backup.scope) and the recovery point (backup_before_steps);
 *   4. per step: renew the lock's lease, wait for lagging replicas, apply;
 *   5. on failure: on_failure: rollback reverts what this run applied (up);
 *   6. release the runner lock; say what was done.
 * Returns EXIT_*. out may be NULL.
 */
int run_steps(struct session *s, struct step *steps, size_t n, const struct run_policy *policy,
	      struct run_outcome *out);

#endif
