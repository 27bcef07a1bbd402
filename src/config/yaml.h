/* yaml.h - what config.c lends the loaders of other sections (fleetconf.c) */
#ifndef MIGRATE_CONFIG_YAML_H
#define MIGRATE_CONFIG_YAML_H

#include "config/config.h"

#include <yaml.h>

struct loader; /* config.c's loader state */

yaml_node_t *config_yaml_node(struct loader *ld, int id);
/* The node's value with ${VAR} expanded; NULL (error printed) if not a scalar. */
char *config_yaml_scalar(struct loader *ld, yaml_node_t *n, const char *key);
/* "file:line:col: error: msg", counted as a configuration error. */
void config_yaml_error(struct loader *ld, yaml_node_t *n, const char *msg);
/* An empty value (a section with every key commented out). */
int config_yaml_is_null(yaml_node_t *n);
struct config *config_yaml_config(struct loader *ld);

/* fleetconf.c: apply.lock, apply.lock_lease, apply.max_replica_lag and targets: */
void fleetconf_init(struct config *c);
void fleetconf_release(struct config *c);
/* 1 when path ("apply.lock") is one of its keys (loaded), 0 when unknown. */
int fleetconf_key(struct loader *ld, const char *path, yaml_node_t *v);
void fleetconf_targets(struct loader *ld, yaml_node_t *map);

#endif
