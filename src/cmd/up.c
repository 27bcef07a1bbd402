/* up.c - migrate up: apply pending migrations, each in its own transaction */
#include "cmd/commands.h"
#include "cmd/applyopts.h"
#include "fleet/fleet.h"
#include "plan/plan.h"
#include "run/run.h"
#include "run/steps.h"
#include "run/events.h"
#include "run/session.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { O_TO = 1, O_ALLOW_DRIFT, O_UNSAFE, O_ALL, O_FORMAT, O_DRY_RUN };

static const struct cli_option up_options[] = {
	{ O_TO, 0, "to", "VERSION", "apply pending migrations up to and including VERSION" },
	{ O_ALLOW_DRIFT, 0, "allow-drift", NULL, "run even if applied migrations were edited since" },
	{ O_UNSAFE, 0, "unsafe", NULL, "apply even with error-level lint findings (recorded in the log)" },
	ON_FAILURE_CLI_OPTION,
	BACKUP_CLI_OPTION,
	APPLY_CLI_OPTIONS,
	{ O_ALL, 0, "all-targets", NULL, "every target in migrate.yml: main database, tenant schemas, databases" },
	{ O_ALL, 0, "all", NULL, "the same as --all-targets (the old spelling)" },
	FLEET_CLI_OPTIONS,
	FLEET_FAIL_FAST_OPTION,
	{ O_FORMAT, 0, "format", "FORMAT", "summary of an every-target run: text (default) or json" },
	/* handled before this table is read: the command becomes plan_command() */
	{ O_DRY_RUN, 0, "dry-run", NULL, "change nothing: show the plan (\"migrate plan\" options apply)" },
	CLI_END
};

struct up_args {
	int64_t target;  /* --to, -1 when absent */
	int allow_drift;
	int unsafe;
};

