/* rollback.h - on_failure: rollback: revert what a failed run applied */
#ifndef MIGRATE_ROLLBACK_H
#define MIGRATE_ROLLBACK_H

#include "run/backup.h"
#include "run/runner.h"
#include "run/session.h"

/*
 * steps[failed] failed after steps[0..failed) were applied by this run: revert
 * those, newest first, each with the down SQL recorded when it was applied, in
 * its own transaction, each logged. Prints what was reverted and where the
 * database stands. Not attempted when the failed migration left a dirty
 * version or the connection is gone. Returns the run's exit code: EXIT_FAILED,
 * or EXIT_CONNECT when the connection was lost.
 */
int rollback_run(struct session *s, struct runner *r, struct step *steps, size_t failed,
		 int64_t before, const struct backup_mark *bm);

#endif
