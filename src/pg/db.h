/* db.h - libpq: connect, exec, errors mapped to files, advisory lock */
#ifndef MIGRATE_DB_H
#define MIGRATE_DB_H

#include <libpq-fe.h>
#include <stdint.h>

struct db {
	PGconn *conn;
	char *display;    /* redacted description of the target, safe to print */
	char *password;   /* scrubbed from every message we print; never printed */
	int server_version;
	int verbose;
	int proxied;      /* through a proxy such as PgBouncer (set by runlock.c) */
};

/* Redact the password of a URL or key=value conninfo; returns a new string. */
char *redact_conninfo(const char *conninfo);

/* Connect (url NULL: libpq defaults). Prints the reason on failure; returns 0, -1, or -2
 * when url cannot be parsed (a configuration error). */
int db_connect(struct db *db, const char *url, int verbose);
void db_close(struct db *db);
/* Print the server's notices (scrubbed) with -v, as db_connect's connections do. */
void db_watch_notices(struct db *db);
/*
 * A second connection to the very server db is connected to (same host,
 * port, user, database, password), under application_name; NULL when it
 * cannot be had. The caller PQfinish-es it.
 */
PGconn *db_connect_beside(const struct db *db, const char *application_name);
/* Move an open connection from src to dst (src is left empty). */
void db_move(struct db *dst, struct db *src);

/* Copy of msg with the password replaced by "***". */
char *db_scrub(const struct db *db, const char *msg);

/* Run SQL with $n text parameters; returns the result (caller PQclear) or NULL after printing. */
PGresult *db_exec(struct db *db, const char *sql, int nparams, const char *const *params);
/* Run SQL that returns no rows; 0 or -1 (error printed). */
int db_command(struct db *db, const char *sql, int nparams, const char *const *params);
/* Print a server error: sqlstate, message, detail, hint (scrubbed). */
void db_print_result_error(const struct db *db, const PGresult *res);

/* Quote an identifier (never NULL). */
char *db_quote_ident(const char *ident);

/* The session holding advisory lock key (decimal text): "pid 1234 (migrate, user app,
 * connected 5s ago)", NULL when nobody holds it. */
char *db_advisory_holder(struct db *db, const char *key);
/* Advisory lock: polled up to wait_ms; 1 taken, 0 timed out, -1 error. */
int db_advisory_lock(struct db *db, int64_t key, long wait_ms, const char *what);
int db_advisory_unlock(struct db *db, int64_t key);
/* Stable 64-bit key for a name. */
int64_t db_lock_key(const char *name);

/*
 * A connection string for a client program (pg_dump, pg_restore, psql) to the
 * server conn is connected to, with dbname replaced when not NULL, and
 * without any secret (password, sslpassword): the child gets those through
 * its environment or .pgpass, never its argument vector.
 */
char *db_child_conninfo(PGconn *conn, const char *dbname);

#endif
