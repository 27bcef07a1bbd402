/* redo.c - migrate redo: revert the newest migrations and apply them again (development) */
#include "cmd/applyopts.h"
#include "cmd/commands.h"
#include "run/steps.h"
#include "run/run.h"
#include "run/events.h"
#include "run/session.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_STEPS = 1 };

static const struct cli_option redo_options[] = {
	{ O_STEPS, 'n', "steps", "N", "revert and re-apply the N newest migrations (default 1)" },
	BACKUP_CLI_OPTION,
	APPLY_CLI_OPTIONS,
	CLI_END
};

/*
 * The steps of a redo: the down steps of rows (newest first), then the up
 * steps of the same versions (oldest first), in steps[0..2n).
 */
static int prepare(struct session *s, struct history_row **rows, size_t n, struct step *steps)
{
	size_t i;
	int rc = EXIT_OK;

	for (i = 0; i < n; i++) {
		struct migration *m = migration_set_find(&s->set, rows[i]->version);

		if (!m) {
			log_error("cannot redo version %lld (%s): its file is gone from \"%s\"",
				  (long long)rows[i]->version, shown(rows[i]->name), shown(s->cfg->dir));
			log_hint("\"migrate down\" reverts it with the down SQL recorded in history");
			rc = EXIT_USAGE;
			continue;
		}
		if (steps_down(&steps[i], rows[i], m, 0, 0) < 0 ||
		    steps_up(&steps[2 * n - 1 - i], m) < 0)
			rc = EXIT_USAGE;
	}
	return rc;
}

/* Revert and apply again the nsteps newest migrations. */
static int redo(struct app *app, int nsteps)
{
	struct session s;
	struct history_row **rows = NULL;
	struct step *steps = NULL;
	struct run_policy pol = { .kind = RUN_REDO, .note = "redo" };
	size_t n = 0;
	int rc;

	rc = session_open(&s, app, 0);
	if (rc != EXIT_OK)
		goto done;
	if ((rc = steps_refuse_dirty(&s.h)) != EXIT_OK)
		goto done;
	rows = steps_down_rows(&s.h, nsteps, -1, 0, &n);
	if (n == 0) {
		if (log_verbosity >= 0)
			printf("nothing to do: no applied migration to redo\n");
		goto done;
	}
	steps = xcalloc(2 * n, sizeof(*steps));
	if ((rc = prepare(&s, rows, n, steps)) != EXIT_OK)
		goto done;
	pol.from = pol.to = steps_latest(&s.h);
	rc = run_steps(&s, steps, 2 * n, &pol, NULL);
done:
	events_run_end("redo", rc);
	if (steps)
		steps_free(steps, 2 * n);
	free(rows);
	session_close(&s);
	return rc;
}

int cmd_redo(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct apply_overrides ov = APPLY_OVERRIDES_INIT;
	int nsteps = 1, rc, opt;

	cli_init(&c, "redo", "", "Revert the newest applied migration (or N) and apply it again, for\n"
		 "development: the down runs as \"migrate down\" would, the up from the file as it\n"
		 "is now. Takes a backup first, like up and down.", redo_options, &app->opts,
		 argc, argv);
	while ((opt = cli_next(&c)) > 0) {
		if (apply_option(&ov, opt, c.arg) < 0) {
			opt = CLI_ERROR;
			break;
		}
		if (opt == O_STEPS && (nsteps = parse_steps_arg(c.arg)) < 0) {
			opt = CLI_ERROR;
			break;
		}
	}
	rc = apply_options_done(&c, opt, 0, app, &ov);
	return rc >= 0 ? rc : redo(app, nsteps);
}
