/* runlock.h - the runner lock: a session advisory lock, or a lock row with a
 * lease (safe through transaction pooling); detection of a transaction pooler */
#ifndef MIGRATE_RUNLOCK_H
#define MIGRATE_RUNLOCK_H

#include "sql/step.h"
#include "run/session.h"

/* Detect a pooler, then take the lock apply.lock names. EXIT_* (printed). */
int runlock_take(struct session *s);
/* Renew a lock row's lease (no-op for the advisory lock). EXIT_* (printed). */
int runlock_renew(struct session *s);
/* Release it (if held): 0, or -1 when the connection was gone or the unlock failed. */
int runlock_release(struct session *s);

/* Connected through a transaction pooler (or a proxy, with apply.lock: table). */
int runlock_pooled(const struct session *s);
/*
 * Through a transaction pooler, a migration that runs without a transaction
 * cannot keep its session settings: refuse it before anything runs. EXIT_*.
 */
int runlock_check_steps(const struct session *s, const struct step *steps, size_t n);

#endif
