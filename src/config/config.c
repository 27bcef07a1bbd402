/* config.c - migrate.yml (libyaml) with ${VAR} expansion; errors carry file:line */
#include "config/config.h"
#include "config/fleetconf.h"
#include "config/yaml.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

/* K_SIZE: bytes in a long long, 0 allowed; K_FILE_SIZE: a size_t limit, at least 1 byte */
enum key_type { K_STRING, K_DURATION, K_LOCK_TIMEOUT, K_INT, K_BOOL, K_ON_FAILURE, K_SIZE,
		K_FILE_SIZE, K_BLOCKERS, K_ORDER, K_BACKUP_SCOPE };

/* Scalar keys, declared once: dotted path, type, where it goes. */
static const struct config_key {
	const char *path;
	enum key_type type;
	size_t offset;
} config_keys[] = {
	{ "database.url", K_STRING, offsetof(struct config, database_url) },
	{ "migrations.dir", K_STRING, offsetof(struct config, dir) },
	{ "migrations.table", K_STRING, offsetof(struct config, table) },
	{ "migrations.max_file_size", K_FILE_SIZE, offsetof(struct config, max_file_size) },
	{ "migrations.order", K_ORDER, offsetof(struct config, order_by_name) },
	{ "apply.lock_timeout", K_LOCK_TIMEOUT, offsetof(struct config, lock_timeout_ms) },
	{ "apply.statement_timeout", K_DURATION, offsetof(struct config, statement_timeout_ms) },
	{ "apply.retries", K_INT, offsetof(struct config, retries) },
	{ "apply.retry_delay", K_DURATION, offsetof(struct config, retry_delay_ms) },
	{ "apply.retry_max_delay", K_DURATION, offsetof(struct config, retry_max_delay_ms) },
	{ "apply.wait", K_DURATION, offsetof(struct config, wait_ms) },
	{ "apply.on_failure", K_ON_FAILURE, offsetof(struct config, on_failure) },
	{ "apply.blockers", K_BLOCKERS, offsetof(struct config, blockers) },
	{ "apply.blockers_idle_after", K_DURATION, offsetof(struct config, blockers_idle_after_ms) },
	{ "apply.wait_quiet", K_DURATION, offsetof(struct config, wait_quiet_ms) },
	{ "apply.batch_delay", K_DURATION, offsetof(struct config, batch_delay_ms) },
	{ "apply.batch_rate", K_INT, offsetof(struct config, batch_rate) },
	{ "backup.enabled", K_BOOL, offsetof(struct config, backup_enabled) },
	{ "backup.dir", K_STRING, offsetof(struct config, backup_dir) },
	{ "backup.keep", K_INT, offsetof(struct config, backup_keep) },
	{ "backup.scope", K_BACKUP_SCOPE, offsetof(struct config, backup_scope) },
	{ "backup.pg_dump", K_STRING, offsetof(struct config, pg_dump) },
	{ "backup.pg_restore", K_STRING, offsetof(struct config, pg_restore) },
	{ "lint.pg_version", K_INT, offsetof(struct config, lint_pg_version) },
	{ "lint.small_table", K_SIZE, offsetof(struct config, lint_small_table) },
};

/* Sections whose keys are handled by code below rather than by the table. */
static const char *const sections[] = { "database", "migrations", "apply", "backup", "lint",
					"targets" };

void config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->lock_timeout_ms = 500;
	c->statement_timeout_ms = 0;
	c->retries = 10;
	c->retry_delay_ms = 200;
	c->retry_max_delay_ms = 10000;
	c->wait_ms = 60000;
	c->blockers_idle_after_ms = 30000;
	c->backup_enabled = 1;
	c->backup_keep = 10;
	c->lint_small_table = 10LL << 20;
	c->url_source = "libpq defaults";
	fleetconf_init(c);
}

