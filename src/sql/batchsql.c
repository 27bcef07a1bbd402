/* batchsql.c - statements under "-- migrate:batch N", and their parts */
#include "sql/batchsql.h"
#include "sql/directive.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* Why st cannot be batched, or NULL when it can. */
static const char *unbatchable(const struct sql_stmt *st)
{
	const PgQuery__Node *n = st->node;

	if (!n)
		return "it does not parse";
	if (n->node_case == PG_QUERY__NODE__NODE_UPDATE_STMT) {
		const PgQuery__UpdateStmt *u = n->update_stmt;

		if (u->with_clause)
			return "it has a WITH clause";
		if (u->n_from_clause)
			return "it has a FROM clause (an UPDATE that joins other tables)";
		if (u->n_returning_list)
			return "it has a RETURNING clause";
		if (u->where_clause && u->where_clause->node_case == PG_QUERY__NODE__NODE_CURRENT_OF_EXPR)
			return "it updates WHERE CURRENT OF a cursor";
		return NULL;
	}
	if (n->node_case == PG_QUERY__NODE__NODE_DELETE_STMT) {
		const PgQuery__DeleteStmt *d = n->delete_stmt;

		if (d->with_clause)
			return "it has a WITH clause";
		if (d->n_using_clause)
			return "it has a USING clause (a DELETE that joins other tables)";
		if (d->n_returning_list)
			return "it has a RETURNING clause";
		if (d->where_clause && d->where_clause->node_case == PG_QUERY__NODE__NODE_CURRENT_OF_EXPR)
			return "it deletes WHERE CURRENT OF a cursor";
		return NULL;
	}
	return "only an UPDATE or a DELETE can be batched";
}

long batch_size(const char *arg)
{
	char *end;
	long n = strtol(arg, &end, 10);

	return *arg >= '0' && *arg <= '9' && !*end && n >= 1 && n <= 100000000 ? n : 0;
}

/* The statement a directive at offset off batches: the first that starts after it; -1 when
 * none, or when the directive is inside a statement. */
static int batched_stmt(const struct sql_script *s, int off)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->stmts[i].offset > off)
			return (int)i;
		if (s->stmts[i].offset + s->stmts[i].len > off)
			return -1;
	}
	return -1;
}

struct assign {
	struct sql_script *s;
	const char *path;
	int n, errors;
};

static void assign_one(const char *src, int start, int end, void *ud)
{
	struct assign *a = ud;
	struct directive d;
	char *arg;
	long size;
	int i, line, col;
	const char *why;

	if (!directive_read(src + start, (size_t)(end - start), &d) || !directive_is(&d, "batch"))
		return;
	arg = xstrndup(d.args, d.args_len);
	size = batch_size(arg);
	free(arg);
	if (!size)
		return; /* reported by directives_parse */
	sql_linecol(src, start, a->s->line_base, &line, &col);
	if ((i = batched_stmt(a->s, start)) < 0) {
		log_error_at(a->path, line, col, "-- migrate:batch is not on the line before a "
			     "statement");
		log_hint("put it on the line before the UPDATE or DELETE it batches");
		a->errors++;
		return;
	}
	if ((why = unbatchable(&a->s->stmts[i]))) {
		const struct sql_stmt *st = &a->s->stmts[i];

		log_error_at(a->path, st->line, st->col, "cannot run %s in batches (-- migrate:batch, "
			     "line %d): %s", st->node ? sql_stmt_kind(st->node) : "this statement",
			     line, why);
		log_hint("a batched statement is a plain UPDATE or DELETE of one table, with "
			 "an optional WHERE (docs/batch.md)");
		a->errors++;
		return;
	}
	if (!a->s->stmts[i].batch)
		a->n++;
	a->s->stmts[i].batch = (int)size; /* at most 10^8 (batch_size) */
}

int batch_assign(struct sql_script *s, const char *path)
{
	struct assign a = { s, path, 0, 0 };

	if (!strstr(s->src, "migrate:batch"))
		return 0;
	sql_for_each_comment(s->src, assign_one, &a);
	return a.errors ? -1 : a.n;
}

/* --- the parts of the text ------------------------------------------------ */

struct cut {
	int rel_start, rel_end;     /* the relation (and alias) */
	int set_start, set_end;     /* UPDATE: the assignments */
	int where_start, where_end; /* the condition; where_start < 0: none */
};

