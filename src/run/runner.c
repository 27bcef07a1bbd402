/* runner.c - apply one migration: wrapped in a transaction (pipelined, one round
 * trip), or statement by statement without one; lock timeouts retried with
 * backoff and jitter; failures mapped back to file:line */
#include "run/runner.h"
#include "run/batch.h"
#include "run/events.h"
#include "run/replica.h"
#include "run/guard.h"
#include "run/interrupt.h"
#include "run/leftover.h"
#include "run/reset.h"
#include "run/quiet.h"
#include "run/watch.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PIPELINE_BATCH 100

void runner_init(struct runner *r, struct db *db, struct history *h, struct migration_set *set,
		 const struct config *cfg)
{
	unsigned char rnd[16];
	int i;

	memset(r, 0, sizeof(*r));
	r->db = db;
	r->h = h;
	r->set = set;
	r->cfg = cfg;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		for (i = 0; i < 16; i++)
			rnd[i] = (unsigned char)(rand() ^ (now_ms() >> (i % 8)));
	for (i = 0; i < 16; i++)
		snprintf(r->run_id + 2 * i, 3, "%02x", rnd[i]);
	/* unique on the connection, whatever runner used it before */
	snprintf(r->stmt_prefix, sizeof(r->stmt_prefix), "migrate_%.8s_", r->run_id);
	snprintf(r->app_tag, sizeof(r->app_tag), "migrate run %.16s", r->run_id);
	srand((unsigned)(rnd[0] | rnd[1] << 8 | rnd[2] << 16));
}

/* --- error reporting ----------------------------------------------------- */

struct failure {
	char *sqlstate;
	char *message;   /* scrubbed primary message */
	int stmt;        /* index of the failing statement, -1: runner's own statement */
	int line, col;   /* where in the file (0: unknown) */
};

static void failure_release(struct failure *f)
{
	free(f->sqlstate);
	free(f->message);
	memset(f, 0, sizeof(*f));
	f->stmt = -1;
}

static void fail_with(struct failure *f, const char *sqlstate, const char *message)
{
	failure_release(f);
	f->sqlstate = xstrdup(sqlstate);
	f->message = xstrdup(message);
}

static int is_retryable(const struct failure *f)
{
	return f->sqlstate && (!strcmp(f->sqlstate, "55P03") || !strcmp(f->sqlstate, "40P01"));
}

/* Print the source line with a caret under offset; the password scrubbed from it. */
static void print_source_line(const struct db *db, const char *src, int offset, int line)
{
	const char *start = src + offset, *end;
	char *pre, *post, *text, *p;

	while (start > src && start[-1] != '\n')
		start--;
	end = strchr(start, '\n');
	if (!end)
		end = start + strlen(start);
	pre = xstrndup(start, (size_t)(src + offset - start));
	post = xstrndup(src + offset, (size_t)(end - (src + offset)));
	text = db_scrub(db, pre);
	free(pre);
	pre = text;
	text = db_scrub(db, post);
	free(post);
	post = xasprintf("%s%s", pre, text);
	free(text);
	text = db_scrub(db, post); /* a password across the caret */
	fprintf(stderr, "%6d | %s\n       | ", line, shown_line(text));
	for (p = pre; *p; p++) /* under the escaped line: a control byte is \xNN there */
		if ((unsigned char)*p < 0x20 && *p != '\t')
			fputs("    ", stderr);
		else if (((unsigned char)*p & 0xC0) != 0x80)
			fputc(*p == '\t' ? '\t' : ' ', stderr);
	fprintf(stderr, "^\n");
	free(pre);
	free(post);
	free(text);
}

/* Record the failure from res, and print it mapped to the file. */
int step_error_location(const struct step *s, int stmt, const PGresult *res, int *line, int *col)
{
	const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
	const struct sql_stmt *st;
	int off;

	if (stmt < 0 || (size_t)stmt >= s->script.n)
		return -1;
	st = &s->script.stmts[stmt];
	off = st->offset;
	/* a batched statement's error points into its batch's text, not the file's */
	if (pos && !st->batch)
		off += sql_charpos_to_offset(st->text, atoi(pos));
	sql_script_linecol(&s->script, off, line, col);
	return off;
}

static void report_failure(struct runner *r, struct step *s, int stmt, PGresult *res,
			   struct failure *f)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	const char *ctx = res ? PQresultErrorField(res, PG_DIAG_CONTEXT) : NULL;
	char *msg;
	int off, line, col;

	failure_release(f);
	f->stmt = stmt;
	f->sqlstate = state ? xstrdup(state) : NULL;
	if (primary)
		msg = db_scrub(r->db, primary);
	else {
		msg = db_scrub(r->db, res ? PQresultErrorMessage(res) : PQerrorMessage(r->db->conn));
		strtok(msg, "\n");
		if (!*msg) {
			free(msg);
			msg = xstrdup("connection to the server was lost");
		}
	}
	f->message = msg;
	off = step_error_location(s, stmt, res, &line, &col);
	f->line = off >= 0 ? line : 0;
	f->col = off >= 0 ? col : 0;
	if (is_retryable(f))
		return; /* reported by the retry loop */
	if (off >= 0) {
		log_error_at(s->path, line, col, "%s%s%s%s", msg, state ? " (SQLSTATE " : "",
			     state ? state : "", state ? ")" : "");
		print_source_line(r->db, s->sql, off, line);
	} else {
		log_error("%s%s%s%s", msg, state ? " (SQLSTATE " : "", state ? state : "",
			  state ? ")" : "");
	}
	if (detail) {
		char *d = db_scrub(r->db, detail);
		log_detail("%s", d);
		free(d);
	}
	if (hint) {
		char *h = db_scrub(r->db, hint);
		log_hint("%s", h);
		free(h);
	}
	if (ctx && r->db->verbose > 0) {
		char *c = db_scrub(r->db, ctx);
		fprintf(stderr, "context: %s\n", shown_text(c));

		free(c);
	}
}

static int connection_lost(struct runner *r)
{
	return PQstatus(r->db->conn) != CONNECTION_OK;
}

