/* history.c - history and audit tables: create, inspect, load, SQL for the runner */
#include "pg/history.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Split one identifier off p: quoted ("a""b") or plain (folded to lower case). */
static const char *take_ident(const char *p, char **out)
{
	struct strbuf sb = STRBUF_INIT;

	if (*p == '"') {
		p++;
		for (;;) {
			if (!*p) {
				strbuf_release(&sb);
				return NULL;
			}
			if (*p == '"') {
				if (p[1] != '"')
					break;
				p++;
			}
			strbuf_addch(&sb, *p++);
		}
		p++;
	} else {
		while (*p && *p != '.') {
			char c = *p++;
			if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '$' || (unsigned char)c >= 0x80)) {
				strbuf_release(&sb);
				return NULL;
			}
			strbuf_addch(&sb, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
		}
	}
	if (!sb.len) {
		strbuf_release(&sb);
		return NULL;
	}
	*out = strbuf_detach(&sb, NULL);
	return p;
}

/*
 * PostgreSQL cuts identifiers to NAMEDATALEN - 1 bytes: a longer history
 * table name would land on another table, and its _log and _lock tables on
 * one another. Refuse them.
 */
#define IDENT_MAX 63

static int check_lengths(const struct history *h, const char *qualified)
{
	static const char *const suffix[] = { "", "_log", "_lock" };
	size_t i;

	if (strlen(h->schema) > IDENT_MAX) {
		log_error("invalid history table name \"%s\": the schema name is %zu bytes long, "
			  "PostgreSQL identifiers are at most %d bytes", qualified, strlen(h->schema),
			  IDENT_MAX);
		return -1;
	}
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		size_t len = strlen(h->table) + strlen(suffix[i]);

		if (len <= IDENT_MAX)
			continue;
		if (*suffix[i])
			log_error("history table name \"%s\" is too long: its %s table \"%s%s\" would be "
				  "%zu bytes, PostgreSQL identifiers are at most %d bytes", qualified,
				  suffix[i] + 1, h->table, suffix[i], len, IDENT_MAX);
		else
			log_error("history table name \"%s\" is too long: %zu bytes, PostgreSQL "
				  "identifiers are at most %d bytes", qualified, len, IDENT_MAX);
		log_hint("the table name may have at most %d bytes (its audit log and lock tables "
			 "add _log and _lock)", IDENT_MAX - 5);
		return -1;
	}
	return 0;
}

int history_init(struct history *h, const char *qualified)
{
	const char *p;
	char *a = NULL, *b = NULL, *qs, *qt, *logname, *ql;

	memset(h, 0, sizeof(*h));
	p = take_ident(qualified, &a);
	if (p && *p == '.')
		p = take_ident(p + 1, &b);
	if (!p || *p) {
		free(a);
		free(b);
		log_error("invalid history table name \"%s\"", qualified);
		log_hint("use schema.table, for example public.schema_migrations");
		return -1;
	}
	h->schema = b ? a : xstrdup("public");
	h->table = b ? b : a;
	if (check_lengths(h, qualified) < 0) {
		history_release(h);
		return -1;
	}
	h->display = xasprintf("%s.%s", h->schema, h->table);
	qs = db_quote_ident(h->schema);
	qt = db_quote_ident(h->table);
	logname = xasprintf("%s_log", h->table);
	ql = db_quote_ident(logname);
	h->qtable = xasprintf("%s.%s", qs, qt);
	h->qlog = xasprintf("%s.%s", qs, ql);
	free(qs);
	free(qt);
	free(ql);
	free(logname);
	return 0;
}

static void rows_release(struct history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		free(h->rows[i].name);
		free(h->rows[i].checksum);
		free(h->rows[i].down_sql);
		free(h->rows[i].applied_at);
		free(h->rows[i].applied_by);
		free(h->rows[i].tx_mode);
		free(h->rows[i].progress);
	}
	free(h->rows);
	h->rows = NULL;
	h->n = h->alloc = 0;
}

void history_release(struct history *h)
{
	rows_release(h);
	free(h->schema);
	free(h->table);
	free(h->qtable);
	free(h->qlog);
	free(h->display);
	memset(h, 0, sizeof(*h));
}

static const char *const our_columns[] = {
	"version", "name", "checksum", "down_sql", "applied_at", "applied_by",
	"os_user", "duration_ms", "tx_mode", "state",
};

static int has_column(PGresult *res, const char *col)
{
	int i;
	for (i = 0; i < PQntuples(res); i++)
		if (!strcmp(PQgetvalue(res, i, 0), col))
			return 1;
	return 0;
}

