/* yaml.h - reading migrate.yml's nodes, shared by the loaders of its sections
 * (config.c: database, migrations, apply, backup, lint; fleetconf.c: targets) */
#ifndef MIGRATE_CONFIG_YAML_H
#define MIGRATE_CONFIG_YAML_H

#include "config/config.h"

#include <yaml.h>

/* One load of one file. */
struct loader {
	struct config *c;
	const char *file;
	yaml_document_t doc;
	int errors;
};

yaml_node_t *config_yaml_node(struct loader *ld, int id);
/* The node's value with ${VAR} expanded; NULL (error printed) if not a scalar. */
char *config_yaml_scalar(struct loader *ld, yaml_node_t *n, const char *key);
/* "file:line:col: error: msg", counted as a configuration error. */
void config_yaml_error(struct loader *ld, yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "key is given twice: on line A and on line B" for each repeated key of a mapping. */
void config_yaml_unique_keys(struct loader *ld, yaml_node_t *map, const char *section);
/* An empty value (a section with every key commented out). */
int config_yaml_is_null(yaml_node_t *n);
/* The node's line in the file (1-based). */
int config_yaml_line(yaml_node_t *n);

/*
 * Refuse text nested deeper than CONFIG_YAML_MAX_DEPTH levels (flow [ { and indentation)
 * before libyaml reads it: libyaml's scanner is quadratic in flow nesting (a 200 KB file
 * of brackets took 20 s). Error at file:line:col, -1.
 */
#define CONFIG_YAML_MAX_DEPTH 64
int config_yaml_depth_check(const char *text, size_t len, const char *path);

#endif
