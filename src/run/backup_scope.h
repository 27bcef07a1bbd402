/* backup_scope.h - what the backup before a change holds (backup.scope):
 * the tables the steps about to run alter, drop, rewrite or change rows of,
 * read from their parse trees; or the whole database */
#ifndef MIGRATE_BACKUP_SCOPE_H
#define MIGRATE_BACKUP_SCOPE_H

#include "base/strlist.h"
#include "pg/db.h"
#include "run/backup.h"
#include "sql/step.h"

#include <stddef.h>
#include <stdint.h>

struct session;

struct backup_scope {
	char *whole_why;       /* non-NULL: the whole database is needed, and why */
	struct strlist tables; /* as the statements name them: "name" or "schema.name", quoted */
};

#define BACKUP_SCOPE_INIT { NULL, { NULL, 0, 0 } }

/* Add what the steps' statements (each step's script) change to sc. */
void backup_scope_add_steps(struct backup_scope *sc, const struct step *steps, size_t n);
void backup_scope_release(struct backup_scope *sc);

/*
 * The tables to dump, "schema.name" quoted, into out: those of sc that exist
 * now (resolved with search_path, or the connection's when NULL), with their partitions,
 * the tables whose foreign keys reference them and the views on them (so a
 * restore can replace them), and the history table. Returns how many of them
 * are not the history table, or -1 when the query failed (printed).
 */
int backup_scope_resolve(struct db *db, const struct backup_scope *sc, const char *history_schema,
			 const char *history_table, const char *search_path, struct strlist *out);

/* backup_before_change for the changes read into sc (see backup_before_steps). */
int backup_before_scope(struct session *s, const char *run_id, const char *what, int64_t from,
			int64_t to, const struct backup_scope *sc, struct backup_mark *m);
/*
 * backup_before_change for a run of steps, with the scope of backup.scope:
 * tables (default: the tables the steps change, see above), database (the
 * whole database), none (no backup, with a warning). Same returns.
 */
int backup_before_steps(struct session *s, const char *run_id, const char *what, int64_t from,
			int64_t to, const struct step *steps, size_t n, struct backup_mark *m);

/*
 * The tables a backup file holds when it is a backup of some tables ("a, b"),
 * read from the audit log row of the backup that wrote it (matched by file
 * name); NULL for a whole-database backup or an unknown file. Owned by the caller.
 */
char *backup_scope_of_file(struct session *s, const char *file);

#endif
