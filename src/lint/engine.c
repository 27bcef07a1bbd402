/* engine.c - the linter: sections in, findings out
 *
 * For each section: parse (sql.c), scan tokens, read directives, decide how
 * it runs (transaction or not, as the runner will), then run every rule
 * family on each statement in order and update the schema model.
 */
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

static void finding_release(struct lint_finding *f)
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

void lint_result_release(struct lint_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		finding_release(&r->items[i]);
	free(r->items);
	free(r->last_file);
	lint_result_init(r);
}

size_t lint_result_blocking(const struct lint_result *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		if (r->items[i].severity == LINT_ERROR && !r->items[i].allowed &&
		    strcmp(r->items[i].rule, "parse-error"))
			n++;
	return n;
}

size_t lint_result_count(const struct lint_result *r, enum lint_severity sev)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		if (r->items[i].severity == sev && !r->items[i].allowed)
			n++;
	return n;
}

static struct lint_finding *new_finding(struct lint_result *r)
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

static int custom_id(const struct config *cfg, const char *id)
{
	size_t i;

	for (i = 0; cfg && i < cfg->ncustom; i++)
		if (!strcmp(cfg->custom[i].id, id))
			return 1;
	return 0;
}

static void add_exclude(struct linter *l, const char *id)
{
	l->exclude = xrealloc(l->exclude, (l->nexclude + 1) * sizeof(*l->exclude));
	l->exclude[l->nexclude++] = xstrdup(id);
}

struct linter *linter_new(const struct lint_options *o)
{
	struct linter *l = xcalloc(1, sizeof(*l));
	const struct config *cfg = o->cfg;
	const char *cpath = cfg && cfg->path ? cfg->path : "migrate.yml";
	int errors = 0;
	size_t i;

	l->cfg = cfg;
	l->pg = o->pg_version ? o->pg_version :
		cfg && cfg->lint_pg_version ? cfg->lint_pg_version : PG_VERSION_NUM / 10000;
	schema_init(&l->schema);
	for (i = 0; cfg && i < cfg->nrules; i++) {
		if (!lint_rule_exists(cfg->rules[i].id) && !custom_id(cfg, cfg->rules[i].id)) {
			log_error_at(cpath, cfg->rules[i].line, 0, "lint.rules: unknown rule \"%s\"",
				     cfg->rules[i].id);
			errors++;
		}
	}
	for (i = 0; cfg && i < cfg->nexclude; i++) {
		if (!lint_rule_exists(cfg->exclude[i]) && !custom_id(cfg, cfg->exclude[i])) {
			log_error_at(cpath, 0, 0, "lint.exclude: unknown rule \"%s\"", cfg->exclude[i]);
			errors++;
		}
		add_exclude(l, cfg->exclude[i]);
	}
	for (i = 0; i < o->nexclude; i++) {
		if (!lint_rule_exists(o->exclude[i]) && !custom_id(cfg, o->exclude[i])) {
			log_error("--exclude: unknown rule \"%s\"", o->exclude[i]);
			log_hint("\"migrate lint --list-rules\" lists them");
			errors++;
		}
		add_exclude(l, o->exclude[i]);
	}
	for (i = 0; cfg && i < cfg->ncustom; i++) {
		if (lint_rule_exists(cfg->custom[i].id)) {
			log_error_at(cpath, cfg->custom[i].line, 0,
				     "lint.custom: \"%s\" is the id of a built-in rule", cfg->custom[i].id);
			errors++;
		}
	}
	l->custom = custom_compile(cfg, &errors);
	if (errors) {
		linter_free(l);
		return NULL;
	}
	return l;
}

void linter_free(struct linter *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->nexclude; i++)
		free(l->exclude[i]);
	free(l->exclude);
	custom_free(l->custom);
	schema_release(&l->schema);
	free(l);
}

int linter_pg_version(const struct linter *l)
{
	return l->pg;
}

/* ---- reporting ---- */

