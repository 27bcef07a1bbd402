/* gate.h - the lint gate of a run */
#ifndef MIGRATE_RUN_GATE_H
#define MIGRATE_RUN_GATE_H

#include "run/session.h"
#include "sql/step.h"

/*
 * Lint the migrations about to run (steps, parsed already), with the applied
 * ones as context. Error-level findings not allowed by a directive stop the
 * run (EXIT_FAILED, report printed) unless unsafe. EXIT_OK to go on.
 */
int run_gate(struct session *s, const struct step *steps, size_t nsteps, int unsafe);

#endif
