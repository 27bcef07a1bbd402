/* fleetconf.h - migrate.yml's keys of the runner lock, replica lag and targets:
 * apply.lock, apply.lock_lease, apply.max_replica_lag, targets.{main,schemas,databases} */
#ifndef MIGRATE_CONFIG_FLEETCONF_H
#define MIGRATE_CONFIG_FLEETCONF_H

#include "config/config.h"

#include <yaml.h>

struct loader;

/* One "schemas:" or "databases:" entry of migrate.yml. */
struct target_source {
	int set;          /* given in the file */
	int line;
	char **list;      /* names (schemas) or URLs / database names (databases) */
	size_t n, alloc;
	char *query;      /* or: a query whose first column gives them */
	char *database;   /* where the query runs (default: the main database) */
	char *dir;        /* migrations directory (default: migrations.dir) */
	char *table;      /* history table: schemas: a name inside each schema;
			     databases: schema-qualified (default: migrations.table) */
};

struct targets_config {
	int main;         /* targets.main: include the main database (default true) */
	struct target_source schemas, databases;
};

void fleetconf_init(struct config *c);
void fleetconf_release(struct config *c);
/* 1 when path ("apply.lock") is one of its keys (loaded), 0 when unknown. */
int fleetconf_key(struct loader *ld, const char *path, yaml_node_t *v);
void fleetconf_targets(struct loader *ld, yaml_node_t *map);

#endif
