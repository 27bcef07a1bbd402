/* rehearse.c - up (observed), down, compare the schema, up again: one migration
 * on a scratch database */
#include "trace/rehearse.h"
#include "trace/observe.h"
#include "trace/scratch.h"
#include "trace/snapshot.h"
#include "run/batch.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* A failed statement, as "file:line:col: message (SQLSTATE x)", with detail and hint. */
static void record_error(struct rehearsal *r, struct plan_migration *pm, const char *what,
			 const struct step *s, int stmt, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	char *msg = db_scrub(r->db, primary ? primary : PQerrorMessage(r->db->conn));
	struct strbuf where = STRBUF_INIT;
	int line, col;

	strtok(msg, "\n");
	if (step_error_location(s, stmt, res, &line, &col) >= 0)
		strbuf_addf(&where, "%s:%d:%d: ", shown(s->path), line, col);
	if (scratch_interrupted())
		strlist_addf(&pm->failures, "%s: interrupted", what);
	else
		strlist_addf(&pm->failures, "%s: %s%s%s%s%s", what, where.buf, msg,
			     state ? " (SQLSTATE " : "", state ? state : "", state ? ")" : "");
	if (detail) {
		char *d = db_scrub(r->db, detail);
		strlist_addf(&pm->failures, "detail: %s", d);
		free(d);
	}
	if (hint) {
		char *h = db_scrub(r->db, hint);
		strlist_addf(&pm->failures, "hint: %s", h);
		free(h);
	}
	strbuf_release(&where);
	free(msg);
}

static int ok_result(const PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	return res && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY);
}

/*
 * Hold SHARE UPDATE EXCLUSIVE on every table, and a snapshot, in the
 * observer's transaction: a statement that asks for SHARE UPDATE EXCLUSIVE or
 * stronger on a table, or waits for older snapshots, then waits for us where we
 * can see what it asked for, however brief it is.
 */
