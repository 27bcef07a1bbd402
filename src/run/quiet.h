/* quiet.h - --wait-quiet: before a migration takes a lock that blocks writes,
 * wait for a moment when no old transaction holds a lock on its tables */
#ifndef MIGRATE_QUIET_H
#define MIGRATE_QUIET_H

#include "config/config.h"
#include "pg/db.h"
#include "sql/step.h"

/* The tables statement stmt (-1: every statement) of s locks against writes,
 * as a JSON array of quoted qualified names; NULL when none. */
char *quiet_lock_tables(const struct db *db, const struct step *s, int stmt);

/*
 * With apply.wait_quiet (--wait-quiet) set: wait until no transaction open
 * for longer than that holds a lock on a table the step locks against writes,
 * at most apply.wait; then go ahead either way (lock_timeout still guards).
 */
void quiet_wait(struct db *db, const struct config *cfg, const struct step *s);

#endif
