/* step.c - a section parsed for running, and how it runs */
#include "sql/step.h"
#include "sql/batchsql.h"
#include "base/util.h"

#include <stdlib.h>

enum tx_mode tx_mode_decide(const struct sql_script *s, const struct directives *d,
			    int *first_notx, int *first_tx)
{
	int ctl = 0, notx = -1, tx = -1;
	size_t i;

	for (i = 0; i < s->n; i++) {
		int flags = sql_script_pos(s, i).flags; /* a streamed script's too */

		if (flags & STMT_TX_CONTROL)
			ctl = 1;
		else if (flags & STMT_NO_TX) {
			if (notx < 0)
				notx = (int)i;
		} else if (tx < 0)
			tx = (int)i;
	}
	if (first_notx)
		*first_notx = notx;
	if (first_tx)
		*first_tx = tx;
	if (ctl)
		return TX_SELF;
	if (d && d->no_transaction)
		return TX_NONE;
	for (i = 0; !s->stream && i < s->n; i++) /* a streamed one has none (lint/engine.c) */
		if (s->stmts[i].batch)
			return TX_NONE; /* -- migrate:batch N (sql/batchsql.c) */
	if (notx >= 0 && tx >= 0)
		return TX_MIXED;
	return notx >= 0 ? TX_NONE : TX_WRAPPED;
}

/* The batched statements: the directives assigned, and what may not share the migration. */
static int step_batches(struct step *s)
{
	size_t i;

	if ((s->batched = batch_assign(&s->script, s->path)) <= 0)
		return s->batched;
	for (i = 0; i < s->script.n; i++) {
		const struct sql_stmt *st = &s->script.stmts[i];

		if (!(st->flags & (STMT_NO_TX | STMT_TX_CONTROL)))
			continue;
		log_error_at(s->path, st->line, st->col, "%s cannot be in a migration with a batched "
			     "statement (-- migrate:batch)", sql_stmt_kind(st->node));
		log_detail("the other statements of a batched migration run each in a transaction "
			   "with its progress, so that a run stopped half way resumes where it stopped");
		log_hint("move it to a migration of its own");
		return -1;
	}
	return 0;
}

int step_prepare(struct step *s, const char *sql, const char *path, int line_base,
		 const struct directives *dir)
{
	int first_notx, first_tx;

	s->sql = sql;
	s->path = path;
	s->line_base = line_base;
	if (dir)
		s->dir = *dir;
	else {
		s->dir.no_transaction = 0;
		s->dir.lock_timeout_ms = s->dir.statement_timeout_ms = -1;
	}
	if (sql_script_parse(&s->script, sql, path, line_base) < 0) {
		log_warning_at(path, s->script.error_line, s->script.error_col,
			       "%s; the statement is sent to the server as written", s->script.error);
	}
	s->noop = s->script.n == 0;
	if (step_batches(s) < 0)
		return -1;
	s->mode = tx_mode_decide(&s->script, &s->dir, &first_notx, &first_tx);
	if (s->mode == TX_MIXED) {
		const struct sql_stmt *notx = &s->script.stmts[first_notx];

		log_error_at(path, notx->line, notx->col,
			     "%s cannot run inside a transaction, but this migration also has "
			     "statements that should (line %d)", sql_stmt_kind(notx->node),
			     s->script.stmts[first_tx].line);
		log_hint("move the statements that cannot run in a transaction to a migration of "
			 "their own, or add \"-- migrate:no-transaction\" to run every statement "
			 "on its own");
		return -1;
	}
	return 0;
}

void step_release(struct step *s)
{
	sql_script_release(&s->script);
	free(s->resume_last);
	s->resume_last = NULL;
}
