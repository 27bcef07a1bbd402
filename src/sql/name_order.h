/* name_order.h - by name, version numbers from a database's history */
#ifndef MIGRATE_NAME_ORDER_H
#define MIGRATE_NAME_ORDER_H

#include "sql/migration.h"

#include <stddef.h>
#include <stdint.h>

/*
 * By name (migrations.order: name; a no-op by version), with the set as loaded
 * (in name order, numbered by position): a migration whose stem a history row
 * records (names[k]) takes that row's version (versions[k]); the others, in
 * name order, the numbers after the newest recorded one. The set is sorted by
 * the new versions. So an applied migration keeps its number whatever files
 * sort before it later, and a new file is applied after the applied ones.
 */
void migration_set_number_by_history(struct migration_set *set, char *const *names,
				     const int64_t *versions, size_t n);

#endif