/* Retries ran out on a lock timeout: say where, and what to do. */
static void report_lock_exhausted(struct runner *r, struct step *s, int stmt, int retries)
{
	const struct sql_stmt *st = stmt >= 0 ? &s->script.stmts[stmt] : NULL;

	if (st)
		log_error_at(s->path, st->line, st->col,
			     "could not take the lock for %s within lock_timeout (%ldms), "
			     "gave up after %d retries", sql_stmt_kind(st->node),
			     s->dir.lock_timeout_ms >= 0 ? s->dir.lock_timeout_ms
							 : r->cfg->lock_timeout_ms, retries);
	else
		log_error("could not take a lock within lock_timeout, gave up after %d retries",
			  retries);
	if (r->watch)
		watch_print_blockers(r->watch, stmt);
	log_hint("a long transaction holds a conflicting lock (see pg_locks and "
		 "pg_stat_activity); run again when it is gone, or raise --retries or "
		 "--lock-timeout");
}

/* --- timeouts --------------------------------------------------------------- */

static long effective_lock_timeout(struct runner *r, struct step *s)
{
	return s->dir.lock_timeout_ms >= 0 ? s->dir.lock_timeout_ms : r->cfg->lock_timeout_ms;
}

static long effective_statement_timeout(struct runner *r, struct step *s)
{
	return s->dir.statement_timeout_ms >= 0 ? s->dir.statement_timeout_ms
						: r->cfg->statement_timeout_ms;
}

static long backoff_ms(struct runner *r, int attempt)
{
	long d = r->cfg->retry_delay_ms, max = r->cfg->retry_max_delay_ms;
	int i;

	for (i = 0; i < attempt && d < max; i++)
		d *= 2;
	if (d > max)
		d = max;
	/* equal jitter: half fixed, half random */
	return d / 2 + (d > 1 ? rand() % (d / 2 + 1) : 0);
}

/* --- wrapped: one transaction, pipelined ------------------------------------ */

struct history_params {
	char version[32];
	const char *insert[7];
	const char *del[1];
	const char *log[12];
	char logbuf[3][32];
	struct log_entry le;
};

static void fill_history_params(struct runner *r, struct step *s, int direction, int retries,
				const char *note, const char *state, struct history_params *hp)
{
	struct history_entry he = { s->version, s->name, s->checksum, s->down_sql,
				    tx_mode_name(s->mode), state };

	history_insert_params(&he, hp->insert, hp->version);
	hp->del[0] = hp->version;
	memset(&hp->le, 0, sizeof(hp->le));
	hp->le.run_id = r->run_id;
	hp->le.version = s->version;
	hp->le.name = s->name;
	hp->le.direction = direction > 0 ? "up" : "down";
	hp->le.outcome = direction > 0 ? "applied" : "reverted";
	hp->le.retries = retries;
	hp->le.note = note;
	hp->le.blockers = r->watch ? watch_blockers_json(r->watch) : NULL;
	history_log_params(&hp->le, hp->log, hp->logbuf);
}

/* Send one query in pipeline mode. */
static int send_query(struct runner *r, const char *sql, int n, const char *const *params)
{
	return PQsendQueryParams(r->db->conn, sql, n, NULL, params, NULL, NULL, 0);
}

/* --- the runner's own statements ------------------------------------------------ */

enum { Q_TIMEOUTS, Q_HIST_UP, Q_HIST_DOWN, Q_LOG, Q_COUNT };

static const char *const q_names[Q_COUNT] = { "timeouts", "hist_up", "hist_down", "log" };

struct book {
	char *sql[Q_COUNT];
	int nparams[Q_COUNT];
	int named;          /* send them as named prepared statements */
	unsigned preparing; /* bits prepared in this pipeline */
	int nprep;          /* how many: the pipeline's first queries */
};

/* A migration that may drop the session's prepared statements: DEALLOCATE,
 * DISCARD, or text the parser could not read. */
static int may_drop_prepared(const struct step *s)
{
	size_t i;

	for (i = 0; i < s->script.n; i++) {
		const PgQuery__Node *node = s->script.stmts[i].node;

		if (!node || node->node_case == PG_QUERY__NODE__NODE_DEALLOCATE_STMT ||
		    node->node_case == PG_QUERY__NODE__NODE_DISCARD_STMT)
			return 1;
	}
	return 0;
}

/*
 * Whether statements the server keeps by name are safe here: not through a
 * proxy (a transaction pooler hands the next transaction to another server
 * process) nor with lock: table (made for poolers); and not once a migration
 * may have dropped them: from then on this runner sends them unnamed.
 */
static int use_named(struct runner *r, const struct step *s)
{
	if (may_drop_prepared(s))
		r->unnamed = 1;
	return !r->unnamed && !r->db->proxied && !r->cfg->lock_table;
}

static void book_init(struct runner *r, const struct step *s, struct book *b)
{
	memset(b, 0, sizeof(*b));
	/* a tenant schema's search_path too: SET LOCAL holds through transaction pooling */
	b->sql[Q_TIMEOUTS] = xasprintf("SELECT set_config('lock_timeout', $1 || 'ms', true), "
				       "set_config('statement_timeout', $2 || 'ms', true)%s%s",
				       r->cfg->search_path ? ", set_config('search_path', $3, true)" : "",
				       !r->db->proxied ? ""
				       : r->cfg->search_path ? ", set_config('application_name', $4, true)"
				       : ", set_config('application_name', $3, true)");
	b->nparams[Q_TIMEOUTS] = 2 + !!r->cfg->search_path + !!r->db->proxied;
	b->sql[Q_HIST_UP] = history_sql_insert(r->h);
	b->nparams[Q_HIST_UP] = 7;
	b->sql[Q_HIST_DOWN] = history_sql_delete(r->h);
	b->nparams[Q_HIST_DOWN] = 1;
	b->sql[Q_LOG] = history_sql_log(r->h);
	b->nparams[Q_LOG] = 12;
	b->named = use_named(r, s);
}

