/* lint_select.h - which migrations of a directory lint reports on (--changed-since,
 * --pending); the others are read as context only */
#ifndef MIGRATE_CMD_LINT_SELECT_H
#define MIGRATE_CMD_LINT_SELECT_H

#include "config/app.h"
#include "sql/migration.h"

#include <stdint.h>

struct lint_select {
	int mode;          /* 0 every file, 1 changed since a git ref, 2 pending */
	char **changed;    /* mode 1: real paths of the files added or changed */
	size_t nchanged;
	int64_t *applied;  /* mode 2: versions in the history table, sorted */
	size_t napplied;
};

/* Files of dir added or changed since ref (git): EXIT_OK, or EXIT_USAGE after printing. */
int lint_select_changed(struct lint_select *sel, const char *ref, const char *dir);
/* The versions `up` would not run, from the configured database: EXIT_OK or the exit code. */
int lint_select_pending(struct lint_select *sel, struct app *app);
/* Is this section to be linted (else it only teaches the schema)? */
int lint_select_wants(const struct lint_select *sel, const struct migration *m,
		      const struct section *sec);
void lint_select_release(struct lint_select *sel);

#endif
