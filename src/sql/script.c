/* script.c - split and parse statements with libpg_query; map offsets to file:line:col */
#include "sql/script.h"
#include "sql/script_int.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

int sql_charpos_to_offset(const char *text, int charpos)
{
	int off = 0, chars = 0;

	if (charpos <= 1)
		return 0;
	while (text[off]) {
		if (((unsigned char)text[off] & 0xC0) != 0x80) {
			if (++chars == charpos)
				return off;
		}
		off++;
	}
	return off;
}

/*
 * An unparsed statement still gets the flags its own parse gives (a COMMIT next to a typo
 * must not run inside the migration's transaction); it stays STMT_UNPARSED, sent as written.
 */
static void flag_unparsed(struct sql_stmt *st)
{
	struct sql_arena *arena = NULL;
	PgQuery__ParseResult *tree;
	PgQueryProtobufParseResult r = sql_parse_arena(st->text, &arena, &tree);

	st->flags |= STMT_UNPARSED;
	pg_query_free_protobuf_parse_result(r);
	if (tree && tree->n_stmts == 1)
		st->flags |= sql_stmt_flags(tree->stmts[0]->stmt);
	sql_arena_release(arena);
}

/*
 * The parser failed: split at every ';' token of the scanner, and keep every piece that
 * holds more than blanks and comments. (libpg_query's own scanner split drops a piece
 * without a keyword - "SELEC 1", "COMIT", binary bytes - which then never reached the
 * server although the migration was recorded applied.) When the scanner fails too (an
 * unterminated quote), the rest of the text is one statement: the server sees it all.
 */
static void split_with_scanner(struct sql_script *s)
{
	PgQueryScanResult r = pg_query_scan(s->src);
	PgQuery__ScanResult *sr = NULL;
	int srclen = (int)strlen(s->src), start = 0;
	struct line_cursor lc = { 0, s->line_base, 1 };
	struct sql_stmt *st;
	size_t i;

	if (!r.error)
		sr = pg_query__scan_result__unpack(NULL, r.pbuf.len, (const uint8_t *)r.pbuf.data);
	pg_query_free_scan_result(r);
	for (i = 0; sr && i < sr->n_tokens; i++) {
		const PgQuery__ScanToken *t = sr->tokens[i];

		if (t->token != PG_QUERY__TOKEN__ASCII_59 || t->end <= start || t->end > srclen)
			continue;
		if ((st = sql_add_stmt(s, &lc, start, t->end)))
			flag_unparsed(st);
		start = t->end;
	}
	if (sr)
		pg_query__scan_result__free_unpacked(sr, NULL);
	if ((st = sql_add_stmt(s, &lc, start, srclen)))
		flag_unparsed(st);
}

int sql_script_parse(struct sql_script *s, const char *src, const char *file, int line_base)
{
	PgQueryProtobufParseResult r;
	int srclen = (int)strlen(src);
	struct line_cursor lc = { 0, line_base, 1 };

	memset(s, 0, sizeof(s[0]));
	s->src = src;
	s->file = file;
	s->line_base = line_base;
	if (sql_parse_in_pieces(s) == 0)
		return 0;

	r = sql_parse_arena(src, &s->arena, &s->tree);
	if (r.error) {
		int off = sql_charpos_to_offset(src, r.error->cursorpos);
		s->error = xstrdup(r.error->message ? r.error->message : "syntax error");
		if (r.error->cursorpos > 0)
			sql_script_linecol(s, off, &s->error_line, &s->error_col);
		else
			s->error_line = line_base;
		pg_query_free_protobuf_parse_result(r);
		split_with_scanner(s);
		return -1;
	}
	pg_query_free_protobuf_parse_result(r);
	if (!s->tree) {
		s->error = xstrdup("could not decode the parse tree");
		s->error_line = line_base;
		split_with_scanner(s);
		return -1;
	}
	sql_add_tree(s, &lc, s->tree, srclen);
	return 0;
}

void sql_script_release(struct sql_script *s)
{
	size_t i;

	for (i = 0; !s->stream && i < s->n; i++)
		free(s->stmts[i].text);
	if (!s->stream)
		free(s->stmts); /* else the piece's (stream.c) */
	free(s->pos);
	sql_arena_release(s->arena); /* the tree */
	sql_stream_free(s->stream);
	free(s->error);
	memset(s, 0, sizeof(*s));
}

const struct sql_stmt *sql_script_stmt(const struct sql_script *s, size_t i)
{
	if (!s->stream)
		return i < s->n ? &s->stmts[i] : NULL;
	return i >= s->first && i - s->first < s->nheld ? &s->stmts[i - s->first] : NULL;
}

struct sql_stmt_pos sql_script_pos(const struct sql_script *s, size_t i)
{
	const struct sql_stmt *st;
	struct sql_stmt_pos p;

	if (s->stream)
		return s->pos[i];
	st = &s->stmts[i];
	p.offset = st->offset;
	p.len = st->len;
	p.line = st->line;
	p.flags = st->flags;
	p.tx_kind = st->tx_kind;
	return p;
}

int sql_script_empty(const struct sql_script *s)
{
	return s->n == 0;
}

