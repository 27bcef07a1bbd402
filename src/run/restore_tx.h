/* restore_tx.h - a backup restored in one transaction, with what depends on
 * it: the foreign keys and views that later migrations added on restored
 * tables are dropped before and recreated after, in the same transaction */
#ifndef MIGRATE_RESTORE_TX_H
#define MIGRATE_RESTORE_TX_H

#include "config/config.h"
#include "pg/db.h"

/* psql, found beside pg_restore (backup.pg_restore) when that is a path. Owned by the caller. */
char *restore_psql_program(const struct config *cfg);

/*
 * Restore file (an archive whose pg_restore --list is list) into db's
 * database: pg_restore --clean --if-exists writes the SQL, between a prelude
 * that drops the foreign keys and views depending on the relations it
 * replaces (those it does not hold itself) and an epilogue that recreates
 * them, and psql --single-transaction runs it all: everything or nothing.
 * Then names the indexes of restored tables that the backup did not hold.
 * EXIT_OK, EXIT_FAILED (printed; nothing restored) or EXIT_CONNECT.
 */
int restore_tx_run(struct db *db, const struct config *cfg, const char *file, const char *list);

#endif