static void fill_template(struct strbuf *sb, const char *tpl, const char *const *vars)
{
	const char *p = tpl;

	while (*p) {
		const char *close;
		size_t i;

		if (*p != '{' || !(close = strchr(p + 1, '}'))) {
			strbuf_addch(sb, *p++);
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

	for (i = start; i < off && c->src[i]; i++)
		if (((unsigned char)c->src[i] & 0xC0) != 0x80)
			col++;
	*line = l;
	return col;
}

static char *source_line(const struct lint_ctx *c, int line)
{
	int start = c->line_starts[line - c->line_base], end = start;

	while (c->src[end] && c->src[end] != '\n')
		end++;
	if (end > start && c->src[end - 1] == '\r')
		end--;
	return xstrndup(c->src + start, (size_t)(end - start));
}

void lint_report(struct lint_ctx *c, const struct lint_emit *e, const char *fmt, ...)
{
	const struct rule_info *ri = catalog_find(e->rule);
	enum lint_severity natural = e->severity ? e->severity : ri ? ri->severity : LINT_ERROR;
	enum lint_severity sev = linter_level(c->l, e->rule, natural);
	struct strbuf sb = STRBUF_INIT;
	struct lint_finding *f;
	struct allow_dir *a;
	struct span w;
	va_list ap;

	if (sev == LINT_OFF || !c->res || dirs_disabled(&c->dirs, e->rule))
		return;
	w = e->where;
	if (w.start < 0 || w.end < w.start)
		w = c->st ? span_stmt(c) : (struct span){ 0, 0 };
	f = new_finding(c->res);
	f->rule = xstrdup(e->rule);
	f->severity = sev;
	f->file = xstrdup(c->file ? c->file : "-");
	f->col = column_of(c, w.start, &f->line);
	f->end_col = column_of(c, w.end, &f->end_line);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
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
		fill_template(&sb, ri->safe_alternative, e->vars);
		f->help = strbuf_detach(&sb, NULL);
	}
	f->source = source_line(c, f->line);
	if (c->st && (a = dirs_allow(&c->dirs, e->rule, (int)c->si))) {
		f->allowed = 1;
		f->allow_reason = xstrdup(a->reason);
		a->used = 1;
	}
	if (sev == LINT_ERROR && !f->allowed)
		c->stmt_errors++;
	strbuf_release(&sb);
}

/* ---- one section ---- */

static void index_lines(struct lint_ctx *c)
{
	size_t alloc = 64, n = 0;
	const char *p;

	c->line_starts = xmalloc(alloc * sizeof(int));
	c->line_starts[n++] = 0;
	for (p = c->src; (p = strchr(p, '\n')); p++) {
		if (n == alloc) {
			alloc *= 2;
			c->line_starts = xrealloc(c->line_starts, alloc * sizeof(int));
		}
		c->line_starts[n++] = (int)(p + 1 - c->src);
	}
	c->nlines = n;
}

static int tx_kind(const struct sql_stmt *st)
{
	if (!st->node || st->node->node_case != PG_QUERY__NODE__NODE_TRANSACTION_STMT)
		return 0;
	return st->node->transaction_stmt->kind;
}

/* How the runner will run the section (runner.c step_prepare decides the same way). */
static void tx_analyse(struct lint_ctx *c, const struct directives *d)
{
	const struct sql_script *s = c->script;
	size_t i, n = s->n ? s->n : 1;
	int ctl = 0, notx = 0, tx = -1, id = 0, in_block = 0;

	c->stmt_in_tx = xcalloc(n, sizeof(int));
	c->stmt_tx_id = xcalloc(n, sizeof(int));
	c->mixed_tx_stmt = -1;
	c->open_begin_stmt = -1;
	for (i = 0; i < s->n; i++) {
		if (s->stmts[i].flags & STMT_TX_CONTROL)
			ctl = 1;
		else if (s->stmts[i].flags & STMT_NO_TX)
			notx = 1;
		else if (tx < 0)
			tx = (int)i;
	}
	if (ctl)
		c->mode = LTX_SELF;
	else if (d && d->no_transaction)
		c->mode = LTX_NONE;
	else if (notx && tx >= 0)
		c->mode = LTX_MIXED;
	else if (notx)
		c->mode = LTX_NONE;
	else
		c->mode = LTX_WRAPPED;
	if (c->mode == LTX_MIXED)
		c->mixed_tx_stmt = tx;
	for (i = 0; i < s->n; i++) {
		switch (c->mode) {
		case LTX_WRAPPED:
		case LTX_MIXED:
			c->stmt_in_tx[i] = 1;
			c->stmt_tx_id[i] = 1;
			break;
		case LTX_NONE:
			c->stmt_tx_id[i] = (int)i + 1;
			break;
		case LTX_SELF:
			switch (tx_kind(&s->stmts[i])) {
			case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
			case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
				if (!in_block) {
					id++;
					c->open_begin_stmt = (int)i;
				}
				in_block = 1;
				c->stmt_tx_id[i] = id;
				c->stmt_in_tx[i] = 1;
				continue;
			case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
			case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
			case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_PREPARE:
				c->stmt_tx_id[i] = in_block ? id : ++id;
				c->stmt_in_tx[i] = in_block;
				in_block = 0;
				c->open_begin_stmt = -1;
				continue;
			default:
				break;
			}
			if (in_block) {
				c->stmt_tx_id[i] = id;
				c->stmt_in_tx[i] = 1;
			} else {
				c->stmt_tx_id[i] = ++id;
			}
			break;
		}
	}
}

static void free_scratch(struct lint_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nscratch; i++)
		free(c->scratch[i]);
	c->nscratch = 0;
}

