/* locks.h - what a statement locks, rewrites and scans (per server version)
 *
 * The knowledge of docs LOCKS.md as code: given a parse tree, which
 * relations a statement locks, in which mode, and whether it rewrites or
 * scans them. Context-free: it sees one statement, not the schema, so where
 * the answer depends on the schema (the old type of a column, whether a
 * valid CHECK (col IS NOT NULL) exists) it answers the conservative way and
 * the caller refines it. Used by lint and by `migrate plan`.
 */
#ifndef MIGRATE_LOCKS_H
#define MIGRATE_LOCKS_H

#include <stddef.h>
#include <pg_query/pg_query.pb-c.h>

/* Table-level lock modes, weakest first (the order of PostgreSQL's lockdefs.h). */
enum lock_mode {
	LOCK_NONE = 0,
	LOCK_ACCESS_SHARE,
	LOCK_ROW_SHARE,
	LOCK_ROW_EXCLUSIVE,
	LOCK_SHARE_UPDATE_EXCLUSIVE,
	LOCK_SHARE,
	LOCK_SHARE_ROW_EXCLUSIVE,
	LOCK_EXCLUSIVE,
	LOCK_ACCESS_EXCLUSIVE,
};

/* What the lock is taken on. */
enum lock_target {
	LOCK_ON_TABLE = 0,   /* a table, view, materialized view or partition */
	LOCK_ON_INDEX,       /* an index, known by its own name only */
	LOCK_ON_TYPE,        /* a type (ALTER TYPE ... ADD VALUE) */
	LOCK_ON_DATABASE,
	LOCK_ON_DOMAIN_USERS, /* every table with a column of the domain */
};

struct lock_effect {
	const char *schema;   /* NULL when not qualified (points into the tree) */
	const char *name;     /* relation, index or type name (points into the tree) */
	enum lock_target target;
	enum lock_mode mode;
	int rewrite;          /* the relation's data (and indexes) are rewritten */
	int scan;             /* the relation is read in full (validation, index build) */
	int location;         /* byte offset of the name in the script, -1 unknown */
};

/* "ACCESS EXCLUSIVE", "SHARE ROW EXCLUSIVE", ... ("none" for LOCK_NONE). */
const char *lock_mode_name(enum lock_mode m);
/* Does the mode conflict with plain SELECT / with INSERT, UPDATE, DELETE? */
int lock_blocks_reads(enum lock_mode m);
int lock_blocks_writes(enum lock_mode m);
/* "reads, writes", "writes", "" (DDL only), for messages. */
const char *lock_blocks_text(enum lock_mode m);
/* LOCK TABLE's mode number (1 = ACCESS SHARE ... 8 = ACCESS EXCLUSIVE). */
enum lock_mode lock_mode_from_number(int n);

/*
 * The relations stmt locks, strongest effect per relation, into out[0..max).
 * Returns how many there are (may be more than max, as snprintf does).
 * pg_version is the server's major version (11, 12, ... 17).
 */
size_t locks_for_stmt(const PgQuery__Node *stmt, int pg_version,
		      struct lock_effect *out, size_t max);

/*
 * The effect of one ALTER TABLE subcommand on the altered table (schema and
 * name left NULL; a FOREIGN KEY's lock on the referenced table is not
 * included: see locks_for_stmt).
 */
void locks_for_alter_cmd(const PgQuery__AlterTableCmd *cmd, int pg_version,
			 struct lock_effect *out);

/* Volatility of an expression, as PostgreSQL classifies functions. */
enum volatility {
	VOL_IMMUTABLE = 0, /* constants and immutable functions */
	VOL_STABLE = 1,    /* now(), current_user: one value per statement */
	VOL_UNKNOWN = 2,   /* a function we do not know (user functions default to volatile) */
	VOL_VOLATILE = 3,  /* random(), gen_random_uuid(), nextval(), clock_timestamp() */
};

/*
 * Optional lookup for functions the caller knows (e.g. created earlier in
 * the migrations): return a volatility or -1 when unknown.
 */
typedef int (*volatility_lookup_fn)(void *ud, const char *schema, const char *name);

/*
 * The volatility of expr (a default, a USING expression); *where is set to
 * the location of the node that decided it (-1 when none). lookup may be NULL.
 */
enum volatility expr_volatility(const PgQuery__Node *expr, volatility_lookup_fn lookup,
				void *ud, int *where);

/* Does a column definition's type or constraints make ADD COLUMN rewrite the table? */
int locks_column_rewrites(const PgQuery__ColumnDef *col, int pg_version,
			  volatility_lookup_fn lookup, void *ud);

#endif
