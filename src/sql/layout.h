/* layout.h - how a migrations directory names and writes its migrations, read from
 * its newest one, so that `migrate new` writes the next ones the same way */
#ifndef MIGRATE_LAYOUT_H
#define MIGRATE_LAYOUT_H

#include <stdint.h>

#include "sql/migration.h"

enum mig_layout {
	LAYOUT_GOLANG = 0, /* {v}_{name}.up.sql and .down.sql (golang-migrate; ours) */
	LAYOUT_DBMATE,     /* {v}_{name}.sql: -- migrate:up, -- migrate:down */
	LAYOUT_GOOSE,      /* {v}_{name}.sql: -- +goose Up, -- +goose Down */
	LAYOUT_SQLMIGRATE, /* {v}-{name}.sql: -- +migrate Up, -- +migrate Down */
	LAYOUT_FLYWAY,     /* V{v}__{name}.sql and its undo U{v}__{name}.sql */
	LAYOUT_DIESEL,     /* {yyyy-mm-dd-HHMMSS}_{name}/up.sql and down.sql */
	LAYOUT_PRISMA,     /* {v}_{name}/migration.sql (no down) */
};

struct mig_style {
	enum mig_layout layout;
	int sequential;  /* versions counted on from the newest (000042 -> 000043), not the clock */
	int width;       /* a sequential version's digits (zero-padded) */
	int64_t newest;  /* a sequential directory's newest version */
};

/* The style of set's newest migration; an empty directory: golang-migrate, timestamps. */
void layout_detect(const struct migration_set *set, struct mig_style *st);
const char *layout_name(enum mig_layout l);

/*
 * The files of migration version v (as the style writes it) named name with sections up
 * and down: paths[0] the up (or the only file), paths[1] the down or NULL; texts[] what
 * to write in each; *mkdir_path a directory to create first, or NULL. Caller frees all.
 */
void layout_files(const struct mig_style *st, const char *dir, int64_t v, const char *name,
		  const char *up, const char *down, char *paths[2], char *texts[2],
		  char **mkdir_path);

#endif
