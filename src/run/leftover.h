/* leftover.h - the INVALID indexes a failed CREATE INDEX CONCURRENTLY or
 * REINDEX ... CONCURRENTLY leaves behind (pg_index.indisvalid = false) */
#ifndef MIGRATE_LEFTOVER_H
#define MIGRATE_LEFTOVER_H

#include "pg/db.h"
#include "sql/script.h"

/* 1 when st is a statement whose failure can leave an INVALID index. */
int leftover_possible(const struct sql_stmt *st);

/*
 * Drop, with DROP INDEX CONCURRENTLY, the INVALID indexes that st left: for
 * CREATE INDEX CONCURRENTLY name ON table, the index of that name on that
 * table (in its schema, not any other of the search path); for REINDEX
 * CONCURRENTLY of an index, a table, a schema or the database, the copies
 * named <index>_ccnew (the new build that failed) and <index>_ccold (the old
 * index, when the swap succeeded but its drop did not). Each is reported as
 * left by path:line. An index whose build another session is running now is
 * never touched. Returns how many were dropped, -1 on an error (printed).
 */
int leftover_drop(struct db *db, const struct sql_stmt *st, const char *path);

#endif
