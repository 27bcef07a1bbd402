/* run.c - run_steps(): the sequence every command that changes the database
 * goes through (see run.h) */
#include "run/run.h"
#include "run/apply.h"
#include "run/backup.h"
#include "run/backup_scope.h"
#include "run/gate.h"
#include "run/rollback.h"
#include "run/runlock.h"
#include "run/runner.h"
#include "base/util.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = { "up", "down", "redo" };

/*
 * on_failure: rollback reverts what the run applied with the files' down SQL:
 * what a transaction pooler could not run is refused now, before any change.
 */
static int check_rollback_downs(struct session *s, const struct step *steps, size_t n)
{
	size_t i;
	int rc = EXIT_OK;

	if (!runlock_pooled(s))
		return EXIT_OK;
	for (i = 0; i < n; i++) {
		const struct section *sec = steps[i].down_sec;
		struct step d;

		if (steps[i].direction < 0 || !sec)
			continue;
		memset(&d, 0, sizeof(d));
		if (step_prepare(&d, sec->sql, sec->path, sec->line_base, &sec->dir) < 0 ||
		    runlock_check_steps(s, &d, 1) != EXIT_OK)
			rc = EXIT_USAGE;
		step_release(&d);
	}
	if (rc != EXIT_OK)
		log_detail("on_failure: rollback would have to run it to revert %s",
			   n == 1 ? "this migration" : "these migrations");
	return rc;
}

/* Before any change: what a pooler cannot run, then the lint gate. */
static int preflight(struct session *s, struct step *steps, size_t n, const struct run_policy *p)
{
	int rc = runlock_check_steps(s, steps, n);

	if (rc == EXIT_OK && p->kind == RUN_UP && s->cfg->on_failure == ON_FAILURE_ROLLBACK)
		rc = check_rollback_downs(s, steps, n);
	if (rc == EXIT_OK && p->gate)
		rc = run_gate(s, steps, n, p->unsafe);
	return rc;
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* What a run that went through says. */
static void say_done(const struct step *steps, size_t n, const struct run_policy *p)
{
	size_t i, forced = 0;

	if (log_verbosity < 0)
		return;
	if (p->kind == RUN_UP) {
		printf("%zu migration%s applied\n", n, plural(n));
		return;
	}
	if (p->kind == RUN_REDO) {
		printf("%zu migration%s redone\n", n / 2, plural(n / 2));
		return;
	}
	for (i = 0; i < n; i++)
		forced += steps[i].forced;
	if (forced == n)
		printf("%zu migration%s recorded as reverted, nothing run (--force-irreversible)\n",
		       n, plural(n));
	else if (forced)
		printf("%zu migration%s reverted; %zu more recorded as reverted, nothing run "
		       "(--force-irreversible)\n", n - forced, plural(n - forced), forced);
	else
		printf("%zu migration%s reverted\n", n, plural(n));
}

static const char *step_note(const struct step *st, const struct run_policy *p)
{
	if (st->forced)
		return "--force-irreversible";
	return p->note && *p->note ? p->note : NULL;
}

int run_steps(struct session *s, struct step *steps, size_t n, const struct run_policy *p,
	      struct run_outcome *out)
{
	struct backup_mark bm = { NULL, NULL, NULL };
	struct runner r;
	size_t i = 0;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	rc = preflight(s, steps, n, p);
	if (rc != EXIT_OK || n == 0)
		return rc;
	runner_init(&r, &s->db, &s->h, &s->set, s->cfg);
	rc = backup_before_steps(s, r.run_id, kind_names[p->kind], p->from, p->to, steps, n, &bm);
	for (; rc == EXIT_OK && i < n; i++) {
		if (p->kind == RUN_UP && steps[i].version < p->from)
			log_warning("applying %s out of order: it is older than the latest applied "
				    "version %lld", steps[i].version_str, (long long)p->from);
		else if (p->kind == RUN_UP && migration_order() == ORDER_NAME && s->h.n &&
			 strcmp(steps[i].version_str, s->h.rows[s->h.n - 1].name) < 0)
			log_warning("applying %s after %s, which sorts after it by name: the "
				    "applied ones keep their place", steps[i].version_str,
				    s->h.rows[s->h.n - 1].name);
		rc = run_apply_step(s, &r, &steps[i], step_note(&steps[i], p));
		if (rc == EXIT_OK && out)
			out->done++;
	}
	if (rc == EXIT_OK) {
		rc = session_unlock(s);
		if (rc == EXIT_OK)
			say_done(steps, n, p);
	} else if (i > 0) {
		size_t failed = i - 1;

		if (failed > 0 && p->kind == RUN_UP)
			log_info("%zu of %zu migrations applied before the failure", failed, n);
		if (p->kind == RUN_UP && s->cfg->on_failure == ON_FAILURE_ROLLBACK) {
			rc = rollback_run(s, &r, steps, failed, p->from, &bm);
			if (out)
				out->rolled_back = 1;
		}
	}
	backup_mark_release(&bm);
	return rc;
}