/* Drift and dirty versions stop an up before anything runs. */
static int check_history(struct session *s, int allow_drift)
{
	size_t i;
	int drift = 0, dirty = 0;

	for (i = 0; i < s->h.n; i++) {
		struct history_row *row = &s->h.rows[i];
		struct migration *m = migration_set_find(&s->set, row->version);

		if (steps_resumable(row, m)) {
			log_info("version %lld (%s) stopped part way through its batches: resuming it",
				 (long long)row->version, shown(row->name));
		} else if (row->dirty && steps_resumable_down(row, m) > 0) {
			log_error("version %lld (%s) stopped part way through the batches of its down: "
				  "run \"migrate down\" to finish it", (long long)row->version, shown(row->name));
			dirty++;
		} else if (row->dirty) {
			log_error("version %lld (%s) is dirty: a run without a transaction failed part way",
				  (long long)row->version, shown(row->name));
			dirty++;
		} else if (m && !migration_checksum_matches(m, row->checksum)) {
			if (allow_drift)
				log_warning_at(m->up.path, 0, 0, "modified since it was applied at %s "
					       "(--allow-drift)", row->applied_at);
			else
				log_error_at(m->up.path, 0, 0, "modified since it was applied at %s",
					     row->applied_at);
			drift++;
		}
	}
	if (dirty) {
		log_hint("settle it first: \"migrate repair --mark-reverted VERSION\" after undoing "
			 "what it did, or \"migrate repair --mark-applied VERSION\" after finishing it");
		return EXIT_FAILED;
	}
	if (drift && !allow_drift) {
		log_detail("an applied migration must not change: the database does not hold what "
			   "the file now says");
		log_hint("restore the file, put the change in a new migration (\"migrate new\"), "
			 "or pass --allow-drift if the edit is cosmetic");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* A fleet target's result after on_failure: rollback: what the run left applied. */
static void after_rollback(struct session *s, const struct step *steps, size_t applied,
			   int64_t before, struct target_result *res)
{
	size_t k;

	if (PQstatus(s->db.conn) != CONNECTION_OK || history_load(&s->h, &s->db) < 0)
		return;
	res->changed = 0;
	res->to = before;
	for (k = 0; k < applied; k++)
		if (history_find(&s->h, steps[k].version)) {
			res->changed++;
			if (steps[k].version > res->to)
				res->to = steps[k].version;
		}
}

/* The pending migrations up to target (-1: all), prepared; EXIT_USAGE when one cannot run. */
static int prepare_pending(struct session *s, int64_t target, struct step **steps, size_t *n)
{
	size_t i, alloc = 0;
	int rc = EXIT_OK;

	/* every pending migration is prepared before any runs: a broken file
	 * stops the run before the first change */
	for (i = 0; i < s->set.n; i++) {
		struct migration *m = &s->set.items[i];
		struct history_row *row = history_find(&s->h, m->version);

		if (row && !steps_resumable(row, m))
			continue;
		if (target >= 0 && m->version > target)
			break;
		ALLOC_GROW(*steps, *n + 1, alloc);
		if ((row ? steps_resume(&(*steps)[(*n)++], m, row) : steps_up(&(*steps)[(*n)++], m)) < 0)
			rc = EXIT_USAGE;
	}
	return rc;
}

/* A fleet target's result: what the run applied (and, after a rollback, what stayed). */
static void fill_result(struct session *s, const struct step *steps,
			const struct run_outcome *o, int64_t before, struct target_result *res)
{
	size_t k;

	if (o->rolled_back) {
		after_rollback(s, steps, o->done, before, res);
		return;
	}
	res->changed = (int)o->done;
	for (k = 0; k < o->done; k++)
		if (steps[k].version > res->to)
			res->to = steps[k].version;
}

/* Apply what one target lacks (the database app->cfg points at). */
static int up_target(struct app *app, void *arg, struct target_result *res)
{
	const struct up_args *a = arg;
	struct session s;
	struct step *steps = NULL;
	struct run_policy pol = { .kind = RUN_UP, .gate = 1, .unsafe = a->unsafe };
	struct run_outcome o;
	size_t nsteps = 0;
	char note[64];
	int rc;

	rc = session_open(&s, app, 0);
	if (rc != EXIT_OK)
		goto done;
	if (a->target >= 0 && !migration_set_find(&s.set, a->target) &&
	    !history_find(&s.h, a->target)) {
		log_error("no migration with version %lld in \"%s\"", (long long)a->target,
			  s.cfg->dir);
		rc = EXIT_USAGE;
		goto done;
	}
	if ((rc = check_history(&s, a->allow_drift)) != EXIT_OK)
		goto done;
	snprintf(note, sizeof(note), "%s%s%s", a->allow_drift ? "--allow-drift" : "",
		 a->allow_drift && a->unsafe ? " " : "", a->unsafe ? "--unsafe" : "");
	pol.note = note;
	pol.from = steps_latest(&s.h);
	if (res)
		res->from = res->to = pol.from;
	if ((rc = prepare_pending(&s, a->target, &steps, &nsteps)) != EXIT_OK)
		goto done;
	if (nsteps == 0) {
		if (log_verbosity >= 0)
			printf("nothing to do: %s is up to date%s\n", shown_text(s.h.display),
			       pol.from ? "" : " (no migrations)");
		goto done;
	}
	pol.to = steps[nsteps - 1].version > pol.from ? steps[nsteps - 1].version : pol.from;
	rc = run_steps(&s, steps, nsteps, &pol, &o);
	if (res)
		fill_result(&s, steps, &o, pol.from, res);
done:
	events_run_end("up", rc);
	steps_free(steps, nsteps);
	session_close(&s);
	return rc;
}

int cmd_up(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct apply_overrides ov = APPLY_OVERRIDES_INIT;
	struct fleet_opts fo;
	struct up_args a = { -1, 0, 0 };
	const char *format = NULL;
	int rc, opt;

	if (plan_is_dry_run(argc, argv))
		return plan_command(argc, argv, app, 1);
	fleet_opts_init(&fo, FLEET_UP);
	cli_init(&c, "up", "", "Apply pending migrations in version order, each in its own transaction\n"
		 "with lock_timeout, retrying lock timeouts with backoff. First a pg_dump backup\n"
		 "and the recovery point, in the log. Stops at the first failure, which is rolled\n"
		 "back with its history row; --on-failure rollback also reverts, newest first,\n"
		 "what the run applied before it. See docs/safety.md. With --all, every target\n"
		 "of migrate.yml, --jobs at once, each with its own backup and rollback; a\n"
		 "target's failure stays with it.",
		 up_options, &app->opts, argc, argv);
	while ((opt = cli_next(&c)) > 0) {
		int h = apply_option(&ov, opt, c.arg);
		if (h == 0)
			h = fleet_option(&fo, opt, c.arg);
		if (h < 0 || (opt == O_TO && (a.target = parse_version_arg("--to", c.arg)) < 0)) {
			opt = CLI_ERROR;
			break;
		}
		if (opt == O_ALLOW_DRIFT)
			a.allow_drift = 1;
		else if (opt == O_UNSAFE)
			a.unsafe = 1;
		else if (opt == O_ALL)
			fo.all = 1;
		else if (opt == O_FORMAT)
			format = c.arg;
	}
	if (opt == CLI_DONE && fleet_format(&fo, format, "--all") < 0)
		opt = CLI_ERROR;
	rc = cli_done(&c, opt, 0);
	cli_release(&c);
	if (rc < 0)
		rc = apply_config(app, &ov) < 0 ? EXIT_USAGE : fleet_or_one(app, &fo, up_target, &a);
	fleet_opts_release(&fo);
	return rc;
}
