/* engine.c - the linter: sections in, findings out
 *
 * For each section: parse (sql.c), scan tokens, read directives, decide how
 * it runs (transaction or not, as the runner will), then run every rule
 * family on each statement in order and update the schema model.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"
#include "sql/batchsql.h"
#include "base/strbuf.h"
#include "base/util.h"

/* ---- the linter ---- */

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
	l->facts = o->facts;
	l->facts_arg = o->facts_arg;
	l->objects = o->objects;
	l->columns = o->columns;
	l->small_table = cfg ? cfg->lint_small_table : 10LL << 20;
	l->keep_created = !o->no_downs;
	strmap_init(&l->facts_map);
	strmap_init(&l->created);
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
	lint_facts_release(l);
	strmap_release(&l->created);
	schema_release(&l->schema);
	free(l);
}

int linter_pg_version(const struct linter *l)
{
	return l->pg;
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

/*
 * How the runner will run the section (runner.c step_prepare decides the same way):
 * the mode here, each statement's transaction as it is linted (tx_next), so nothing
 * is kept per statement (a streamed file has millions).
 */
static void tx_analyse(struct lint_ctx *c, const struct directives *d)
{
	int tx;

	c->mixed_tx_stmt = -1;
	c->open_begin_stmt = -1;
	c->tx_count = c->tx_block = 0;
	c->mode = tx_mode_decide(c->script, d, NULL, &tx);
	if (c->mode == TX_MIXED)
		c->mixed_tx_stmt = tx;
}

/* Statement i's transaction (c->tx_now) and whether it runs in one (c->in_tx), from the
 * statements before it: called for each in order. */
static void tx_next(struct lint_ctx *c, size_t i)
{
	int kind;

	c->in_tx = 0;
	switch (c->mode) {
	case TX_WRAPPED:
	case TX_MIXED:
		c->in_tx = 1;
		c->tx_now = 1;
		return;
	case TX_NONE:
		c->tx_now = (int)i + 1;
		return;
	case TX_SELF:
		break;
	}
	/* kept when the statement's tree is not at hand (stream.c) */
	kind = sql_script_pos(c->script, i).tx_kind;
	switch (kind) {
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
		if (!c->tx_block) {
			c->tx_count++;
			c->open_begin_stmt = (int)i;
		}
		c->tx_block = 1;
		c->tx_now = c->tx_count;
		c->in_tx = 1;
		return;
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_PREPARE:
		c->tx_now = c->tx_block ? c->tx_count : ++c->tx_count;
		c->in_tx = c->tx_block;
		c->tx_block = 0;
		c->open_begin_stmt = -1;
		return;
	default:
		break;
	}
	c->in_tx = c->tx_block;
	c->tx_now = c->tx_block ? c->tx_count : ++c->tx_count;
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
	struct lint_finding *f = lint_new_finding(c->res);
	int line = s->error_line ? s->error_line : c->line_base;

	f->rule = xstrdup("parse-error");
	f->severity = LINT_ERROR;
	f->file = xstrdup(c->file ? c->file : "-");
	f->line = f->end_line = line;
	f->col = s->error_col ? s->error_col : 1;
	f->end_col = f->col + 1;
	f->message = xstrdup(s->error ? s->error : "syntax error");
	if (line - c->line_base >= 0 && (size_t)(line - c->line_base) < c->nlines)
		f->source = lint_source_line(c, line);
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

/* What the rules ask later about statement i, noted while its tree is at hand. */
static void note_stmt(struct lint_ctx *c, size_t i)
{
	down_doomed_note(c, i);
	objects_note(c, i);
	typechange_note(c, i);
	lint_plpgsql_note(c, i);
}

static void lint_stmt(struct lint_ctx *c)
{
	lint_stmt_rules(c, 1);
	lint_plpgsql(c, 0);
}

struct lint_prep *lint_prep_new(const char *sql, const char *path, int line_base, int tokens)
{
	struct lint_prep *p = xcalloc(1, sizeof(*p));

	if (sql && sql_stream_wanted(sql)) {
		p->stream = 1; /* its trees would not all fit: parsed piece by piece when linted */
	} else if (sql) {
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

struct section_args {
	struct linter *l;
	const char *sql, *path;
	int line_base;
	const struct directives *d;
	struct lint_result *r;
	int revert;
};

static void ctx_begin(struct lint_ctx *c, const struct section_args *a, struct sql_script *sp)
{
	struct linter *l = a->l;
	struct lint_result *r = a->r;

	memset(c, 0, sizeof(*c));
	c->stoks_for = -1;
	strmap_init(&c->doomed);
	strmap_init(&c->recreated);
	c->l = l;
	c->res = r;
	c->script = sp;
	c->file = a->path;
	c->src = a->sql;
	c->line_base = a->line_base;
	c->pg = l->pg;
	c->schema = &l->schema;
	c->revert_seq = a->revert ? l->seq : 0;
	c->seq = ++l->seq;
	c->run_seq = l->run_seq;
	c->res_first = r ? r->n : 0;
	if (r && (!r->last_file || !a->path || strcmp(r->last_file, a->path))) {
		r->files++;
		free(r->last_file);
		r->last_file = xstrdup(a->path ? a->path : "-");
	}
}

/* Before the first statement is linted: lines, directives, transactions (every
 * statement noted already). */
static void ctx_prologue(struct lint_ctx *c, const struct section_args *a, int parsed)
{
	a->r->statements += (int)c->script->n;
	index_lines(c);
	dirs_parse(c);
	if (!parsed)
		parse_error(c, c->script);
	tx_analyse(c, a->d);
}

/* Lint statement i; its effect on the model. */
static void lint_one(struct lint_ctx *c, size_t i, int parsed)
{
	struct linter *l = c->l;

	c->si = i;
	c->st = sql_script_stmt(c->script, i);
	c->stmt_errors = 0;
	tx_next(c, i);
	if (c->tx_now != c->tx.id) {
		rules_tx_end(c);
		tx_state_reset(&c->tx, c->tx_now);
	}
	if (parsed)
		lint_stmt(c);
	else
		rules_custom(c, l->custom);
	if (parsed) {
		schema_apply(&l->schema, c->st->node, lint_create_seq(c, c->st->node));
		lint_note_created(l, c->st->node);
	}
	free_scratch(c);
}

/* After the last statement: the section-level rules, the findings in order, the context freed. */
static void ctx_end(struct lint_ctx *c)
{
	if (c->res) {
		c->st = NULL;
		rules_tx_end(c);
		dirs_report(c);
		sort_findings(c->res, c->res_first);
		lint_result_flush(c->res);
	}
	free_scratch(c);
	free(c->scratch);
	tx_state_release(&c->tx);
	strmap_release(&c->doomed);
	strmap_release(&c->recreated);
	free(c->tz);
	lint_plpgsql_release(c);
	dirs_release(&c->dirs);
	toklist_release(&c->toks);
	toklist_release(&c->stoks);
	free(c->line_starts);
}

/* The model learns statements [first, first + n) of a section, without rules. */
static void learn(struct lint_ctx *c, size_t first, size_t n)
{
	size_t i;

	c->l->learned_seq = c->seq;
	for (i = first; i < first + n; i++) {
		const PgQuery__Node *node = sql_script_stmt(c->script, i)->node;

		schema_apply(&c->l->schema, node, c->seq);
		lint_note_created(c->l, node);
	}
}

static void note_piece(void *ud, struct sql_script *s, size_t first, size_t n)
{
	size_t i;

	UNUSED(s);
	for (i = first; i < first + n; i++)
		note_stmt(ud, i);
}

static void lint_piece(void *ud, struct sql_script *s, size_t first, size_t n)
{
	struct lint_ctx *c = ud;
	size_t i;

	if (!c->res) {
		learn(c, first, n);
		return;
	}
	c->piece_toks = sql_stream_piece_data(s);
	for (i = first; i < first + n; i++)
		lint_one(c, i, 1);
	c->piece_toks = NULL;
	/*
	 * Printed as they come: a statement's findings lie in the statement, so none to
	 * come goes before these; but for the section's last word on directives and on
	 * a BEGIN left open, which may point back.
	 */
	if (c->res->emit && !c->dirs.nallow && !c->dirs.ndisabled && c->mode != TX_SELF) {
		sort_findings(c->res, c->res_first);
		lint_result_flush(c->res);
		c->res_first = 0;
	}
}

/*
 * On a parsing thread: the tokens of a piece of a streamed section (arg: the section's
 * text), the statements' text scanned in one call from the first's first byte to the
 * last's last; each statement's slice of them is the scan of its text alone, as the
 * statements are cut between tokens (ctx_toks). Each scanned alone if that fails.
 */
static void *scan_piece(void *arg, const struct sql_stmt *stmts, size_t n)
{
	const char *sql = arg;
	struct toklist *tl = xcalloc(1, sizeof(*tl)), one;
	size_t i;

	if (n) {
		int from = stmts[0].offset, to = stmts[n - 1].offset + stmts[n - 1].len;
		char *span = xstrndup(sql + from, (size_t)(to - from));

		toklist_scan_at(tl, span, from);
		free(span);
		if (tl->ok)
			return tl;
		toklist_release(tl);
	}
	tl->ok = 1;
	for (i = 0; i < n && tl->ok; i++) {
		toklist_scan_at(&one, stmts[i].text, stmts[i].offset);
		tl->ok = one.ok;
		ALLOC_GROW(tl->t, tl->n + one.n, tl->alloc);
		if (one.n)
			memcpy(tl->t + tl->n, one.t, one.n * sizeof(*one.t));
		tl->n += one.n;
		toklist_release(&one);
	}
	return tl;
}

static void free_piece_toks(void *data)
{
	toklist_release(data);
	free(data);
}

/*
 * A long section, statement by statement (sql_stream_*): a first pass notes what the
 * rules ask about other statements, the second lints; a few pieces' trees are in
 * memory at a time instead of the whole file's. 0, or -1 when it is not cut that way
 * (too short, or a piece does not parse: the whole parse says where the error is).
 */
static int run_streamed(const struct section_args *a)
{
	const struct sql_piece_prep toks_prep = { scan_piece, free_piece_toks, (void *)a->sql };
	struct lint_ctx c;
	struct sql_script s;

	if (sql_stream_open(&s, a->sql, a->path, a->line_base) < 0) {
		sql_script_release(&s);
		return -1;
	}
	ctx_begin(&c, a, &s);
	if (sql_stream_pass(&s, note_piece, &c) < 0) {
		a->l->seq--; /* as if this never started: run() starts it again */
		c.res = NULL;  /* nothing was linted */
		ctx_end(&c);
		sql_script_release(&s);
		return -1;
	}
	if (a->r)
		ctx_prologue(&c, a, 1);
	sql_stream_pass_prep(&s, lint_piece, &c, a->r ? &toks_prep : NULL);
	ctx_end(&c);
	sql_script_release(&s);
	return 0;
}

/* Lint (or, with r NULL, learn from) one section; prep is its parse, or NULL to parse here. */
static void run(struct linter *l, const char *sql, const char *path, int line_base,
		const struct directives *d, struct lint_result *r, int revert, struct lint_prep *prep)
{
	const struct section_args a = { l, sql, path, line_base, d, r, revert };
	struct lint_ctx c;
	struct lint_prep own;
	size_t i;

	if (prep && prep->stream)
		prep = NULL;
	/* batch directives need every statement's tree at once (batch_assign) */
	if (!prep && !strstr(sql, "migrate:batch") && run_streamed(&a) == 0)
		return;
	if (!prep) {
		memset(&own, 0, sizeof(own));
		own.parsed = sql_script_parse(&own.s, sql, path, line_base) == 0;
		prep = &own;
	}
	ctx_begin(&c, &a, &prep->s);
	if (prep->toks_scanned && r) {
		c.toks = prep->toks;
		c.toks_scanned = 1;
		memset(&prep->toks, 0, sizeof(prep->toks));
		prep->toks_scanned = 0;
	}
	if (!r) {
		if (prep->parsed) /* learning only: the model, no rules */
			learn(&c, 0, prep->s.n);
	} else {
		/* -- migrate:batch N: the statements it batches are not unbatched backfills */
		if (prep->parsed && batch_assign(&prep->s, path) < 0)
			r->parse_errors++;
		for (i = 0; i < prep->s.n; i++)
			note_stmt(&c, i);
		ctx_prologue(&c, &a, prep->parsed);
		for (i = 0; i < prep->s.n; i++)
			lint_one(&c, i, prep->parsed);
	}
	ctx_end(&c);
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
	assert(l->keep_created); /* drops-nothing needs the names created: no no_downs */
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
