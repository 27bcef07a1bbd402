/* linter.c - a linter's settings (levels, exclusions, the PostgreSQL version),
 * its results, and lint_report: how a rule's finding becomes a finding (level,
 * directives, message template, position in the file) */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"
#include "base/strbuf.h"
#include "base/util.h"

/* ---- results ---- */

void lint_result_init(struct lint_result *r)
{
	memset(r, 0, sizeof(*r));
}

void lint_finding_release(struct lint_finding *f)
{
	free(f->rule);
	free(f->file);
	free(f->message);
	free(f->lock);
	free(f->table);
	free(f->help);
	free(f->source);
	free(f->allow_reason);
}

void lint_result_flush(struct lint_result *r)
{
	size_t i;

	if (!r->emit || !r->n)
		return;
	for (i = 0; i < r->n; i++) {
		const struct lint_finding *f = &r->items[i];

		if (!r->emit_batch)
			r->emit(r->emit_arg, f);
		if (f->severity == LINT_ERROR && !f->allowed && strcmp(f->rule, "parse-error"))
			r->emitted_blocking++;
		if (!f->allowed && (unsigned)f->severity < 3)
			r->emitted_count[f->severity]++;
		if (!r->emit_batch)
			lint_finding_release(&r->items[i]);
	}
	if (r->emit_batch) {
		r->emit_batch(r->emit_arg, r->items, r->n);
		r->items = NULL;
		r->alloc = 0;
	}
	r->n = 0;
}

void lint_result_release(struct lint_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		lint_finding_release(&r->items[i]);
	free(r->items);
	free(r->last_file);
	lint_result_init(r);
}

size_t lint_result_blocking(const struct lint_result *r)
{
	size_t i, n = r->emitted_blocking;

	for (i = 0; i < r->n; i++)
		if (r->items[i].severity == LINT_ERROR && !r->items[i].allowed &&
		    strcmp(r->items[i].rule, "parse-error"))
			n++;
	return n;
}

size_t lint_result_count(const struct lint_result *r, enum lint_severity sev)
{
	size_t i, n = (unsigned)sev < 3 ? r->emitted_count[sev] : 0;

	for (i = 0; i < r->n; i++)
		if (r->items[i].severity == sev && !r->items[i].allowed)
			n++;
	return n;
}

struct lint_finding *lint_new_finding(struct lint_result *r)
{
	struct lint_finding *f;

	ALLOC_GROW(r->items, r->n + 1, r->alloc);
	f = &r->items[r->n++];
	memset(f, 0, sizeof(*f));
	return f;
}

/* ---- the linter ---- */

static int excluded(const struct linter *l, const char *rule)
{
	size_t i;

	for (i = 0; i < l->nexclude; i++)
		if (!strcmp(l->exclude[i], rule))
			return 1;
	return 0;
}

enum lint_severity linter_level(const struct linter *l, const char *rule, enum lint_severity natural)
{
	if (excluded(l, rule))
		return LINT_OFF;
	if (l->cfg) {
		enum rule_level lv = config_rule_level(l->cfg, rule);

		if (lv == RULE_OFF)
			return LINT_OFF;
		if (lv == RULE_WARNING)
			return LINT_WARNING;
		if (lv == RULE_ERROR)
			return LINT_ERROR;
	}
	return natural;
}

/* ---- reporting ---- */

static void fill_template(struct strbuf *sb, const char *tpl, const char *const *vars)
{
	const char *p = tpl;

	while (*p) {
		const char *close;
		size_t i;

		if (*p != '{' || !(close = strchr(p + 1, '}'))) {
			size_t run = strcspn(p + 1, "{") + 1; /* up to the next '{' at once */

			strbuf_add(sb, p, run);
			p += run;
			continue;
		}
		for (i = 0; i < 2 * LINT_MAX_VARS && vars[i]; i += 2)
			if (vars[i + 1] && strlen(vars[i]) == (size_t)(close - p - 1) &&
			    !strncmp(vars[i], p + 1, (size_t)(close - p - 1)))
				break;
		if (i < 2 * LINT_MAX_VARS && vars[i]) {
			strbuf_addstr(sb, vars[i + 1]);
		} else {
			/* unknown here (a column's type we never saw): a placeholder for people */
			strbuf_addch(sb, '<');
			strbuf_add(sb, p + 1, (size_t)(close - p - 1));
			strbuf_addch(sb, '>');
		}
		p = close + 1;
	}
	strbuf_rtrim(sb);
}

