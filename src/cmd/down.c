/* down.c - migrate down: revert applied migrations, newest first */
#include "cmd/applyopts.h"
#include "cmd/commands.h"
#include "fleet/fleet.h"
#include "plan/plan.h"
#include "run/steps.h"
#include "run/run.h"
#include "run/events.h"
#include "run/session.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_STEPS = 1, O_TO, O_ALL, O_FORCE_IRREVERSIBLE, O_ALL_TARGETS, O_FORMAT, O_DRY_RUN };

static const struct cli_option down_options[] = {
	{ O_STEPS, 'n', "steps", "N", "revert the N newest applied migrations (default 1)" },
	{ O_TO, 0, "to", "VERSION", "revert every migration newer than VERSION (0: all)" },
	{ O_ALL, 0, "all-migrations", NULL, "revert every applied migration" },
	{ O_ALL, 0, "all", NULL, "the same as --all-migrations (the old spelling; every target is --all-targets)" },
	{ O_FORCE_IRREVERSIBLE, 0, "force-irreversible", NULL,
	  "forget a migration that has no down SQL (its changes stay)" },
	BACKUP_CLI_OPTION,
	APPLY_CLI_OPTIONS,
	{ O_ALL_TARGETS, 0, "all-targets", NULL, "on every target in migrate.yml (main database last)" },
	FLEET_CLI_OPTIONS,
	FLEET_FAIL_FAST_OPTION,
	{ O_FORMAT, 0, "format", "FORMAT", "summary of an every-target run: text (default) or json" },
	/* handled before this table is read: the command becomes plan_command() */
	{ O_DRY_RUN, 0, "dry-run", NULL, "change nothing: show the plan (\"migrate plan\" options apply)" },
	CLI_END
};

struct down_args {
	int steps;       /* --steps, default 1 */
	int64_t target;  /* --to, -1 when absent */
	int all;         /* --all */
	int force;       /* --force-irreversible */
};

/* Revert on one target (the database app->cfg points at). */
static int down_target(struct app *app, void *arg, struct target_result *res)
{
	const struct down_args *a = arg;
	struct session s;
	struct history_row **rows = NULL;
	struct step *steps = NULL;
	struct run_policy pol = { .kind = RUN_DOWN, .force_irreversible = a->force };
	struct run_outcome o;
	size_t i, n = 0;
	int rc;

	rc = session_open(&s, app, 0);
	if (rc != EXIT_OK)
		goto done;
	if (a->target > 0 && !history_find(&s.h, a->target)) {
		log_error("version %lld is not applied", (long long)a->target);
		log_hint("\"migrate status\" lists the applied versions; --to 0 reverts all");
		rc = EXIT_USAGE;
		goto done;
	}
	if ((rc = steps_refuse_dirty_down(&s.h, &s.set)) != EXIT_OK)
		goto done;
	pol.from = steps_latest(&s.h);
	if (res)
		res->from = res->to = pol.from;
	rows = steps_down_rows(&s.h, a->steps, a->target, a->all, &n);
	if (n == 0) {
		if (log_verbosity >= 0)
			printf("nothing to do: no applied migration to revert\n");
		goto done;
	}
	steps = xcalloc(n, sizeof(*steps));
	for (i = 0; i < n; i++) {
		struct migration *m = migration_set_find(&s.set, rows[i]->version);

		/* a down stopped part way through its batches: resumed (docs/batch.md) */
		if (steps_resumable_down(rows[i], m) > 0) {
			log_info("version %lld (%s) stopped part way through the batches of its down: "
				 "resuming it", (long long)rows[i]->version, shown(rows[i]->name));
			if (steps_resume_down(&steps[i], rows[i], m) < 0)
				rc = EXIT_USAGE;
		} else if (steps_down(&steps[i], rows[i], m, a->force, 0) < 0) {
			rc = EXIT_USAGE;
		}
	}
	if (rc != EXIT_OK)
		goto done;
	/* the reverted rows are the newest: the run ends at the newest of the others */
	pol.to = n < s.h.n ? s.h.rows[s.h.n - n - 1].version : 0;
	rc = run_steps(&s, steps, n, &pol, &o);
	if (res && o.done) {
		size_t k = (size_t)(rows[o.done - 1] - s.h.rows); /* newest first */

		res->changed = (int)o.done;
		res->to = k ? s.h.rows[k - 1].version : 0;
	}
done:
	events_run_end("down", rc);
	if (steps)
		steps_free(steps, n);
	free(rows);
	session_close(&s);
	return rc;
}

int cmd_down(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct apply_overrides ov = APPLY_OVERRIDES_INIT;
	struct fleet_opts fo;
	struct down_args a = { 1, -1, 0, 0 };
	const char *format = NULL;
	int rc, opt, modes = 0;

	if (plan_is_dry_run(argc, argv))
		return plan_command(argc, argv, app, -1);
	fleet_opts_init(&fo, FLEET_DOWN);
	cli_init(&c, "down", "", "Revert applied migrations, newest first, each in its own transaction,\n"
		 "with the down file (or the down SQL recorded when it was applied if the\n"
		 "file changed or is gone). Reverts one migration unless told otherwise.\n"
		 "Takes a pg_dump backup first, like up (on each target with --all-targets).\n"
		 "With --all-targets, on every target of migrate.yml, --jobs at once.",
		 down_options, &app->opts, argc, argv);
	while ((opt = cli_next(&c)) > 0) {
		int h = apply_option(&ov, opt, c.arg);

		if (h == 0)
			h = fleet_option(&fo, opt, c.arg);
		if (h < 0) {
			opt = CLI_ERROR;
			break;
		}
		switch (opt) {
		case O_STEPS:
			if ((a.steps = parse_steps_arg(c.arg)) < 0)
				opt = CLI_ERROR;
			modes++;
			break;
		case O_TO:
			if ((a.target = parse_version_arg("--to", c.arg)) < 0)
				opt = CLI_ERROR;
			modes++;
			break;
		case O_ALL:
			a.all = 1;
			modes++;
			break;
		case O_FORCE_IRREVERSIBLE:
			a.force = 1;
			break;
		case O_ALL_TARGETS:
			fo.all = 1;
			break;
		case O_FORMAT:
			format = c.arg;
			break;
		}
		if (opt == CLI_ERROR)
			break;
	}
	if (opt >= 0 && modes > 1) {
		log_error("use one of --steps, --to and --all-migrations");
		opt = CLI_ERROR;
	}
	if (opt == CLI_DONE && fleet_format(&fo, format, "--all-targets") < 0)
		opt = CLI_ERROR;
	rc = cli_done(&c, opt, 0);
	cli_release(&c);
	if (rc < 0)
		rc = apply_config(app, &ov) < 0 ? EXIT_USAGE : fleet_or_one(app, &fo, down_target, &a);
	fleet_opts_release(&fo);
	return rc;
}
