/* apply.c - one step with the guards every step gets, whatever runs it */
#include "run/apply.h"
#include "run/runlock.h"
#include "base/util.h"

int run_apply_step(struct session *s, struct runner *r, struct step *st, const char *note)
{
	int rc = runlock_check_steps(s, st, 1);

	if (rc == EXIT_OK)
		rc = session_before_migration(s);
	if (rc == EXIT_OK)
		rc = runner_apply(r, st, st->direction, note);
	return rc;
}
