/* cmd_down.c - migrate down: revert applied migrations, newest first */
#include "applyopts.h"
#include "backup.h"
#include "commands.h"
#include "plan.h"
#include "runner.h"
#include "session.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_STEPS = 1, O_TO, O_ALL, O_FORCE_IRREVERSIBLE };

static const struct cli_option down_options[] = {
	{ O_STEPS, 'n', "steps", "N", "revert the N newest applied migrations (default 1)" },
	{ O_TO, 0, "to", "VERSION", "revert every migration newer than VERSION (0: all)" },
	{ O_ALL, 0, "all", NULL, "revert every applied migration" },
	{ O_FORCE_IRREVERSIBLE, 0, "force-irreversible", NULL,
	  "forget a migration that has no down SQL (its changes stay)" },
	BACKUP_CLI_OPTION,
	APPLY_CLI_OPTIONS,
	CLI_END
};

int cmd_down(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct session s;
	struct runner r;
	struct apply_overrides ov = APPLY_OVERRIDES_INIT;
	struct history_row **rows = NULL;
	struct step *steps = NULL;
	struct backup_mark bm = { NULL, NULL, NULL };
	int64_t target = -1;
	int nsteps_opt = 1, all = 0, force = 0, rc, opt, modes = 0;
	size_t i, n = 0, done_n = 0;

	cli_init(&c, "down", "", "Revert applied migrations, newest first, each in its own transaction,\n"
		 "with the down file (or the down SQL recorded when it was applied if the\n"
		 "file changed or is gone). Reverts one migration unless told otherwise.\n"
		 "Takes a pg_dump backup first, like up.",
		 down_options, &app->opts, argc, argv);
	while ((opt = cli_next(&c)) > 0) {
		if (apply_option(&ov, opt, c.arg) < 0) {
			opt = CLI_ERROR;
			break;
		}
		switch (opt) {
		case O_STEPS:
			if ((nsteps_opt = parse_steps_arg(c.arg)) < 0)
				opt = CLI_ERROR;
			modes++;
			break;
		case O_TO:
			if ((target = parse_version_arg("--to", c.arg)) < 0)
				opt = CLI_ERROR;
			modes++;
			break;
		case O_ALL:
			all = 1;
			modes++;
			break;
		case O_FORCE_IRREVERSIBLE:
			force = 1;
			break;
		}
		if (opt == CLI_ERROR)
			break;
	}
	if (opt >= 0 && modes > 1) {
		log_error("use one of --steps, --to and --all");
		opt = CLI_ERROR;
	}
	rc = cli_done(&c, opt, 0);
	cli_release(&c);
	if (rc >= 0)
		return rc;
	if (apply_config(app, &ov) < 0)
		return EXIT_USAGE;
	rc = session_open(&s, app, SESSION_FILES | SESSION_LOCK | SESSION_QUIET_FILES);
	if (rc != EXIT_OK)
		goto done;
	if (target > 0 && !history_find(&s.h, target)) {
		log_error("version %lld is not applied", (long long)target);
		log_hint("\"migrate status\" lists the applied versions; --to 0 reverts all");
		rc = EXIT_USAGE;
		goto done;
	}
	if ((rc = plan_refuse_dirty(&s.h)) != EXIT_OK)
		goto done;
	rows = plan_down_rows(&s.h, nsteps_opt, target, all, &n);
	if (n == 0) {
		if (log_verbosity >= 0)
			printf("nothing to do: no applied migration to revert\n");
		goto done;
	}
	steps = xcalloc(n, sizeof(*steps));
	for (i = 0; i < n; i++)
		if (plan_down_step(&steps[i], rows[i], migration_set_find(&s.set, rows[i]->version),
				   force, 0) < 0)
			rc = EXIT_USAGE;
	if (rc != EXIT_OK)
		goto done;
	runner_init(&r, &s.db, &s.h, &s.set, s.cfg);
	/* the reverted rows are the newest: the run ends at the newest of the others */
	rc = backup_before_change(&s, r.run_id, "down", plan_latest(&s.h),
				  n < s.h.n ? s.h.rows[s.h.n - n - 1].version : 0, &bm);
	if (rc != EXIT_OK)
		goto done;
	for (i = 0; i < n; i++) {
		rc = runner_apply(&r, &steps[i], -1, force && sql_is_blank(steps[i].sql)
				  ? "--force-irreversible" : NULL);
		if (rc != EXIT_OK)
			break;
		done_n++;
	}
	if (rc == EXIT_OK)
		rc = session_unlock(&s);
	if (rc == EXIT_OK && log_verbosity >= 0)
		printf("%zu migration%s reverted\n", done_n, done_n == 1 ? "" : "s");
done:
	if (steps)
		plan_free(steps, n);
	free(rows);
	backup_mark_release(&bm);
	session_close(&s);
	return rc;
}
