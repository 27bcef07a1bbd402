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
static void indented(FILE *out, const char *text, const char *indent)
{
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		fprintf(out, "%s%.*s\n", n ? indent : "", (int)n, p);
		p = nl ? nl + 1 : NULL;
	}
}

/* Trim one trailing newline from YAML block scalars. */
static void block(FILE *out, const char *text)
{
	size_t n = strlen(text);

	while (n && text[n - 1] == '\n')
		n--;
	fprintf(out, "%.*s\n", (int)n, text);
}

static void explain_text(const struct rule_info *r, FILE *out)
{
	fprintf(out, "%s (%s)\n\n", r->id, lint_severity_name(r->severity));
	if (r->summary)
		fprintf(out, "%s\n\n", r->summary);
	if (r->why) {
		block(out, r->why);
		fputc('\n', out);
	}
	if (r->lock)
		fprintf(out, "lock:     %s\n", r->lock);
	if (r->blocks)
		fprintf(out, "blocks:   %s\n", r->blocks);
	if (r->rewrite)
		fprintf(out, "rewrite:  %s\n", r->rewrite);
	if (r->scan)
		fprintf(out, "scan:     %s\n", r->scan);
	if (r->versions)
		fprintf(out, "versions: %s\n", r->versions);
	if (r->safe_alternative) {
		fprintf(out, "\nsafe alternative:\n");
		indented(out, r->safe_alternative, "    ");
	}
	if (r->example_bad) {
		fprintf(out, "\ntriggers:\n");
		indented(out, r->example_bad, "    ");
	}
	if (r->example_good) {
		fprintf(out, "\ndoes not trigger:\n");
		indented(out, r->example_good, "    ");
	}
	fprintf(out, "\nsuppress one statement: -- migrate:allow %s <reason>\n", r->id);
}

static void sql_block(FILE *out, const char *sql)
{
	fprintf(out, "```sql\n");
	block(out, sql);
	fprintf(out, "```\n\n");
}

static void explain_markdown(const struct rule_info *r, FILE *out)
{
	fprintf(out, "<!-- generated by scripts/gen-rule-docs.sh from rules/%s.yaml: do not edit -->\n",
		r->id);
	fprintf(out, "# %s\n\n", r->id);
	fprintf(out, "**Severity:** %s", lint_severity_name(r->severity));
	if (r->versions)
		fprintf(out, " · **PostgreSQL:** %s", r->versions);
	fprintf(out, "\n\n");
	if (r->summary)
		fprintf(out, "%s\n\n", r->summary);
	if (r->why) {
		fprintf(out, "## Why\n\n");
		block(out, r->why);
		fputc('\n', out);
	}
	fprintf(out, "| lock | blocks | rewrite | scan |\n|---|---|---|---|\n");
	fprintf(out, "| %s | %s | %s | %s |\n\n", r->lock ? r->lock : "", r->blocks ? r->blocks : "",
		r->rewrite ? r->rewrite : "", r->scan ? r->scan : "");
	if (r->safe_alternative) {
		fprintf(out, "## Safe alternative\n\n");
		sql_block(out, r->safe_alternative);
	}
	if (r->example_bad) {
		fprintf(out, "## Triggers\n\n");
		sql_block(out, r->example_bad);
	}
	if (r->example_good) {
		fprintf(out, "## Does not trigger\n\n");
		sql_block(out, r->example_good);
	}
	fprintf(out, "## Suppress\n\n");
	fprintf(out, "One statement, with the reason on record:\n\n");
	fprintf(out, "```sql\n-- migrate:allow %s the reason this is safe here\n```\n\n", r->id);
	fprintf(out, "Everywhere: `lint.rules: {%s: off}` in `migrate.yml`, or `migrate lint --exclude %s`.\n",
		r->id, r->id);
}

int lint_explain(const char *id, int markdown, FILE *out)
{
	const struct rule_info *r = catalog_find(id);

	if (!r)
		return -1;
	if (markdown)
		explain_markdown(r, out);
	else
		explain_text(r, out);
	return 0;
}

void lint_list_rules(int markdown, FILE *out)
{
	size_t i, n = catalog_count();

	if (markdown)
		fprintf(out, "| rule | severity | summary |\n|---|---|---|\n");
	for (i = 0; i < n; i++) {
		const struct rule_info *r = catalog_at(i);

		if (markdown)
			fprintf(out, "| [%s](%s.md) | %s | %s |\n", r->id, r->id, lint_severity_name(r->severity),
				r->summary ? r->summary : "");
		else
			fprintf(out, "%-36s %-8s %s\n", r->id, lint_severity_name(r->severity),
				r->summary ? r->summary : "");
	}
}