static void book_release(struct book *b)
{
	int q;

	for (q = 0; q < Q_COUNT; q++)
		free(b->sql[q]);
}

/* Queue the Parse of each of the wanted statements the connection lacks. */
static void book_prepare(struct runner *r, struct book *b, unsigned want)
{
	char name[64];
	int q;

	for (q = 0; b->named && q < Q_COUNT; q++) {
		if (!(want & (1u << q)) || (r->prepared & (1u << q)))
			continue;
		snprintf(name, sizeof(name), "%s%s", r->stmt_prefix, q_names[q]);
		PQsendPrepare(r->db->conn, name, b->sql[q], b->nparams[q], NULL);
		b->preparing |= 1u << q;
		b->nprep++;
	}
}

static void book_send(struct runner *r, const struct book *b, int q, const char *const *params)
{
	char name[64];

	if (!b->named) {
		send_query(r, b->sql[q], b->nparams[q], params);
		return;
	}
	snprintf(name, sizeof(name), "%s%s", r->stmt_prefix, q_names[q]);
	PQsendQueryPrepared(r->db->conn, name, b->nparams[q], params, NULL, NULL, 0);
}

/* After the pipeline: its first failure at query failed_at (-1: none). */
static void book_done(struct runner *r, const struct book *b, int failed_at)
{
	if (failed_at < 0 || failed_at >= b->nprep)
		r->prepared |= b->preparing; /* kept by the session whatever the transaction did */
	else
		r->unnamed = 1; /* some may exist, some not: stop naming them */
}

/*
 * Whether the pipeline failed on a named statement of ours rather than on the
 * migration: its Parse, or a migration dropped it (say EXECUTE 'DEALLOCATE
 * ALL' in a DO block). The transaction was rolled back; it is run again with
 * the statements unnamed.
 */
static int book_failed(const struct book *b, int failed_at, int first_stmt, size_t nstmts,
		       const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (!b->named || failed_at < 0)
		return 0;
	if (failed_at < b->nprep)
		return 1;
	return state && !strcmp(state, "26000") &&
	       (failed_at == first_stmt - 1 || failed_at >= first_stmt + (int)nstmts);
}

/* Until a result can be read without blocking: meanwhile the watch looks. */
static void runner_wait(struct runner *r)
{
	if (r->watch)
		watch_wait(r->watch);
}

/*
 * Read the results of `count` queries and the sync that follows. The index
 * (into the queries) of the first error goes to *failed_at; its result is kept
 * in *failed_res. Returns 0 when all succeeded.
 */
static int read_pipeline(struct runner *r, int count, int *failed_at, PGresult **failed_res)
{
	int i, bad = 0, watched;
	PGresult *res;

	for (i = 0; i < count; i++) {
		int k = i - r->pipe_first, stmt = k >= 0 && k < r->pipe_n ? k : -1;

		if ((watched = r->watch && !bad))
			watch_stmt_begin(r->watch, stmt);
		while (runner_wait(r), (res = PQgetResult(r->db->conn))) {
			ExecStatusType st = PQresultStatus(res);
			if (st == PGRES_FATAL_ERROR && !bad) {
				bad = 1;
				*failed_at = i;
				*failed_res = res;
				continue;
			}
			if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
			    st != PGRES_PIPELINE_ABORTED && st != PGRES_FATAL_ERROR && !bad) {
				bad = 1;
				*failed_at = i;
				*failed_res = res;
				continue;
			}
			PQclear(res);
		}
		if (watched)
			watch_stmt_end(r->watch, !bad || *failed_at != i);
		if (connection_lost(r))
			break;
	}
	/* the sync */
	while ((res = PQgetResult(r->db->conn))) {
		ExecStatusType st = PQresultStatus(res);
		PQclear(res);
		if (st == PGRES_PIPELINE_SYNC)
			break;
	}
	if (connection_lost(r) && !bad) {
		*failed_at = -1;
		*failed_res = NULL;
		bad = 1;
	}
	return bad ? -1 : 0;
}

