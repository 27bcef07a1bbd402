/* cmd_up.c - migrate up: apply pending migrations, each in its own transaction */
#include "commands.h"
#include "applyopts.h"
#include "backup.h"
#include "plan.h"
#include "rollback.h"
#include "runner.h"
#include "session.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_TO = 1, O_ALLOW_DRIFT };

static const struct cli_option up_options[] = {
	{ O_TO, 0, "to", "VERSION", "apply pending migrations up to and including VERSION" },
	{ O_ALLOW_DRIFT, 0, "allow-drift", NULL, "run even if applied migrations were edited since" },
	ON_FAILURE_CLI_OPTION,
	BACKUP_CLI_OPTION,
	APPLY_CLI_OPTIONS,
	CLI_END
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

int cmd_up(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct session s;
	struct runner r;
	struct step *steps = NULL;
	struct apply_overrides ov = APPLY_OVERRIDES_INIT;
	struct backup_mark bm = { NULL, NULL, NULL };
	int64_t target = -1, latest = 0;
	int allow_drift = 0, rc, opt;
	size_t i, nsteps = 0, alloc = 0;
	char note[64] = "";

	cli_init(&c, "up", "", "Apply pending migrations in version order, each in its own transaction\n"
		 "with lock_timeout, retrying lock timeouts with backoff. First a pg_dump backup\n"
		 "and the recovery point, in the log. Stops at the first failure, which is rolled\n"
		 "back with its history row; --on-failure rollback also reverts, newest first,\n"
		 "what the run applied before it. See docs/safety.md.", up_options, &app->opts,
		 argc, argv);
	while ((opt = cli_next(&c)) > 0) {
		int h = apply_option(&ov, opt, c.arg);
		if (h < 0 || (opt == O_TO && (target = parse_version_arg("--to", c.arg)) < 0)) {
			opt = CLI_ERROR;
			break;
		}
		if (opt == O_ALLOW_DRIFT)
			allow_drift = 1;
	}
	rc = cli_done(&c, opt, 0);
	cli_release(&c);
	if (rc >= 0)
		return rc;
	rc = EXIT_OK;
	if (apply_config(app, &ov) < 0)
		return EXIT_USAGE;
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
	if (allow_drift)
		snprintf(note, sizeof(note), "--allow-drift");
	for (i = 0; i < s.h.n; i++)
		if (s.h.rows[i].version > latest)
			latest = s.h.rows[i].version;

	/* Prepare every pending migration before running any: a broken file stops
	 * the run before the first change. */
	for (i = 0; i < s.set.n; i++) {
		struct migration *m = &s.set.items[i];

		if (history_find(&s.h, m->version))
			continue;
		if (target >= 0 && m->version > target)
			break;
		ALLOC_GROW(steps, nsteps + 1, alloc);
		if (plan_up_step(&steps[nsteps++], m) < 0)
			rc = EXIT_USAGE;
	}
	if (rc != EXIT_OK)
		goto done;
	if (nsteps == 0) {
		if (log_verbosity >= 0)
			printf("nothing to do: %s is up to date%s\n", s.h.display,
			       latest ? "" : " (no migrations)");
		goto done;
	}
	runner_init(&r, &s.db, &s.h, &s.set, s.cfg);
	rc = backup_before_change(&s, r.run_id, "up", latest, steps[nsteps - 1].version > latest ?
				  steps[nsteps - 1].version : latest, &bm);
	if (rc != EXIT_OK)
		goto done;
	for (i = 0; i < nsteps; i++) {
		if (steps[i].version < latest)
			log_warning("applying %s out of order: it is older than the latest applied "
				    "version %lld", steps[i].version_str, (long long)latest);
		rc = runner_apply(&r, &steps[i], 1, *note ? note : NULL);
		if (rc != EXIT_OK)
			break;
	}
	if (rc == EXIT_OK)
		rc = session_unlock(&s);
	if (rc == EXIT_OK && log_verbosity >= 0) {
		printf("%zu migration%s applied\n", nsteps, nsteps == 1 ? "" : "s");
	} else if (rc != EXIT_OK && i < nsteps) {
		if (i > 0)
			log_info("%zu of %zu migrations applied before the failure", i, nsteps);
		if (s.cfg->on_failure == ON_FAILURE_ROLLBACK)
			rc = rollback_run(&s, &r, steps, i, latest, &bm);
	}
done:
	plan_free(steps, nsteps);
	backup_mark_release(&bm);
	session_close(&s);
	return rc;
}
