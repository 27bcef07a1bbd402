/* migdir.h - migrations kept one directory each (Prisma's, Diesel's) */
#ifndef MIGRATE_MIGDIR_H
#define MIGRATE_MIGDIR_H

struct migdir_file {
	char *rel;      /* its path under the migrations directory: "20210101000000_init/migration.sql" */
	char *logical;  /* the name it is loaded as: "20210101000000_init.up.sql" */
	int no_transaction; /* Diesel's metadata.toml says run_in_transaction = false */
};

/*
 * The files of the migration directory dname (under dir), if it is one: a name of
 * digits (Diesel: with dashes, 2019-02-26-002946) then _ and a name, holding Prisma's
 * migration.sql (an up) or Diesel's up.sql and down.sql. Fills out (at most 2) and
 * returns how many; 0 when dname is not such a directory. The caller frees rel, logical.
 */
int migdir_files(const char *dir, const char *dname, struct migdir_file out[2]);

/*
 * For a path ending in <migration directory>/migration.sql, up.sql or down.sql: the
 * name it is loaded as ("20210101000000_init.up.sql"), and in *dir (if not NULL) the
 * migrations directory holding it. NULL for any other path. The caller frees both.
 */
char *migdir_logical(const char *path, char **dir);

#endif