static int run_wrapped(struct runner *r, struct step *s, int direction, int retries,
		       const char *note, struct failure *f)
{
	struct history_params hp;
	struct book b;
	char lt[32], stt[32];
	/* lock and statement timeouts, the tenant's search_path, the pooled transaction's tag */
	const char *tparams[4] = { lt, stt, r->cfg->search_path ? r->cfg->search_path : r->app_tag,
				   r->app_tag };
	int q_hist = direction > 0 ? Q_HIST_UP : Q_HIST_DOWN;
	/* queries: the Parse of missing named statements, BEGIN, timeouts, the
	 * statements, then history, log, COMMIT */
	size_t n = s->script.n, sent = 0, i;
	int base, failed_at = -1, rc = 0, batch, sync_failed = 0;
	PGresult *failed_res = NULL;

	snprintf(lt, sizeof(lt), "%ld", effective_lock_timeout(r, s));
	snprintf(stt, sizeof(stt), "%ld", effective_statement_timeout(r, s));
	fill_history_params(r, s, direction, retries, note, "applied", &hp);
	book_init(r, s, &b);

	if (!PQenterPipelineMode(r->db->conn)) {
		report_failure(r, s, -1, NULL, f);
		rc = -1;
		goto done;
	}
	book_prepare(r, &b, 1u << Q_TIMEOUTS | 1u << q_hist | 1u << Q_LOG);
	send_query(r, "BEGIN", 0, NULL);
	book_send(r, &b, Q_TIMEOUTS, tparams);
	PQsendFlushRequest(r->db->conn);
	base = batch = b.nprep + 2;
	for (i = 0; i <= n; i++) {
		if (i == n) {
			/* the session as it began, committed with the migration: its SET
			 * ROLE, search_path... write no history and reach no later one */
			send_query(r, RESET_SESSION_AUTH, 0, NULL);
			send_query(r, RESET_SESSION_ROLE, 0, NULL);
			send_query(r, RESET_SESSION_ALL, 0, NULL);
			book_send(r, &b, Q_TIMEOUTS, tparams);
			book_send(r, &b, q_hist, direction > 0 ? hp.insert : hp.del);
			book_send(r, &b, Q_LOG, hp.log);
			send_query(r, "COMMIT", 0, NULL);
			batch += 7;
		} else {
			send_query(r, s->script.stmts[i].text, 0, NULL);
			/* its result comes back when it ends, not at the sync: the watch
			 * knows which statement runs, and for how long */
			PQsendFlushRequest(r->db->conn);
			batch++;
			if (batch < PIPELINE_BATCH)
				continue;
		}
		r->pipe_first = base - (int)sent;
		r->pipe_n = (int)n;
		if (!PQpipelineSync(r->db->conn)) {
			/* nothing of this batch is known to have run, nor its COMMIT */
			sync_failed = 1;
			failed_at = -1;
			break;
		}
		if (read_pipeline(r, batch, &failed_at, &failed_res) < 0) {
			failed_at += (int)sent;
			break;
		}
		sent += (size_t)batch;
		batch = 0;
		if (interrupt_signal() && i < n)
			break; /* between batches: the transaction is open, rolled back below */
	}
	PQexitPipelineMode(r->db->conn);
	book_done(r, &b, connection_lost(r) || sync_failed ? 0 : failed_at);
	if (failed_at < 0 && !failed_res && !connection_lost(r) && !sync_failed && i > n)
		goto done;
	rc = -1;
	if (!connection_lost(r) && book_failed(&b, failed_at, base, n, failed_res)) {
		log_debug("the runner's prepared statements were dropped; running %s again without them",
			  s->version_str);
		r->unnamed = 1;
		rc = 1;
		PQclear(failed_res);
		if (PQtransactionStatus(r->db->conn) != PQTRANS_IDLE)
			PQclear(PQexec(r->db->conn, "ROLLBACK"));
		goto done;
	}
	if (failed_at >= base && (size_t)failed_at < base + n)
		report_failure(r, s, failed_at - base, failed_res, f);
	else if (failed_res || connection_lost(r))
		report_failure(r, s, -1, failed_res, f);
	else
		fail_with(f, "57014", "interrupted between statements");
	PQclear(failed_res);
	if (!connection_lost(r) && PQtransactionStatus(r->db->conn) != PQTRANS_IDLE)
		PQclear(PQexec(r->db->conn, "ROLLBACK"));
done:
	book_release(&b);
	return rc;
}

/* --- without a transaction: statement by statement ----------------------------- */

/* PQexecParams, waiting for the result with the watch: like PQexec, the last
 * result or the first error. */
static PGresult *runner_exec(struct runner *r, const char *sql, int n, const char *const *params)
{
	PGresult *res, *last = NULL;

	if (!r->watch || !PQsendQueryParams(r->db->conn, sql, n, NULL, params, NULL, NULL, 0))
		return PQexecParams(r->db->conn, sql, n, NULL, params, NULL, NULL, 0);
	while (runner_wait(r), (res = PQgetResult(r->db->conn))) {
		if (last && PQresultStatus(last) == PGRES_FATAL_ERROR) {
			PQclear(res);
			continue;
		}
		PQclear(last);
		last = res;
	}
	return last ? last : PQmakeEmptyPGresult(r->db->conn, PGRES_FATAL_ERROR);
}

static int exec_simple(struct runner *r, const char *sql, int n, const char *const *params,
		       PGresult **err)
{
	PGresult *res = runner_exec(r, sql, n, params);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
		PQclear(res);
		return 0;
	}
	*err = res;
	return -1;
}

/*
 * A self-managed migration that ends inside a transaction it opened (BEGIN
 * without COMMIT): the server would roll it back when the session ends. Say
 * so, with the statement that opened it; returns 1 then.
 */
static int open_transaction(struct runner *r, struct step *s, struct failure *f)
{
	const struct sql_stmt *open = NULL;
	size_t i;

	if (connection_lost(r) || PQtransactionStatus(r->db->conn) == PQTRANS_IDLE)
		return 0;
	for (i = 0; i < s->script.n; i++)
		if (s->script.stmts[i].flags & STMT_TX_CONTROL)
			open = &s->script.stmts[i];
	log_error_at(s->path, open ? open->line : 0, open ? open->col : 0,
		     "the migration ends inside a transaction it opened, without COMMIT; it "
		     "was rolled back");
	log_hint("end the file with COMMIT, or leave BEGIN/COMMIT out and let migrate wrap it");
	fail_with(f, "25001", "ends inside an open transaction (no COMMIT)");
	return 1;
}

/* One of the migration's statements, watched. */
static int exec_stmt(struct runner *r, int stmt, const char *sql, PGresult **err)
{
	int rc;

	if (r->watch)
		watch_stmt_begin(r->watch, stmt);
	rc = exec_simple(r, sql, 0, NULL, err);
	if (r->watch)
		watch_stmt_end(r->watch, rc == 0);
	return rc;
}