void config_release(struct config *c)
{
	size_t i;

	free(c->path);
	free(c->database_url);
	free(c->dir);
	free(c->table);
	free(c->backup_dir);
	free(c->pg_dump);
	free(c->pg_restore);
	for (i = 0; i < c->nrules; i++)
		free(c->rules[i].id);
	free(c->rules);
	for (i = 0; i < c->nexclude; i++)
		free(c->exclude[i]);
	free(c->exclude);
	for (i = 0; i < c->ncustom; i++) {
		free(c->custom[i].id);
		free(c->custom[i].pattern);
		free(c->custom[i].message);
	}
	free(c->custom);
	for (i = 0; i < c->npending; i++) {
		free(c->pending[i].key);
		free(c->pending[i].var);
	}
	free(c->pending);
	fleetconf_release(c);
	memset(c, 0, sizeof(*c));
}

/* "256MB", "1GB", "512kB", "1048576" (bytes) -> bytes; 0 on error. */
static size_t parse_size(const char *v)
{
	static const struct { const char *unit; uint64_t mult; } units[] = {
		{ "", 1 }, { "B", 1 }, { "kB", 1 << 10 }, { "KB", 1 << 10 }, { "MB", 1 << 20 },
		{ "GB", (uint64_t)1 << 30 },
	};
	char *end;
	unsigned long long n;
	size_t i;

	if (!isdigit((unsigned char)*v))
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	while (*end == ' ')
		end++;
	for (i = 0; i < ARRAY_SIZE(units); i++)
		if (!errno && !strcmp(end, units[i].unit) && n <= ((uint64_t)64 << 30) / units[i].mult)
			return (size_t)(n * units[i].mult);
	return 0;
}

/* A number with a unit, in the field; an error when it does not parse. */
static void set_measure(struct loader *ld, const struct config_key *k, yaml_node_t *n,
			const char *v, char *field)
{
	long ms;
	size_t sz;

	switch (k->type) {
	case K_LOCK_TIMEOUT:
		ms = parse_lock_timeout_ms(v);
		if (ms == 0)
			config_yaml_error(ld, n, "\"%s\" must be at least 1ms, not \"%s\": 0 would "
					  "wait for locks without a limit", k->path, v);
		else if (ms > 0)
			*(long *)field = ms;
		break;
	case K_FILE_SIZE:
		if ((sz = parse_size(v)) == 0)
			config_yaml_error(ld, n, "\"%s\" must be a size like 512kB, 256MB or 1GB (at "
					  "most 64GB), not \"%s\"", k->path, v);
		else
			*(size_t *)field = sz;
		return;
	default:
		ms = parse_duration_ms(v);
		if (ms >= 0)
			*(long *)field = ms;
		break;
	}
	if (ms < 0)
		config_yaml_error(ld, n, "\"%s\" must be a duration like 500ms, 2s or 1min, not \"%s\"",
				  k->path, v);
}

