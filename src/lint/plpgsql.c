/* plpgsql.c - the SQL inside DO blocks and PL/pgSQL functions, linted as if at top level
 *
 * libpg_query's PL/pgSQL parser (pg_query_parse_plpgsql, JSON) gives each
 * statement of a body with its line: static SQL (PLpgSQL_stmt_execsql), PERFORM
 * (as "SELECT ..."), FOR ... IN query, and EXECUTE (PLpgSQL_stmt_dynexecute).
 * Each static statement, and the text of an EXECUTE of a string constant, is
 * parsed again as SQL, with its byte offset in the file kept (the parse runs on
 * the text padded with spaces up to that offset, so every location in the tree is
 * a location in the file), and every rule runs on it. An EXECUTE of anything else
 * is one dynamic-sql warning.
 *
 *   DO                       linted where it stands; its locks are held after it
 *   CREATE FUNCTION/PROCEDURE ... LANGUAGE plpgsql, called later in the same
 *                            migration (SELECT f(), PERFORM f(), CALL p()):
 *                            linted at the call, the findings placed on the call
 *   ... not called there     linted in place, without lock effects (it runs later);
 *                            trigger functions (they run per row, later) are not
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <pg_query.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lint/lint_int.h"
#include "base/strbuf.h"
#include "base/util.h"

#define MAX_DEPTH 3

enum inner_kind { INNER_SQL, INNER_EXECUTE };

struct inner {
	enum inner_kind kind;
	const char *query;    /* points into the JSON */
	int lineno;           /* in the body, 1-based */
};

struct inners {
	struct inner *v;
	size_t n, alloc;
};

/* Where the body is and how it is linted. */
struct body {
	const char *text;      /* the body as the parser saw it */
	int abs;               /* its byte offset in the section, -1 when not verbatim there */
	const struct sql_stmt *call; /* linted at this call, or NULL */
	const char *fname;
	int effects;           /* its locks and schema changes count (it runs now) */
	int depth;
};

static const char *expr_query(json_t *o, const char *key)
{
	json_t *e = json_object_get(o, key);

	e = e ? json_object_get(e, "PLpgSQL_expr") : NULL;
	return e ? json_string_value(json_object_get(e, "query")) : NULL;
}

static void add(struct inners *in, enum inner_kind k, const char *q, json_t *o)
{
	if (!q)
		return;
	ALLOC_GROW(in->v, in->n + 1, in->alloc);
	in->v[in->n].kind = k;
	in->v[in->n].query = q;
	in->v[in->n].lineno = (int)json_integer_value(json_object_get(o, "lineno"));
	in->n++;
}

/* Every statement of the body, in order. */
static void collect(json_t *v, struct inners *in)
{
	const char *key;
	json_t *val;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, val)
			collect(val, in);
		return;
	}
	if (!json_is_object(v))
		return;
	json_object_foreach(v, key, val) {
		if (!strcmp(key, "PLpgSQL_stmt_execsql"))
			add(in, INNER_SQL, expr_query(val, "sqlstmt"), val);
		else if (!strcmp(key, "PLpgSQL_stmt_perform"))
			add(in, INNER_SQL, expr_query(val, "expr"), val);
		else if (!strcmp(key, "PLpgSQL_stmt_fors") || !strcmp(key, "PLpgSQL_stmt_return_query"))
			add(in, INNER_SQL, expr_query(val, "query"), val);
		else if (!strcmp(key, "PLpgSQL_stmt_dynexecute"))
			add(in, INNER_EXECUTE, expr_query(val, "query"), val);
		collect(val, in);
	}
}

/* Offset in the body of the start of line lineno (1-based). */
static int body_line_start(const char *body, int lineno)
{
	const char *p = body;

	while (--lineno > 0 && (p = strchr(p, '\n')))
		p++;
	return p ? (int)(p - body) : 0;
}

/* The text of a string constant ('...' or $tag$...$tag$), or NULL; *shift is where
 * the text starts in q, and *exact whether it is q's text unchanged. */
static char *const_string(const char *q, int *shift, int *exact)
{
	size_t n = strlen(q);

	if (n >= 2 && q[0] == '\'' && q[n - 1] == '\'') {
		struct strbuf sb = STRBUF_INIT;
		size_t i;

		*exact = 1;
		for (i = 1; i < n - 1; i++) {
			if (q[i] == '\'') {
				if (q[i + 1] != '\'' || i + 1 >= n - 1) {
					strbuf_release(&sb);
					return NULL; /* 'a' || x */
				}
				i++;
				*exact = 0;
			}
			strbuf_addch(&sb, q[i]);
		}
		*shift = 1;
		return strbuf_detach(&sb, NULL);
	}
	if (q[0] == '$') {
		const char *e = strchr(q + 1, '$');
		size_t tl;

		if (!e)
			return NULL;
		tl = (size_t)(e - q + 1);
		if (n < 2 * tl || strncmp(q + n - tl, q, tl) || memmem(q + tl, n - 2 * tl, q, tl))
			return NULL;
		*shift = (int)tl;
		*exact = 1;
		return xstrndup(q + tl, n - 2 * tl);
	}
	return NULL;
}