static int run_unwrapped(struct runner *r, struct step *s, int direction, int *retries,
			 const char *note, struct failure *f)
{
	struct history_params hp;
	char *sql_hist = NULL, *sql_state = history_sql_set_state(r->h);
	const char *state_params[2];
	PGresult *err = NULL;
	size_t i;
	int rc = -1, committed = 0, reset = 0;

	fill_history_params(r, s, direction, 0, note, "dirty", &hp);
	if (may_drop_prepared(s))
		r->unnamed = 1;
	state_params[0] = hp.version;
	state_params[1] = "dirty";
	/* Mark dirty first: a crash from here on leaves a trace in history. */
	if (direction > 0) {
		sql_hist = history_sql_insert(r->h);
		if (exec_simple(r, sql_hist, 7, hp.insert, &err) < 0)
			goto fail_runner;
	} else if (exec_simple(r, sql_state, 2, state_params, &err) < 0) {
		goto fail_runner;
	}
	if (run_reset_session(r->db, r->cfg->search_path, effective_lock_timeout(r, s),
			      effective_statement_timeout(r, s)) < 0)
		goto out;
	for (i = 0; i < s->script.n; i++) {
		const struct sql_stmt *st = &s->script.stmts[i];

		if (interrupt_signal()) {
			fail_with(f, "57014", "interrupted between statements");
			goto out;
		}
		if (exec_stmt(r, (int)i, st->text, &err) == 0) {
			if (s->mode == TX_SELF && PQtransactionStatus(r->db->conn) == PQTRANS_IDLE)
				committed = (st->flags & STMT_TX_CONTROL) || committed;
			continue;
		}
		report_failure(r, s, (int)i, err, f);
		PQclear(err);
		err = NULL;
		if (!connection_lost(r) && PQtransactionStatus(r->db->conn) != PQTRANS_IDLE)
			PQclear(PQexec(r->db->conn, "ROLLBACK"));
		if (is_retryable(f) && *retries < r->cfg->retries && !connection_lost(r) &&
		    !(s->mode == TX_SELF && committed) && !interrupt_signal()) {
			long d = backoff_ms(r, *retries);
			(*retries)++;
			log_info("  lock timeout at %s:%d (%s), retry %d/%d in %ldms", shown(s->path),
				 st->line, sql_stmt_kind(st->node), *retries, r->cfg->retries, d);
			if (r->watch)
				watch_retry(r->watch, (int)i, *retries, r->cfg->retries, d);
			sleep_ms(d);
			/* a failed CONCURRENTLY build leaves an INVALID index: drop it first */
			leftover_drop(r->db, st, s->path);
			/* a self-managed file restarts from its first statement */
			i = s->mode == TX_SELF ? (size_t)-1 : i - 1;
			continue;
		}
		if (is_retryable(f))
			report_lock_exhausted(r, s, (int)i, *retries);
		goto out;
	}
	if (open_transaction(r, s, f))
		goto out; /* rolled back below: never recorded applied */
	/* done: settle the history row, as the session began */
	if (run_reset_session(r->db, NULL, -1, -1) < 0)
		goto out;
	reset = 1;
	free(sql_hist);
	sql_hist = direction > 0 ? NULL : history_sql_delete(r->h);
	state_params[1] = "applied";
	if (direction > 0 ? exec_simple(r, sql_state, 2, state_params, &err) < 0
			  : exec_simple(r, sql_hist, 1, hp.del, &err) < 0)
		goto fail_runner;
	hp.le.retries = *retries;
	hp.le.blockers = r->watch ? watch_blockers_json(r->watch) : NULL;
	history_log(r->h, r->db, &hp.le);
	rc = 0;
	goto out;
fail_runner:
	report_failure(r, s, -1, err, f);
	PQclear(err);
out:
	if (!connection_lost(r) && PQtransactionStatus(r->db->conn) != PQTRANS_IDLE)
		PQclear(PQexec(r->db->conn, "ROLLBACK"));
	if (!connection_lost(r) && !reset)
		run_reset_session(r->db, NULL, -1, -1);
	free(sql_hist);
	free(sql_state);
	return rc;
}

/* --- batched: -- migrate:batch N (docs/batch.md) ------------------------------- */

/* The runner's own statements between batches: nothing for the watch to look at. */
static int exec_unwatched(struct runner *r, const char *sql, int n, const char *const *params,
			  PGresult **err)
{
	struct watch *w = r->watch;
	int rc;

	r->watch = NULL;
	rc = exec_simple(r, sql, n, params, err);
	r->watch = w;
	return rc;
}

struct batched {
	struct history_params hp;
	const char *direction;  /* "up" or "down", recorded in the progress */
	char *last;             /* the last key done in the statement under way (JSON), NULL: none */
	long long rows, batches;
	int64_t started;        /* this run's first batch of the statement (ms) */
	double estimate;        /* the table's row estimate, -1: unknown */
};

/* The statement's batches are done: the next one is under way. */
static int progress_next(struct runner *r, struct batched *b, int stmt, PGresult **err)
{
	char *sql = history_sql_progress_stmt(r->h), idx[16];
	const char *params[2] = { b->hp.version, idx };
	int rc;

	snprintf(idx, sizeof(idx), "%d", stmt);
	rc = exec_unwatched(r, sql, 2, params, err);
	free(sql);
	return rc;
}

/* Between batches: replica lag, --batch-delay, --batch-rate. */
static void batch_throttle(struct runner *r, long long rows, int64_t took_ms)
{
	long wait = r->cfg->batch_delay_ms;

	if (r->cfg->batch_rate > 0) {
		long need = (long)(rows * 1000 / r->cfg->batch_rate) - (long)took_ms;
		if (need > wait)
			wait = need;
	}
	if (wait > 0 && !interrupt_signal())
		sleep_ms(wait);
	if (!interrupt_signal())
		replica_wait(r->db, r->cfg->max_replica_lag_ms);
}

/* On a terminal: rows, batches, rate, and the time left from the row estimate. */
static void batch_progress_line(struct batched *b, const struct step *s, int stmt, int done)
{
	double secs = (now_ms() - b->started) / 1000.0, rate = secs > 0 ? b->rows / secs : 0;
	char eta[48] = "";

	if (log_verbosity < 0 || !isatty(STDERR_FILENO))
		return;
	if (!done && b->estimate > b->rows && rate > 0)
		snprintf(eta, sizeof(eta), ", about %.0fs left", (b->estimate - b->rows) / rate);
	fprintf(stderr, "\r  %s:%d: %lld rows in %lld batches, %.0f rows/s%s\033[K%s", shown(s->path),
		s->script.stmts[stmt].line, b->rows, b->batches, rate, eta, done ? "\n" : "");
	fflush(stderr);
}

static void batch_event(struct runner *r, const struct step *s, int stmt, long long n,
			const struct batched *b)
{
	json_t *o;

	if (!events_on())
		return;
	o = json_object();
	json_object_set_new(o, "version", json_string(s->version_str));
	json_object_set_new(o, "file", json_string(s->path));
	json_object_set_new(o, "line", json_integer(s->script.stmts[stmt].line));
	json_object_set_new(o, "rows", json_integer(n));
	json_object_set_new(o, "total_rows", json_integer(b->rows));
	json_object_set_new(o, "batches", json_integer(b->batches));
	json_object_set_new(o, "last", json_string(b->last ? b->last : ""));
	events_emit("batch", o);
	(void)r;
}

