/* history.h - the history table (one row per applied version) and its audit log */
#ifndef MIGRATE_HISTORY_H
#define MIGRATE_HISTORY_H

#include "pg/db.h"
#include <stdint.h>

struct history_row {
	int64_t version;
	char *name;
	char *checksum;
	char *down_sql;   /* NULL when recorded without a down */
	char *applied_at;
	char *applied_by;
	char *tx_mode;
	long duration_ms;
	int dirty;
	char *progress;   /* a batched migration's progress (JSON, docs/batch.md), NULL: none */
};

struct history {
	char *schema, *table;   /* unquoted parts */
	char *qtable, *qlog;    /* quoted, schema-qualified: history and log tables */
	char *display;          /* schema.table as given, for messages */
	int exists;             /* the history table exists */
	int log_current;        /* the log table exists with every column of this version */
	int progress_col;       /* the history table has its progress column (batched migrations) */
	int allow_foreign;      /* inspect: another tool's table is not an error (adopt) */
	const char *foreign;    /* inspect: the tool whose table holds our name, or NULL */
	struct history_row *rows; /* sorted by version */
	size_t n, alloc;
};

/* Split "schema.table" (quotes allowed); 0 or -1 with a message. */
int history_init(struct history *h, const char *qualified);
void history_release(struct history *h);

/*
 * Check whether the tables exist and have our shape. A history table of
 * another tool (golang-migrate, dbmate, ...) is reported: returns -1.
 */
int history_inspect(struct history *h, struct db *db);
/* Name and type of each column of schema.table (no rows: no table); NULL after an error. */
PGresult *history_table_columns(struct db *db, const char *schema, const char *table);
/* The tool whose history table has these columns (golang-migrate, dbmate, ...), or NULL. */
const char *history_foreign_tool(PGresult *columns);

/*
 * Create schema, history and log tables when missing, and add the log columns
 * that an older migrate did not have (under the runner lock).
 */
int history_create(struct history *h, struct db *db);
/* The statements of history_create, to run inside a caller's transaction. */
char *history_sql_create(const struct history *h, int create_schema);
/* Read rows (when the table exists). */
int history_load(struct history *h, struct db *db);
struct history_row *history_find(struct history *h, int64_t version);

/* SQL texts for the runner (history columns in a fixed order). */
char *history_sql_insert(const struct history *h);      /* $1..$7 */
char *history_sql_delete(const struct history *h);      /* $1 version */
char *history_sql_set_state(const struct history *h);   /* $1 version, $2 state */
char *history_sql_log(const struct history *h);         /* $1..$12 */
/*
 * A batched migration's progress (docs/batch.md), a JSON object in its history
 * row: direction, stmt (the statement under way; those before it are done),
 * last (the last key done in it, a JSON array; null: none yet), rows, batches;
 * for a down, down_sha256: the down SQL it runs (a changed one is not resumed).
 */
/* $1 version, $2 direction, $3 the down SQL's sha256 (NULL for an up) */
char *history_sql_progress_start(const struct history *h);
char *history_sql_progress_stmt(const struct history *h);  /* $1 version, $2 stmt */
/* After one batch, in its transaction: $1 version, $2 direction, $3 stmt, $4 the
 * batch's last key (a JSON array), $5 the rows it changed. */
char *history_sql_progress_batch(const struct history *h);

/* A history row about to be written: history_sql_insert's $1..$7. */
struct history_entry {
	int64_t version;
	const char *name, *checksum, *down_sql;
	const char *mode;   /* tx_mode_name(): how it ran */
	const char *state;  /* "applied", or "dirty" while a no-transaction run is under way */
};
/* params[0..7) for history_sql_insert; version_buf (32 bytes) holds the version's text. */
void history_insert_params(const struct history_entry *e, const char *params[7],
			   char version_buf[32]);

/* One audit log row, written in its own statement (autocommit). */
struct log_entry {
	const char *run_id;
	int64_t version;
	int versionless;        /* a row of a whole run (backup, restore): version NULL */
	const char *name;
	const char *direction;  /* up, down, repair, ... */
	const char *outcome;    /* applied, reverted, failed, dirty, ... */
	const char *sqlstate;
	const char *message;
	int retries;
	const char *note;
	int64_t started_epoch_ms; /* client clock; 0: now() */
	const char *blockers;   /* JSON array of the sessions that blocked the attempt, or NULL */
};
int history_log(struct history *h, struct db *db, const struct log_entry *e);
/* The 12 parameters of history_sql_log for e; values point into buf[3][32]. */
void history_log_params(const struct log_entry *e, const char *params[12], char buf[][32]);

/*
 * A log row that marks a point in time for recovery: the backup taken (path,
 * NULL when skipped), the WAL position and the server time before a change.
 */
struct log_marker {
	const char *backup_path;
	const char *wal_lsn;
	const char *server_time; /* timestamptz text, as the server printed it */
};
int history_log_marker(struct history *h, struct db *db, const struct log_entry *e,
		       const struct log_marker *m);

#endif
