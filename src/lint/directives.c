/* directives.c - "-- migrate:allow RULE reason" and "-- migrate:disable RULE" comments
 *
 * Comments come from PostgreSQL's scanner (so a "--" inside a string or a
 * dollar-quoted body is not a comment); the directive text is read with pcre2.
 */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"
#include "base/util.h"

static pcre2_code *re;
static pcre2_match_data *md;

static void free_re(void)
{
	pcre2_match_data_free(md);
	pcre2_code_free(re);
}

static int compile(void)
{
	int err;
	PCRE2_SIZE eoff;

	if (re)
		return 0;
	re = pcre2_compile((PCRE2_SPTR) "^--[ \\t]*migrate:(allow|disable)(?:[ \\t]+([^ \\t\\r\\n]+))?"
			   "(?:[ \\t]+(.*?))?[ \\t\\r]*$",
			   PCRE2_ZERO_TERMINATED, 0, &err, &eoff, NULL);
	if (!re)
		return -1;
	md = pcre2_match_data_create_from_pattern(re, NULL);
	atexit(free_re);
	return 0;
}

static char *group(const char *s, const PCRE2_SIZE *ov, int g, int rc)
{
	if (g >= rc || ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] == ov[2 * g])
		return NULL;
	return xstrndup(s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

/* Statement a directive at off applies to: the one containing it, else the next. */
static int stmt_for(const struct lint_ctx *c, int off)
{
	size_t i;

	for (i = 0; i < c->script->n; i++)
		if (c->script->stmts[i].offset + c->script->stmts[i].len > off)
			return (int)i;
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
	const char *s = c->src + t->start;
	size_t len = (size_t)(t->end - t->start);
	PCRE2_SIZE *ov;
	char *kind, *rules, *reason, *p, *save = NULL;
	int rc;

	if (len < 10 || !memmem(s, len, "migrate:", 8))
		return;
	rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
	if (rc < 0)
		return;
	ov = pcre2_get_ovector_pointer(md);
	kind = group(s, ov, 1, rc);
	rules = group(s, ov, 2, rc);
	reason = group(s, ov, 3, rc);
	if (!rules) {
		/* reported by dirs_report as a directive without a rule */
		add_allow(&c->dirs, "", NULL, t->start, -1);
	} else {
		for (p = strtok_r(rules, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
			if (kind[0] == 'a')
				add_allow(&c->dirs, p, reason, t->start, stmt_for(c, t->start));
			else
				add_disable(&c->dirs, p, t->start);
		}
	}
	free(kind);
	free(rules);
	free(reason);
}

void dirs_parse(struct lint_ctx *c)
{
	size_t i;

	const struct toklist *tl;

	memset(&c->dirs, 0, sizeof(c->dirs));
	if (!strstr(c->src, "migrate:") || compile() < 0)
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