const char *history_foreign_tool(PGresult *res)
{
	int n = PQntuples(res);

	if (n == 2 && has_column(res, "version") && has_column(res, "dirty"))
		return "golang-migrate";
	if (n == 1 && has_column(res, "version"))
		return "dbmate";
	if (has_column(res, "version_id") && has_column(res, "is_applied"))
		return "goose";
	if (has_column(res, "version") && has_column(res, "run_on"))
		return "diesel";
	if (has_column(res, "migration_name") && has_column(res, "finished_at"))
		return "prisma";
	if (has_column(res, "id") && has_column(res, "applied_at"))
		return "sql-migrate";
	if (has_column(res, "installed_rank") && has_column(res, "script"))
		return "Flyway";
	if (has_column(res, "migration_id") || has_column(res, "inserted_at"))
		return "Ecto or another framework";
	return NULL;
}

PGresult *history_table_columns(struct db *db, const char *schema, const char *table)
{
	const char *params[2] = { schema, table };

	return db_exec(db,
		"SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) "
		"FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
		/* one index probe on (relname, relnamespace), whatever the catalog's statistics
		 * say: a join on nspname walked every tenant's schema_migrations */
		"WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) "
		"AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped "
		"ORDER BY a.attnum", 2, params);
}

/* Columns this version added to the log table (history_create adds them when missing). */
static const char *const log_added_columns[] = { "backup_path", "wal_lsn", "server_time",
						    "blockers" };

static int inspect_log(struct history *h, struct db *db)
{
	char *logname = xasprintf("%s_log", h->table);
	PGresult *res = history_table_columns(db, h->schema, logname);
	size_t i;

	free(logname);
	if (!res)
		return -1;
	h->log_current = PQntuples(res) > 0;
	for (i = 0; i < ARRAY_SIZE(log_added_columns); i++)
		if (!has_column(res, log_added_columns[i]))
			h->log_current = 0;
	PQclear(res);
	return 0;
}

int history_inspect(struct history *h, struct db *db)
{
	PGresult *res;
	const char *tool;
	size_t i;

	h->foreign = NULL;
	res = history_table_columns(db, h->schema, h->table);
	if (!res)
		return -1;
	h->exists = PQntuples(res) > 0;
	if (!h->exists) {
		PQclear(res);
		return inspect_log(h, db);
	}
	for (i = 0; i < ARRAY_SIZE(our_columns); i++)
		if (!has_column(res, our_columns[i]))
			break;
	if (i == ARRAY_SIZE(our_columns)) {
		h->progress_col = has_column(res, "progress");
		PQclear(res);
		return inspect_log(h, db);
	}
	tool = history_foreign_tool(res);
	if (tool && h->allow_foreign) {
		/* adopt: the caller takes it from here */
		h->foreign = tool;
		h->exists = 0;
		PQclear(res);
		return 0;
	}
	if (tool) {
		log_error("table %s holds the history of %s, not of migrate", h->display, tool);
		log_detail("migrate will not read or change another tool's history table");
		if (strcmp(tool, "Ecto or another framework"))
			log_hint("import it with \"migrate adopt --from %s\" (their table is kept, "
				 "renamed), or use another table for migrate (--table)",
				 strcmp(tool, "Flyway") ? tool : "flyway");
		else
			log_hint("use another table for migrate (--table public.migrate_history, or "
				 "migrations.table in migrate.yml) and record what is already applied "
				 "with \"migrate baseline VERSION\"");
	} else {
		log_error("table %s exists but is not a migrate history table (no column \"%s\")",
			  h->display, our_columns[i]);
		log_hint("point --table (or migrations.table in migrate.yml) at another table");
	}
	PQclear(res);
	return -1;
}

