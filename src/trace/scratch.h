/* scratch.h - a throwaway database holding a copy of a target's schema (and
 * optionally a sample of its rows), always dropped afterwards, also after a
 * failure or Ctrl-C. The target is only read. */
#ifndef MIGRATE_SCRATCH_H
#define MIGRATE_SCRATCH_H

#include "pg/db.h"
#include "pg/history.h"

struct scratch {
	struct db admin;  /* runs CREATE/DROP DATABASE: the target's server, or --scratch-url */
	struct db db;     /* connected to the scratch database */
	char *name;       /* the scratch database */
	int created;
};

/*
 * Create an empty scratch database on the target's server (url NULL) or on
 * the server of url, and connect to it. Returns EXIT_OK or an exit code
 * (after printing why); on failure nothing is left behind.
 */
int scratch_create(struct scratch *s, struct db *target, const char *url, int verbose);

/* Copy the target's schema (pg_dump --schema-only, restored with psql). EXIT_*. */
int scratch_load_schema(struct scratch *s, struct db *target);

/*
 * Copy the history table's rows (all of them) and, with rows >= 0, up to
 * rows rows of every other table, then the sequences' positions; rows that
 * point at rows left behind by the sample are deleted. EXIT_*.
 */
int scratch_copy_rows(struct scratch *s, struct db *target, const struct history *h, long rows);

/* Another connection to the scratch database (an observer); 0 or -1. */
int scratch_connect(struct scratch *s, struct db *out);

/*
 * Names and comments that say who made a scratch database (scratch_owner.c), and
 * dropping the ones an earlier rehearse left behind (kill -9): only those of this host
 * whose process is gone and to which no session is connected.
 */
char *scratch_owner_name(const unsigned char rnd[4]);
char *scratch_owner_comment(void);
void scratch_drop_orphans(struct db *admin);
/* The schema dump's directory under tmp (a mkdtemp template naming this process), and
 * removing those (with their dump) of a rehearse that is gone. */
char *scratch_owner_tmpdir(const char *tmp);
void scratch_drop_orphan_dirs(const char *tmp);

/* Drop the scratch database (terminating its other sessions) and disconnect. */
void scratch_drop(struct scratch *s);

/*
 * Ctrl-C and SIGTERM: while guarded, a signal cancels the queries running on
 * the watched connections and ends a running pg_dump or psql; the caller sees
 * the failure, checks scratch_interrupted() and drops the scratch database.
 */
void scratch_guard(void);
void scratch_watch(struct db *db);
void scratch_unguard(void);
int scratch_interrupted(void);

#endif
