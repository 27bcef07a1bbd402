/* rollback.c - revert, newest first, the migrations a failed run applied */
#include "run/rollback.h"
#include "run/apply.h"
#include "run/steps.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hint_restore(const struct backup_mark *bm)
{
	if (bm && bm->path)
		log_hint("the last resort is the backup taken before this run: "
			 "\"migrate restore %s --yes\"", bm->path);
}

/* Revert one version with its recorded down SQL; EXIT_*. */
static int revert_one(struct session *s, struct runner *r, const struct step *applied,
		      const char *note)
{
	struct history_row *row = history_find(&s->h, applied->version);
	struct step st;
	int rc;

	if (!row) {
		log_error("cannot roll back %s %s: it is not in history any more", shown(applied->version_str),
			  shown(applied->name));
		return EXIT_FAILED;
	}
	if (steps_down(&st, row, migration_set_find(&s->set, row->version), 0, 1) < 0) {
		step_release(&st);
		log_error("cannot roll back %s %s: no down SQL was recorded for it",
			  applied->version_str, applied->name);
		return EXIT_FAILED;
	}
	st.version_str = applied->version_str;
	rc = run_apply_step(s, r, &st, note);
	step_release(&st);
	return rc;
}

int rollback_run(struct session *s, struct runner *r, struct step *steps, size_t failed,
		 int64_t before, const struct backup_mark *bm)
{
	struct history_row *frow;
	struct strbuf reverted = STRBUF_INIT;
	char *note;
	size_t k, done = 0;
	int rc = EXIT_OK;

	if (failed == 0) {
		log_info("on_failure: rollback: nothing to revert, the first migration of the run failed");
		return PQstatus(s->db.conn) == CONNECTION_OK ? EXIT_FAILED : EXIT_CONNECT;
	}
	if (PQstatus(s->db.conn) != CONNECTION_OK) {
		log_error("rollback not attempted: the connection to the server is gone");
		log_hint("\"migrate status\" shows what this run applied; \"migrate down --steps N\" "
			 "reverts it");
		hint_restore(bm);
		return EXIT_CONNECT;
	}
	if (history_load(&s->h, &s->db) < 0)
		return EXIT_FAILED;
	frow = history_find(&s->h, steps[failed].version);
	if (frow && frow->dirty) {
		log_error("rollback not attempted: %s %s failed part way and is dirty",
			  shown(steps[failed].version_str), shown(steps[failed].name));
		log_detail("the migrations before it may be needed to undo what it left");
		log_hint("settle it first (\"migrate repair\"), then \"migrate down --steps %zu\" "
			 "reverts the %zu this run applied", failed + 1, failed);
		hint_restore(bm);
		return EXIT_FAILED;
	}
	note = xasprintf("rollback: %s failed", shown(steps[failed].version_str));
	log_info("on_failure: rollback: reverting the %zu migration%s this run applied, newest first",
		 failed, failed == 1 ? "" : "s");
	for (k = failed; k-- > 0;) {
		rc = revert_one(s, r, &steps[k], note);
		if (rc != EXIT_OK)
			break;
		strbuf_addf(&reverted, "%s%s", done ? ", " : "", shown(steps[k].version_str));
		done++;
	}
	free(note);
	if (done)
		printf("rolled back %zu migration%s: %s\n", done, done == 1 ? "" : "s", reverted.buf);
	if (done == failed) {
		printf("the database is back at version %lld, where this run started\n",
		       (long long)before);
	} else {
		log_error("rollback stopped: %zu migration%s of this run stay applied (newest: %s)",
			  failed - done, failed - done == 1 ? "" : "s", steps[failed - done - 1].version_str);
		log_hint("fix the cause and run \"migrate down --steps %zu\"", failed - done);
		hint_restore(bm);
	}
	fflush(stdout);
	strbuf_release(&reverted);
	return rc == EXIT_CONNECT ? EXIT_CONNECT : EXIT_FAILED;
}
