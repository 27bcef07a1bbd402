/* cmd_repair.c - migrate repair: settle a dirty version left by a failed run */
#include "applyopts.h"
#include "commands.h"
#include "runner.h"
#include "session.h"
#include "util.h"

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

/* Drop INVALID indexes that the dirty migration's CREATE INDEX CONCURRENTLY left. */
static int drop_invalid_indexes(struct session *s, struct migration *m)
{
	struct step st;
	size_t i;
	int dropped = 0;

	memset(&st, 0, sizeof(st));
	if (step_prepare(&st, m->up.sql, m->up.path, m->up.line_base, &m->up.dir) < 0)
		return -1;
	for (i = 0; i < st.script.n; i++) {
		const PgQuery__Node *n = st.script.stmts[i].node;
		const char *params[1];
		PGresult *res;
		int k;

		if (!n || n->node_case != PG_QUERY__NODE__NODE_INDEX_STMT || !n->index_stmt->idxname)
			continue;
		params[0] = n->index_stmt->idxname;
		res = db_exec(&s->db,
			"SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
			"FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
			"JOIN pg_namespace n ON n.oid = c.relnamespace "
			"WHERE c.relname = $1 AND NOT i.indisvalid", 1, params);
		if (!res)
			continue;
		for (k = 0; k < PQntuples(res); k++) {
			char *sql = xasprintf("DROP INDEX CONCURRENTLY IF EXISTS %s", PQgetvalue(res, k, 0));
			if (db_command(&s->db, sql, 0, NULL) == 0) {
				printf("dropped invalid index %s (left by %s:%d)\n", PQgetvalue(res, k, 0),
				       m->up.path, st.script.stmts[i].line);
				dropped++;
			}
			free(sql);
		}
		PQclear(res);
	}
	step_release(&st);
	return dropped;
}

int cmd_repair(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct session s;
	struct apply_overrides ov = APPLY_OVERRIDES_INIT;
	int64_t mark = -1;
	int rc, opt, applied = 0;
	size_t i, ndirty = 0;

	cli_init(&c, "repair", "", "Inspect dirty versions (a migration without a transaction that failed\n"
		 "part way). Without options: drop the INVALID indexes its CREATE INDEX\n"
		 "CONCURRENTLY left and clear the dirty mark so \"migrate up\" retries it.\n"
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
		} else {
			struct migration *m = migration_set_find(&s.set, row->version);
			char *sql = history_sql_delete(&s.h);

			if (mark < 0 && m)
				drop_invalid_indexes(&s, m);
			if (db_command(&s.db, sql, 1, p) == 0) {
				log_repair(&s, row, "marked-reverted", mark >= 0 ? "--mark-reverted" : "repair");
				printf("version %s cleared from history: \"migrate up\" will run it again\n", v);
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
