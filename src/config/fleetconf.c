/* fleetconf.c - migrate.yml keys of the runner lock, replica lag and targets:
 * apply.lock, apply.lock_lease, apply.max_replica_lag, targets.{main,schemas,databases} */
#include "config/fleetconf.h"
#include "config/yaml.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

void fleetconf_init(struct config *c)
{
	c->lock_table = 0;
	c->lock_lease_ms = 5 * 60 * 1000;
	c->max_replica_lag_ms = 0;
	c->search_path = NULL;
	c->targets = NULL;
}

static void source_release(struct target_source *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->list[i]);
	free(s->list);
	free(s->query);
	free(s->database);
	free(s->dir);
	free(s->table);
	memset(s, 0, sizeof(*s));
}

void fleetconf_release(struct config *c)
{
	free(c->search_path);
	c->search_path = NULL;
	if (c->targets) {
		source_release(&c->targets->schemas);
		source_release(&c->targets->databases);
		free(c->targets);
		c->targets = NULL;
	}
}

static void duration_key(struct loader *ld, const char *path, yaml_node_t *v, long *out, long min)
{
	char *s = config_yaml_scalar(ld, v, path);
	long ms;

	if (!s)
		return;
	ms = parse_duration_ms(s);
	if (ms < min) {
		char *msg = ms < 0 ? xasprintf("\"%s\" must be a duration like 500ms, 10s or 5min, not \"%s\"", path, s)
				   : xasprintf("\"%s\" must be at least %ldms", path, min);
		config_yaml_error(ld, v, "%s", msg);
		free(msg);
	} else {
		*out = ms;
	}
	free(s);
}

int fleetconf_key(struct loader *ld, const char *path, yaml_node_t *v)
{
	struct config *c = ld->c;

	if (!strcmp(path, "apply.lock")) {
		char *s = config_yaml_scalar(ld, v, path);

		if (!s)
			return 1;
		if (!strcmp(s, "advisory"))
			c->lock_table = 0;
		else if (!strcmp(s, "table"))
			c->lock_table = 1;
		else
			config_yaml_error(ld, v, "\"apply.lock\" must be advisory or table");
		free(s);
		return 1;
	}
	if (!strcmp(path, "apply.lock_lease")) {
		duration_key(ld, path, v, &c->lock_lease_ms, 1000);
		return 1;
	}
	if (!strcmp(path, "apply.max_replica_lag")) {
		duration_key(ld, path, v, &c->max_replica_lag_ms, 0);
		return 1;
	}
	return 0;
}

static void load_list(struct loader *ld, struct target_source *s, yaml_node_t *seq, const char *key,
		      int schemas)
{
	yaml_node_item_t *it;

	if (seq->type != YAML_SEQUENCE_NODE) {
		char *msg = xasprintf("\"%s\" must be a list", key);
		config_yaml_error(ld, seq, "%s", msg);
		free(msg);
		return;
	}
	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		yaml_node_t *n = config_yaml_node(ld, *it);
		char *v = config_yaml_scalar(ld, n, key);

		if (!v)
			continue;
		if (!*v) {
			config_yaml_error(ld, n, "an empty name in the list");
			free(v);
			continue;
		}
		if (schemas && !strcmp(v, "public")) {
			/* its migrations would go into the main database's own history */
			config_yaml_error(ld, n, "\"public\" cannot be a target schema: it is the main "
					  "database's own schema, on every tenant's search path");
			free(v);
			continue;
		}
		ALLOC_GROW(s->list, s->n + 1, s->alloc);
		s->list[s->n++] = v;
	}
}

static void set_string(struct loader *ld, yaml_node_t *v, const char *key, char **out)
{
	char *s = config_yaml_scalar(ld, v, key);

	if (!s)
		return;
	free(*out);
	*out = s;
}

/* schemas: / databases: a list, or a mapping with list or query, dir, table (, database). */
static void load_source(struct loader *ld, struct target_source *s, const char *section,
			yaml_node_t *v)
{
	yaml_node_pair_t *pair;
	char key[64];

	s->set = 1;
	s->line = (int)v->start_mark.line + 1;
	if (v->type == YAML_SEQUENCE_NODE) {
		snprintf(key, sizeof(key), "targets.%s", section);
		load_list(ld, s, v, key, !strcmp(section, "schemas"));
		return;
	}
	if (v->type != YAML_MAPPING_NODE) {
		char *msg = xasprintf("\"targets.%s\" must be a list, or a mapping with list or query", section);
		config_yaml_error(ld, v, "%s", msg);
		free(msg);
		return;
	}
	snprintf(key, sizeof(key), "targets.%s", section);
	config_yaml_unique_keys(ld, v, key);
	for (pair = v->data.mapping.pairs.start; pair < v->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = config_yaml_node(ld, pair->key);
		yaml_node_t *val = config_yaml_node(ld, pair->value);
		const char *name = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";

		snprintf(key, sizeof(key), "targets.%s.%s", section, name);
		if (!strcmp(name, "list"))
			load_list(ld, s, val, key, !strcmp(section, "schemas"));
		else if (!strcmp(name, "query"))
			set_string(ld, val, key, &s->query);
		else if (!strcmp(name, "dir"))
			set_string(ld, val, key, &s->dir);
		else if (!strcmp(name, "table"))
			set_string(ld, val, key, &s->table);
		else if (!strcmp(name, "database") && !strcmp(section, "databases"))
			set_string(ld, val, key, &s->database);
		else {
			char *msg = xasprintf("unknown key \"%s\"", key);
			config_yaml_error(ld, k, "%s", msg);
			free(msg);
		}
	}
	if (!!s->query == !!s->n) {
		char *msg = xasprintf("\"targets.%s\" needs either list or query", section);
		config_yaml_error(ld, v, "%s", msg);
		free(msg);
	}
	if (s->table && !strcmp(section, "schemas") && strchr(s->table, '.'))
		config_yaml_error(ld, v, "\"targets.schemas.table\" is a table name inside each schema, "
				  "without a schema");
}

void fleetconf_targets(struct loader *ld, yaml_node_t *map)
{
	struct config *c = ld->c;
	yaml_node_pair_t *pair;

	if (config_yaml_is_null(map))
		return;
	if (map->type != YAML_MAPPING_NODE) {
		config_yaml_error(ld, map, "\"targets\" must be a mapping (main, schemas, databases)");
		return;
	}
	if (!c->targets) {
		c->targets = xcalloc(1, sizeof(*c->targets));
		c->targets->main = 1;
	}
	config_yaml_unique_keys(ld, map, "targets");
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = config_yaml_node(ld, pair->key);
		yaml_node_t *v = config_yaml_node(ld, pair->value);
		const char *name = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";

		if (!strcmp(name, "schemas")) {
			source_release(&c->targets->schemas);
			load_source(ld, &c->targets->schemas, "schemas", v);
		} else if (!strcmp(name, "databases")) {
			source_release(&c->targets->databases);
			load_source(ld, &c->targets->databases, "databases", v);
		} else if (!strcmp(name, "main")) {
			char *s = config_yaml_scalar(ld, v, "targets.main");

			if (!s)
				continue;
			if (!strcmp(s, "true") || !strcmp(s, "yes"))
				c->targets->main = 1;
			else if (!strcmp(s, "false") || !strcmp(s, "no"))
				c->targets->main = 0;
			else
				config_yaml_error(ld, v, "\"targets.main\" must be true or false");
			free(s);
		} else {
			char *msg = xasprintf("unknown key \"targets.%s\"", name);
			config_yaml_error(ld, k, "%s", msg);
			free(msg);
		}
	}
}
