/* context.c - what the rules ask about the section: tokens, spans, names, lines */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"
#include "sql/parsecopy.h"
#include "base/strbuf.h"
#include "base/util.h"

/* ---- tokens ---- */

void toklist_scan(struct toklist *tl, const char *src)
{
	toklist_scan_at(tl, src, 0);
}

/* A varint at *p (before end) into *v; -1 when it runs past end or over 10 bytes. */
static int varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	int shift;

	*v = 0;
	for (shift = 0; *p < end && shift < 70; shift += 7) {
		uint8_t b = *(*p)++;

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

/* Past a field of wire type wt; -1 when it does not fit. */
static int skip_field(const uint8_t **p, const uint8_t *end, unsigned wt)
{
	uint64_t v;

	switch (wt) {
	case 0:
		return varint(p, end, &v);
	case 1:
	case 5:
		v = wt == 1 ? 8 : 4;
		break;
	case 2:
		if (varint(p, end, &v) < 0)
			return -1;
		break;
	default:
		return -1;
	}
	if (v > (uint64_t)(end - *p))
		return -1;
	*p += v;
	return 0;
}

/* One ScanToken message (start 1, end 2, token 4, keyword_kind 5) of [p, end). */
static int decode_token(const uint8_t *p, const uint8_t *end, struct tok *t, int base)
{
	memset(t, 0, sizeof(*t));
	while (p < end) {
		uint64_t key, v;

		if (varint(&p, end, &key) < 0)
			return -1;
		if ((key & 7) != 0 || (key >> 3) < 1 || (key >> 3) > 5) {
			if (skip_field(&p, end, (unsigned)(key & 7)) < 0)
				return -1;
			continue;
		}
		if (varint(&p, end, &v) < 0)
			return -1;
		switch (key >> 3) {
		case 1: t->start = (int32_t)v; break;
		case 2: t->end = (int32_t)v; break;
		case 4: t->kind = (int32_t)v; break;
		case 5: t->kw = (int32_t)v; break;
		default: break;
		}
	}
	t->start += base;
	t->end += base;
	return 0;
}

/*
 * The scanner's ScanResult (version 1, tokens 2), read straight from its encoding:
 * protobuf-c's unpack took a malloc per token, more than the scan itself. -1 when
 * the bytes are not what the schema says (then unpacked the usual way).
 */
static int decode_scan(struct toklist *tl, const uint8_t *buf, size_t len, int base)
{
	const uint8_t *end = buf + len, *p;
	size_t count = 0;
	int fill;

	for (fill = 0; fill < 2; fill++) { /* count the tokens, then read them */
		if (fill) {
			tl->alloc = count ? count : 1;
			tl->t = xmalloc(tl->alloc * sizeof(*tl->t));
		}
		for (p = buf; p < end;) {
			uint64_t key, n;

			if (varint(&p, end, &key) < 0)
				return -1;
			if (key != ((2 << 3) | 2)) {
				if (skip_field(&p, end, (unsigned)(key & 7)) < 0)
					return -1;
				continue;
			}
			if (varint(&p, end, &n) < 0 || n > (uint64_t)(end - p))
				return -1;
			if (fill && decode_token(p, p + n, &tl->t[tl->n++], base) < 0)
				return -1;
			count += !fill;
			p += n;
		}
	}
	return 0;
}

/* tl's tokens from the scanner's result (at offset base), as built or as unpacked. */
static void tokens_from(struct toklist *tl, const PgQuery__ScanResult *sr, int base)
{
	size_t i;

	ALLOC_GROW(tl->t, sr->n_tokens, tl->alloc);
	for (i = 0; i < sr->n_tokens; i++) {
		tl->t[i].start = base + sr->tokens[i]->start;
		tl->t[i].end = base + sr->tokens[i]->end;
		tl->t[i].kind = sr->tokens[i]->token;
		tl->t[i].kw = sr->tokens[i]->keyword_kind;
	}
	tl->n = sr->n_tokens;
}

static void unpack_scan(struct toklist *tl, const PgQueryScanResult *r, int base)
{
	PgQuery__ScanResult *sr;

	tl->n = 0;
	sr = pg_query__scan_result__unpack(NULL, r->pbuf.len, (const uint8_t *)r->pbuf.data);
	if (!sr)
		return;
	tokens_from(tl, sr, base);
	tl->ok = 1;
	pg_query__scan_result__free_unpacked(sr, NULL);
}

struct scan_into {
	struct toklist *tl;
	int base;
};

/* The scanner's tokens as it built them (statically linked: nothing packed). */
static void take_tokens(void *ud, const PgQuery__ScanResult *sr)
{
	struct scan_into *si = ud;

	tokens_from(si->tl, sr, si->base);
}

void toklist_scan_at(struct toklist *tl, const char *src, int base)
{
	struct scan_into si = { tl, base };
	PgQueryScanResult r;
	int taken;

	memset(tl, 0, sizeof(*tl));
	r = sql_scan_with(src, take_tokens, &si, &taken);
	if (taken) {
		tl->ok = 1;
	} else if (!r.error) {
		if (decode_scan(tl, (const uint8_t *)r.pbuf.data, r.pbuf.len, base) == 0)
			tl->ok = 1;
		else
			unpack_scan(tl, &r, base);
	}
	pg_query_free_scan_result(r);
}

void toklist_release(struct toklist *tl)
{
	if (!tl->borrowed)
		free(tl->t);
	memset(tl, 0, sizeof(*tl));
}

size_t toklist_at(const struct toklist *tl, int off)
{
	size_t lo = 0, hi = tl->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tl->t[mid].start < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int is_comment(const struct tok *t)
{
	return t->kind == PG_QUERY__TOKEN__SQL_COMMENT || t->kind == PG_QUERY__TOKEN__C_COMMENT;
}

/*
 * A statement of a streamed section: its tokens are those of its piece (scanned on a
 * parsing thread) between its first byte and its last, the scanner's tokens of its
 * text alone, as statements are cut between tokens. 0 when they are not at hand.
 */
static int piece_stmt_toks(struct lint_ctx *m)
{
	const struct toklist *pt = m->piece_toks;
	size_t lo, hi;

	if (!pt || !pt->ok || !m->script || m->st != sql_script_stmt(m->script, m->si))
		return 0;
	lo = toklist_at(pt, m->st->offset);
	hi = toklist_at(pt, m->st->offset + m->st->len);
	memset(&m->stoks, 0, sizeof(m->stoks));
	m->stoks.t = pt->t + lo;
	m->stoks.n = hi - lo;
	m->stoks.ok = 1;
	m->stoks.borrowed = 1;
	return 1;
}

/*
 * Tokens, scanned on first use: the whole section's when they are at hand
 * (scanned ahead, or needed for directives), else the current statement's
 * only (offsets in the section either way). Clean statements need none.
 */
const struct toklist *ctx_toks(const struct lint_ctx *c)
{
	struct lint_ctx *m = (struct lint_ctx *)c;

	if (m->toks_scanned)
		return &m->toks;
	if (!m->st) {
		toklist_scan(&m->toks, m->src);
		m->toks_scanned = 1;
		return &m->toks;
	}
	if (m->stoks_for != (long)m->si) {
		toklist_release(&m->stoks);
		if (!piece_stmt_toks(m))
			toklist_scan_at(&m->stoks, m->st->text, m->st->offset);
		m->stoks_for = (long)m->si;
	}
	return &m->stoks;
}

/* ---- scratch strings ---- */

char *ctx_strdup(struct lint_ctx *c, const char *s)
{
	char *d = xstrdup(s ? s : "");

	ALLOC_GROW(c->scratch, c->nscratch + 1, c->ascratch);
	c->scratch[c->nscratch++] = d;
	return d;
}

char *ctx_printf(struct lint_ctx *c, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	char *d;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	d = strbuf_detach(&sb, NULL);
	ALLOC_GROW(c->scratch, c->nscratch + 1, c->ascratch);
	c->scratch[c->nscratch++] = d;
	return d;
}

/* PostgreSQL's reserved and type/function-name keywords: these need quotes as names. */
static const char *const reserved[] = {
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
	"authorization", "binary", "both", "case", "cast", "check", "collate", "collation",
	"column", "concurrently", "constraint", "create", "cross", "current_catalog",
	"current_date", "current_role", "current_schema", "current_time", "current_timestamp",
	"current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end",
	"except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant",
	"group", "having", "ilike", "in", "initially", "inner", "intersect", "into", "is",
	"isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
	"localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or",
	"order", "outer", "overlaps", "placing", "primary", "references", "returning", "right",
	"select", "session_user", "similar", "some", "symmetric", "table", "tablesample",
	"then", "to", "trailing", "true", "union", "unique", "user", "using", "variadic",
	"verbose", "when", "where", "window", "with",
};

static int cmp_word(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static int needs_quotes(const char *s)
{
	const char *p;

	if (!*s || !(islower((unsigned char)*s) || *s == '_'))
		return 1;
	for (p = s; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_' || *p == '$'))
			return 1;
	return bsearch(s, reserved, ARRAY_SIZE(reserved), sizeof(reserved[0]), cmp_word) != NULL;
}

static void add_ident(struct strbuf *sb, const char *name)
{
	const char *p;

	if (!needs_quotes(name)) {
		strbuf_addstr(sb, name);
		return;
	}
	strbuf_addch(sb, '"');
	for (p = name; *p; p++) {
		if (*p == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, *p);
	}
	strbuf_addch(sb, '"');
}

const char *ctx_ident(struct lint_ctx *c, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char *d;

	add_ident(&sb, name ? name : "");
	d = ctx_strdup(c, sb.buf);
	strbuf_release(&sb);
	return d;
}

const char *ctx_relname(struct lint_ctx *c, const PgQuery__RangeVar *rv)
{
	struct strbuf sb = STRBUF_INIT;
	char *d;

	if (!rv)
		return "";
	if (rv->schemaname && *rv->schemaname) {
		add_ident(&sb, rv->schemaname);
		strbuf_addch(&sb, '.');
	}
	add_ident(&sb, rv->relname ? rv->relname : "");
	d = ctx_strdup(c, sb.buf);
	strbuf_release(&sb);
	return d;
}

const char *ctx_quote(struct lint_ctx *c, const char *name)
{
	return ctx_printf(c, "\"%s\"", name ? name : "");
}

/* ---- lines ---- */

int ctx_line(const struct lint_ctx *c, int off)
{
	size_t lo = 0, hi = c->nlines;

	/* last line start <= off */
	while (lo + 1 < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->line_starts[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return c->line_base + (int)lo;
}

/* ---- spans ---- */

struct span span_stmt(const struct lint_ctx *c)
{
	struct span s = { c->st->offset, c->st->offset + c->st->len };

	return s;
}

static int stmt_end(const struct lint_ctx *c)
{
	return c->st->offset + c->st->len;
}

/* Skip a possibly qualified name starting at token i; index after it. */
static size_t skip_name(const struct toklist *tl, size_t i, int end)
{
	if (i < tl->n && tl->t[i].start < end)
		i++;
	while (i + 1 < tl->n && tl->t[i].kind == PG_QUERY__TOKEN__ASCII_46 && tl->t[i + 1].start < end)
		i += 2;
	if (i < tl->n && tl->t[i].kind == PG_QUERY__TOKEN__ASCII_42) /* ONLY t* */
		i++;
	return i;
}

struct span span_alter_cmd(const struct lint_ctx *c, const PgQuery__AlterTableStmt *a, size_t want)
{
	const struct toklist *tl = ctx_toks(c);
	struct span whole = span_stmt(c), cur;
	int end = stmt_end(c), depth = 0;
	size_t i, k = 0;

	if (!tl->ok || !a->relation || a->relation->location < 0)
		return whole;
	i = skip_name(tl, toklist_at(tl, a->relation->location), end);
	cur.start = -1;
	cur.end = -1;
	for (; i < tl->n && tl->t[i].start < end; i++) {
		const struct tok *t = &tl->t[i];

		if (is_comment(t))
			continue;
		if (t->kind == PG_QUERY__TOKEN__ASCII_40)
			depth++;
		else if (t->kind == PG_QUERY__TOKEN__ASCII_41)
			depth--;
		if (depth == 0 && t->kind == PG_QUERY__TOKEN__ASCII_44) {
			if (k == want && cur.start >= 0)
				return cur;
			k++;
			cur.start = -1;
			continue;
		}
		if (cur.start < 0)
			cur.start = t->start;
		cur.end = t->end;
	}
	if (k == want && cur.start >= 0)
		return cur;
	return whole;
}

static int starts_constraint(int kind)
{
	switch (kind) {
	case PG_QUERY__TOKEN__CONSTRAINT:
	case PG_QUERY__TOKEN__NOT:
	case PG_QUERY__TOKEN__NULL_P:
	case PG_QUERY__TOKEN__DEFAULT:
	case PG_QUERY__TOKEN__PRIMARY:
	case PG_QUERY__TOKEN__UNIQUE:
	case PG_QUERY__TOKEN__CHECK:
	case PG_QUERY__TOKEN__REFERENCES:
	case PG_QUERY__TOKEN__GENERATED:
	case PG_QUERY__TOKEN__COLLATE:
	case PG_QUERY__TOKEN__DEFERRABLE:
	case PG_QUERY__TOKEN__INITIALLY:
	case PG_QUERY__TOKEN__USING:
		return 1;
	default:
		return 0;
	}
}

enum span_mode { SPAN_CLAUSE, SPAN_COLUMN_CLAUSE, SPAN_TYPE };

static int is_open(int kind)
{
	return kind == PG_QUERY__TOKEN__ASCII_40 || kind == PG_QUERY__TOKEN__ASCII_91;
}

static int is_close(int kind)
{
	return kind == PG_QUERY__TOKEN__ASCII_41 || kind == PG_QUERY__TOKEN__ASCII_93;
}

/* Does token i (at bracket depth 0) end a span that started at token first? */
static int span_stops(const struct toklist *tl, size_t i, size_t first, enum span_mode m)
{
	const struct tok *t = &tl->t[i];

	if (t->kind == PG_QUERY__TOKEN__ASCII_44 || t->kind == PG_QUERY__TOKEN__ASCII_59 ||
	    is_close(t->kind))
		return m != SPAN_TYPE || i > first;
	if (i == first || m == SPAN_CLAUSE)
		return 0;
	if (starts_constraint(t->kind))
		/* NOT NULL is one constraint: stop at NOT, not at its NULL */
		return !(t->kind == PG_QUERY__TOKEN__NULL_P && tl->t[i - 1].kind == PG_QUERY__TOKEN__NOT);
	/* a type is words, dots and bracketed modifiers */
	return m == SPAN_TYPE && t->kind != PG_QUERY__TOKEN__IDENT && t->kw == 0 &&
	       t->kind != PG_QUERY__TOKEN__ASCII_46 && !is_open(t->kind);
}

static struct span span_scan(const struct lint_ctx *c, int loc, enum span_mode m)
{
	const struct toklist *tl = ctx_toks(c);
	struct span s = { loc, loc + 1 };
	int end = stmt_end(c), depth = 0;
	size_t i, first;

	if (!tl->ok || loc < 0)
		return span_stmt(c);
	first = i = toklist_at(tl, loc);
	for (; i < tl->n && tl->t[i].start < end; i++) {
		const struct tok *t = &tl->t[i];

		if (is_comment(t))
			continue;
		if (depth == 0 && span_stops(tl, i, first, m))
			break;
		if (is_open(t->kind))
			depth++;
		else if (is_close(t->kind))
			depth--;
		s.end = t->end;
	}
	return s;
}

struct span span_clause(const struct lint_ctx *c, int loc, int stop_at_constraint)
{
	return span_scan(c, loc, stop_at_constraint ? SPAN_COLUMN_CLAUSE : SPAN_CLAUSE);
}

struct span span_type(const struct lint_ctx *c, int loc)
{
	return span_scan(c, loc, SPAN_TYPE);
}

struct span span_expr(const struct lint_ctx *c, int loc)
{
	const struct toklist *tl = ctx_toks(c);
	struct span s = { loc, loc + 1 };
	int end = stmt_end(c), depth = 0;
	size_t i;

	if (!tl->ok || loc < 0)
		return span_stmt(c);
	i = toklist_at(tl, loc);
	if (i >= tl->n)
		return s;
	s.end = tl->t[i].end;
	for (i++; i < tl->n && tl->t[i].start < end; i++) {
		const struct tok *t = &tl->t[i];

		if (depth == 0 && t->kind != PG_QUERY__TOKEN__ASCII_40)
			break;
		if (t->kind == PG_QUERY__TOKEN__ASCII_40)
			depth++;
		else if (t->kind == PG_QUERY__TOKEN__ASCII_41)
			depth--;
		s.end = t->end;
		if (depth == 0)
			break;
	}
	return s;
}

struct span span_keyword(const struct lint_ctx *c, int kind, int from)
{
	const struct toklist *tl = ctx_toks(c);
	int end = stmt_end(c), depth = 0;
	size_t i;

	if (!tl->ok)
		return span_stmt(c);
	for (i = toklist_at(tl, from < 0 ? c->st->offset : from); i < tl->n && tl->t[i].start < end; i++) {
		const struct tok *t = &tl->t[i];

		if (t->kind == PG_QUERY__TOKEN__ASCII_40)
			depth++;
		else if (t->kind == PG_QUERY__TOKEN__ASCII_41)
			depth--;
		else if (depth == 0 && t->kind == kind) {
			struct span s = { t->start, t->end };

			return s;
		}
	}
	return span_stmt(c);
}

/* ---- schema questions ---- */

struct sch_table *ctx_table(const struct lint_ctx *c, const PgQuery__RangeVar *rv)
{
	if (!rv)
		return NULL;
	return schema_table(c->schema, rv->schemaname && *rv->schemaname ? rv->schemaname : NULL,
			    rv->relname);
}

int ctx_seq_is_new(const struct lint_ctx *c, int seq)
{
	/* created by this section, or by an earlier one of the same run of `migrate up`:
	 * no running application uses it yet */
	return seq == c->seq || (c->run_seq && seq >= c->run_seq);
}

int ctx_is_new(const struct lint_ctx *c, const PgQuery__RangeVar *rv)
{
	const struct sch_table *t = ctx_table(c, rv);

	return t && ctx_seq_is_new(c, t->seq);
}

int ctx_in_tx(const struct lint_ctx *c)
{
	return c->in_tx;
}

int ctx_func_volatility(void *ud, const char *schema, const char *name)
{
	const struct lint_ctx *c = ud;

	UNUSED(schema);
	return schema_func_volatility(c->schema, name);
}

struct lint_lockinfo ctx_stmt_lock(struct lint_ctx *c, const char *relname)
{
	struct lock_effect e[16];
	struct lint_lockinfo li = { LOCK_NONE, 0, 0, NULL };
	size_t n = locks_for_stmt(c->st->node, c->pg, e, ARRAY_SIZE(e)), i;

	if (n > ARRAY_SIZE(e))
		n = ARRAY_SIZE(e);
	for (i = 0; i < n; i++) {
		if (relname && strcmp(e[i].name, relname))
			continue;
		li.mode = e[i].mode;
		li.rewrite = e[i].rewrite;
		li.scan = e[i].scan;
		li.table = ctx_strdup(c, e[i].name);
		break;
	}
	return li;
}

static char view_byte(const struct src_view *v, const char *src, int off)
{
	for (; v; v = v->under) {
		if (off < v->at)
			continue;
		if (off < v->at + v->len)
			return v->text[off - v->at];
		off -= v->len;
	}
	return src[off];
}

char ctx_src_byte(const struct lint_ctx *c, int off)
{
	return c->view ? view_byte(c->view, c->src, off) : c->src[off];
}

void ctx_src_add(const struct lint_ctx *c, struct strbuf *sb, int start, int end)
{
	int i;

	if (!c->view) {
		strbuf_add(sb, c->src + start, (size_t)(end - start));
		return;
	}
	for (i = start; i < end; i++)
		strbuf_addch(sb, view_byte(c->view, c->src, i));
}

const char *ctx_text(struct lint_ctx *c, struct span s)
{
	const struct toklist *tl = ctx_toks(c);
	struct strbuf sb = STRBUF_INIT;
	const char *d;
	size_t i;
	int prev_end = -1;

	if (!tl->ok) {
		ctx_src_add(c, &sb, s.start, s.end);
	} else {
		for (i = toklist_at(tl, s.start); i < tl->n && tl->t[i].end <= s.end; i++) {
			const struct tok *t = &tl->t[i];

			if (is_comment(t))
				continue;
			if (prev_end >= 0 && t->start > prev_end)
				strbuf_addch(&sb, ' ');
			ctx_src_add(c, &sb, t->start, t->end);
			prev_end = t->end;
		}
	}
	d = ctx_strdup(c, sb.buf);
	strbuf_release(&sb);
	return d;
}

const char *ctx_typename(struct lint_ctx *c, const char *base, int mod0, int mod1)
{
	static const struct {
		const char *internal, *sql;
	} names[] = {
		{ "int2", "smallint" }, { "int4", "integer" }, { "int8", "bigint" },
		{ "float4", "real" }, { "float8", "double precision" }, { "bpchar", "char" },
		{ "bool", "boolean" }, { "timestamptz", "timestamptz" }, { "varbit", "bit varying" },
	};
	const char *n = base ? base : "";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(n, names[i].internal))
			n = names[i].sql;
	if (mod0 >= 0 && mod1 >= 0)
		return ctx_printf(c, "%s(%d,%d)", n, mod0, mod1);
	if (mod0 >= 0)
		return ctx_printf(c, "%s(%d)", n, mod0);
	return ctx_strdup(c, n);
}
