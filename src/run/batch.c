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

/* "($1 IS NULL OR (keys) > (the last key done))": the batch starts after it. */
static void add_after_last(struct strbuf *sb, const char *pre, char **qcols, char **types, int n)
{
	int k;

	strbuf_addf(sb, "($1::jsonb IS NULL OR (");
	add_keys(sb, pre, qcols, n, "");
	strbuf_addf(sb, ") > (");
	for (k = 0; k < n; k++)
		strbuf_addf(sb, "%s($1::jsonb->>%d)::%s", k ? ", " : "", k, types[k]);
	strbuf_addf(sb, "))");
}

/*
 * The statement of one batch (struct batch_sql) from the parts and the key:
 * the next `size` keys after the last one done that the statement's WHERE
 * matches (_migrate_batch), the greatest of them (_migrate_last), then the
 * statement itself on the key range (last done, greatest] with its own WHERE
 * (in the statement's snapshot, exactly the rows of _migrate_batch: an index
 * range scan, rechecked on a row's newest version when another transaction
 * changed it), and the position recorded in the history row.
 */
static char *build(const struct batch_stmt *b, const struct history *h, char **qcols,
		   char **types, int n, long size)
{
	struct strbuf sb = STRBUF_INIT, pre = STRBUF_INIT;
	char *q = db_quote_ident(b->qualifier), *hist;

	strbuf_addf(&pre, "%s.", q);
	strbuf_addf(&sb, "WITH _migrate_batch AS (SELECT ");
	add_keys(&sb, pre.buf, qcols, n, "");
	strbuf_addf(&sb, " FROM %s\nWHERE ", b->relation);
	add_after_last(&sb, pre.buf, qcols, types, n);
	if (b->where)
		strbuf_addf(&sb, " AND (%s\n)", b->where);
	strbuf_addf(&sb, "\nORDER BY ");
	add_keys(&sb, pre.buf, qcols, n, "");
	strbuf_addf(&sb, " LIMIT %ld),\n_migrate_last AS (SELECT ", size);
	add_keys(&sb, "_b.", qcols, n, "");
	strbuf_addf(&sb, ", jsonb_build_array(");
	add_keys(&sb, "_b.", qcols, n, "");
	strbuf_addf(&sb, ") AS _migrate_key FROM _migrate_batch _b ORDER BY ");
	add_keys(&sb, "_b.", qcols, n, " DESC");
	strbuf_addf(&sb, " LIMIT 1),\n_migrate_rows AS (");
	if (b->is_delete)
		strbuf_addf(&sb, "DELETE FROM %s\n", b->relation);
	else
		strbuf_addf(&sb, "UPDATE %s SET %s\n", b->relation, b->set);
	strbuf_addf(&sb, "WHERE ");
	if (b->where)
		strbuf_addf(&sb, "(%s\n) AND ", b->where);
	add_after_last(&sb, pre.buf, qcols, types, n);
	strbuf_addf(&sb, " AND (");
	add_keys(&sb, pre.buf, qcols, n, "");
	strbuf_addf(&sb, ") <= (SELECT ");
	add_keys(&sb, "_l.", qcols, n, "");
	strbuf_addf(&sb, " FROM _migrate_last _l) RETURNING 1),\n"
		    "_migrate_n AS (SELECT count(*) AS n FROM _migrate_rows)");
	/* the position, committed with the batch: it never disagrees with the data */
	if (h) {
		hist = history_sql_progress_batch(h);
		strbuf_addf(&sb, ",\n_migrate_progress AS (%s)", hist);
		free(hist);
	}
	strbuf_addf(&sb, "\nSELECT _l._migrate_key::text, _n.n, %s FROM _migrate_last _l, "
		    "_migrate_n _n", h ? "(SELECT count(*) FROM _migrate_progress)" : "0");
	free(q);
	strbuf_release(&pre);
	return strbuf_detach(&sb, NULL);
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
	out->sql = build(b, h, qcols, types, n, st->batch);
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
	free(b->sql);
	free(b->table);
	free(b->key);
	memset(b, 0, sizeof(*b));
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
