/* batchsql.h - "-- migrate:batch N" statements: which statement each directive
 * batches, whether its shape can be batched, and the pieces of its text the
 * batch executor (run/batch.c) rebuilds it from */
#ifndef MIGRATE_SQL_BATCHSQL_H
#define MIGRATE_SQL_BATCHSQL_H

#include "sql/migration.h"
#include "sql/script.h"

/* The rows per batch of a "-- migrate:batch N" argument; 0 when it is not a valid size. */
long batch_size(const char *arg);

/*
 * Give each statement of s its batch size (stmt->batch) from the
 * "-- migrate:batch N" comments of s->src: a directive batches the statement
 * that follows it. A directive not followed by a statement, or inside one,
 * and a batched statement that is not a plain single-table UPDATE or DELETE,
 * are errors printed with path:line. Returns the number of batched
 * statements, or -1.
 */
int batch_assign(struct sql_script *s, const char *path);

/* A batched UPDATE or DELETE cut into the parts its batches are rebuilt from. */
struct batch_stmt {
	int is_delete;
	char *schema;     /* as written, NULL when not qualified */
	char *relname;
	char *qualifier;  /* how its columns are qualified: the alias, else the table name */
	char *relation;   /* "ONLY s.t AS x": the text between UPDATE (DELETE FROM) and SET (WHERE) */
	char *set;        /* UPDATE: the text after SET, up to WHERE */
	char *where;      /* the condition after WHERE, NULL when none */
	char **targets;   /* UPDATE: the columns SET assigns */
	size_t ntargets;
};

/* Cut a batched statement (batch_assign accepted it); -1 when its text does not scan. */
int batch_stmt_read(const struct sql_stmt *st, struct batch_stmt *b);
void batch_stmt_release(struct batch_stmt *b);

#endif
