/* pgnode.h - small helpers over libpg_query's protobuf parse tree */
#ifndef MIGRATE_PGNODE_H
#define MIGRATE_PGNODE_H

#include <stddef.h>
#include <pg_query/pg_query.pb-c.h>

/* Is the message m of protobuf type T (e.g. PGNODE_IS(m, func_call))? */
#define PGNODE_IS(m, T) ((m) && ((const ProtobufCMessage *)(m))->descriptor == &pg_query__##T##__descriptor)

enum { PGNODE_CONTINUE = 0, PGNODE_STOP = 1, PGNODE_SKIP = 2 };

/*
 * Visit m and every message below it, depth first, in field order. fn
 * returns PGNODE_CONTINUE, PGNODE_SKIP (do not descend into this one) or
 * PGNODE_STOP (end the walk). Returns 1 when stopped, else 0.
 * Works for any message: it follows protobuf-c's descriptors.
 */
typedef int (*pgnode_visit_fn)(const ProtobufCMessage *m, void *ud);
int pgnode_walk(const ProtobufCMessage *m, pgnode_visit_fn fn, void *ud);

/*
 * Add delta to every location in the tree below m (those that are not -1,
 * "unknown"): a statement parsed alone, its locations moved to where its text
 * stands in a larger one.
 */
void pgnode_shift_locations(ProtobufCMessage *m, int delta);

/* sval of a String node, NULL for anything else. */
const char *pgnode_str(const PgQuery__Node *n);
/* Last String of a name list (["pg_catalog","int4"] -> "int4"), NULL if none. */
const char *pgnode_last_str(PgQuery__Node *const *items, size_t n);
/* The String before the last one (the schema of a qualified name), NULL if none. */
const char *pgnode_qualifier(PgQuery__Node *const *items, size_t n);

/* Base name of a type ("int4", "varchar", "timestamptz", "serial", "json"). */
const char *pgnode_type_name(const PgQuery__TypeName *t);
/* The schema a type name was qualified with ("pg_catalog" for SQL-standard types). */
const char *pgnode_type_schema(const PgQuery__TypeName *t);
/* The i-th integer type modifier, -1 when absent or not an integer. */
int pgnode_type_mod(const PgQuery__TypeName *t, size_t i);
/* Is the type an array? */
int pgnode_type_is_array(const PgQuery__TypeName *t);

/* Is n a constant TRUE (WHERE true, WHERE 1 = 1)? */
int pgnode_is_const_true(const PgQuery__Node *n);

/* The first location found at or below m (-1 when none). */
int pgnode_location(const ProtobufCMessage *m);

#endif