static int observer_hold(struct rehearsal *r)
{
	PGresult *res, *lk;
	int i;

	if (db_command(r->observer, "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL) < 0)
		return 0;
	res = db_exec(r->observer,
		"SELECT format('%I.%I', n.nspname, c.relname) "
		"  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
		" WHERE c.relkind IN ('r', 'p', 'f') AND NOT c.relispartition "
		"   AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'", 0, NULL);
	/* never wait: in a file with its own BEGIN, the statements before hold locks */
	for (i = 0; res && i < PQntuples(res); i++) {
		char *sql = xasprintf("LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE NOWAIT",
				      PQgetvalue(res, i, 0));
		PQclear(PQexec(r->observer->conn, "SAVEPOINT hold"));
		lk = PQexec(r->observer->conn, sql);
		PQclear(PQexec(r->observer->conn, PQresultStatus(lk) == PGRES_COMMAND_OK
			       ? "RELEASE SAVEPOINT hold" : "ROLLBACK TO SAVEPOINT hold"));
		PQclear(lk);
		free(sql);
	}
	PQclear(res);
	return 1;
}

/*
 * Send sql and watch its backend from the observer until it is done; the
 * observer lets go of what it holds (observer_hold) as soon as the statement
 * waits for it, or after a few looks. Returns the result (the error, if any).
 */
static PGresult *exec_polled(struct rehearsal *r, const char *sql, struct obs_locks *seen)
{
	PGconn *c = r->db->conn;
	int pid = PQbackendPID(c), snap, polls = 0;
	PGresult *res, *last = NULL;

	snap = observer_hold(r);
	if (PQsendQuery(c, sql)) {
		while (PQconsumeInput(c) && PQisBusy(c)) {
			obs_locks_read(r->observer, pid, seen);
			if (snap && (seen->waited || ++polls >= 50)) {
				db_command(r->observer, "COMMIT", 0, NULL);
				snap = 0;
			}
		}
	}
	if (snap)
		db_command(r->observer, "COMMIT", 0, NULL);
	while ((res = PQgetResult(c))) {
		if (last && !ok_result(last)) {
			PQclear(res);
			continue;
		}
		PQclear(last);
		last = res;
	}
	return last;
}

static void set_timeouts(struct rehearsal *r, const struct step *s, int local)
{
	char lt[32], stt[32];
	const char *p[3] = { lt, stt, local ? "true" : "false" };

	snprintf(lt, sizeof(lt), "%ldms", s->dir.lock_timeout_ms >= 0 ? s->dir.lock_timeout_ms
								  : r->cfg->lock_timeout_ms);
	snprintf(stt, sizeof(stt), "%ldms", s->dir.statement_timeout_ms >= 0
						? s->dir.statement_timeout_ms : r->cfg->statement_timeout_ms);
	db_command(r->db, "SELECT set_config('lock_timeout', $1, $3::boolean), "
		   "set_config('statement_timeout', $2, $3::boolean)", 3, p);
}

static void read_before(struct rehearsal *r, struct obs_reading *o, int polled)
{
	memset(o, 0, sizeof(*o));
	obs_catalog_take(r->db, &o->cat);
	if (polled)
		obs_locks_read(r->observer, PQbackendPID(r->db->conn), &o->locks);
	else
		obs_locks_read(r->db, 0, &o->locks);
	o->have_scans = obs_scans_read(r->db, !polled, &o->scans) == 0;
}

static void read_after(struct rehearsal *r, struct obs_reading *o, int polled)
{
	obs_catalog_take(r->db, &o->cat);
	if (!polled)
		obs_locks_read(r->db, 0, &o->locks);
	o->have_scans = obs_scans_read(r->db, !polled, &o->scans) == 0;
}

/* A batched statement (-- migrate:batch N): its batches as up runs them, without
 * the progress; the last result. */
static PGresult *exec_batches(struct rehearsal *r, struct step *s, size_t i)
{
	struct batch_sql bs;
	char *last = NULL, *next;
	long long rows;
	PGresult *err = NULL;
	int rc;

	if (batch_sql_build(r->db, NULL, s, i, 0, &bs) < 0)
		return PQmakeEmptyPGresult(r->db->conn, PGRES_FATAL_ERROR);
	while ((rc = batch_next(r->db, &bs, NULL, NULL, last, NULL, &next, &rows, &err)) > 0 &&
	       !scratch_interrupted()) {
		free(last);
		last = next;
	}
	if (rc > 0)
		free(next);
	free(last);
	batch_sql_release(&bs);
	return rc < 0 ? err : PQmakeEmptyPGresult(r->db->conn, PGRES_COMMAND_OK);
}

/*
 * Run one direction of a migration as the runner would (one transaction, or
 * statement by statement), observing each statement of pm when observe is set.
 * Returns 0, or -1 after recording the failure in pm.
 */
static int run_step(struct rehearsal *r, struct step *s, struct plan_migration *pm,
		    int observe, const char *what, const struct obs_catalog *start)
{
	int wrapped = s->mode == TX_WRAPPED;
	size_t i;
	PGresult *res;

	if (wrapped) {
		if (db_command(r->db, "BEGIN", 0, NULL) < 0)
			return -1;
		set_timeouts(r, s, 1);
	} else {
		set_timeouts(r, s, 0);
		/* the observer makes each statement wait for it, briefly */
		if (observe)
			db_command(r->db, "SELECT set_config('lock_timeout', '10s', false) "
				   "WHERE current_setting('lock_timeout') NOT IN ('0') "
				   "AND current_setting('lock_timeout')::interval < '10s'", 0, NULL);
	}
	for (i = 0; i < s->script.n; i++) {
		struct obs_reading before, after;
		int polled = observe && !wrapped;

		if (scratch_interrupted())
			break;
		if (observe)
			read_before(r, &before, polled);
		memset(&after, 0, sizeof(after));
		if (s->script.stmts[i].batch)
			res = exec_batches(r, s, i);
		else if (polled)
			res = exec_polled(r, s->script.stmts[i].text, &after.locks);
		else
			res = PQexec(r->db->conn, s->script.stmts[i].text);
		if (!ok_result(res)) {
			record_error(r, pm, what, s, (int)i, res);
			PQclear(res);
			if (observe) {
				obs_reading_release(&before);
				obs_reading_release(&after);
			}
			goto fail;
		}
		PQclear(res);
		if (observe && i < pm->nstmts) {
			struct plan_stmt *ps = &pm->stmts[i];

			read_after(r, &after, polled);
			ps->polled = polled;
			observe_statement(ps, &before, &after, start);
			if (s->script.stmts[i].batch)
				strlist_addf(&ps->notes, "ran in batches of %d rows: each batch held "
					     "its locks only until it committed (not compared with the "
					     "plan)", s->script.stmts[i].batch);
			else if (r->compare)
				observe_compare(ps);
			observe_prune(ps);
			obs_reading_release(&before);
			obs_reading_release(&after);
		}
	}
	if (scratch_interrupted()) {
		strlist_addf(&pm->failures, "%s: interrupted", what);
		goto fail;
	}
	if (wrapped) {
		res = PQexec(r->db->conn, "COMMIT");
		if (!ok_result(res)) {
			record_error(r, pm, what, s, -1, res);
			PQclear(res);
			goto fail;
		}
		PQclear(res);
	} else {
		PQclear(PQexec(r->db->conn, "RESET lock_timeout; RESET statement_timeout"));
	}
	return 0;
fail:
	if (PQstatus(r->db->conn) == CONNECTION_OK) {
		if (PQtransactionStatus(r->db->conn) != PQTRANS_IDLE)
			PQclear(PQexec(r->db->conn, "ROLLBACK"));
		PQclear(PQexec(r->db->conn, "RESET lock_timeout; RESET statement_timeout"));
	}
	return -1;
}

/* One line of a value for a report: whitespace collapsed, at most 160 characters. */
static char *short_value(const char *v)
{
	struct strbuf sb = STRBUF_INIT;
	int space = 0;

	for (; *v && sb.len < 160; v++) {
		if (*v == ' ' || *v == '\n' || *v == '\t' || *v == '\r') {
			space = sb.len > 0;
			continue;
		}
		if (space)
			strbuf_addch(&sb, ' ');
		space = 0;
		strbuf_addch(&sb, *v);
	}
	if (*v)
		strbuf_addstr(&sb, "...");
	return strbuf_detach(&sb, NULL);
}

/* The differences between two snapshots, one line each; returns how many. */
static size_t schema_diff(const struct snapshot *a, const struct snapshot *b, struct strlist *out,
			  const char *missing, const char *extra)
{
	struct snap_change *ch;
	size_t n = snapshot_diff(a, b, &ch), i;

	for (i = 0; i < n; i++) {
		char *x = ch[i].before ? short_value(ch[i].before) : NULL;
		char *y = ch[i].after ? short_value(ch[i].after) : NULL;

		if (!y)
			strlist_addf(out, "%s: %s %s%s%s%s", missing, ch[i].kind, ch[i].key,
				     *x ? " (" : "", x, *x ? ")" : "");
		else if (!x)
			strlist_addf(out, "%s: %s %s%s%s%s", extra, ch[i].kind, ch[i].key,
				     *y ? " (" : "", y, *y ? ")" : "");
		else
			strlist_addf(out, "changed: %s %s: was %s, now %s", ch[i].kind, ch[i].key, x, y);
		free(x);
		free(y);
	}
	free(ch);
	return n;
}

/* A lock or rewrite observed that the plan did not predict: the migration is not clean. */
static void unplanned(struct plan_migration *pm)
{
	size_t i, j, n = 0, errors = 0;

	for (i = 0; i < pm->nstmts; i++)
		for (j = 0; j < pm->stmts[i].nfindings; j++)
			if (!strcmp(pm->stmts[i].findings[j].rule, "not-in-plan")) {
				n++;
				errors += pm->stmts[i].findings[j].severity == 2;
			}
	if (n)
		strlist_addf(&pm->failures, "not-in-plan: %zu lock%s or rewrite%s observed that the plan "
			     "did not predict (%zu blocking writes or rewriting): the plan, the lint gate "
			     "and up's verdict did not see %s", n, n == 1 ? "" : "s", n == 1 ? "" : "s",
			     errors, n == 1 ? "it" : "them");
}

int rehearse_migration(struct rehearsal *r, struct step *up, struct step *down,
		       struct plan_migration *pm)
{
	struct snapshot s0, s1, s2, s3;
	struct obs_catalog start;
	int rc = 0;

	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	memset(&s3, 0, sizeof(s3));
	memset(&start, 0, sizeof(start));
	if (snapshot_take(&s0, r->db, r->hist_schema, r->hist_table) < 0 ||
	    obs_catalog_take(r->db, &start) < 0 || obs_catalog_sizes(r->db, &start) < 0) {
		strlist_add(&pm->failures, "could not read the schema of the scratch database");
		pm->outcome = "failed";
		snapshot_release(&s0);
		return -1;
	}
	if (run_step(r, up, pm, 1, "up failed", &start) < 0) {
		rc = -1;
		goto done;
	}
	unplanned(pm);
	snapshot_take(&s1, r->db, r->hist_schema, r->hist_table);
	if (!down) {
		strlist_add(&pm->failures, "no down migration: nothing proves it can be reverted");
		goto done;
	}
	if (run_step(r, down, pm, 0, "down failed", &start) < 0)
		goto done; /* rolled back: the schema is as the up left it */
	snapshot_take(&s2, r->db, r->hist_schema, r->hist_table);
	if (schema_diff(&s0, &s2, &pm->schema_diff, "not restored by the down",
			"left behind by the down") && (pm->schema_diff_at = pm->failures.n + 1))
		strlist_addf(&pm->failures, "the down did not restore the schema the up started "
			     "from (%zu difference%s)", pm->schema_diff.n, pm->schema_diff.n == 1 ? "" : "s");
	if (run_step(r, up, pm, 0, "up failed after the down", &start) < 0) {
		rc = -1;
		goto done;
	}
	snapshot_take(&s3, r->db, r->hist_schema, r->hist_table);
	{
		struct strlist second = { NULL, 0, 0 };
		size_t i;

		if (schema_diff(&s1, &s3, &second, "missing after the second up",
				"only after the second up")) {
			strlist_add(&pm->failures, "up, down, up left a different schema than the "
				    "first up");
			if (!pm->schema_diff.n)
				pm->schema_diff_at = pm->failures.n;
			for (i = 0; i < second.n; i++)
				strlist_add(&pm->schema_diff, second.v[i]);
		}
		strlist_release(&second);
	}
done:
	if (scratch_interrupted())
		rc = -1;
	pm->outcome = pm->failures.n ? "failed" : "clean";
	snapshot_release(&s0);
	snapshot_release(&s1);
	snapshot_release(&s2);
	snapshot_release(&s3);
	obs_catalog_release(&start);
	return rc;
}