static void lint_inner(struct lint_ctx *c, const struct body *b, const char *text, int base,
		       int verbatim, int lineno);

/* Run every rule on text standing at byte base of the section (line lineno of the body). */
static void lint_at(struct lint_ctx *c, const struct body *b, const char *text, int base, int verbatim,
		    int lineno)
{
	if (b->call) {
		base = b->call->offset;
		verbatim = 0;
	}
	lint_inner(c, b, text, base, verbatim, lineno);
}

static void dynamic_sql(struct lint_ctx *c, const struct body *b, int base, const char *q)
{
	struct lint_emit e = { .rule = "dynamic-sql", .where = { -1, -1 } };

	if (!b->call && base >= 0)
		e.where = (struct span){ base, base + (int)strlen(q) };
	lint_report(c, &e, "not checked: dynamic SQL (EXECUTE %s%s)%s%s", ctx_printf(c, "%.40s", q),
		    strlen(q) > 40 ? "..." : "", b->call ? " in " : "", b->call ? b->fname : "");
}

static void lint_body(struct lint_ctx *c, const char *stmt_text, const struct body *b)
{
	PgQueryPlpgsqlParseResult pr = pg_query_parse_plpgsql(stmt_text);
	struct inners in = { 0 };
	json_t *root;
	size_t i;

	if (pr.error || !pr.plpgsql_funcs) {
		pg_query_free_plpgsql_parse_result(pr);
		return; /* PostgreSQL will say what is wrong when it runs */
	}
	root = json_loads(pr.plpgsql_funcs, 0, NULL);
	collect(root, &in);
	for (i = 0; i < in.n; i++) {
		const struct inner *s = &in.v[i];
		int ls = body_line_start(b->text, s->lineno > 0 ? s->lineno : 1);
		const char *hit = strstr(b->text + ls, s->query);
		int verbatim = b->abs >= 0 && hit;
		int base = b->abs < 0 ? c->st->offset :
			   b->abs + (hit ? (int)(hit - b->text) : ls + (int)strspn(b->text + ls, " \t"));

		if (s->kind == INNER_EXECUTE) {
			int shift = 0, exact = 0;
			char *k = const_string(s->query, &shift, &exact);

			if (!k)
				dynamic_sql(c, b, verbatim ? base : -1, s->query);
			else
				lint_at(c, b, k, base + shift, verbatim && exact, s->lineno);
			free(k);
		} else {
			lint_at(c, b, s->query, base, verbatim, s->lineno);
		}
	}
	free(in.v);
	json_decref(root);
	pg_query_free_plpgsql_parse_result(pr);
}

/* ---- where the bodies are ---- */