/* 1-based character column of byte offset off on its line. */
static int column_of(const struct lint_ctx *c, int off, int *line)
{
	int l = ctx_line(c, off), start = c->line_starts[l - c->line_base], col = 1, i;

	for (i = start; i < off && ctx_src_byte(c, i); i++)
		if (((unsigned char)ctx_src_byte(c, i) & 0xC0) != 0x80)
			col++;
	*line = l;
	return col;
}

char *lint_source_line(const struct lint_ctx *c, int line)
{
	int start = c->line_starts[line - c->line_base], end = start;
	struct strbuf sb = STRBUF_INIT;
	char ch;

	if (!c->view) {
		while (c->src[end] && c->src[end] != '\n')
			end++;
		if (end > start && c->src[end - 1] == '\r')
			end--;
		return xstrndup(c->src + start, (size_t)(end - start));
	}
	while ((ch = ctx_src_byte(c, end)) && ch != '\n')
		end++;
	if (end > start && ctx_src_byte(c, end - 1) == '\r')
		end--;
	ctx_src_add(c, &sb, start, end);
	return strbuf_detach(&sb, NULL);
}

void lint_report(struct lint_ctx *c, const struct lint_emit *e, const char *fmt, ...)
{
	const struct rule_info *ri = catalog_find(e->rule);
	enum lint_severity natural = e->severity ? e->severity : ri ? ri->severity : LINT_ERROR;
	enum lint_severity sev = linter_level(c->l, e->rule, natural);
	struct strbuf sb = STRBUF_INIT, note = STRBUF_INIT;
	struct lint_finding *f;
	struct allow_dir *a;
	struct span w;
	va_list ap;

	if (sev == LINT_OFF || !c->res || dirs_disabled(&c->dirs, e->rule))
		return;
	if (!lint_judge(c, e, &sev, &note)) {
		/* nothing to report; a directive for it is not unused */
		if (c->st && (a = dirs_allow(&c->dirs, e->rule, (int)c->si)))
			a->used = 1;
		return;
	}
	w = e->where;
	if (w.start < 0 || w.end < w.start)
		w = c->st ? span_stmt(c) : (struct span){ 0, 0 };
	f = lint_new_finding(c->res);
	f->rule = xstrdup(e->rule);
	f->severity = sev;
	f->file = xstrdup(c->file ? c->file : "-");
	f->col = column_of(c, w.start, &f->line);
	f->end_col = column_of(c, w.end, &f->end_line);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addstr(&sb, note.buf);
	strbuf_release(&note);
	f->message = strbuf_detach(&sb, NULL);
	if (e->lock.mode != LOCK_NONE) {
		f->lock = xstrdup(lock_mode_name(e->lock.mode));
		f->blocks_reads = lock_blocks_reads(e->lock.mode);
		f->blocks_writes = lock_blocks_writes(e->lock.mode);
	}
	if (e->lock.table)
		f->table = xstrdup(e->lock.table);
	f->rewrite = e->lock.rewrite;
	f->scan = e->lock.scan;
	if (ri && ri->safe_alternative) {
		/* room at once: growing by doubling past 1 KB made glibc consolidate its free lists */
		strbuf_grow(&sb, strlen(ri->safe_alternative) + 128);
		fill_template(&sb, ri->safe_alternative, e->vars);
		f->help = strbuf_detach(&sb, NULL);
	}
	f->source = lint_source_line(c, f->line);
	if (c->st && (a = dirs_allow(&c->dirs, e->rule, (int)c->si))) {
		f->allowed = 1;
		f->allow_reason = xstrdup(a->reason);
		a->used = 1;
	}
	if (sev == LINT_ERROR && !f->allowed)
		c->stmt_errors++;
	strbuf_release(&sb);
}
