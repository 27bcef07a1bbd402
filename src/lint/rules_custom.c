/* rules_custom.c - lint.custom: the project's own rules, pcre2 patterns over statement text */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"
#include "base/util.h"

struct custom_rule_re {
	const struct custom_rule *def;
	pcre2_code *re;
};

struct custom_set {
	struct custom_rule_re *rules;
	size_t n;
	pcre2_match_data *md;
};

struct custom_set *custom_compile(const struct config *cfg, int *errors)
{
	struct custom_set *cs;
	size_t i;

	if (!cfg || !cfg->ncustom)
		return NULL;
	cs = xcalloc(1, sizeof(*cs));
	cs->rules = xcalloc(cfg->ncustom, sizeof(*cs->rules));
	for (i = 0; i < cfg->ncustom; i++) {
		const struct custom_rule *r = &cfg->custom[i];
		PCRE2_SIZE eoff;
		int err;
		pcre2_code *re = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED,
					       PCRE2_UTF | PCRE2_MULTILINE, &err, &eoff, NULL);

		if (!re) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(err, msg, sizeof(msg));
			log_error_at(cfg->path ? cfg->path : "migrate.yml", r->line, 0,
				     "lint.custom %s: pattern does not compile at offset %zu: %s", r->id,
				     (size_t)eoff, (const char *)msg);
			(*errors)++;
			continue;
		}
		cs->rules[cs->n].def = r;
		cs->rules[cs->n].re = re;
		cs->n++;
	}
	cs->md = pcre2_match_data_create(16, NULL);
	return cs;
}

void custom_free(struct custom_set *cs)
{
	size_t i;

	if (!cs)
		return;
	for (i = 0; i < cs->n; i++)
		pcre2_code_free(cs->rules[i].re);
	free(cs->rules);
	pcre2_match_data_free(cs->md);
	free(cs);
}

void rules_custom(struct lint_ctx *c, const struct custom_set *cs)
{
	size_t i;

	if (!cs)
		return;
	for (i = 0; i < cs->n; i++) {
		const struct custom_rule *r = cs->rules[i].def;
		const char *text = c->st->text;
		int rc = pcre2_match(cs->rules[i].re, (PCRE2_SPTR)text, strlen(text), 0, 0, cs->md, NULL);
		PCRE2_SIZE *ov;

		if (rc < 0)
			continue;
		ov = pcre2_get_ovector_pointer(cs->md);
		{
			struct lint_emit e = {
				.rule = r->id,
				.where = { c->st->offset + (int)ov[0],
					   c->st->offset + (int)(ov[1] > ov[0] ? ov[1] : ov[0] + 1) },
				.severity = r->level == RULE_WARNING ? LINT_WARNING : LINT_ERROR,
			};

			if (c->st->node)
				e.lock = ctx_stmt_lock(c, NULL);
			lint_report(c, &e, "%s", r->message);
		}
	}
}
