/* batch.c - keyset batches of an UPDATE or DELETE (docs/batch.md) */
#include "run/batch.h"
#include "sql/batchsql.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* The table's name for to_regclass: quoted, qualified as written. */
static char *regclass_text(const struct batch_stmt *b)
{
	char *qr = db_quote_ident(b->relname), *qs, *out;

	if (!b->schema)
		return qr;
	qs = db_quote_ident(b->schema);
	out = xasprintf("%s.%s", qs, qr);
	free(qs);
	free(qr);
	return out;
}

/*
 * The key: the primary key, else the unique index on NOT NULL columns
 * (no expression, no predicate, valid) with the fewest columns. One row per
 * key column, in order: name, type. No row: no usable key. NULL: error.
 */
static PGresult *key_columns(struct db *db, const char *oid)
{
	const char *params[1] = { oid };

	return db_exec(db,
		"WITH k AS (SELECT i.indexrelid, i.indrelid, i.indkey::int2[] AS cols, i.indnkeyatts "
		"  FROM pg_index i WHERE i.indrelid = $1::oid AND i.indisunique AND i.indisvalid "
		"  AND i.indpred IS NULL AND i.indexprs IS NULL AND NOT EXISTS ("
		"    SELECT 1 FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(attnum, pos) "
		"    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.attnum "
		"    WHERE u.pos <= i.indnkeyatts AND NOT a.attnotnull) "
		"  ORDER BY i.indisprimary DESC, i.indnkeyatts, i.indexrelid LIMIT 1) "
		"SELECT a.attname, format_type(a.atttypid, a.atttypmod) "
		"FROM k, unnest(k.cols) WITH ORDINALITY u(attnum, pos) "
		"JOIN pg_attribute a ON a.attnum = u.attnum "
		"WHERE a.attrelid = k.indrelid AND u.pos <= k.indnkeyatts ORDER BY u.pos", 1, params);
}

/* "q.a, q.b" (prefix "q.") or "a, b" with the key's quoted names. */
static void add_keys(struct strbuf *sb, const char *prefix, char **qcols, int n, const char *suffix)
{
	int k;

	for (k = 0; k < n; k++)
		strbuf_addf(sb, "%s%s%s%s", k ? ", " : "", prefix, qcols[k], suffix);
}

/* "(key columns) OP (the key in JSON parameter $param)" */
static void add_compare(struct strbuf *sb, const char *pre, char **qcols, char **types, int n,
			const char *op, int param)
{
	int k;

	strbuf_addch(sb, '(');
	add_keys(sb, pre, qcols, n, "");
	strbuf_addf(sb, ") %s (", op);
	for (k = 0; k < n; k++)
		strbuf_addf(sb, "%s($%d::jsonb->>%d)::%s", k ? ", " : "", param, k, types[k]);
	strbuf_addch(sb, ')');
}

/* "($1 IS NULL OR (keys) > (the last key done))": the batch starts after it. The
 * parameters are planned as the values they are (PQexecParams' unnamed statement):
 * an index range scan. */
static void add_after_last(struct strbuf *sb, const char *pre, char **qcols, char **types, int n)
{
	strbuf_addstr(sb, "($1::jsonb IS NULL OR ");
	add_compare(sb, pre, qcols, types, n, ">", 1);
	strbuf_addch(sb, ')');
}

/*
 * The pick: the next `size` keys after the last one done that the statement's
 * WHERE matches, and the greatest of them (max() for one column, computed on
 * the keys alone; a composite key sorts the keys, the greatest first).
 */
static char *build_pick(const struct batch_stmt *b, const char *pre, char **qcols, char **types,
			int n, long size)
{
	struct strbuf sb = STRBUF_INIT;

	if (n == 1)
		strbuf_addf(&sb, "SELECT jsonb_build_array(_m)::text FROM (SELECT max(_b.%s) AS _m "
			    "FROM (SELECT ", qcols[0]);
	else {
		strbuf_addstr(&sb, "SELECT jsonb_build_array(");
		add_keys(&sb, "_l.", qcols, n, "");
		strbuf_addstr(&sb, ")::text FROM (SELECT _b.* FROM (SELECT ");
	}
	add_keys(&sb, pre, qcols, n, "");
	strbuf_addf(&sb, " FROM %s\nWHERE ", b->relation);
	add_after_last(&sb, pre, qcols, types, n);
	if (b->where)
		strbuf_addf(&sb, " AND (%s\n)", b->where);
	strbuf_addstr(&sb, "\nORDER BY ");
	add_keys(&sb, pre, qcols, n, "");
	strbuf_addf(&sb, " LIMIT %ld) _b", size);
	if (n == 1) {
		strbuf_addstr(&sb, ") _l WHERE _m IS NOT NULL");
	} else {
		strbuf_addstr(&sb, " ORDER BY ");
		add_keys(&sb, "_b.", qcols, n, " DESC");
		strbuf_addstr(&sb, " LIMIT 1) _l");
	}
	return strbuf_detach(&sb, NULL);
}