static void parse_error(struct lint_ctx *c, const struct sql_script *s)
{
	struct lint_finding *f = new_finding(c->res);
	int line = s->error_line ? s->error_line : c->line_base;

	f->rule = xstrdup("parse-error");
	f->severity = LINT_ERROR;
	f->file = xstrdup(c->file ? c->file : "-");
	f->line = f->end_line = line;
	f->col = s->error_col ? s->error_col : 1;
	f->end_col = f->col + 1;
	f->message = xstrdup(s->error ? s->error : "syntax error");
	if (line - c->line_base >= 0 && (size_t)(line - c->line_base) < c->nlines)
		f->source = source_line(c, line);
	c->res->parse_errors++;
}

/* Stable sort of a section's findings by position (they are nearly sorted already). */
static void sort_findings(struct lint_result *r, size_t first)
{
	size_t i, k;

	for (i = first + 1; i < r->n; i++) {
		struct lint_finding f = r->items[i];

		for (k = i; k > first && (r->items[k - 1].line > f.line ||
					  (r->items[k - 1].line == f.line && r->items[k - 1].col > f.col)); k--)
			r->items[k] = r->items[k - 1];
		r->items[k] = f;
	}
}

static void lint_stmt(struct lint_ctx *c)
{
	rules_tx(c);
	rules_column(c);
	rules_constraint(c);
	rules_index(c);
	rules_table(c);
	rules_data(c);
	rules_style(c);
	rules_custom(c, c->l->custom);
	rules_tx_after(c);
}

struct lint_prep *lint_prep_new(const char *sql, const char *path, int line_base, int tokens)
{
	struct lint_prep *p = xcalloc(1, sizeof(*p));

	if (sql) {
		p->parsed = sql_script_parse(&p->s, sql, path, line_base) == 0;
		if (tokens) {
			toklist_scan(&p->toks, sql);
			p->toks_scanned = 1;
		}
	}
	return p;
}

void lint_prep_free(struct lint_prep *p)
{
	if (!p)
		return;
	sql_script_release(&p->s);
	toklist_release(&p->toks);
	free(p);
}

