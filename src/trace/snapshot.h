/* snapshot.h - a catalog snapshot of a database's schema, and the difference of two
 *
 * What `migrate rehearse` compares before an up and after its down: tables,
 * columns (by name, with type, default, nullability, identity, generation,
 * collation, storage), constraints with definitions and validity, indexes with
 * definitions and validity, sequences, views, functions, policies, triggers,
 * enum values, domains, composite types, schemas and extensions. Column order
 * is not compared: a down that re-adds a dropped column puts it last.
 */
#ifndef MIGRATE_SNAPSHOT_H
#define MIGRATE_SNAPSHOT_H

#include "pg/db.h"

#include <stddef.h>

struct snap_item {
	char *kind;  /* "table", "column", "constraint", "index", ... */
	char *key;   /* "public.users.email" */
	char *value; /* "text not null default ''::text" */
};

struct snapshot {
	struct snap_item *items; /* sorted by kind, then key (bytewise) */
	size_t n, alloc;
};

/*
 * Read the schema of the connected database. Objects of extensions and the
 * history tables (schema.table and schema.table_log) are left out.
 * Returns 0, or -1 after printing the error.
 */
int snapshot_take(struct snapshot *s, struct db *db, const char *hist_schema,
		  const char *hist_table);
void snapshot_release(struct snapshot *s);

/* One difference: before NULL = added, after NULL = removed, else changed. */
struct snap_change {
	const char *kind, *key;
	const char *before, *after; /* point into the snapshots */
};

/*
 * The changes from a to b, in kind/key order, into *out (caller frees the
 * array, not the strings). Returns how many.
 */
size_t snapshot_diff(const struct snapshot *a, const struct snapshot *b,
		     struct snap_change **out);

#endif
