/* backup.h - pg_dump before a change; the WAL position and server time for
 * point-in-time recovery; the backup directory (names, listing, pruning) */
#ifndef MIGRATE_BACKUP_H
#define MIGRATE_BACKUP_H

#include "config/config.h"
#include "pg/db.h"
#include "run/backup_meta.h"
#include "base/strlist.h"
#include "base/strbuf.h"

#include <stdint.h>
#include <time.h>

struct session;

/*
 * A backup file name: {label}-{hash}-{UTC yyyymmddThhmmss.mmmZ}-{from}-to-{to}.dump,
 * label and hash as backup_source_label and backup_source_hash make them.
 * Backups taken before migrate 0.3 have no hash: {database}-{UTC ...}-...
 */
struct backup_name {
	char *database;  /* the label (unsafe characters became '_') */
	char hash[11];   /* 10 hex digits; empty in an old name */
	char stamp[21];  /* 20261121T143000.123Z */
	int64_t from, to;
};
char *backup_name_make(const char *label, const char *hash, int64_t epoch_ms, int64_t from, int64_t to);
/* 0 when fname is a backup name (out filled, release it), -1 when not. */
int backup_name_parse(const char *fname, struct backup_name *out);
void backup_name_release(struct backup_name *n);

/* One backup in the directory. */
struct backup_entry {
	char *path;
	char *file;      /* name in the directory */
	struct backup_name name;
	long long size;
	int has_meta;            /* its sidecar was read: meta is filled */
	struct backup_meta meta;
	const char *no_meta_why; /* else why not */
};
/*
 * The backups in dir, newest first, with their sidecars. A missing directory
 * holds none. -1 (errno) when dir cannot be read.
 */
int backup_list(const char *dir, struct backup_entry **out, size_t *n);
void backup_list_free(struct backup_entry *e, size_t n);

const char *backup_dir(const struct config *cfg);
const char *backup_program(const struct config *cfg, int restore); /* pg_dump or pg_restore */

/* "pg_dump (PostgreSQL) 15.18 (Debian ...)" -> 150000, "9.6.24" -> 90600; -1 if unreadable. */
int pg_program_major(const char *version_text);
/* 150004 -> 150000, 90624 -> 90600 */
int pg_server_major(int server_version);
/* "15" or "9.6" for a major from the two functions above; buf of 16. */
const char *pg_major_text(int major, char buf[16]);

/* Print what a child program wrote on stderr (password scrubbed), as detail lines (30 at most). */
void print_child_stderr(const struct db *db, const struct strbuf *err);

/* Check that program (pg_dump, pg_restore) runs and can handle the server; EXIT_*. */
int backup_check_program(const struct db *db, const char *program);

/* What backup_before_change did, for the run's messages. */
struct backup_mark {
	char *path;        /* NULL when skipped */
	char *wal_lsn;
	char *server_time;
};

/*
 * Right before the first change of a run (under the runner lock): create the
 * history tables if needed, take the backup (unless disabled), record in the
 * log the backup path, pg_current_wal_lsn() and the server time. what names
 * the run ("up", "down", "redo", "restore"); from/to are versions. Returns
 * EXIT_OK, EXIT_FAILED (backup failed: nothing else was changed) or
 * EXIT_CONNECT (lost the connection).
 */
int backup_before_change(struct session *s, const char *run_id, const char *what, int64_t from,
			 int64_t to, struct backup_mark *m);
void backup_mark_release(struct backup_mark *m);
/*
 * The same for a backup of some tables only ("schema"."name" each, existing;
 * see backup_scope.h); NULL: the whole database (backup_before_change). The
 * backup's log row says which, after BACKUP_TABLES_MARK.
 */
int backup_before_tables(struct session *s, const char *run_id, const char *what, int64_t from,
			 int64_t to, const struct strlist *tables, struct backup_mark *m);
#define BACKUP_TABLES_MARK "; tables: "
/* "a, b, c" (cut with "..." when long), in a per-thread buffer. */
const char *backup_tables_text(const struct strlist *tables);

/* "12.3 MB"; buf of 32. */
const char *human_size(long long bytes, char buf[32]);

#endif
