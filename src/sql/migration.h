/* migration.h - discover migration files, pair up/down, directives, checksums */
#ifndef MIGRATE_MIGRATION_H
#define MIGRATE_MIGRATION_H

#include <stdint.h>
#include <stddef.h>

/* How a migration is applied. */
enum tx_mode {
	TX_WRAPPED = 0,     /* in one transaction with its history row (default) */
	TX_NONE = 1,        /* no transaction: each statement alone (directive or CONCURRENTLY...) */
	TX_SELF = 2,        /* the file runs its own BEGIN ... COMMIT */
	TX_MIXED = 3,       /* needs and refuses a transaction: refused (sql/step.c) */
};
const char *tx_mode_name(enum tx_mode m);

/* Directives found in comments of one section. */
struct directives {
	int no_transaction;   /* -- migrate:no-transaction */
	long lock_timeout_ms; /* -- migrate:lock-timeout 2s ; -1 when absent */
	long statement_timeout_ms; /* -- migrate:statement-timeout 5min ; -1 when absent */
};

/* One direction of a migration: the SQL text and where it lives. */
struct section {
	char *path;       /* file it comes from, NULL when absent */
	char *sql;        /* text of the section, NULL when absent */
	int line_base;    /* line in path where sql starts (1 for a whole file) */
	struct directives dir;
};

/*
 * How versions come from file names (migrations.order). By version: the
 * leading digits are the version ({version}_{name}...). By name (directories
 * of tools that order by file name, repeated numeric prefixes allowed): files
 * are taken in byte order of their names, the whole stem (the name without
 * .up.sql, _up.sql, .down.sql, _down.sql or .sql) is the version text and the
 * version number is the position in that order (1, 2, ...).
 */
enum migration_order { ORDER_VERSION = 0, ORDER_NAME = 1 };
/* Set once from the configuration, before any directory is loaded. */
void migration_set_order(enum migration_order order);
enum migration_order migration_order(void);

/* Whose markers cut a single file into its up and down (struct migration.dbmate). */
enum { MARKS_DBMATE = 1, MARKS_GOOSE, MARKS_SQLMIGRATE };

struct migration {
	int64_t version;   /* by name: the position, from 1 */
	char *version_str; /* as written in the file name ("000042"); by name: the stem */
	char *name;        /* "add_users"; by name: the stem */
	char *first_file;  /* the first file read for it, for messages */
	struct section up, down;
	char checksum[65]; /* recorded: hex SHA-256 of the up section's statements (sql_normalized_text) */
	char checksum_bytes[65]; /* hex SHA-256 of the up section's bytes: what migrate < 0.2 recorded */
	int dbmate;        /* a single file with markers: MARKS_* (whose), 0 when not one */
};

struct migration_set {
	char *dir;
	struct migration *items; /* sorted by version */
	size_t n, alloc;
	int errors;   /* errors printed while loading */
	int warnings; /* warnings printed while loading */
	int unordered; /* while loading: items were not added in ascending version order */
	int no_checksums; /* loaded by migration_set_load_unsummed: checksums left empty */
};

/*
 * Load every migration in dir. Problems are printed with their file (and
 * line). Returns 0 when usable, -1 on errors (set->errors > 0). With quiet,
 * warnings are not printed.
 */
int migration_set_load(struct migration_set *set, const char *dir, int quiet);
/* The same without the checksums (each one a scan of its file): for lint, which never
 * compares them with the history. */
int migration_set_load_unsummed(struct migration_set *set, const char *dir, int quiet);
void migration_set_release(struct migration_set *set);
struct migration *migration_set_find(struct migration_set *set, int64_t version);

/* Parse a file name: 1 if it is a migration name, 0 if not .sql, -1 malformed. */
int migration_parse_name(const char *fname, int64_t *version, char **version_str,
			 char **name, int *direction /* 1 up, -1 down, 0 dbmate */);

/* Scan comments of a section for directives; errors printed with file:line. */
int directives_parse(const char *sql, const char *path, int line_base, struct directives *d);

/*
 * A recorded checksum still matches the file: the statements are the same
 * (comments and whitespace may differ), or, for a row recorded by an older
 * migrate, the bytes are.
 */
int migration_checksum_matches(const struct migration *m, const char *recorded);

/* Hex SHA-256 of len bytes into out[65]. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
