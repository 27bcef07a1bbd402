/* directives.c - "-- migrate:allow RULE reason" and "-- migrate:disable RULE" comments
 *
 * Comments come from PostgreSQL's scanner (so a "--" inside a string or a
 * dollar-quoted body is not a comment); the directive is read by sql/directive.c.
 */
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"
#include "sql/directive.h"
#include "base/util.h"

/* Statement a directive at off applies to: the one containing it, else the next. */
static int stmt_for(const struct lint_ctx *c, int off)
{
	size_t i;

	for (i = 0; i < c->script->n; i++) {
		struct sql_stmt_pos p = sql_script_pos(c->script, i);

		if (p.offset + p.len > off)
			return (int)i;
	}
	return -1;
}

static void add_allow(struct lint_dirs *d, const char *rule, const char *reason, int off, int stmt)
{
	struct allow_dir *a;

	ALLOC_GROW(d->allow, d->nallow + 1, d->aallow);
	a = &d->allow[d->nallow++];
	a->rule = xstrdup(rule);
	a->reason = reason ? xstrdup(reason) : NULL;
	a->offset = off;
	a->stmt = stmt;
	a->used = 0;
}

static void add_disable(struct lint_dirs *d, const char *rule, int off)
{
	ALLOC_GROW(d->disabled, d->ndisabled + 1, d->adisabled);
	ALLOC_GROW(d->disabled_off, d->ndisabled + 1, d->adisabled_off);
	d->disabled_off[d->ndisabled] = off;
	d->disabled[d->ndisabled++] = xstrdup(rule);
}

static void one_comment(struct lint_ctx *c, const struct tok *t)
{
	struct directive dv;
	const char *tok, *rest;
	size_t tok_len, rest_len;
	char *rules, *reason, *p, *save = NULL;
	int allow;

	if (!directive_read(c->src + t->start, (size_t)(t->end - t->start), &dv))
		return;
	allow = directive_is(&dv, "allow");
	if (!allow && !directive_is(&dv, "disable"))
		return;
	if (!directive_split(&dv, &tok, &tok_len, &rest, &rest_len)) {
		/* reported by dirs_report as a directive without a rule */
		add_allow(&c->dirs, "", NULL, t->start, -1);
		return;
	}
	rules = xstrndup(tok, tok_len);
	reason = rest_len ? xstrndup(rest, rest_len) : NULL;
	for (p = strtok_r(rules, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (allow)
			add_allow(&c->dirs, p, reason, t->start, stmt_for(c, t->start));
		else
			add_disable(&c->dirs, p, t->start);
	}
	free(rules);
	free(reason);
}

void dirs_parse(struct lint_ctx *c)
{
	size_t i;

	const struct toklist *tl;

	memset(&c->dirs, 0, sizeof(c->dirs));
	if (!strstr(c->src, "migrate:"))
		return;
	tl = ctx_toks(c);
	for (i = 0; i < tl->n; i++)
		if (tl->t[i].kind == PG_QUERY__TOKEN__SQL_COMMENT)
			one_comment(c, &tl->t[i]);
}

void dirs_release(struct lint_dirs *d)
{
	size_t i;

	for (i = 0; i < d->nallow; i++) {
		free(d->allow[i].rule);
		free(d->allow[i].reason);
	}
	free(d->allow);
	for (i = 0; i < d->ndisabled; i++)
		free(d->disabled[i]);
	free(d->disabled);
	free(d->disabled_off);
	memset(d, 0, sizeof(*d));
}

int dirs_disabled(const struct lint_dirs *d, const char *rule)
{
	size_t i;

	for (i = 0; i < d->ndisabled; i++)
		if (!strcmp(d->disabled[i], rule))
			return 1;
	return 0;
}

struct allow_dir *dirs_allow(struct lint_dirs *d, const char *rule, int si)
{
	size_t i;

	for (i = 0; i < d->nallow; i++)
		if (d->allow[i].stmt == si && d->allow[i].reason && !strcmp(d->allow[i].rule, rule))
			return &d->allow[i];
	return NULL;
}