static void set_key(struct loader *ld, const struct config_key *k, yaml_node_t *n)
{
	char *v = config_yaml_scalar(ld, n, k->path);
	char *field = (char *)ld->c + k->offset;
	long long b;
	int64_t i;

	if (!v)
		return;
	switch (k->type) {
	case K_STRING:
		free(*(char **)field);
		*(char **)field = v;
		return;
	case K_DURATION:
	case K_LOCK_TIMEOUT:
	case K_FILE_SIZE:
		set_measure(ld, k, n, v, field);
		break;
	case K_INT:
		i = parse_int64(v);
		if (i < 0 || i > 1000000)
			config_yaml_error(ld, n, "\"%s\" must be a non-negative integer, not \"%s\"", k->path, v);
		else
			*(int *)field = (int)i;
		break;
	case K_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on"))
			*(int *)field = 1;
		else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off"))
			*(int *)field = 0;
		else
			config_yaml_error(ld, n, "\"%s\" must be true or false, not \"%s\"", k->path, v);
		break;
	case K_SIZE:
		if ((b = parse_size_bytes(v)) < 0)
			config_yaml_error(ld, n, "\"%s\" must be a size like 10MB, 512kB or 1GB, not \"%s\"",
					  k->path, v);
		else
			*(long long *)field = b;
		break;
	case K_ORDER:
		if (!strcmp(v, "version") || !strcmp(v, "name"))
			*(int *)field = v[0] == 'n';
		else
			config_yaml_error(ld, n, "\"%s\" must be version or name, not \"%s\"", k->path, v);
		break;
	case K_ON_FAILURE:
		if ((*(int *)field = config_on_failure(v)) < 0)
			config_yaml_error(ld, n, "\"%s\" must be stop or rollback, not \"%s\"", k->path, v);
		break;
	case K_BLOCKERS:
		if ((*(int *)field = config_blockers(v)) < 0)
			config_yaml_error(ld, n, "\"%s\" must be wait, cancel-idle or cancel-idle-any, "
					  "not \"%s\"", k->path, v);
		break;
	case K_BACKUP_SCOPE:
		if (!strcmp(v, "tables"))
			*(int *)field = BACKUP_SCOPE_TABLES;
		else if (!strcmp(v, "database"))
			*(int *)field = BACKUP_SCOPE_DATABASE;
		else if (!strcmp(v, "none"))
			*(int *)field = BACKUP_SCOPE_NONE;
		else
			config_yaml_error(ld, n, "\"%s\" must be tables, database or none, not \"%s\"",
					  k->path, v);
		break;
	}
	free(v);
}

static enum rule_level parse_level(const char *v)
{
	if (!strcmp(v, "off"))
		return RULE_OFF;
	if (!strcmp(v, "warning"))
		return RULE_WARNING;
	if (!strcmp(v, "error"))
		return RULE_ERROR;
	return RULE_DEFAULT;
}

static void load_rules(struct loader *ld, yaml_node_t *map)
{
	yaml_node_pair_t *pair;

	if (map->type != YAML_MAPPING_NODE) {
		config_yaml_error(ld, map, "\"lint.rules\" must be a mapping of rule id to off, warning or error");
		return;
	}
	config_yaml_unique_keys(ld, map, "lint.rules");
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&ld->doc, pair->value);
		char *val = config_yaml_scalar(ld, v, "lint.rules");
		enum rule_level lv;
		struct rule_setting *rs;

		if (!val)
			continue;
		lv = parse_level(val);
		if (lv == RULE_DEFAULT) {
			config_yaml_error(ld, v, "rule level must be off, warning or error, not \"%s\"", val);
			free(val);
			continue;
		}
		free(val);
		ALLOC_GROW(ld->c->rules, ld->c->nrules + 1, ld->c->rules_alloc);
		rs = &ld->c->rules[ld->c->nrules++];
		rs->id = xstrdup((const char *)k->data.scalar.value);
		rs->level = lv;
		rs->line = config_yaml_line(k);
	}
}

static void load_exclude(struct loader *ld, yaml_node_t *seq)
{
	yaml_node_item_t *it;

	if (seq->type != YAML_SEQUENCE_NODE) {
		config_yaml_error(ld, seq, "\"lint.exclude\" must be a list of rule ids");
		return;
	}
	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		char *v = config_yaml_scalar(ld, yaml_document_get_node(&ld->doc, *it), "lint.exclude");
		if (!v)
			continue;
		ALLOC_GROW(ld->c->exclude, ld->c->nexclude + 1, ld->c->exclude_alloc);
		ld->c->exclude[ld->c->nexclude++] = v;
	}
}

