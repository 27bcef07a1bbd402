/* apply.c - one step with the guards every step gets, whatever runs it */
#include "run/apply.h"
#include "run/runlock.h"
#include "base/util.h"

int run_apply_step(struct session *s, struct runner *r, struct step *st, const char *note)
{
	/* run_steps checked its steps before any change; the rollback's steps are made
	 * from the down SQL recorded in history only when it starts, so each step is
	 * checked again here (a cheap walk of its parse tree, no query) */
	int rc = runlock_check_steps(s, st, 1);

	if (rc == EXIT_OK)
		rc = session_before_migration(s);
	if (rc == EXIT_OK)
		rc = runner_apply(r, st, st->direction, note);
	return rc;
}
