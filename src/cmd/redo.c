/* redo.c - migrate redo: revert the newest migrations and apply them again (development) */
#include "cmd/applyopts.h"
#include "run/backup.h"
#include "run/backup_scope.h"
#include "cmd/commands.h"
#include "run/steps.h"
#include "run/runner.h"
#include "run/session.h"
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

/* Down steps for rows (newest first), up steps for the same versions (oldest first). */
static int prepare(struct session *s, struct history_row **rows, size_t n, struct step *down,
		   struct step *up)
{
	size_t i;
	int rc = EXIT_OK;

	for (i = 0; i < n; i++) {
		struct migration *m = migration_set_find(&s->set, rows[i]->version);

		if (!m) {
			log_error("cannot redo version %lld (%s): its file is gone from \"%s\"",
				  (long long)rows[i]->version, rows[i]->name, s->cfg->dir);
			log_hint("\"migrate down\" reverts it with the down SQL recorded in history");
			rc = EXIT_USAGE;
			continue;
		}
		if (steps_down(&down[i], rows[i], m, 0, 0) < 0 ||
		    steps_up(&up[n - 1 - i], m) < 0)
			rc = EXIT_USAGE;
	}
	return rc;
}

int cmd_redo(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct session s;
	struct runner r;
	struct apply_overrides ov = APPLY_OVERRIDES_INIT;
	struct history_row **rows = NULL;
	struct step *down = NULL, *up = NULL;
	struct backup_mark bm = { NULL, NULL, NULL };
	struct backup_scope scope = BACKUP_SCOPE_INIT;
	int nsteps = 1, rc, opt;
	size_t i, n = 0;

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
	if (rc >= 0)
		return rc;
	rc = session_open(&s, app, SESSION_FILES | SESSION_LOCK | SESSION_QUIET_FILES);
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
	down = xcalloc(n, sizeof(*down));
	up = xcalloc(n, sizeof(*up));
	rc = prepare(&s, rows, n, down, up);
	if (rc != EXIT_OK)
		goto done;
	runner_init(&r, &s.db, &s.h, &s.set, s.cfg);
	backup_scope_add_steps(&scope, down, n);
	backup_scope_add_steps(&scope, up, n);
	rc = backup_before_scope(&s, r.run_id, "redo", steps_latest(&s.h), steps_latest(&s.h), &scope, &bm);
	backup_scope_release(&scope);
	for (i = 0; rc == EXIT_OK && i < n; i++)
		rc = runner_apply(&r, &down[i], -1, "redo");
	for (i = 0; rc == EXIT_OK && i < n; i++)
		rc = runner_apply(&r, &up[i], 1, "redo");
	if (rc == EXIT_OK)
		rc = session_unlock(&s);
	if (rc == EXIT_OK && log_verbosity >= 0)
		printf("%zu migration%s redone\n", n, n == 1 ? "" : "s");
done:
	if (down)
		steps_free(down, n);
	if (up)
		steps_free(up, n);
	free(rows);
	backup_mark_release(&bm);
	session_close(&s);
	return rc;
}
