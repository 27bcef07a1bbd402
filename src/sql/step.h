/* step.h - one migration in one direction, parsed, with the one decision of how
 * it runs (in a transaction, without one, or with its own): the runner applies
 * steps, lint and plan judge the same decision */
#ifndef MIGRATE_SQL_STEP_H
#define MIGRATE_SQL_STEP_H

#include "sql/migration.h"
#include "sql/script.h"

/* One migration in one direction, parsed and ready to run. */
struct step {
	int64_t version;
	const char *version_str;
	const char *name;
	const char *checksum;   /* recorded for up */
	const char *sql;
	const char *path;       /* file for messages ("recorded down SQL" when from history) */
	int line_base;
	struct directives dir;
	const char *down_sql;   /* up: the down SQL to record */
	const struct section *down_sec; /* up: the file's down section (NULL: none) */
	struct sql_script script;
	enum tx_mode mode;
	int noop;               /* nothing to run (blank) */
	int direction;          /* +1 applies (up), -1 reverts (down) */
	int forced;             /* down --force-irreversible: no down SQL, forgets the version */
	int batched;            /* how many statements run in batches (-- migrate:batch N) */
	/* up of a batched migration that a run left dirty part way: resume from its
	 * progress (history.progress): statement resume_stmt, after the key resume_last
	 * (JSON array, NULL: from its start) */
	int resuming;
	int resume_stmt;
	char *resume_last;
	char version_buf[24];   /* version_str when there is no file to take it from */
};

/*
 * How a parsed section runs: TX_SELF when it has its own BEGIN/COMMIT,
 * TX_NONE with the no-transaction directive or when every statement must run
 * outside a transaction, TX_MIXED when some must and others must not (the
 * runner refuses it), else TX_WRAPPED. first_notx and first_tx (may be NULL)
 * get the index of the first statement of each kind, -1 when none.
 */
enum tx_mode tx_mode_decide(const struct sql_script *s, const struct directives *d,
			    int *first_notx, int *first_tx);

/* Parse a section and decide how it runs; errors printed. 0 or -1. */
int step_prepare(struct step *s, const char *sql, const char *path, int line_base,
		 const struct directives *dir);
void step_release(struct step *s);

#endif