/*
 * The statement itself on the key range (last done, greatest picked], with its
 * own WHERE: the rows picked, and any that a concurrent transaction committed
 * into that range since (the next batch starts after it). Its rows are in the
 * command tag.
 */
static char *build_apply(const struct batch_stmt *b, const char *pre, char **qcols, char **types,
			 int n)
{
	struct strbuf sb = STRBUF_INIT;

	if (b->is_delete)
		strbuf_addf(&sb, "DELETE FROM %s\n", b->relation);
	else
		strbuf_addf(&sb, "UPDATE %s SET %s\n", b->relation, b->set);
	strbuf_addstr(&sb, "WHERE ");
	if (b->where)
		strbuf_addf(&sb, "(%s\n) AND ", b->where);
	add_after_last(&sb, pre, qcols, types, n);
	strbuf_addstr(&sb, " AND ");
	add_compare(&sb, pre, qcols, types, n, "<=", 2);
	return strbuf_detach(&sb, NULL);
}

static void build(const struct batch_stmt *b, const struct history *h, char **qcols,
		  char **types, int n, long size, struct batch_sql *out)
{
	char *q = db_quote_ident(b->qualifier), *pre = xasprintf("%s.", q);

	out->pick = build_pick(b, pre, qcols, types, n, size);
	out->apply = build_apply(b, pre, qcols, types, n);
	/* the position, committed with the batch: it never disagrees with the data */
	out->progress = h ? history_sql_progress_batch(h) : NULL;
	free(pre);
	free(q);
}

/* A key column the UPDATE assigns: the batches would meet its rows again. */
static const char *assigned_key(const struct batch_stmt *b, PGresult *keys)
{
	size_t t;
	int k;

	for (t = 0; t < b->ntargets; t++)
		for (k = 0; k < PQntuples(keys); k++)
			if (!strcmp(b->targets[t], PQgetvalue(keys, k, 0)))
				return b->targets[t];
	return NULL;
}

static int refuse_no_key(const struct step *s, const struct sql_stmt *st, const char *table)
{
	log_error_at(s->path, st->line, st->col, "cannot run this %s in batches: table %s has "
		     "no primary key and no unique index on NOT NULL columns",
		     sql_stmt_kind(st->node), shown_text(table));
	log_detail("the batches walk the table in the order of such a key, each starting "
		   "after the last row of the one before");
	log_hint("add a primary key first, or remove -- migrate:batch and run the statement "
		 "as one transaction");
	return -1;
}