char *history_sql_create(const struct history *h, int create_schema)
{
	struct strbuf sb = STRBUF_INIT;
	char *qs = db_quote_ident(h->schema);

	strbuf_addf(&sb, "SET LOCAL lock_timeout = '5s'; SET LOCAL client_min_messages = warning; ");
	/* CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when it exists */
	if (create_schema)
		strbuf_addf(&sb, "CREATE SCHEMA IF NOT EXISTS %s; ", qs);
	strbuf_addf(&sb,
		"CREATE TABLE IF NOT EXISTS %s ("
		" version bigint PRIMARY KEY,"
		" name text NOT NULL,"
		" checksum text NOT NULL,"
		" down_sql text,"
		" applied_at timestamptz NOT NULL DEFAULT now(),"
		" applied_by text NOT NULL DEFAULT current_user,"
		" os_user text,"
		" duration_ms bigint,"
		" tx_mode text NOT NULL,"
		" state text NOT NULL DEFAULT 'applied' CHECK (state IN ('applied', 'dirty'))); ",
		h->qtable);
	strbuf_addf(&sb,
		"CREATE TABLE IF NOT EXISTS %s ("
		" id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
		" run_id text NOT NULL,"
		" version bigint,"
		" name text,"
		" direction text NOT NULL,"
		" started_at timestamptz NOT NULL,"
		" finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),"
		" outcome text NOT NULL,"
		" sqlstate text,"
		" message text,"
		" retries integer NOT NULL DEFAULT 0,"
		" db_user text NOT NULL DEFAULT current_user,"
		" os_user text,"
		" note text); ",
		h->qlog);
	/* added after the first release: an existing log table gets them here */
	strbuf_addf(&sb,
		"ALTER TABLE %s ADD COLUMN IF NOT EXISTS backup_path text, "
		"ADD COLUMN IF NOT EXISTS wal_lsn pg_lsn, "
		"ADD COLUMN IF NOT EXISTS server_time timestamptz, "
		"ADD COLUMN IF NOT EXISTS blockers jsonb; ",
		h->qlog);
	/* a batched migration's progress, committed with each batch (docs/batch.md) */
	strbuf_addf(&sb, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS progress jsonb", h->qtable);
	free(qs);
	return strbuf_detach(&sb, NULL);
}

/* 1 when the history table's schema exists, 0 when not, -1 on error. */
static int schema_exists(const struct history *h, struct db *db)
{
	const char *params[1] = { h->schema };
	PGresult *res = db_exec(db, "SELECT 1 FROM pg_namespace WHERE nspname = $1", 1, params);
	int n;

	if (!res)
		return -1;
	n = PQntuples(res);
	PQclear(res);
	return n > 0;
}

int history_create(struct history *h, struct db *db)
{
	int exists = schema_exists(h, db);
	char *body, *all;
	int rc;

	if (exists < 0)
		return -1;
	body = history_sql_create(h, !exists);
	all = xasprintf("BEGIN; %s; COMMIT", body);

	/* one transaction: both tables or neither */
	rc = db_command(db, all, 0, NULL);
	if (rc < 0 && PQstatus(db->conn) == CONNECTION_OK &&
	    PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		PQclear(PQexec(db->conn, "ROLLBACK"));
	free(all);
	free(body);
	if (rc == 0)
		h->exists = h->log_current = h->progress_col = 1;
	return rc;
}

static int cmp_row(const void *a, const void *b)
{
	const struct history_row *x = a, *y = b;
	return x->version < y->version ? -1 : x->version > y->version;
}

int history_load(struct history *h, struct db *db)
{
	char *sql;
	PGresult *res;
	int i;

	rows_release(h);
	if (!h->exists)
		return 0;
	sql = xasprintf("SELECT version, name, checksum, down_sql, "
			"to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
			"applied_by, tx_mode, coalesce(duration_ms, 0), state, %s "
			"FROM %s ORDER BY version", h->progress_col ? "progress::text" : "NULL",
			h->qtable);
	res = db_exec(db, sql, 0, NULL);
	free(sql);
	if (!res)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		struct history_row *r;

		ALLOC_GROW(h->rows, h->n + 1, h->alloc);
		r = &h->rows[h->n++];
		r->version = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		r->name = xstrdup(PQgetvalue(res, i, 1));
		r->checksum = xstrdup(PQgetvalue(res, i, 2));
		r->down_sql = PQgetisnull(res, i, 3) ? NULL : xstrdup(PQgetvalue(res, i, 3));
		r->applied_at = xstrdup(PQgetvalue(res, i, 4));
		r->applied_by = xstrdup(PQgetvalue(res, i, 5));
		r->tx_mode = xstrdup(PQgetvalue(res, i, 6));
		r->duration_ms = strtol(PQgetvalue(res, i, 7), NULL, 10);
		r->dirty = !strcmp(PQgetvalue(res, i, 8), "dirty");
		r->progress = PQgetisnull(res, i, 9) ? NULL : xstrdup(PQgetvalue(res, i, 9));
	}
	PQclear(res);
	if (h->n)
		qsort(h->rows, h->n, sizeof(*h->rows), cmp_row);
	return 0;
}

struct history_row *history_find(struct history *h, int64_t version)
{
	struct history_row key = { .version = version };

	if (!h->n)
		return NULL;
	return bsearch(&key, h->rows, h->n, sizeof(*h->rows), cmp_row);
}

char *history_sql_insert(const struct history *h)
{
	/* $1 version $2 name $3 checksum $4 down_sql $5 os_user $6 tx_mode $7 state */
	return xasprintf("INSERT INTO %s (version, name, checksum, down_sql, applied_by, os_user, "
			 "duration_ms, tx_mode, state) VALUES ($1, $2, $3, $4, current_user, $5, "
			 "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint, $6, $7)", h->qtable);
}

char *history_sql_delete(const struct history *h)
{
	return xasprintf("DELETE FROM %s WHERE version = $1", h->qtable);
}

char *history_sql_set_state(const struct history *h)
{
	/* applied_at was set when the row was written as dirty, before the first statement */
	return xasprintf("UPDATE %s SET state = $2, duration_ms = CASE WHEN $2 = 'applied' AND "
			 "state = 'dirty' THEN (extract(epoch FROM clock_timestamp() - applied_at) "
			 "* 1000)::bigint ELSE duration_ms END WHERE version = $1", h->qtable);
}

char *history_sql_progress_start(const struct history *h)
{
	return xasprintf("UPDATE %s SET progress = jsonb_build_object('direction', $2::text, "
			 "'stmt', 0, 'last', NULL, 'rows', 0, 'batches', 0) || CASE WHEN $3::text IS NULL "
			 "THEN '{}'::jsonb ELSE jsonb_build_object('down_sha256', $3::text) END "
			 "WHERE version = $1", h->qtable);
}

char *history_sql_progress_stmt(const struct history *h)
{
	return xasprintf("UPDATE %s SET progress = coalesce(progress, '{}'::jsonb) || "
			 "jsonb_build_object('stmt', $2::int, 'last', NULL) WHERE version = $1",
			 h->qtable);
}

char *history_sql_progress_batch(const struct history *h)
{
	return xasprintf("UPDATE %s SET progress = coalesce(progress, '{}'::jsonb) || "
			 "jsonb_build_object('direction', $2::text, 'stmt', $3::int, 'last', $4::jsonb, "
			 "'rows', coalesce((progress->>'rows')::bigint, 0) + $5::bigint, "
			 "'batches', coalesce((progress->>'batches')::bigint, 0) + 1) "
			 "WHERE version = $1::bigint", h->qtable);
}

char *history_sql_log(const struct history *h)
{
	/* $1 run $2 version $3 name $4 direction $5 started(ms epoch or NULL) $6 outcome
	 * $7 sqlstate $8 message $9 retries $10 os_user $11 note $12 blockers (JSON) */
	return xasprintf("INSERT INTO %s (run_id, version, name, direction, started_at, outcome, "
			 "sqlstate, message, retries, os_user, note, blockers) VALUES ($1, $2, $3, $4, "
			 "coalesce(to_timestamp($5::double precision / 1000), now()), $6, $7, $8, "
			 "$9, $10, $11, $12::jsonb)", h->qlog);
}

void history_insert_params(const struct history_entry *e, const char *params[7],
			   char version_buf[32])
{
	snprintf(version_buf, 32, "%lld", (long long)e->version);
	params[0] = version_buf;
	params[1] = e->name;
	params[2] = e->checksum;
	params[3] = e->down_sql;
	params[4] = os_user_name();
	params[5] = e->mode;
	params[6] = e->state;
}

void history_log_params(const struct log_entry *e, const char *params[12], char buf[][32])
{
	snprintf(buf[0], 32, "%lld", (long long)e->version);
	snprintf(buf[1], 32, "%lld", (long long)e->started_epoch_ms);
	snprintf(buf[2], 32, "%d", e->retries);
	params[0] = e->run_id;
	params[1] = e->versionless ? NULL : buf[0]; /* version 0 is a version */
	params[2] = e->name;
	params[3] = e->direction;
	params[4] = e->started_epoch_ms ? buf[1] : NULL;
	params[5] = e->outcome;
	params[6] = e->sqlstate;
	params[7] = e->message;
	params[8] = buf[2];
	params[9] = os_user_name();
	params[10] = e->note;
	params[11] = e->blockers;
}

int history_log(struct history *h, struct db *db, const struct log_entry *e)
{
	const char *params[12];
	char buf[3][32];
	char *sql = history_sql_log(h);
	int rc;

	history_log_params(e, params, buf);
	rc = db_command(db, sql, 12, params);
	free(sql);
	return rc;
}

int history_log_marker(struct history *h, struct db *db, const struct log_entry *e,
		       const struct log_marker *m)
{
	const char *params[15];
	char buf[3][32];
	char *sql = xasprintf("INSERT INTO %s (run_id, version, name, direction, started_at, outcome, "
			      "sqlstate, message, retries, os_user, note, blockers, backup_path, "
			      "wal_lsn, server_time) VALUES ($1, $2, $3, $4, coalesce(to_timestamp("
			      "$5::double precision / 1000), now()), $6, $7, $8, $9, $10, $11, "
			      "$12::jsonb, $13, $14, $15)", h->qlog);
	int rc;

	history_log_params(e, params, buf);
	params[12] = m->backup_path;
	params[13] = m->wal_lsn;
	params[14] = m->server_time;
	rc = db_command(db, sql, 15, params);
	free(sql);
	return rc;
}
