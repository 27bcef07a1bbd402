/* apply.h - one step with the guards every step gets, whatever runs it */
#ifndef MIGRATE_RUN_APPLY_H
#define MIGRATE_RUN_APPLY_H

#include "run/runner.h"
#include "run/session.h"

/*
 * Refuse a step a transaction pooler cannot run, renew the runner lock's
 * lease, wait for lagging replicas, then apply st in its direction. EXIT_*.
 */
int run_apply_step(struct session *s, struct runner *r, struct step *st, const char *note);

#endif