static PGresult *batch_exec(void *ud, const char *sql, int n, const char *const *params)
{
	return runner_exec(ud, sql, n, params);
}

/* One batch; its rows (>= 0) in *n; 1 when it did some, 0 when none was left, -1 on an
 * error in *err (rolled back). */
static int batch_once(struct runner *r, struct step *s, int stmt, const struct batch_sql *bs,
		      struct batched *b, long long *rows, PGresult **err)
{
	char idx[16], *next;
	const char *hist[3] = { b->hp.version, b->direction, idx };
	int rc;

	snprintf(idx, sizeof(idx), "%d", stmt);
	if (r->watch)
		watch_stmt_begin(r->watch, stmt);
	rc = batch_next(r->db, bs, batch_exec, r, b->last, hist, &next, rows, err);
	if (r->watch)
		watch_stmt_end(r->watch, rc >= 0);
	if (rc <= 0)
		return rc;
	free(b->last);
	b->last = next;
	b->rows += *rows;
	b->batches++;
	batch_event(r, s, stmt, *rows, b);
	return 1;
}

/* A batched statement, from b->last to its end; each batch retried on lock timeouts. */
static int run_batches(struct runner *r, struct step *s, int stmt, struct batched *b,
		       int *retries, struct failure *f)
{
	struct batch_sql bs;
	PGresult *err = NULL;
	int rc, attempt = 0;

	if ((rc = batch_sql_build(r->db, r->h, s, (size_t)stmt, 0, &bs)) < 0)
		return rc == -1 ? -2 : -1;
	b->estimate = batch_row_estimate(r->db, s, (size_t)stmt);
	b->started = now_ms();
	b->rows = b->batches = 0;
	log_debug("batches of %ld over %s %s", (long)s->script.stmts[stmt].batch,
		  shown_text(bs.table), shown_text(bs.key));
	for (;;) {
		int64_t t0 = now_ms();
		long long n = 0;

		if (interrupt_signal()) {
			fail_with(f, "57014", "interrupted between batches");
			rc = -1;
			break;
		}
		rc = batch_once(r, s, stmt, &bs, b, &n, &err);
		if (rc == 0)
			break;
		if (rc > 0) {
			attempt = 0;
			batch_progress_line(b, s, stmt, 0);
			batch_throttle(r, n, now_ms() - t0);
			continue;
		}
		report_failure(r, s, stmt, err, f);
		PQclear(err);
		err = NULL;
		if (is_retryable(f) && attempt < r->cfg->retries && !connection_lost(r) &&
		    !interrupt_signal()) {
			long d = backoff_ms(r, attempt);
			attempt++;
			(*retries)++;
			log_info("  lock timeout in a batch at %s:%d, retry %d/%d in %ldms", shown(s->path),
				 s->script.stmts[stmt].line, attempt, r->cfg->retries, d);
			if (r->watch)
				watch_retry(r->watch, stmt, attempt, r->cfg->retries, d);
			sleep_ms(d);
			continue;
		}
		if (is_retryable(f))
			report_lock_exhausted(r, s, stmt, attempt);
		break;
	}
	batch_progress_line(b, s, stmt, 1);
	if (rc == 0 && progress_next(r, b, stmt + 1, &err) < 0) {
		report_failure(r, s, -1, err, f);
		PQclear(err);
		rc = -1;
	}
	batch_sql_release(&bs);
	return rc;
}

/* Another statement of a batched migration: in a transaction with its progress. */
static int run_with_progress(struct runner *r, struct step *s, int stmt, struct batched *b,
			     int *retries, struct failure *f)
{
	const struct sql_stmt *st = &s->script.stmts[stmt];
	PGresult *err = NULL;

	for (;;) {
		int failed_at = -1;

		if (interrupt_signal()) {
			fail_with(f, "57014", "interrupted between statements");
			return -1;
		}
		if (exec_unwatched(r, "BEGIN", 0, NULL, &err) < 0)
			failed_at = -2;
		else if (exec_stmt(r, stmt, st->text, &err) < 0)
			failed_at = stmt;
		else if (progress_next(r, b, stmt + 1, &err) < 0 ||
			 exec_unwatched(r, "COMMIT", 0, NULL, &err) < 0)
			failed_at = -2;
		if (failed_at == -1)
			return 0;
		report_failure(r, s, failed_at == -2 ? -1 : failed_at, err, f);
		PQclear(err);
		err = NULL;
		if (!connection_lost(r) && PQtransactionStatus(r->db->conn) != PQTRANS_IDLE)
			PQclear(PQexec(r->db->conn, "ROLLBACK"));
		if (!is_retryable(f) || *retries >= r->cfg->retries || connection_lost(r) ||
		    interrupt_signal()) {
			if (is_retryable(f))
				report_lock_exhausted(r, s, stmt, *retries);
			return -1;
		}
		{
			long d = backoff_ms(r, *retries);
			(*retries)++;
			log_info("  lock timeout at %s:%d (%s), rolled back; retry %d/%d in %ldms",
				 s->path, st->line, sql_stmt_kind(st->node), *retries, r->cfg->retries, d);
			if (r->watch)
				watch_retry(r->watch, stmt, *retries, r->cfg->retries, d);
			sleep_ms(d);
		}
	}
}

/*
 * Before any change: every batched statement whose table exists has a key
 * it can walk (the others, on tables the migration creates, are checked
 * when they run). 0, -2 refused (printed), -1 error.
 */
static int batch_precheck(struct runner *r, struct step *s, int from)
{
	size_t i;

	for (i = (size_t)from; i < s->script.n; i++) {
		struct batch_sql bs;
		int rc;

		if (!s->script.stmts[i].batch)
			continue;
		rc = batch_sql_build(r->db, r->h, s, i, 1, &bs);
		batch_sql_release(&bs);
		if (rc < 0)
			return rc == -1 ? -2 : -1;
	}
	return 0;
}