static void load_custom_rule(struct loader *ld, yaml_node_t *map)
{
	struct custom_rule cr = { NULL, NULL, NULL, RULE_ERROR, config_yaml_line(map) };
	yaml_node_pair_t *pair;

	if (map->type != YAML_MAPPING_NODE) {
		config_yaml_error(ld, map, "each entry of \"lint.custom\" must be a mapping (id, pattern, message, severity)");
		return;
	}
	config_yaml_unique_keys(ld, map, "lint.custom");
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&ld->doc, pair->value);
		const char *key = (const char *)k->data.scalar.value;
		char *val = config_yaml_scalar(ld, v, key);

		if (!val)
			continue;
		if (!strcmp(key, "id")) {
			free(cr.id);
			cr.id = val;
		} else if (!strcmp(key, "pattern")) {
			free(cr.pattern);
			cr.pattern = val;
		} else if (!strcmp(key, "message")) {
			free(cr.message);
			cr.message = val;
		} else if (!strcmp(key, "severity")) {
			cr.level = parse_level(val);
			if (cr.level != RULE_WARNING && cr.level != RULE_ERROR)
				config_yaml_error(ld, v, "severity must be warning or error, not \"%s\"", val);
			free(val);
		} else {
			config_yaml_error(ld, k, "unknown key \"lint.custom.%s\"", key);
			free(val);
		}
	}
	if (!cr.id || !cr.pattern) {
		config_yaml_error(ld, map, "a custom rule needs an id and a pattern");
		free(cr.id);
		free(cr.pattern);
		free(cr.message);
		return;
	}
	if (!cr.message)
		cr.message = xasprintf("matches custom rule %s", cr.id);
	ALLOC_GROW(ld->c->custom, ld->c->ncustom + 1, ld->c->custom_alloc);
	ld->c->custom[ld->c->ncustom++] = cr;
}

static void load_custom(struct loader *ld, yaml_node_t *seq)
{
	yaml_node_item_t *it;

	if (seq->type != YAML_SEQUENCE_NODE) {
		config_yaml_error(ld, seq, "\"lint.custom\" must be a list of rules");
		return;
	}
	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++)
		load_custom_rule(ld, yaml_document_get_node(&ld->doc, *it));
}

static void load_section(struct loader *ld, const char *section, yaml_node_t *map)
{
	yaml_node_pair_t *pair;

	if (config_yaml_is_null(map))
		return; /* a section with everything commented out */
	if (map->type != YAML_MAPPING_NODE) {
		config_yaml_error(ld, map, "\"%s\" must be a mapping", section);
		return;
	}
	config_yaml_unique_keys(ld, map, section);
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&ld->doc, pair->value);
		char path[128];
		size_t i;

		if (k->type != YAML_SCALAR_NODE) {
			config_yaml_error(ld, k, "keys must be plain names");
			continue;
		}
		snprintf(path, sizeof(path), "%s.%s", section, (const char *)k->data.scalar.value);
		for (i = 0; i < ARRAY_SIZE(config_keys); i++)
			if (!strcmp(config_keys[i].path, path))
				break;
		if (i < ARRAY_SIZE(config_keys))
			set_key(ld, &config_keys[i], v);
		else if (!strcmp(path, "lint.rules"))
			load_rules(ld, v);
		else if (!strcmp(path, "lint.exclude"))
			load_exclude(ld, v);
		else if (!strcmp(path, "lint.custom"))
			load_custom(ld, v);
		else if (!fleetconf_key(ld, path, v))
			config_yaml_error(ld, k, "unknown key \"%s\"", path);
	}
}

static void load_root(struct loader *ld, yaml_node_t *root)
{
	yaml_node_pair_t *pair;

	if (!root)
		return; /* empty file */
	if (root->type != YAML_MAPPING_NODE) {
		config_yaml_error(ld, root, "the configuration must be a mapping (key: value)");
		return;
	}
	config_yaml_unique_keys(ld, root, NULL);
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&ld->doc, pair->value);
		const char *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
		size_t i;

		for (i = 0; i < ARRAY_SIZE(sections); i++)
			if (!strcmp(key, sections[i]))
				break;
		if (i == ARRAY_SIZE(sections)) {
			config_yaml_error(ld, k, "unknown key \"%s\"", key);
			log_hint("top-level keys: database, migrations, apply, backup, lint, targets");
			continue;
		}
		if (!strcmp(key, "targets"))
			fleetconf_targets(ld, v);
		else
			load_section(ld, key, v);
	}
}