/* Lint (or, with r NULL, learn from) one section; prep is its parse, or NULL to parse here. */
static void run(struct linter *l, const char *sql, const char *path, int line_base,
		const struct directives *d, struct lint_result *r, int revert, struct lint_prep *prep)
{
	struct lint_ctx c;
	struct lint_prep own;
	struct sql_script *sp;
	int parsed;
	size_t i, first = r ? r->n : 0;

	memset(&c, 0, sizeof(c));
	c.stoks_for = -1;
	if (!prep) {
		memset(&own, 0, sizeof(own));
		own.parsed = sql_script_parse(&own.s, sql, path, line_base) == 0;
		prep = &own;
	}
	sp = &prep->s;
	parsed = prep->parsed;
	if (prep->toks_scanned && r) {
		c.toks = prep->toks;
		c.toks_scanned = 1;
		memset(&prep->toks, 0, sizeof(prep->toks));
		prep->toks_scanned = 0;
	}
	c.l = l;
	c.res = r;
	c.script = sp;
	c.file = path;
	c.src = sql;
	c.line_base = line_base;
	c.pg = l->pg;
	c.schema = &l->schema;
	c.revert_seq = revert ? l->seq : 0;
	c.seq = ++l->seq;
	c.run_seq = l->run_seq;
	if (r) {
		if (!r->last_file || !path || strcmp(r->last_file, path)) {
			r->files++;
			free(r->last_file);
			r->last_file = xstrdup(path ? path : "-");
		}
		r->statements += (int)sp->n;
	}
	if (!r) {
		/* learning only: the model, no rules */
		for (i = 0; parsed && i < sp->n; i++)
			schema_apply(&l->schema, sp->stmts[i].node, c.seq);
		if (prep == &own)
			sql_script_release(&own.s);
		return;
	}
	index_lines(&c);
	dirs_parse(&c);
	if (!parsed)
		parse_error(&c, sp);
	tx_analyse(&c, d);
	for (i = 0; i < sp->n; i++) {
		c.si = i;
		c.st = &sp->stmts[i];
		c.stmt_errors = 0;
		if (c.stmt_tx_id[i] != c.tx.id) {
			rules_tx_end(&c);
			tx_state_reset(&c.tx, c.stmt_tx_id[i]);
		}
		if (parsed)
			lint_stmt(&c);
		else
			rules_custom(&c, l->custom);
		if (parsed)
			schema_apply(&l->schema, c.st->node, c.seq);
		free_scratch(&c);
	}
	c.st = NULL;
	rules_tx_end(&c);
	dirs_report(&c);
	sort_findings(r, first);
	free_scratch(&c);
	free(c.scratch);
	tx_state_release(&c.tx);
	dirs_release(&c.dirs);
	toklist_release(&c.toks);
	toklist_release(&c.stoks);
	free(c.line_starts);
	free(c.stmt_in_tx);
	free(c.stmt_tx_id);
	if (prep == &own)
		sql_script_release(&own.s);
}

void lint_section(struct linter *l, const struct section *sec, struct lint_result *r)
{
	if (!sec->sql)
		return;
	run(l, sec->sql, sec->path, sec->line_base > 0 ? sec->line_base : 1, &sec->dir, r, 0, NULL);
}

/* A down, linted against the model its up left, which it leaves as it was. */
static void run_isolated(struct linter *l, const struct section *sec, struct lint_result *r,
			 struct lint_prep *prep)
{
	schema_savepoint(&l->schema);
	run(l, sec->sql, sec->path, sec->line_base > 0 ? sec->line_base : 1, &sec->dir, r, 1, prep);
	schema_rollback(&l->schema);
}

void lint_section_parsed(struct linter *l, const struct section *sec,
			 const struct sql_script *script, struct lint_result *r)
{
	struct lint_prep prep;

	if (!sec->sql)
		return;
	memset(&prep, 0, sizeof(prep));
	prep.s = *script; /* borrowed: run() releases only a parse of its own */
	prep.parsed = script->tree != NULL;
	run(l, sec->sql, sec->path, sec->line_base > 0 ? sec->line_base : 1, &sec->dir, r, 0, &prep);
}

void lint_section_isolated(struct linter *l, const struct section *sec, struct lint_result *r)
{
	if (sec->sql)
		run_isolated(l, sec, r, NULL);
}

void linter_learn_section(struct linter *l, const struct section *sec)
{
	if (sec->sql)
		run(l, sec->sql, sec->path, sec->line_base > 0 ? sec->line_base : 1, &sec->dir, NULL,
		    0, NULL);
}

void lint_text(struct linter *l, const char *sql, const char *file, int line_base,
	       struct lint_result *r)
{
	struct directives d = { 0, -1, -1 };

	/* every directive says "migrate:"; most files have none, and reading them scans */
	if (strstr(sql, "migrate:") && directives_parse(sql, file, line_base, &d) < 0)
		r->parse_errors++;
	run(l, sql, file, line_base, &d, r, 0, NULL);
}

void lint_job_run(struct linter *l, const struct lint_job *job, struct lint_prep *prep,
		  struct lint_result *r)
{
	const struct section *sec = job->sec;
	int base = sec->line_base > 0 ? sec->line_base : 1;

	if (!sec->sql)
		return;
	if (job->kind == LINT_JOB_ISOLATED)
		run_isolated(l, sec, r, prep);
	else
		run(l, sec->sql, sec->path, base, &sec->dir, job->kind == LINT_JOB_LEARN ? NULL : r,
		    0, prep);
}

void linter_begin_run(struct linter *l)
{
	l->run_seq = l->seq + 1; /* the first section of the run */
}
