/* guard.h - a migration may not change migrate's own history, log or lock table */
#ifndef MIGRATE_GUARD_H
#define MIGRATE_GUARD_H

#include "pg/history.h"
#include "sql/step.h"

#include <stddef.h>

/*
 * Refuse, before any change, steps with a statement that alters, drops,
 * renames, truncates or writes the history table, its _log or _lock table, or
 * drops or renames their schema (read from the parse tree; an unqualified name
 * counts as ours when the history is in public or the target's search_path,
 * not NULL, starts with its schema), also the static statements of a
 * PL/pgSQL DO block (not what it EXECUTEs). Each is reported at file:line:col with a hint to use
 * another --table. EXIT_OK or EXIT_USAGE.
 */
int guard_steps(const struct history *h, const char *search_path, const struct step *steps,
		size_t n);

#endif