static int is_comment(const PgQuery__ScanToken *t)
{
	return t->token == PG_QUERY__TOKEN__SQL_COMMENT || t->token == PG_QUERY__TOKEN__C_COMMENT;
}

/* Find the clause keywords at depth 0 (not inside parentheses). */
static void find_clauses(const PgQuery__ScanResult *sr, int is_delete, struct cut *c)
{
	size_t i;
	int depth = 0, last_end = 0, seen_from = 0, set_kw = -1;

	memset(c, 0, sizeof(*c));
	c->rel_start = c->set_start = c->where_start = -1;
	for (i = 0; i < sr->n_tokens; i++) {
		const PgQuery__ScanToken *t = sr->tokens[i];

		if (is_comment(t))
			continue;
		if (t->token == PG_QUERY__TOKEN__ASCII_40)
			depth++;
		else if (t->token == PG_QUERY__TOKEN__ASCII_41)
			depth--;
		else if (depth == 0 && i > 0 && c->rel_start < 0 &&
			 (!is_delete || t->token == PG_QUERY__TOKEN__FROM)) {
			seen_from = 1;
			c->rel_start = is_delete ? t->end : t->start;
			if (is_delete)
				continue;
		}
		if (depth == 0 && !is_delete && set_kw < 0 && t->token == PG_QUERY__TOKEN__SET) {
			set_kw = (int)i;
			c->rel_end = last_end;
			c->set_start = t->end;
		} else if (depth == 0 && seen_from && c->where_start < 0 &&
			   t->token == PG_QUERY__TOKEN__WHERE) {
			if (is_delete)
				c->rel_end = last_end;
			else
				c->set_end = last_end;
			c->where_start = t->end;
		}
		last_end = t->end;
	}
	if (c->where_start >= 0)
		c->where_end = last_end;
	else if (is_delete)
		c->rel_end = last_end;
	else
		c->set_end = last_end;
}

static char *piece(const char *text, int start, int end)
{
	while (start < end && strchr(" \t\r\n", text[start]))
		start++;
	return xstrndup(text + start, (size_t)(end - start));
}

static void read_targets(const PgQuery__UpdateStmt *u, struct batch_stmt *b)
{
	size_t i;

	b->targets = xcalloc(u->n_target_list + 1, sizeof(*b->targets));
	for (i = 0; i < u->n_target_list; i++)
		if (u->target_list[i]->node_case == PG_QUERY__NODE__NODE_RES_TARGET)
			b->targets[b->ntargets++] = xstrdup(u->target_list[i]->res_target->name);
}

int batch_stmt_read(const struct sql_stmt *st, struct batch_stmt *b)
{
	PgQueryScanResult r = pg_query_scan(st->text);
	PgQuery__ScanResult *sr = NULL;
	const PgQuery__RangeVar *rv;
	struct cut c;

	memset(b, 0, sizeof(*b));
	if (!r.error)
		sr = pg_query__scan_result__unpack(NULL, r.pbuf.len, (const uint8_t *)r.pbuf.data);
	pg_query_free_scan_result(r);
	if (!sr || !st->node)
		return -1;
	b->is_delete = st->node->node_case == PG_QUERY__NODE__NODE_DELETE_STMT;
	find_clauses(sr, b->is_delete, &c);
	pg_query__scan_result__free_unpacked(sr, NULL);
	if (c.rel_start < 0 || (!b->is_delete && c.set_start < 0))
		return -1;
	rv = b->is_delete ? st->node->delete_stmt->relation : st->node->update_stmt->relation;
	b->schema = rv->schemaname && *rv->schemaname ? xstrdup(rv->schemaname) : NULL;
	b->relname = xstrdup(rv->relname);
	b->qualifier = xstrdup(rv->alias && rv->alias->aliasname && *rv->alias->aliasname
			       ? rv->alias->aliasname : rv->relname);
	b->relation = piece(st->text, c.rel_start, c.rel_end);
	if (!b->is_delete) {
		b->set = piece(st->text, c.set_start, c.set_end);
		read_targets(st->node->update_stmt, b);
	}
	if (c.where_start >= 0)
		b->where = piece(st->text, c.where_start, c.where_end);
	return 0;
}

void batch_stmt_release(struct batch_stmt *b)
{
	size_t i;

	for (i = 0; i < b->ntargets; i++)
		free(b->targets[i]);
	free(b->targets);
	free(b->schema);
	free(b->relname);
	free(b->qualifier);
	free(b->relation);
	free(b->set);
	free(b->where);
	memset(b, 0, sizeof(*b));
}
