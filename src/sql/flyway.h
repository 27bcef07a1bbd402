/* flyway.h - Flyway's file names: V1__init.sql, U1__init.sql, V1.1__add_x.sql */
#ifndef MIGRATE_FLYWAY_H
#define MIGRATE_FLYWAY_H

enum flyway_kind {
	FLYWAY_NONE = 0,   /* not a Flyway name */
	FLYWAY_MIGRATION,  /* V (up) or U (undo: down) */
	FLYWAY_REPEATABLE, /* R__: run again whenever it changes; not supported */
	FLYWAY_BASELINE,   /* B: a baseline migration; not supported */
};

/*
 * fname as Flyway names its SQL files: V<version>__<description>.sql (direction 1) or
 * U<version>__<description>.sql (-1), a version of digits separated by . or _. On
 * FLYWAY_MIGRATION, *version ("1.1", dots for underscores) and *desc are set (the
 * caller frees them).
 */
enum flyway_kind flyway_parse(const char *fname, char **version, char **desc, int *direction);

/* Flyway's order of two versions ("1.2" < "1.10" < "2"): < 0, 0, > 0. */
int flyway_cmp(const char *a, const char *b);

#endif