/* The history row marked dirty with its progress at the start, in one transaction. */
static int batched_begin(struct runner *r, const struct step *s, int direction, struct batched *b,
			 PGresult **err)
{
	char *ins = direction > 0 ? history_sql_insert(r->h) : history_sql_set_state(r->h);
	char *prog = history_sql_progress_start(r->h);
	const char *state_params[2] = { b->hp.version, "dirty" };
	const char *prog_params[3] = { b->hp.version, b->direction, NULL };
	char sha[65];
	int rc = -1;

	if (direction < 0) { /* a resumed down must run the same down SQL */
		sha256_hex(s->sql, strlen(s->sql), sha);
		prog_params[2] = sha;
	}

	if (exec_unwatched(r, "BEGIN", 0, NULL, err) == 0 &&
	    (direction > 0 ? exec_unwatched(r, ins, 7, b->hp.insert, err)
			   : exec_unwatched(r, ins, 2, state_params, err)) == 0 &&
	    exec_unwatched(r, prog, 3, prog_params, err) == 0 &&
	    exec_unwatched(r, "COMMIT", 0, NULL, err) == 0)
		rc = 0;
	if (rc < 0 && !connection_lost(r) && PQtransactionStatus(r->db->conn) != PQTRANS_IDLE)
		PQclear(PQexec(r->db->conn, "ROLLBACK"));
	free(ins);
	free(prog);
	return rc;
}

/* The batches done: the history row applied (up) or gone (down), and the log row. */
static int batched_end(struct runner *r, int direction, int retries, struct batched *b,
		       PGresult **err)
{
	char *sql = direction > 0 ? history_sql_set_state(r->h) : history_sql_delete(r->h);
	const char *state_params[2] = { b->hp.version, "applied" };
	int rc;

	rc = direction > 0 ? exec_unwatched(r, sql, 2, state_params, err)
			   : exec_unwatched(r, sql, 1, b->hp.del, err);
	free(sql);
	if (rc == 0) {
		b->hp.le.retries = retries;
		b->hp.le.blockers = r->watch ? watch_blockers_json(r->watch) : NULL;
		history_log(r->h, r->db, &b->hp.le);
	}
	return rc;
}

/*
 * A migration with batched statements: no wrapping transaction; each batch,
 * and each other statement, its own transaction that also records the
 * progress in the history row; resumed where a stopped run left it. 0, -1
 * failed (dirty, resumable), -2 refused before any change.
 */
static int run_batched(struct runner *r, struct step *s, int direction, int *retries,
		       const char *note, struct failure *f)
{
	struct batched b;
	PGresult *err = NULL;
	int i, rc = -1, from = s->resuming ? s->resume_stmt : 0;

	memset(&b, 0, sizeof(b));
	fill_history_params(r, s, direction, 0, note, "dirty", &b.hp);
	b.direction = direction > 0 ? "up" : "down";
	b.last = s->resuming && s->resume_last ? xstrdup(s->resume_last) : NULL;
	if (run_reset_session(r->db, r->cfg->search_path, effective_lock_timeout(r, s),
			      effective_statement_timeout(r, s)) < 0)
		goto out;
	if ((rc = batch_precheck(r, s, from)) < 0)
		goto out;
	rc = -1;
	if (s->resuming)
		log_info("resuming %s %s at %s:%d%s", shown(s->version_str), shown(s->name), shown(s->path),
			 from < (int)s->script.n ? s->script.stmts[from].line : 0,
			 b.last ? " after the last committed batch" : "");
	else if (batched_begin(r, s, direction, &b, &err) < 0)
		goto fail_runner;
	for (i = from; i < (int)s->script.n; i++) {
		if (s->script.stmts[i].batch)
			rc = run_batches(r, s, i, &b, retries, f);
		else
			rc = run_with_progress(r, s, i, &b, retries, f);
		free(b.last);
		b.last = NULL;
		if (rc < 0)
			goto out;
	}
	rc = -1;
	if (run_reset_session(r->db, NULL, -1, -1) < 0 ||
	    batched_end(r, direction, *retries, &b, &err) < 0)
		goto fail_runner;
	rc = 0;
	goto out;
fail_runner:
	if (err || connection_lost(r))
		report_failure(r, s, -1, err, f);
	PQclear(err);
out:
	if (!connection_lost(r) && PQtransactionStatus(r->db->conn) != PQTRANS_IDLE)
		PQclear(PQexec(r->db->conn, "ROLLBACK"));
	if (!connection_lost(r))
		run_reset_session(r->db, NULL, -1, -1);
	free(b.last);
	return rc;
}

/* --- one migration, one direction ---------------------------------------------- */

static int64_t wall_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A failed step: record it in the audit log, say what it left; EXIT_*. */
static int report_failed(struct runner *r, struct step *s, int direction, const char *note,
			 int retries, int64_t started, struct failure *f)
{
	const char *verb = direction > 0 ? "applied" : "reverted";
	int sig = interrupt_signal();
	char *why = sig ? xasprintf("%s%sinterrupted by %s", note ? note : "", note ? " " : "",
				    sig == SIGINT ? "SIGINT" : "SIGTERM") : NULL;
	struct log_entry le = {
		.run_id = r->run_id, .version = s->version, .name = s->name,
		.direction = direction > 0 ? "up" : "down",
		.outcome = s->mode == TX_WRAPPED ? "failed" : "dirty",
		.sqlstate = f->sqlstate, .message = f->message, .retries = retries,
		.note = why ? why : note, .started_epoch_ms = started,
		.blockers = watch_blockers_json(r->watch),
	};

	history_log(r->h, r->db, &le);
	free(why);
	if (s->mode == TX_WRAPPED) {
		log_error("migration %s %s %s and was rolled back; nothing of it was %s",
			  s->version_str, s->name, sig ? "was interrupted" : "failed", verb);
	} else if (s->batched) {
		log_error("migration %s %s %s part way; version %s is marked dirty with its progress",
			  shown(s->version_str), shown(s->name), sig ? "was interrupted" : "failed",
			  shown(s->version_str));
		log_detail("every batch committed with the position it reached; the batch under way "
			   "was rolled back");
		log_hint("run \"migrate %s\" again once the cause is gone: it resumes after the last "
			 "committed batch (a changed file is not resumed: docs/batch.md)",
			 direction > 0 ? "up" : "down");
	} else {
		log_error("migration %s %s %s part way; version %s is marked dirty", shown(s->version_str),
			  shown(s->name), sig ? "was interrupted" : "failed", shown(s->version_str));
		log_detail("it ran without a transaction (%s), so the statements before the "
			   "failing one stay applied", tx_mode_name(s->mode));
		log_hint("fix the cause, then run \"migrate repair\" (drops the INVALID indexes it "
			 "left and lets \"migrate up\" run it again), or settle it by hand: undo what "
			 "it did and run \"migrate repair --mark-reverted %s\", or finish it and run "
			 "\"migrate repair --mark-applied %s\"", s->version_str, s->version_str);
	}
	return sig ? interrupt_exit_code() : EXIT_FAILED;
}