static const struct {
	PgQuery__Node__NodeCase kind;
	const char *name;
} kind_names[] = {
	{ PG_QUERY__NODE__NODE_CREATE_STMT, "CREATE TABLE" },
	{ PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT, "CREATE TABLE AS" },
	{ PG_QUERY__NODE__NODE_ALTER_TABLE_STMT, "ALTER TABLE" },
	{ PG_QUERY__NODE__NODE_INDEX_STMT, "CREATE INDEX" },
	{ PG_QUERY__NODE__NODE_DROP_STMT, "DROP" },
	{ PG_QUERY__NODE__NODE_RENAME_STMT, "RENAME" },
	{ PG_QUERY__NODE__NODE_INSERT_STMT, "INSERT" },
	{ PG_QUERY__NODE__NODE_UPDATE_STMT, "UPDATE" },
	{ PG_QUERY__NODE__NODE_DELETE_STMT, "DELETE" },
	{ PG_QUERY__NODE__NODE_SELECT_STMT, "SELECT" },
	{ PG_QUERY__NODE__NODE_TRANSACTION_STMT, "transaction control" },
	{ PG_QUERY__NODE__NODE_VACUUM_STMT, "VACUUM" },
	{ PG_QUERY__NODE__NODE_REINDEX_STMT, "REINDEX" },
	{ PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT, "CREATE FUNCTION" },
	{ PG_QUERY__NODE__NODE_DO_STMT, "DO" },
	{ PG_QUERY__NODE__NODE_VIEW_STMT, "CREATE VIEW" },
	{ PG_QUERY__NODE__NODE_CREATE_TRIG_STMT, "CREATE TRIGGER" },
	{ PG_QUERY__NODE__NODE_CREATE_SEQ_STMT, "CREATE SEQUENCE" },
	{ PG_QUERY__NODE__NODE_CREATE_ENUM_STMT, "CREATE TYPE" },
	{ PG_QUERY__NODE__NODE_ALTER_ENUM_STMT, "ALTER TYPE" },
	{ PG_QUERY__NODE__NODE_TRUNCATE_STMT, "TRUNCATE" },
	{ PG_QUERY__NODE__NODE_LOCK_STMT, "LOCK" },
	{ PG_QUERY__NODE__NODE_CLUSTER_STMT, "CLUSTER" },
	{ PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT, "REFRESH MATERIALIZED VIEW" },
	{ PG_QUERY__NODE__NODE_ALTER_SYSTEM_STMT, "ALTER SYSTEM" },
	{ PG_QUERY__NODE__NODE_CREATE_POLICY_STMT, "CREATE POLICY" },
	{ PG_QUERY__NODE__NODE_COMMENT_STMT, "COMMENT" },
	{ PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT, "CREATE SCHEMA" },
	{ PG_QUERY__NODE__NODE_CREATE_EXTENSION_STMT, "CREATE EXTENSION" },
	{ PG_QUERY__NODE__NODE_GRANT_STMT, "GRANT" },
	{ PG_QUERY__NODE__NODE_VARIABLE_SET_STMT, "SET" },
	{ PG_QUERY__NODE__NODE_COPY_STMT, "COPY" },
};

const char *sql_stmt_kind(const PgQuery__Node *node)
{
	size_t i;

	if (!node)
		return "statement";
	for (i = 0; i < ARRAY_SIZE(kind_names); i++)
		if (kind_names[i].kind == node->node_case)
			return kind_names[i].name;
	return "statement";
}

static void comments_by_lines(const char *src, sql_comment_fn fn, void *ud)
{
	const char *p = src;

	while (*p) {
		const char *q = p, *eol = strchr(p, '\n');

		if (!eol)
			eol = p + strlen(p);
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (q + 1 < eol && q[0] == '-' && q[1] == '-')
			fn(src, (int)(q - src), (int)(eol - src), ud);
		p = *eol ? eol + 1 : eol;
	}
}

int sql_for_each_comment(const char *src, sql_comment_fn fn, void *ud)
{
	PgQueryScanResult r = pg_query_scan(src);
	PgQuery__ScanResult *sr;
	size_t i;

	if (r.error) {
		pg_query_free_scan_result(r);
		comments_by_lines(src, fn, ud);
		return -1;
	}
	sr = pg_query__scan_result__unpack(NULL, r.pbuf.len, (const uint8_t *)r.pbuf.data);
	pg_query_free_scan_result(r);
	if (!sr) {
		comments_by_lines(src, fn, ud);
		return -1;
	}
	for (i = 0; i < sr->n_tokens; i++)
		if (sr->tokens[i]->token == PG_QUERY__TOKEN__SQL_COMMENT)
			fn(src, sr->tokens[i]->start, sr->tokens[i]->end, ud);
	pg_query__scan_result__free_unpacked(sr, NULL);
	return 0;
}

char *sql_normalized_text(const char *src)
{
	PgQueryScanResult r = pg_query_scan(src);
	PgQuery__ScanResult *sr = NULL;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (!r.error)
		sr = pg_query__scan_result__unpack(NULL, r.pbuf.len, (const uint8_t *)r.pbuf.data);
	pg_query_free_scan_result(r);
	if (!sr)
		return xstrdup(src); /* the scanner failed: the text as it is */
	for (i = 0; i < sr->n_tokens; i++) {
		const PgQuery__ScanToken *t = sr->tokens[i];

		if (t->token == PG_QUERY__TOKEN__SQL_COMMENT || t->token == PG_QUERY__TOKEN__C_COMMENT)
			continue;
		if (sb.len)
			strbuf_addch(&sb, ' ');
		strbuf_add(&sb, src + t->start, (size_t)(t->end - t->start));
	}
	pg_query__scan_result__free_unpacked(sr, NULL);
	return strbuf_detach(&sb, NULL);
}

int sql_is_blank(const char *src)
{
	const char *p = src, *end = src + strlen(src);

	for (;;) {
		p = sql_skip_blank(p, end);
		if (p < end && *p == ';')
			p++;
		else
			break;
	}
	return p == end;
}