/* The table's oid (text) in *oid, NULL when it does not exist; -1 on error. */
static int table_oid(struct db *db, const struct batch_stmt *b, char **oid)
{
	char *name = regclass_text(b);
	const char *params[1] = { name };
	PGresult *res = db_exec(db, "SELECT to_regclass($1)::oid::text", 1, params);

	free(name);
	*oid = NULL;
	if (!res)
		return -1;
	if (!PQgetisnull(res, 0, 0))
		*oid = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

static int build_from_keys(const struct history *h, const struct step *s,
			   const struct sql_stmt *st, const struct batch_stmt *b, PGresult *keys,
			   struct batch_sql *out)
{
	int n = PQntuples(keys), k;
	char **qcols = xcalloc((size_t)n + 1, sizeof(*qcols)), **types = xcalloc((size_t)n + 1,
									       sizeof(*types));
	const char *col = assigned_key(b, keys);
	struct strbuf key = STRBUF_INIT;

	if (col) {
		log_error_at(s->path, st->line, st->col, "cannot run this UPDATE in batches: it "
			     "assigns column \"%s\" of the key the batches walk", shown(col));
		log_hint("batches need a key that the statement does not change");
		free(qcols);
		free(types);
		return -1;
	}
	for (k = 0; k < n; k++) {
		qcols[k] = db_quote_ident(PQgetvalue(keys, k, 0));
		types[k] = PQgetvalue(keys, k, 1);
		strbuf_addf(&key, "%s%s", k ? ", " : "(", qcols[k]);
	}
	strbuf_addch(&key, ')');
	build(b, h, qcols, types, n, st->batch, out);
	out->key = strbuf_detach(&key, NULL);
	out->nkeys = n;
	for (k = 0; k < n; k++)
		free(qcols[k]);
	free(qcols);
	free(types);
	return 0;
}

int batch_sql_build(struct db *db, const struct history *h, const struct step *s, size_t i,
		    int missing_ok, struct batch_sql *out)
{
	const struct sql_stmt *st = &s->script.stmts[i];
	struct batch_stmt b;
	PGresult *keys = NULL;
	char *oid = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (batch_stmt_read(st, &b) < 0) {
		log_error_at(s->path, st->line, st->col, "cannot run this statement in batches: "
			     "its text does not scan");
		return -1;
	}
	out->table = regclass_text(&b);
	if (table_oid(db, &b, &oid) < 0) {
		rc = -2;
	} else if (!oid) {
		rc = 1;
		if (!missing_ok) {
			log_error_at(s->path, st->line, st->col, "table %s does not exist",
				     shown_text(out->table));
			rc = -1;
		}
	} else if (!(keys = key_columns(db, oid))) {
		rc = -2;
	} else if (PQntuples(keys) == 0) {
		rc = refuse_no_key(s, st, out->table);
	} else {
		rc = build_from_keys(h, s, st, &b, keys, out);
	}
	PQclear(keys);
	free(oid);
	batch_stmt_release(&b);
	return rc;
}

void batch_sql_release(struct batch_sql *b)
{
	free(b->pick);
	free(b->apply);
	free(b->progress);
	free(b->table);
	free(b->key);
	memset(b, 0, sizeof(*b));
}

static PGresult *exec_params(struct db *db, batch_exec_fn ex, void *ud, const char *sql, int n,
			     const char *const *params)
{
	if (ex)
		return ex(ud, sql, n, params);
	return PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0);
}

/* sql in the batch's transaction; 0, or -1 with the result in *err. */
static int step(struct db *db, batch_exec_fn ex, void *ud, const char *sql, int n,
		const char *const *params, ExecStatusType want, PGresult **res)
{
	*res = exec_params(db, ex, ud, sql, n, params);
	return PQresultStatus(*res) == want ? 0 : -1;
}

int batch_next(struct db *db, const struct batch_sql *b, batch_exec_fn ex, void *ud,
	       const char *last, const char *const *hist, char **next, long long *rows,
	       PGresult **err)
{
	const char *pick[1] = { last }, *range[2] = { last, NULL }, *prog[5];
	char n[24];
	PGresult *res = NULL;

	*next = NULL;
	*rows = 0;
	if (step(db, ex, ud, b->pick, 1, pick, PGRES_TUPLES_OK, &res) < 0)
		goto fail;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	*next = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	range[1] = *next;
	if (b->progress) {
		if (step(db, ex, ud, "BEGIN", 0, NULL, PGRES_COMMAND_OK, &res) < 0)
			goto fail;
		PQclear(res);
	}
	if (step(db, ex, ud, b->apply, 2, range, PGRES_COMMAND_OK, &res) < 0)
		goto fail;
	*rows = atoll(PQcmdTuples(res));
	PQclear(res);
	if (b->progress) {
		snprintf(n, sizeof(n), "%lld", *rows);
		prog[0] = hist[0], prog[1] = hist[1], prog[2] = hist[2], prog[3] = *next, prog[4] = n;
		if (step(db, ex, ud, b->progress, 5, prog, PGRES_COMMAND_OK, &res) < 0)
			goto fail;
		PQclear(res);
		if (step(db, ex, ud, "COMMIT", 0, NULL, PGRES_COMMAND_OK, &res) < 0)
			goto fail;
		PQclear(res);
	}
	return 1;
fail:
	*err = res;
	free(*next);
	*next = NULL;
	if (PQstatus(db->conn) == CONNECTION_OK && PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		PQclear(PQexec(db->conn, "ROLLBACK"));
	return -1;
}

double batch_row_estimate(struct db *db, const struct step *s, size_t i)
{
	struct batch_stmt b;
	char *name;
	const char *params[1];
	PGresult *res;
	double n = -1;

	if (batch_stmt_read(&s->script.stmts[i], &b) < 0)
		return -1;
	name = regclass_text(&b);
	params[0] = name;
	res = db_exec(db, "SELECT reltuples::float8 FROM pg_class WHERE oid = to_regclass($1)",
		      1, params);
	if (res && PQntuples(res) == 1)
		n = atof(PQgetvalue(res, 0, 0));
	PQclear(res);
	free(name);
	batch_stmt_release(&b);
	return n;
}