static int apply_watched(struct runner *r, struct step *s, int direction, const char *note)
{
	struct failure f = { NULL, NULL, -1, 0, 0 };
	int retries = 0, rc;
	int64_t t0 = now_ms(), started = wall_clock_ms();
	const char *verb = direction > 0 ? "applied" : "reverted";
	char *what;

	if (guard_steps(r->h, r->cfg->search_path, s, 1) != EXIT_OK)
		return EXIT_USAGE; /* up, down, redo refused it before any change: rollback */
	if (interrupt_signal()) {
		log_error("interrupted: %s %s %s not started", shown(s->version_str), shown(s->name),
			  direction > 0 ? "up" : "down");
		return interrupt_exit_code();
	}
	log_debug("%s %s %s (%s)", direction > 0 ? "applying" : "reverting", shown(s->version_str),
		  shown(s->name), tx_mode_name(s->mode));
	what = xasprintf("the %s of %s %s", direction > 0 ? "up" : "down", shown(s->version_str),
			 shown(s->name));

	interrupt_arm(r->db->conn, what);
	free(what);
	if (s->mode == TX_WRAPPED) {
		for (;;) {
			rc = run_wrapped(r, s, direction, retries, note, &f);
			if (rc > 0)
				continue; /* again, with the runner's statements unnamed */
			if (rc == 0 || !is_retryable(&f) || connection_lost(r) || interrupt_signal())
				break;
			if (retries >= r->cfg->retries) {
				report_lock_exhausted(r, s, f.stmt, retries);
				break;
			}
			{
				long d = backoff_ms(r, retries);
				const struct sql_stmt *st = f.stmt >= 0 ? &s->script.stmts[f.stmt] : NULL;
				retries++;
				log_info("  lock timeout at %s:%d (%s), rolled back; retry %d/%d in %ldms",
					 s->path, st ? st->line : 0, st ? sql_stmt_kind(st->node) : "statement",
					 retries, r->cfg->retries, d);
				watch_retry(r->watch, f.stmt, retries, r->cfg->retries, d);
				sleep_ms(d);
			}
		}
	} else if (s->batched) {
		rc = run_batched(r, s, direction, &retries, note, &f);
		if (rc == -2) {
			interrupt_disarm();
			failure_release(&f);
			return EXIT_USAGE; /* refused before any change */
		}
	} else {
		rc = run_unwrapped(r, s, direction, &retries, note, &f);
	}
	interrupt_disarm();
	if (rc == 0) {
		if (log_verbosity >= 0)
			/* by name the version is the name: said once */
			printf("%s %s%s%s (%s, %lld ms%s)\n", verb, shown(s->version_str),
			       strcmp(s->version_str, s->name) ? " " : "",
			       strcmp(s->version_str, s->name) ? shown(s->name) : "",
			       s->noop ? "empty" : tx_mode_name(s->mode), (long long)(now_ms() - t0),
			       retries ? ", after lock timeout retries" : "");
		fflush(stdout);
		watch_outcome(r->watch, 1, retries, now_ms() - t0, NULL, NULL, 0, 0);
		failure_release(&f);
		if (interrupt_signal())
			log_error("interrupted after %s %s was %s; stopping", shown(s->version_str), shown(s->name), verb);
		return interrupt_signal() ? interrupt_exit_code() : EXIT_OK;
	}
	watch_outcome(r->watch, 0, retries, now_ms() - t0, f.sqlstate, connection_lost(r) ?
		      "lost the connection to the server" : f.message, f.line, f.col);
	if (connection_lost(r)) {
		log_error("lost the connection to the server while %s %s %s",
			  direction > 0 ? "applying" : "reverting", s->version_str, s->name);
		if (s->mode == TX_WRAPPED)
			log_detail("its transaction either committed with its history row or was rolled "
				   "back as a whole");
		else if (s->batched)
			log_detail("it runs in batches: each committed batch recorded its position; "
				   "\"migrate %s\" resumes after the last one", direction > 0 ? "up" : "down");
		else
			log_detail("it runs without a transaction: unless it finished, its history row "
				   "says dirty");
		log_hint("\"migrate status\" shows which; run the command again when the server is back");
		failure_release(&f);
		return EXIT_CONNECT;
	}
	rc = report_failed(r, s, direction, note, retries, started, &f);
	failure_release(&f);
	return rc;
}

int runner_apply(struct runner *r, struct step *s, int direction, const char *note)
{
	struct watch w;
	int rc;

	watch_init(&w, r->db, r->cfg, r->h, r->run_id, s, direction);
	if (r->db->proxied)
		watch_pooled(&w, r->app_tag);
	r->watch = &w;
	quiet_wait(r->db, r->cfg, s);
	rc = apply_watched(r, s, direction, note);
	r->watch = NULL;
	watch_release(&w);
	return rc;
}
