/* repair.c - migrate repair: settle a dirty version left by a failed run */
#include "cmd/applyopts.h"
#include "cmd/commands.h"
#include "run/leftover.h"
#include "run/runner.h"
#include "run/session.h"
#include "run/steps.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_MARK_APPLIED = 1, O_MARK_REVERTED };

static const struct cli_option repair_options[] = {
	{ O_MARK_APPLIED, 0, "mark-applied", "VERSION", "you finished it by hand: record it as applied" },
	{ O_MARK_REVERTED, 0, "mark-reverted", "VERSION", "you undid it by hand: remove it from history" },
	APPLY_CLI_OPTIONS,
	CLI_END
};

static void log_repair(struct session *s, struct history_row *row, const char *outcome,
		       const char *note)
{
	struct runner r;
	struct log_entry le = { 0 };

	runner_init(&r, &s->db, &s->h, &s->set, s->cfg);
	le.run_id = r.run_id;
	le.version = row->version;
	le.name = row->name;
	le.direction = "repair";
	le.outcome = outcome;
	le.note = note;
	history_log(&s->h, &s->db, &le);
}

/*
 * Drop the INVALID indexes that the dirty migration's CREATE INDEX CONCURRENTLY
 * or REINDEX CONCURRENTLY statements left; how many, or -1.
 */
static int drop_invalid_indexes(struct session *s, struct migration *m)
{
	struct step st;
	size_t i;
	int dropped = 0, d;

	memset(&st, 0, sizeof(st));
	if (step_prepare(&st, m->up.sql, m->up.path, m->up.line_base, &m->up.dir) < 0) {
		step_release(&st);
		return -1;
	}
	for (i = 0; i < st.script.n && dropped >= 0; i++) {
		d = leftover_drop(&s->db, &st.script.stmts[i], m->up.path);
		dropped = d < 0 ? -1 : dropped + d;
	}
	step_release(&st);
	return dropped;
}

/* Without --mark-*: clean up what it left, and clear the dirty mark so up runs it again. */
static int repair_dirty(struct session *s, struct history_row *row, const char *v)
{
	struct migration *m = migration_set_find(&s->set, row->version);
	const char *p[1] = { v };
	char *sql, note[64];
	int dropped, rc = EXIT_OK;

	if (!m) {
		log_error("version %s (%s) is dirty and its file is gone: nothing to inspect", v, shown(row->name));
		log_hint("settle it by hand, then \"migrate repair --mark-applied %s\" or "
			 "\"--mark-reverted %s\"", v, v);
		return EXIT_USAGE;
	}
	if (steps_resumable(row, m)) {
		log_error("version %s (%s) stopped part way through its batches: \"migrate up\" "
			  "resumes it after the last committed batch", v, shown(row->name));
		log_detail("clearing it would run its batches again from the start, over rows "
			   "already changed");
		log_hint("run \"migrate up\"; to start over instead, undo what it did and run "
			 "\"migrate repair --mark-reverted %s\"", v);
		return EXIT_USAGE;
	}
	if (steps_resumable_down(row, m) > 0) {
		log_error("version %s (%s) stopped part way through the batches of its down: "
			  "\"migrate down\" resumes it after the last committed batch", v, shown(row->name));
		log_detail("clearing it would leave the rows its down already changed back");
		log_hint("run \"migrate down\"; or settle it by hand and run \"migrate repair "
			 "--mark-applied %s\" or \"--mark-reverted %s\"", v, v);
		return EXIT_USAGE;
	}
	if ((dropped = drop_invalid_indexes(s, m)) < 0)
		return PQstatus(s->db.conn) == CONNECTION_OK ? EXIT_FAILED : EXIT_CONNECT;
	sql = history_sql_delete(&s->h);
	if (db_command(&s->db, sql, 1, p) == 0) {
		snprintf(note, sizeof(note), "dropped %d invalid index%s", dropped, dropped == 1 ? "" : "es");
		log_repair(s, row, "repaired", note);
		printf("version %s: %s; cleared from history: \"migrate up\" will run it again\n", v, note);
		log_hint("statements of it that had succeeded run again: write them so that they can "
			 "(CREATE INDEX CONCURRENTLY IF NOT EXISTS, ...)");
	} else {
		rc = EXIT_FAILED;
	}
	free(sql);
	return rc;
}

int cmd_repair(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct session s;
	struct apply_overrides ov = APPLY_OVERRIDES_INIT;
	int64_t mark = -1;
	int rc, opt, applied = 0, marks = 0;
	size_t i, ndirty = 0;

	cli_init(&c, "repair", "", "Inspect dirty versions (a migration without a transaction that failed\n"
		 "part way). Without options: drop the INVALID indexes its CREATE INDEX\n"
		 "CONCURRENTLY or REINDEX CONCURRENTLY left and clear the dirty mark so\n"
		 "\"migrate up\" retries it.\n"
		 "With --mark-applied or --mark-reverted: settle it by hand. Every repair is logged.",
		 repair_options, &app->opts, argc, argv);
	while ((opt = cli_next(&c)) > 0) {
		if (apply_option(&ov, opt, c.arg) < 0 ||
		    ((opt == O_MARK_APPLIED || opt == O_MARK_REVERTED) &&
		     (mark = parse_version_arg(opt == O_MARK_APPLIED ? "--mark-applied" : "--mark-reverted",
					       c.arg)) < 0)) {
			opt = CLI_ERROR;
			break;
		}
		if (opt == O_MARK_APPLIED)
			applied = 1;
		if (opt == O_MARK_APPLIED || opt == O_MARK_REVERTED)
			marks++;
	}
	if (opt == CLI_DONE && marks > 1) {
		log_error("use one of --mark-applied and --mark-reverted");
		opt = CLI_ERROR;
	}
	rc = apply_options_done(&c, opt, 0, app, &ov);
	if (rc >= 0)
		return rc;
	rc = session_open(&s, app, 0);
	if (rc != EXIT_OK)
		goto done;
	for (i = 0; i < s.h.n; i++) {
		struct history_row *row = &s.h.rows[i];
		char v[32];
		const char *p[2] = { v, "applied" };

		if (mark >= 0 && row->version != mark)
			continue;
		snprintf(v, sizeof(v), "%lld", (long long)row->version);
		if (!row->dirty) {
			if (mark >= 0) {
				log_error("version %s is not dirty: nothing to repair", v);
				rc = EXIT_USAGE;
			}
			continue;
		}
		ndirty++;
		if (mark >= 0 && applied) {
			char *sql = history_sql_set_state(&s.h);
			if (db_command(&s.db, sql, 2, p) == 0) {
				log_repair(&s, row, "marked-applied", "--mark-applied");
				printf("version %s marked applied\n", v);
			} else {
				rc = EXIT_FAILED;
			}
			free(sql);
		} else if (mark < 0) {
			int r = repair_dirty(&s, row, v);
			if (r != EXIT_OK)
				rc = r;
		} else {
			char *sql = history_sql_delete(&s.h);

			if (db_command(&s.db, sql, 1, p) == 0) {
				log_repair(&s, row, "marked-reverted", "--mark-reverted");
				printf("version %s marked reverted: cleared from history\n", v);
			} else {
				rc = EXIT_FAILED;
			}
			free(sql);
		}
	}
	if (mark >= 0 && !history_find(&s.h, mark)) {
		log_error("version %lld is not in history", (long long)mark);
		rc = EXIT_USAGE;
	} else if (ndirty == 0 && mark < 0 && log_verbosity >= 0) {
		printf("nothing to repair: no dirty version\n");
	}
done:
	session_close(&s);
	return rc;
}