static const char *defelem_str(PgQuery__Node *const *opts, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const PgQuery__DefElem *d;

		if (opts[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
			continue;
		d = opts[i]->def_elem;
		if (strcmp(d->defname, name) || !d->arg)
			continue;
		if (d->arg->node_case == PG_QUERY__NODE__NODE_LIST && d->arg->list->n_items)
			return pgnode_str(d->arg->list->items[0]);
		return pgnode_str(d->arg);
	}
	return NULL;
}

static int is_plpgsql(const char *lang)
{
	return lang && !strcasecmp(lang, "plpgsql");
}

/* Offset of body in the section when the statement holds it verbatim (dollar-quoted). */
static int body_offset(const struct sql_stmt *st, const char *body)
{
	const char *p = body && *body ? strstr(st->text, body) : NULL;

	return p ? st->offset + (int)(p - st->text) : -1;
}

static int returns_trigger(const PgQuery__CreateFunctionStmt *f)
{
	const char *t = f->return_type ? pgnode_type_name(f->return_type) : "";

	return !strcmp(t, "trigger") || !strcmp(t, "event_trigger");
}

struct call_find {
	const char *name;
	int found;
};

static int find_call(const ProtobufCMessage *m, void *ud)
{
	struct call_find *f = ud;
	const PgQuery__FuncCall *fc;
	const char *n;

	if (!PGNODE_IS(m, func_call))
		return PGNODE_CONTINUE;
	fc = (const PgQuery__FuncCall *)m;
	n = pgnode_last_str(fc->funcname, fc->n_funcname);
	if (n && !strcmp(n, f->name)) {
		f->found = 1;
		return PGNODE_STOP;
	}
	return PGNODE_CONTINUE;
}

static int calls(const PgQuery__Node *n, const char *name)
{
	struct call_find f = { name, 0 };

	if (n->node_case != PG_QUERY__NODE__NODE_SELECT_STMT && n->node_case != PG_QUERY__NODE__NODE_CALL_STMT)
		return 0;
	pgnode_walk(&n->base, find_call, &f);
	return f.found;
}

/* Is the function called by a later top-level statement of the section? */
static int called_later(const struct lint_ctx *c, size_t from, const char *name)
{
	size_t i;

	for (i = from + 1; i < c->script->n; i++) {
		const struct sql_stmt *st = &c->script->stmts[i];

		if (!st->node)
			continue;
		if (calls(st->node, name))
			return 1;
		/* PERFORM f() in a DO block: where to report is all this decides */
		if (st->node->node_case == PG_QUERY__NODE__NODE_DO_STMT) {
			const char *p = st->text;

			while ((p = strstr(p, name))) {
				p += strlen(name);
				if (p[strspn(p, " \t\n")] == '(')
					return 1;
			}
		}
	}
	return 0;
}

/* The section's PL/pgSQL functions this statement calls: each body linted at the call. */
static void lint_calls(struct lint_ctx *c, int depth)
{
	size_t i;

	for (i = 0; i < c->script->n; i++) {
		const struct sql_stmt *d = &c->script->stmts[i];
		const PgQuery__CreateFunctionStmt *f;
		const char *name;

		if (!d->node || d->node->node_case != PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT ||
		    d->offset >= c->st->offset)
			continue;
		f = d->node->create_function_stmt;
		name = pgnode_last_str(f->funcname, f->n_funcname);
		if (!name || !is_plpgsql(defelem_str(f->options, f->n_options, "language")) ||
		    !calls(c->st->node, name))
			continue;
		{
			const char *text = defelem_str(f->options, f->n_options, "as");
			struct body b = { text, body_offset(d, text), c->st,
					  ctx_printf(c, "%s()", name), 1, depth + 1 };

			if (text)
				lint_body(c, d->text, &b);
		}
	}
}

void lint_plpgsql(struct lint_ctx *c, int depth)
{
	const PgQuery__Node *n = c->st->node;

	if (!n || depth >= MAX_DEPTH)
		return;
	if (n->node_case == PG_QUERY__NODE__NODE_DO_STMT) {
		const PgQuery__DoStmt *d = n->do_stmt;
		const char *lang = defelem_str(d->args, d->n_args, "language");
		const char *text = defelem_str(d->args, d->n_args, "as");
		struct body b = { text, body_offset(c->st, text), NULL, NULL, 1, depth + 1 };

		if (text && (!lang || is_plpgsql(lang)))
			lint_body(c, c->st->text, &b);
	} else if (n->node_case == PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT && !depth) {
		const PgQuery__CreateFunctionStmt *f = n->create_function_stmt;
		const char *name = pgnode_last_str(f->funcname, f->n_funcname);
		const char *text = defelem_str(f->options, f->n_options, "as");
		struct body b = { text, body_offset(c->st, text), NULL, NULL, 0, depth + 1 };

		if (text && name && is_plpgsql(defelem_str(f->options, f->n_options, "language")) &&
		    !returns_trigger(f) && !called_later(c, c->si, name))
			lint_body(c, c->st->text, &b);
	} else {
		lint_calls(c, depth);
	}
}

/* ---- one statement of a body ---- */

static int utf8_chars(const char *s, int n)
{
	int i, k = 0;

	for (i = 0; i < n && s[i]; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			k++;
	return k;
}

/* Findings of a function body linted at its call: on the call, saying where they come from. */
static void place_at_call(struct lint_ctx *c, const struct body *b, size_t first, int body_line)
{
	size_t i;

	for (i = first; i < c->res->n; i++) {
		struct lint_finding *f = &c->res->items[i];
		char *m = xasprintf("in %s, called here (its line %d): %s", b->fname, body_line, f->message);

		free(f->message);
		f->message = m;
		f->line = f->end_line = ctx_line(c, b->call->offset);
		f->col = 1 + utf8_chars(c->src + c->line_starts[f->line - c->line_base],
					b->call->offset - c->line_starts[f->line - c->line_base]);
		f->end_col = f->col + 1;
		free(f->source);
		f->source = lint_source_line(c, f->line);
	}
}

static void lint_inner(struct lint_ctx *c, const struct body *b, const char *text, int base,
		       int verbatim, int lineno)
{
	const struct sql_stmt *outer = c->st;
	const char *src = c->src;
	int toks = c->toks_scanned, errors = c->stmt_errors;
	size_t first = c->res ? c->res->n : 0, k, tl = strlen(text), sl = strlen(src);
	char *buf = xmalloc((size_t)base + tl + 1), *view = NULL;
	struct sql_script s;

	memset(buf, ' ', (size_t)base);
	memcpy(buf + base, text, tl + 1);
	if (sql_script_parse(&s, buf, c->file, c->line_base) != 0) {
		sql_script_release(&s);
		free(buf);
		return; /* PostgreSQL reports it when the body runs */
	}
	if (!verbatim) {
		/* the text the rules read at base is this one; the rest of the file is unchanged */
		view = xmalloc(sl + tl + 1);
		memcpy(view, src, (size_t)base);
		memcpy(view + base, text, tl);
		memcpy(view + base + tl, src + base, sl - (size_t)base + 1);
		c->src = view;
	}
	c->toks_scanned = 0;
	for (k = 0; k < s.n; k++) {
		struct sql_stmt in = s.stmts[k];

		in.line = ctx_line(c, in.offset);
		c->st = &in;
		c->stoks_for = -1;
		c->stmt_errors = 0;
		lint_stmt_rules(c, b->effects);
		lint_plpgsql(c, b->depth);
		errors += c->stmt_errors;
		if (b->effects)
			schema_apply(c->schema, in.node, lint_create_seq(c, in.node));
	}
	c->st = outer;
	c->src = src;
	c->toks_scanned = toks;
	c->stoks_for = -1;
	c->stmt_errors = errors;
	if (b->call && c->res)
		place_at_call(c, b, first, lineno);
	sql_script_release(&s);
	free(buf);
	free(view);
}

/* ---- the statements a top-level statement runs in PL/pgSQL (plan's predictions) ---- */

struct walk {
	const struct sql_script *script;
	int before;             /* functions defined before this offset of the script */
	lint_body_fn fn;
	void *ud;
};

static void walk_stmt(const struct walk *w, const struct sql_stmt *st, int depth);

/* Every static statement of the body of stmt_text (a DO or CREATE FUNCTION), parsed. */
static void walk_body(const struct walk *w, const char *stmt_text, int depth)
{
	PgQueryPlpgsqlParseResult pr = pg_query_parse_plpgsql(stmt_text);
	struct inners in = { 0 };
	json_t *root;
	size_t i, k;

	if (pr.error || !pr.plpgsql_funcs) {
		pg_query_free_plpgsql_parse_result(pr);
		return;
	}
	root = json_loads(pr.plpgsql_funcs, 0, NULL);
	collect(root, &in);
	for (i = 0; i < in.n; i++) {
		int shift = 0, exact = 0;
		char *k_text = in.v[i].kind == INNER_EXECUTE ?
			       const_string(in.v[i].query, &shift, &exact) : xstrdup(in.v[i].query);
		struct sql_script s;

		if (!k_text)
			continue; /* dynamic SQL: nothing to predict */
		if (sql_script_parse(&s, k_text, NULL, 1) == 0)
			for (k = 0; k < s.n; k++) {
				w->fn(&s.stmts[k], w->ud);
				walk_stmt(w, &s.stmts[k], depth + 1);
			}
		sql_script_release(&s);
		free(k_text);
	}
	free(in.v);
	json_decref(root);
	pg_query_free_plpgsql_parse_result(pr);
}

static void walk_stmt(const struct walk *w, const struct sql_stmt *st, int depth)
{
	const PgQuery__Node *n = st->node;
	size_t i;

	if (!n || depth >= MAX_DEPTH)
		return;
	if (n->node_case == PG_QUERY__NODE__NODE_DO_STMT) {
		const PgQuery__DoStmt *d = n->do_stmt;
		const char *lang = defelem_str(d->args, d->n_args, "language");

		if (!lang || is_plpgsql(lang))
			walk_body(w, st->text, depth);
		return;
	}
	for (i = 0; i < w->script->n; i++) {
		const struct sql_stmt *d = &w->script->stmts[i];
		const PgQuery__CreateFunctionStmt *f;
		const char *name;

		if (d->offset >= w->before)
			break;
		if (!d->node || d->node->node_case != PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT)
			continue;
		f = d->node->create_function_stmt;
		name = pgnode_last_str(f->funcname, f->n_funcname);
		if (name && is_plpgsql(defelem_str(f->options, f->n_options, "language")) &&
		    !returns_trigger(f) && calls(n, name))
			walk_body(w, d->text, depth);
	}
}

void lint_body_stmts(const struct sql_script *script, size_t si, lint_body_fn fn, void *ud)
{
	struct walk w = { script, 0, fn, ud };

	if (si >= script->n)
		return;
	w.before = script->stmts[si].offset;
	walk_stmt(&w, &script->stmts[si], 0);
}
