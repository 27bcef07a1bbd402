/* up.c - migrate up: apply pending migrations, each in its own transaction */
#include "cmd/commands.h"
#include "cmd/applyopts.h"
#include "run/backup.h"
#include "run/backup_scope.h"
#include "fleet/fleet.h"
#include "report/lint_report.h"
#include "plan/plan.h"
#include "run/rollback.h"
#include "run/runlock.h"
#include "run/steps.h"
#include "run/runner.h"
#include "run/session.h"
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
	{ O_ALL, 0, "all", NULL, "every target in migrate.yml: main database, tenant schemas, databases" },
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

		if (row->dirty) {
			log_error("version %lld (%s) is dirty: a run without a transaction failed part way",
				  (long long)row->version, row->name);
			dirty++;
		} else if (m && strcmp(m->checksum, row->checksum)) {
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

/*
 * The gate's findings and verdict, as one report: on every target of a fleet
 * that shares the files it is the same, and shown once there (fleet_print_shared).
 */
static int gate_report(const struct lint_result *res, size_t blocking, int unsafe)
{
	const char *nc = getenv("NO_COLOR");
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len), *was;
	const char *s = blocking == 1 ? "" : "s";

	if (!out) {
		log_error("out of memory");
		return EXIT_FAILED;
	}
	lint_result_print(res, LINT_FORMAT_TEXT, out, isatty(STDERR_FILENO) && !(nc && *nc));
	was = log_to(out);
	if (unsafe) {
		log_warning("applying despite %zu lint error%s (--unsafe, recorded in the history log)",
			    blocking, s);
	} else {
		log_error("%zu lint error%s in the pending migrations; nothing was applied", blocking, s);
		log_hint("use the safe alternative shown, allow a finding with \"-- migrate:allow "
			 "RULE reason\" on the line before its statement, or pass --unsafe");
	}
	log_to(was);
	fclose(out);
	fleet_print_shared(text);
	free(text);
	return unsafe ? EXIT_OK : EXIT_FAILED;
}

/*
 * Lint the migrations about to run (steps, parsed already), with the applied
 * ones as context. Error-level findings not allowed by a directive stop the run
 * unless --unsafe.
 */
static int lint_gate(struct session *s, const struct step *steps, size_t nsteps, int unsafe)
{
	struct lint_options lo = { .cfg = s->cfg };
	struct linter *l = linter_new(&lo);
	struct lint_result res;
	size_t i, k = 0, blocking;
	int rc = EXIT_OK;

	if (!l)
		return EXIT_USAGE;
	lint_result_init(&res);
	/* what the database already holds, then this run: a table created earlier in
	 * the run is new to everyone (no application uses it yet) */
	for (i = 0; i < s->set.n; i++)
		if (history_find(&s->h, s->set.items[i].version))
			linter_learn_section(l, &s->set.items[i].up);
	linter_begin_run(l);
	for (i = 0; i < s->set.n && k < nsteps; i++) {
		struct migration *m = &s->set.items[i];

		if (m->version == steps[k].version)
			lint_section_parsed(l, &m->up, &steps[k++].script, &res);
	}
	blocking = lint_result_blocking(&res);
	if (blocking)
		rc = gate_report(&res, blocking, unsafe);
	lint_result_release(&res);
	linter_free(l);
	return rc;
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

/* Apply what one target lacks (the database app->cfg points at). */
static int up_target(struct app *app, void *arg, struct target_result *res)
{
	const struct up_args *a = arg;
	struct session s;
	struct runner r;
	struct step *steps = NULL;
	struct backup_mark bm = { NULL, NULL, NULL };
	int64_t target = a->target, latest = 0;
	int allow_drift = a->allow_drift, unsafe = a->unsafe, rc = EXIT_OK;
	size_t i, nsteps = 0, alloc = 0;
	char note[64] = "";

	rc = session_open(&s, app, SESSION_FILES | SESSION_LOCK);
	if (rc != EXIT_OK)
		goto done;
	if (target >= 0 && !migration_set_find(&s.set, target) && !history_find(&s.h, target)) {
		log_error("no migration with version %lld in \"%s\"", (long long)target, s.cfg->dir);
		rc = EXIT_USAGE;
		goto done;
	}
	rc = check_history(&s, allow_drift);
	if (rc != EXIT_OK)
		goto done;
	snprintf(note, sizeof(note), "%s%s%s", allow_drift ? "--allow-drift" : "",
		 allow_drift && unsafe ? " " : "", unsafe ? "--unsafe" : "");
	for (i = 0; i < s.h.n; i++)
		if (s.h.rows[i].version > latest)
			latest = s.h.rows[i].version;
	if (res)
		res->from = res->to = latest;

	/* Prepare every pending migration before running any: a broken file stops
	 * the run before the first change. */
	for (i = 0; i < s.set.n; i++) {
		struct migration *m = &s.set.items[i];

		if (history_find(&s.h, m->version))
			continue;
		if (target >= 0 && m->version > target)
			break;
		ALLOC_GROW(steps, nsteps + 1, alloc);
		if (steps_up(&steps[nsteps++], m) < 0)
			rc = EXIT_USAGE;
	}
	if (rc == EXIT_OK)
		rc = runlock_check_steps(&s, steps, nsteps);
	if (rc != EXIT_OK)
		goto done;
	if (nsteps && (rc = lint_gate(&s, steps, nsteps, unsafe)) != EXIT_OK)
		goto done;
	if (nsteps == 0) {
		if (log_verbosity >= 0)
			printf("nothing to do: %s is up to date%s\n", s.h.display,
			       latest ? "" : " (no migrations)");
		goto done;
	}
	runner_init(&r, &s.db, &s.h, &s.set, s.cfg);
	rc = backup_before_steps(&s, r.run_id, "up", latest, steps[nsteps - 1].version > latest ?
				 steps[nsteps - 1].version : latest, steps, nsteps, &bm);
	if (rc != EXIT_OK)
		goto done;
	for (i = 0; i < nsteps; i++) {
		if (steps[i].version < latest)
			log_warning("applying %s out of order: it is older than the latest applied "
				    "version %lld", steps[i].version_str, (long long)latest);
		rc = session_before_migration(&s);
		if (rc == EXIT_OK)
			rc = runner_apply(&r, &steps[i], 1, *note ? note : NULL);
		if (rc != EXIT_OK)
			break;
		if (res) {
			res->changed++;
			if (steps[i].version > res->to)
				res->to = steps[i].version;
		}
	}
	if (rc == EXIT_OK)
		rc = session_unlock(&s);
	if (rc == EXIT_OK && log_verbosity >= 0) {
		printf("%zu migration%s applied\n", nsteps, nsteps == 1 ? "" : "s");
	} else if (rc != EXIT_OK && i < nsteps) {
		if (i > 0)
			log_info("%zu of %zu migrations applied before the failure", i, nsteps);
		if (s.cfg->on_failure == ON_FAILURE_ROLLBACK) {
			rc = rollback_run(&s, &r, steps, i, latest, &bm);
			if (res)
				after_rollback(&s, steps, i, latest, res);
		}
	}
done:
	steps_free(steps, nsteps);
	backup_mark_release(&bm);
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
