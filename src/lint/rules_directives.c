/* rules_directives.c - the directives themselves checked: invalid-directive, unused-directive */
#include "lint/lint_int.h"
#include "base/util.h"

#include <string.h>

static int known_rule(const struct lint_ctx *c, const char *rule)
{
	size_t i;

	if (catalog_find(rule))
		return 1;
	for (i = 0; c->l->cfg && i < c->l->cfg->ncustom; i++)
		if (!strcmp(c->l->cfg->custom[i].id, rule))
			return 1;
	return 0;
}

static struct span comment_span(const struct lint_ctx *c, int off)
{
	const struct toklist *tl = ctx_toks(c);
	size_t i = toklist_at(tl, off);
	struct span s = { off, off + 1 };

	if (i < tl->n)
		s.end = tl->t[i].end;
	return s;
}

void dirs_report(struct lint_ctx *c)
{
	struct lint_dirs *d = &c->dirs;
	size_t i;

	for (i = 0; i < d->nallow; i++) {
		const struct allow_dir *a = &d->allow[i];
		struct lint_emit e = { .rule = "invalid-directive", .where = comment_span(c, a->offset) };

		if (!*a->rule) {
			lint_report(c, &e, "-- migrate:allow needs a rule id and a reason");
		} else if (!known_rule(c, a->rule)) {
			e.vars[0] = "rule";
			e.vars[1] = a->rule;
			lint_report(c, &e, "-- migrate:allow names unknown rule \"%s\"", a->rule);
		} else if (!a->reason) {
			e.vars[0] = "rule";
			e.vars[1] = a->rule;
			lint_report(c, &e, "-- migrate:allow %s has no reason: say why this is safe here",
				    a->rule);
		} else if (!a->used) {
			e.rule = "unused-directive";
			e.vars[0] = "rule";
			e.vars[1] = a->rule;
			lint_report(c, &e, "-- migrate:allow %s: the %s has no %s finding to allow",
				    a->rule, a->stmt < 0 ? "file" : "next statement", a->rule);
		}
	}
	for (i = 0; i < d->ndisabled; i++) {
		if (!known_rule(c, d->disabled[i])) {
			struct lint_emit e = { .rule = "invalid-directive",
					       .where = comment_span(c, d->disabled_off[i]) };

			lint_report(c, &e, "-- migrate:disable names unknown rule \"%s\"", d->disabled[i]);
		}
	}
}
