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
 *   CREATE FUNCTION/PROCEDURE ... LANGUAGE plpgsql or LANGUAGE sql (its AS string or
 *   BEGIN ATOMIC block split by the SQL parser), called later in the same
 *                            migration (SELECT f(), PERFORM f(), CALL p()):
 *                            linted at the call, the findings placed on the call
 *   ... not called there     PL/pgSQL linted in place, without lock effects (it runs
 *                            later); SQL not (its body is text until it runs);
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
	int sql;               /* LANGUAGE sql: plain SQL statements, not PL/pgSQL */
};

/* The statements of a body: PL/pgSQL's from its parser (JSON), SQL's from the SQL parser. */
struct body_stmts {
	struct inners in;
	json_t *root;
	struct sql_script s;
	int split;             /* s holds the SQL body's statements */
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

/*
 * Open the statements of a body: stmt_text is the DO or CREATE FUNCTION statement (the
 * PL/pgSQL parser reads that), body its body. -1 when it does not parse: PostgreSQL
 * says what is wrong when it runs.
 */
static int body_stmts_open(struct body_stmts *bs, const char *stmt_text, const char *body, int sql)
{
	memset(bs, 0, sizeof(*bs));
	if (sql) {
		size_t k;

		if (sql_script_parse(&bs->s, body, NULL, 1) != 0) {
			sql_script_release(&bs->s);
			return -1;
		}
		bs->split = 1;
		for (k = 0; k < bs->s.n; k++) {
			ALLOC_GROW(bs->in.v, bs->in.n + 1, bs->in.alloc);
			bs->in.v[bs->in.n].kind = INNER_SQL;
			bs->in.v[bs->in.n].query = bs->s.stmts[k].text;
			bs->in.v[bs->in.n++].lineno = bs->s.stmts[k].line;
		}
		return 0;
	} else {
		PgQueryPlpgsqlParseResult pr = pg_query_parse_plpgsql(stmt_text);

		if (!pr.error && pr.plpgsql_funcs)
			bs->root = json_loads(pr.plpgsql_funcs, 0, NULL);
		pg_query_free_plpgsql_parse_result(pr);
		if (!bs->root)
			return -1;
		collect(bs->root, &bs->in);
		return 0;
	}
}

static void body_stmts_close(struct body_stmts *bs)
{
	free(bs->in.v);
	json_decref(bs->root);
	if (bs->split)
		sql_script_release(&bs->s);
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
	struct body_stmts bs;
	size_t i;

	if (body_stmts_open(&bs, stmt_text, b->text, b->sql) < 0)
		return; /* PostgreSQL will say what is wrong when it runs */
	for (i = 0; i < bs.in.n; i++) {
		const struct inner *s = &bs.in.v[i];
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
	body_stmts_close(&bs);
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

static int is_sql(const char *lang)
{
	return lang && !strcasecmp(lang, "sql");
}

/* Offset of body in the section when the statement holds it verbatim (dollar-quoted). */
static int body_offset(const struct sql_stmt *st, const char *body)
{
	const char *p = body && *body ? strstr(st->text, body) : NULL;

	return p ? st->offset + (int)(p - st->text) : -1;
}

/* The statements between BEGIN ATOMIC and the last END of text, cut at the scanner's
 * tokens (a string or comment cannot fool it), or NULL. */
static char *atomic_body(const char *text)
{
	struct toklist tl;
	char *body = NULL;
	size_t i, from = 0, end = 0;

	toklist_scan(&tl, text);
	for (i = 0; tl.ok && i + 1 < tl.n && !from; i++)
		if (tl.t[i].kind == PG_QUERY__TOKEN__BEGIN_P && tl.t[i + 1].kind == PG_QUERY__TOKEN__ATOMIC)
			from = i + 2;
	for (i = tl.n; from && i > from; i--)
		if (tl.t[i - 1].kind == PG_QUERY__TOKEN__END_P) {
			end = i - 1;
			break;
		}
	if (from && end > from)
		body = xstrndup(text + tl.t[from].start, (size_t)(tl.t[end].start - tl.t[from].start));
	toklist_release(&tl);
	return body;
}

/*
 * The body of a CREATE FUNCTION the rules read, or NULL: its AS string in PL/pgSQL or
 * SQL, or the statements of its BEGIN ATOMIC block (then *owned, to free). *sql: SQL's.
 */
static const char *fn_body(const struct sql_stmt *st, const PgQuery__CreateFunctionStmt *f, int *sql,
			   char **owned)
{
	const char *lang = defelem_str(f->options, f->n_options, "language");
	const char *as = defelem_str(f->options, f->n_options, "as");

	*owned = NULL;
	*sql = is_sql(lang) || (!lang && f->sql_body);
	if (as && (is_plpgsql(lang) || is_sql(lang)))
		return as;
	if (f->sql_body && *sql)
		return *owned = atomic_body(st->text);
	return NULL;
}

static int returns_trigger(const PgQuery__CreateFunctionStmt *f)
{
	const char *t = f->return_type ? pgnode_type_name(f->return_type) : "";

	return !strcmp(t, "trigger") || !strcmp(t, "event_trigger");
}

/*
 * The section's PL/pgSQL functions by name, and the functions its top-level
 * statements call, built once per section on first use: a call site looks its
 * functions up instead of reading every statement before it (that was quadratic).
 */
struct fn_def {
	char *name;
	char *stmt_text;       /* the CREATE FUNCTION statement (a copy: its tree may be gone) */
	char *body;            /* its body */
	int offset;            /* of the statement in the section */
	int body_abs;          /* of the body, -1 when not verbatim there */
	int sql;               /* LANGUAGE sql */
	size_t next;           /* the next definition of the same name, or NONE */
};

#define NONE ((size_t)-1)

struct plpgsql_index {
	struct strmap first;   /* name -> its first definition in def */
	struct strmap last;    /* name -> its last definition in def */
	struct fn_def *def;
	size_t ndef, adef;
	struct strmap called;  /* name -> the last SELECT/CALL statement that calls it */
	struct do_stmt { size_t stmt; char *text; } *dos; /* DO statements, in order */
	size_t ndo, ado;
};

struct call_names {
	const char **v;
	size_t n, alloc;
};

static int collect_call(const ProtobufCMessage *m, void *ud)
{
	struct call_names *cn = ud;
	const PgQuery__FuncCall *fc;
	const char *n;

	if (!PGNODE_IS(m, func_call))
		return PGNODE_CONTINUE;
	fc = (const PgQuery__FuncCall *)m;
	n = pgnode_last_str(fc->funcname, fc->n_funcname);
	if (n) {
		ALLOC_GROW(cn->v, cn->n + 1, cn->alloc);
		cn->v[cn->n++] = n;
	}
	return PGNODE_CONTINUE;
}

/* The names of the functions a SELECT or CALL calls (none for another statement). */
static void call_names(const PgQuery__Node *n, struct call_names *cn)
{
	cn->n = 0;
	if (n->node_case == PG_QUERY__NODE__NODE_SELECT_STMT || n->node_case == PG_QUERY__NODE__NODE_CALL_STMT)
		pgnode_walk(&n->base, collect_call, cn);
}

/* Does statement n (a SELECT or CALL) call a function of that name? */
static int calls(const PgQuery__Node *n, const char *name)
{
	struct call_names cn = { NULL, 0, 0 };
	size_t i;
	int found = 0;

	call_names(n, &cn);
	for (i = 0; i < cn.n && !found; i++)
		found = !strcmp(cn.v[i], name);
	free(cn.v);
	return found;
}

static void index_def(struct plpgsql_index *x, const struct sql_stmt *st)
{
	const PgQuery__CreateFunctionStmt *f = st->node->create_function_stmt;
	const char *name = pgnode_last_str(f->funcname, f->n_funcname);
	char *owned;
	int sql;
	const char *body = fn_body(st, f, &sql, &owned);
	struct fn_def *d;
	size_t last;

	if (!name || !body) {
		free(owned);
		return;
	}
	ALLOC_GROW(x->def, x->ndef + 1, x->adef);
	d = &x->def[x->ndef];
	d->name = xstrdup(name);
	d->stmt_text = xstrdup(st->text);
	d->body = owned ? owned : xstrdup(body);
	d->offset = st->offset;
	d->body_abs = body_offset(st, body);
	d->sql = sql;
	d->next = NONE;
	if (strmap_get(&x->last, name, &last))
		x->def[last].next = x->ndef;
	else
		strmap_put(&x->first, name, x->ndef);
	strmap_put(&x->last, name, x->ndef);
	x->ndef++;
}

static struct plpgsql_index *fn_index(struct lint_ctx *c)
{
	struct plpgsql_index *x = c->plpgsql;

	if (!x) {
		x = c->plpgsql = xcalloc(1, sizeof(*x));
		strmap_init(&x->first);
		strmap_init(&x->last);
		strmap_init(&x->called);
	}
	return x;
}

/* Note statement i of the section (before any is linted, its tree at hand). */
void lint_plpgsql_note(struct lint_ctx *c, size_t i)
{
	const struct sql_stmt *st = sql_script_stmt(c->script, i);
	struct call_names cn = { 0 };
	struct plpgsql_index *x;
	size_t k;

	if (!st->node)
		return;
	x = fn_index(c);
	if (st->node->node_case == PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT) {
		index_def(x, st);
	} else if (st->node->node_case == PG_QUERY__NODE__NODE_DO_STMT) {
		ALLOC_GROW(x->dos, x->ndo + 1, x->ado);
		x->dos[x->ndo].stmt = i;
		x->dos[x->ndo++].text = xstrdup(st->text);
	}
	call_names(st->node, &cn);
	for (k = 0; k < cn.n; k++)
		strmap_put(&x->called, cn.v[k], i);
	free(cn.v);
}

void lint_plpgsql_release(struct lint_ctx *c)
{
	struct plpgsql_index *x = c->plpgsql;
	size_t i;

	if (!x)
		return;
	for (i = 0; i < x->ndef; i++) {
		free(x->def[i].name);
		free(x->def[i].stmt_text);
		free(x->def[i].body);
	}
	for (i = 0; i < x->ndo; i++)
		free(x->dos[i].text);
	strmap_release(&x->first);
	strmap_release(&x->last);
	strmap_release(&x->called);
	free(x->def);
	free(x->dos);
	free(x);
	c->plpgsql = NULL;
}

/* Is the function called by a later top-level statement of the section? */
static int called_later(struct lint_ctx *c, size_t from, const char *name)
{
	struct plpgsql_index *x = fn_index(c);
	size_t i, at;

	if (strmap_get(&x->called, name, &at) && at > from)
		return 1;
	for (i = 0; i < x->ndo; i++) {
		const char *p = x->dos[i].text;

		if (x->dos[i].stmt <= from)
			continue;
		/* PERFORM f() in a DO block: where to report is all this decides */
		while ((p = strstr(p, name))) {
			p += strlen(name);
			if (p[strspn(p, " \t\n")] == '(')
				return 1;
		}
	}
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* The definitions (indexes in def, in order, once each) of the functions st calls. */
static size_t called_defs(struct lint_ctx *c, size_t **out)
{
	struct plpgsql_index *x;
	struct call_names cn = { 0 };
	size_t *v = NULL, n = 0, alloc = 0, i, k, at;

	call_names(c->st->node, &cn);
	if (!cn.n) {
		free(cn.v);
		*out = NULL;
		return 0;
	}
	x = fn_index(c);
	for (i = 0; i < cn.n; i++) {
		for (at = strmap_get(&x->first, cn.v[i], &at) ? at : NONE; at != NONE; at = x->def[at].next) {
			if (x->def[at].offset >= c->st->offset)
				continue;
			ALLOC_GROW(v, n + 1, alloc);
			v[n++] = at;
		}
	}
	free(cn.v);
	if (n)
		qsort(v, n, sizeof(*v), cmp_size);
	for (i = k = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	*out = v;
	return k;
}

/* The section's PL/pgSQL functions this statement calls: each body linted at the call. */
static void lint_calls(struct lint_ctx *c, int depth)
{
	size_t *defs, n = called_defs(c, &defs), i;

	for (i = 0; i < n; i++) {
		const struct fn_def *d = &c->plpgsql->def[defs[i]];
		struct body b = { d->body, d->body_abs, c->st, ctx_printf(c, "%s()", d->name), 1,
				  depth + 1, d->sql };

		lint_body(c, d->stmt_text, &b);
	}
	free(defs);
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
		struct body b = { text, body_offset(c->st, text), NULL, NULL, 1, depth + 1, 0 };

		if (text && (!lang || is_plpgsql(lang)))
			lint_body(c, c->st->text, &b);
	} else if (n->node_case == PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT && !depth) {
		const PgQuery__CreateFunctionStmt *f = n->create_function_stmt;
		const char *name = pgnode_last_str(f->funcname, f->n_funcname);
		char *owned;
		int sql;
		const char *text = fn_body(c->st, f, &sql, &owned);
		struct body b = { text, body_offset(c->st, text), NULL, NULL, 0, depth + 1, sql };

		/* a SQL function's body is text until it runs: linted at its calls only */
		if (text && name && !sql && !returns_trigger(f) && !called_later(c, c->si, name))
			lint_body(c, c->st->text, &b);
		free(owned);
	} else {
		lint_calls(c, depth);
	}
}

/* ---- one statement of a body ---- */

/* Characters (not UTF-8 continuation bytes) of the text the rules read, from..to. */
static int chars_between(const struct lint_ctx *c, int from, int to)
{
	int i, k = 0;
	char ch;

	for (i = from; i < to && (ch = ctx_src_byte(c, i)); i++)
		if (((unsigned char)ch & 0xC0) != 0x80)
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
		f->col = 1 + chars_between(c, c->line_starts[f->line - c->line_base], b->call->offset);
		f->end_col = f->col + 1;
		free(f->source);
		f->source = lint_source_line(c, f->line);
	}
}

/*
 * The statements of text, which the rules read at byte base of the section: parsed alone,
 * their offsets and tree locations moved by base (a parse of the text padded to base
 * cost time and memory in proportion to the file, for every body).
 */
static void lint_inner(struct lint_ctx *c, const struct body *b, const char *text, int base,
		       int verbatim, int lineno)
{
	const struct sql_stmt *outer = c->st;
	const struct src_view *under = c->view;
	struct src_view view = { under, text, base, (int)strlen(text) };
	int toks = c->toks_scanned, errors = c->stmt_errors;
	size_t first = c->res ? c->res->n : 0, k;
	struct sql_script s;

	if (sql_script_parse(&s, text, c->file, c->line_base) != 0) {
		sql_script_release(&s);
		return; /* PostgreSQL reports it when the body runs */
	}
	if (!verbatim)
		c->view = &view; /* the text the rules read at base is this one */
	c->toks_scanned = 0;
	for (k = 0; k < s.n; k++) {
		struct sql_stmt in = s.stmts[k];

		in.offset += base;
		if (in.node)
			pgnode_shift_locations(&in.node->base, base);
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
	c->view = under;
	c->toks_scanned = toks;
	c->stoks_for = -1;
	c->stmt_errors = errors;
	if (b->call && c->res)
		place_at_call(c, b, first, lineno);
	sql_script_release(&s);
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
static void walk_body(const struct walk *w, const char *stmt_text, const char *body, int sql,
		      int depth)
{
	struct body_stmts bs;
	struct inners in;
	size_t i, k;

	if (body_stmts_open(&bs, stmt_text, body, sql) < 0)
		return;
	in = bs.in;
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
	body_stmts_close(&bs);
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
			walk_body(w, st->text, NULL, 0, depth);
		return;
	}
	for (i = 0; i < w->script->n; i++) {
		const struct sql_stmt *d = &w->script->stmts[i];
		const PgQuery__CreateFunctionStmt *f;
		const char *name, *body;
		char *owned;
		int sql;

		if (d->offset >= w->before)
			break;
		if (!d->node || d->node->node_case != PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT)
			continue;
		f = d->node->create_function_stmt;
		name = pgnode_last_str(f->funcname, f->n_funcname);
		if (!name || returns_trigger(f) || !calls(n, name))
			continue;
		body = fn_body(d, f, &sql, &owned);
		if (body)
			walk_body(w, d->text, body, sql, depth);
		free(owned);
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