int config_load(struct config *c, const char *path)
{
	struct loader ld;
	yaml_parser_t parser;
	char *text;
	size_t len;
	int explicit = path != NULL;

	memset(&ld, 0, sizeof(ld));
	ld.c = c;

	if (!path)
		path = "migrate.yml";
	/* a regular file within the size limit, text without NUL: as every file migrate reads */
	text = read_file(path, &len);
	if (!text) {
		if (!explicit && errno == ENOENT && access(path, F_OK) < 0)
			return 0;
		log_error("could not open configuration file \"%s\": %s", path, read_file_error());
		return -1;
	}
	if (text_check(text, &len, path) < 0 || config_yaml_depth_check(text, len, path) < 0) {
		free(text);
		return -1;
	}
	free(c->path);
	c->path = xstrdup(path);
	ld.file = c->path;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &ld.doc)) {
		log_error_at(path, (int)parser.problem_mark.line + 1,
			     (int)parser.problem_mark.column + 1, "invalid YAML: %s",
			     parser.problem ? parser.problem : "parse error");
		yaml_parser_delete(&parser);
		free(text);
		return -1;
	}
	load_root(&ld, yaml_document_get_root_node(&ld.doc));
	yaml_document_delete(&ld.doc);
	yaml_parser_delete(&parser);
	free(text);
	if (c->lint_pg_version && (c->lint_pg_version < 9 || c->lint_pg_version > 99)) {
		log_error_at(path, 0, 0, "lint.pg_version must be a major version such as 15");
		ld.errors++;
	}
	if (c->max_file_size)
		read_file_limit = c->max_file_size;
	return ld.errors ? -1 : 0;
}

int config_require(struct config *c, const char *prefix)
{
	size_t i, kept = 0;
	int bad = 0;

	for (i = 0; i < c->npending; i++) {
		struct config_pending *pe = &c->pending[i];

		if (prefix && strncmp(pe->key, prefix, strlen(prefix))) {
			c->pending[kept++] = *pe;
			continue;
		}
		log_error_at(c->path, pe->line, pe->col, "environment variable %s is not set (in \"%s\")",
			     pe->var, pe->key);
		log_hint("set it, or give a default: ${%s:-value}", pe->var);
		free(pe->key);
		free(pe->var);
		bad = 1;
	}
	c->npending = kept;
	return bad ? -1 : 0;
}

void config_forget(struct config *c, const char *key)
{
	size_t i, kept = 0;

	for (i = 0; i < c->npending; i++) {
		if (strcmp(c->pending[i].key, key)) {
			c->pending[kept++] = c->pending[i];
			continue;
		}
		free(c->pending[i].key);
		free(c->pending[i].var);
	}
	c->npending = kept;
}

int config_on_failure(const char *v)
{
	if (!strcmp(v, "stop"))
		return ON_FAILURE_STOP;
	if (!strcmp(v, "rollback"))
		return ON_FAILURE_ROLLBACK;
	return -1;
}

enum rule_level config_rule_level(const struct config *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->nrules; i++)
		if (!strcmp(c->rules[i].id, id))
			return c->rules[i].level;
	return RULE_DEFAULT;
}

static const char *const blockers_names[] = { "wait", "cancel-idle", "cancel-idle-any" };

int config_blockers(const char *v)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(blockers_names); i++)
		if (!strcmp(v, blockers_names[i]))
			return (int)i;
	return -1;
}

const char *config_blockers_name(int b)
{
	return b >= 0 && (size_t)b < ARRAY_SIZE(blockers_names) ? blockers_names[b] : "wait";
}
