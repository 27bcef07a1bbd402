/* catalog.c - the rule catalog: rules/RULE.yaml, embedded in the binary, read with libyaml */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lint/lint_int.h"
#include "lint/rules_embed.h"
#include "base/strbuf.h"
#include "base/util.h"

static struct rule_info *rules;
static size_t nrules;
static int loaded;

static void free_catalog(void)
{
	size_t i;

	for (i = 0; i < nrules; i++) {
		struct rule_info *r = &rules[i];

		free(r->id);
		free(r->summary);
		free(r->why);
		free(r->lock);
		free(r->blocks);
		free(r->rewrite);
		free(r->scan);
		free(r->safe_alternative);
		free(r->versions);
		free(r->example_bad);
		free(r->example_good);
	}
	free(rules);
	rules = NULL;
	nrules = 0;
}

static char **field(struct rule_info *r, const char *key)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{ "id", offsetof(struct rule_info, id) },
		{ "summary", offsetof(struct rule_info, summary) },
		{ "why", offsetof(struct rule_info, why) },
		{ "lock", offsetof(struct rule_info, lock) },
		{ "blocks", offsetof(struct rule_info, blocks) },
		{ "rewrite", offsetof(struct rule_info, rewrite) },
		{ "scan", offsetof(struct rule_info, scan) },
		{ "safe_alternative", offsetof(struct rule_info, safe_alternative) },
		{ "versions", offsetof(struct rule_info, versions) },
		{ "example_bad", offsetof(struct rule_info, example_bad) },
		{ "example_good", offsetof(struct rule_info, example_good) },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fields); i++)
		if (!strcmp(key, fields[i].key))
			return (char **)((char *)r + fields[i].off);
	return NULL;
}

/* Parse one embedded YAML document into r; 0 or -1 (a bug in rules/: the build embeds it). */
static int parse_rule(const struct embedded_rule *e, struct rule_info *r)
{
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root;
	yaml_node_pair_t *pair;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	r->severity = LINT_ERROR;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)e->yaml, strlen(e->yaml));
	if (!yaml_parser_load(&p, &doc)) {
		log_error("rule catalog: rules/%s.yaml:%zu: %s", e->id, p.problem_mark.line + 1,
			  p.problem ? p.problem : "invalid YAML");
		yaml_parser_delete(&p);
		return -1;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root || root->type != YAML_MAPPING_NODE)
		goto done;
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&doc, pair->value);
		const char *key, *val;
		char **slot;

		if (k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE)
			continue;
		key = (const char *)k->data.scalar.value;
		val = (const char *)v->data.scalar.value;
		if (!strcmp(key, "severity")) {
			r->severity = !strcmp(val, "warning") ? LINT_WARNING : LINT_ERROR;
			continue;
		}
		slot = field(r, key);
		if (slot) {
			free(*slot);
			*slot = xstrdup(val);
		}
	}
	if (!r->id)
		r->id = xstrdup(e->id);
	ret = 0;
done:
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	return ret;
}

static void load(void)
{
	unsigned i;

	if (loaded)
		return;
	loaded = 1;
	rules = xcalloc(embedded_rules_count ? embedded_rules_count : 1, sizeof(*rules));
	for (i = 0; i < embedded_rules_count; i++)
		if (parse_rule(&embedded_rules[i], &rules[nrules]) == 0)
			nrules++;
	atexit(free_catalog);
}

const struct rule_info *catalog_find(const char *id)
{
	size_t lo = 0, hi;

	load();
	hi = nrules;
	/* embedded in sorted order (the Makefile sorts rules/RULE.yaml) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(rules[mid].id, id);

		if (!c)
			return &rules[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (lo = 0; lo < nrules; lo++)
		if (!strcmp(rules[lo].id, id))
			return &rules[lo];
	return NULL;
}

size_t catalog_count(void)
{
	load();
	return nrules;
}

const struct rule_info *catalog_at(size_t i)
{
	load();
	return i < nrules ? &rules[i] : NULL;
}

int lint_rule_exists(const char *id)
{
	return catalog_find(id) != NULL;
}

const char *lint_severity_name(enum lint_severity s)
{
	return s == LINT_ERROR ? "error" : s == LINT_WARNING ? "warning" : "off";
}

/* Print text with each line indented. */
