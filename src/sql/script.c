/* script.c - split and parse statements with libpg_query; map offsets to file:line:col */
#include "sql/script.h"
#include "sql/script_int.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/*
 * The unpacked parse tree lives in an arena: one free for the whole tree
 * instead of a walk that frees every node (a large share of a big file's
 * lint time went to malloc and free_unpacked).
 */
void *sql_arena_alloc(void *ud, size_t n)
{
	struct sql_arena **head = ud, *b = *head;
	size_t align = sizeof(max_align_t), need = (n + align - 1) / align * align;

	if (!b || b->size - b->used < need) {
		size_t size = b ? b->size * 2 : 64 * 1024;

		if (size > 4 * 1024 * 1024)
			size = 4 * 1024 * 1024;
		if (size < need)
			size = need;
		b = xmalloc(sizeof(*b) + size);
		b->next = *head;
		b->used = 0;
		b->size = size;
		*head = b;
	}
	b->used += need;
	return (char *)b->data + b->used - need;
}

void sql_arena_free(void *ud, void *p)
{
	UNUSED(ud);
	UNUSED(p);
}

void sql_arena_release(struct sql_arena *b)
{
	while (b) {
		struct sql_arena *next = b->next;
		free(b);
		b = next;
	}
}

/* Skip whitespace and comments (-- and nested block comments) from p. */
static const char *skip_space_and_comments(const char *p, const char *end)
{
	while (p < end) {
		if (isspace((unsigned char)*p)) {
			p++;
		} else if (p + 1 < end && p[0] == '-' && p[1] == '-') {
			while (p < end && *p != '\n')
				p++;
		} else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
			int depth = 1;
			p += 2;
			while (p < end && depth > 0) {
				if (p + 1 < end && p[0] == '/' && p[1] == '*') {
					depth++;
					p += 2;
				} else if (p + 1 < end && p[0] == '*' && p[1] == '/') {
					depth--;
					p += 2;
				} else {
					p++;
				}
			}
		} else {
			break;
		}
	}
	return p;
}

void sql_linecol(const char *src, int offset, int line_base, int *line, int *col)
{
	int l = line_base, c = 1, i;

	for (i = 0; i < offset && src[i]; i++) {
		if (src[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)src[i] & 0xC0) != 0x80) {
			c++; /* count characters, not UTF-8 continuation bytes */
		}
	}
	*line = l;
	*col = c;
}

void sql_script_linecol(const struct sql_script *s, int offset, int *line, int *col)
{
	sql_linecol(s->src, offset, s->line_base, line, col);
}

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

static int defelem_list_has(PgQuery__Node **list, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (list[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM &&
		    list[i]->def_elem->defname && !strcmp(list[i]->def_elem->defname, name))
			return 1;
	}
	return 0;
}

static int alter_table_no_tx(const PgQuery__AlterTableStmt *a)
{
	size_t i;

	for (i = 0; i < a->n_cmds; i++) {
		const PgQuery__Node *c = a->cmds[i];
		const PgQuery__AlterTableCmd *cmd;

		if (c->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		cmd = c->alter_table_cmd;
		if (cmd->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition && cmd->def &&
		    cmd->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD &&
		    cmd->def->partition_cmd->concurrent)
			return 1;
	}
	return 0;
}

/* Flags a statement from its parse tree: must it run outside a transaction? */
static int stmt_flags(const PgQuery__Node *n)
{
	if (!n)
		return 0;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
		return STMT_TX_CONTROL;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		return n->index_stmt->concurrent ? STMT_NO_TX : 0;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		return n->drop_stmt->concurrent ? STMT_NO_TX : 0;
	case PG_QUERY__NODE__NODE_REINDEX_STMT:
		if (defelem_list_has(n->reindex_stmt->params, n->reindex_stmt->n_params, "concurrently"))
			return STMT_NO_TX;
		/* REINDEX SYSTEM/DATABASE cannot run in a transaction block either */
		if (n->reindex_stmt->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SYSTEM ||
		    n->reindex_stmt->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_DATABASE)
			return STMT_NO_TX;
		return 0;
	case PG_QUERY__NODE__NODE_VACUUM_STMT:
		return n->vacuum_stmt->is_vacuumcmd ? STMT_NO_TX : 0;
	case PG_QUERY__NODE__NODE_ALTER_SYSTEM_STMT:
	case PG_QUERY__NODE__NODE_CREATEDB_STMT:
	case PG_QUERY__NODE__NODE_DROPDB_STMT:
	case PG_QUERY__NODE__NODE_CREATE_TABLE_SPACE_STMT:
	case PG_QUERY__NODE__NODE_DROP_TABLE_SPACE_STMT:
		return STMT_NO_TX;
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		return alter_table_no_tx(n->alter_table_stmt) ? STMT_NO_TX : 0;
	default:
		return 0;
	}
}

/* Statements arrive in order: count lines forward from the previous one. */
static void cursor_linecol(const struct sql_script *s, struct line_cursor *lc, int offset,
			   int *line, int *col)
{
	const char *src = s->src;

	if (offset < lc->off) {
		sql_script_linecol(s, offset, line, col);
		return;
	}
	for (; lc->off < offset && src[lc->off]; lc->off++) {
		if (src[lc->off] == '\n') {
			lc->line++;
			lc->col = 1;
		} else if (((unsigned char)src[lc->off] & 0xC0) != 0x80) {
			lc->col++;
		}
	}
	*line = lc->line;
	*col = lc->col;
}

static struct sql_stmt *add_stmt(struct sql_script *s, struct line_cursor *lc, int start, int end)
{
	const char *src = s->src;
	const char *p = skip_space_and_comments(src + start, src + end);
	const char *e = src + end;
	struct sql_stmt *st;

	/* trim trailing whitespace and a final ';' */
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	if (e > p && e[-1] == ';')
		e--;
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	if (e <= p)
		return NULL; /* only comments */
	ALLOC_GROW(s->stmts, s->n + 1, s->alloc);
	st = &s->stmts[s->n++];
	memset(st, 0, sizeof(*st));
	st->offset = (int)(p - src);
	st->len = (int)(e - p);
	st->text = xstrndup(p, (size_t)st->len);
	cursor_linecol(s, lc, st->offset, &st->line, &st->col);
	return st;
}

/*
 * An unparsed statement still gets the flags its own parse gives (a COMMIT next to a typo
 * must not run inside the migration's transaction); it stays STMT_UNPARSED, sent as written.
 */
static void flag_unparsed(struct sql_stmt *st)
{
	PgQueryProtobufParseResult r = pg_query_parse_protobuf(st->text);
	PgQuery__ParseResult *tree = NULL;

	st->flags |= STMT_UNPARSED;
	if (!r.error)
		tree = pg_query__parse_result__unpack(NULL, r.parse_tree.len,
						      (const uint8_t *)r.parse_tree.data);
	pg_query_free_protobuf_parse_result(r);
	if (tree && tree->n_stmts == 1)
		st->flags |= stmt_flags(tree->stmts[0]->stmt);
	if (tree)
		pg_query__parse_result__free_unpacked(tree, NULL);
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
		if ((st = add_stmt(s, &lc, start, t->end)))
			flag_unparsed(st);
		start = t->end;
	}
	if (sr)
		pg_query__scan_result__free_unpacked(sr, NULL);
	if ((st = add_stmt(s, &lc, start, srclen)))
		flag_unparsed(st);
}

void sql_add_tree(struct sql_script *s, struct line_cursor *lc, PgQuery__ParseResult *tree,
		     int limit)
{
	size_t i;

	for (i = 0; i < tree->n_stmts; i++) {
		PgQuery__RawStmt *rs = tree->stmts[i];
		int start = rs->stmt_location;
		int end = rs->stmt_len ? start + rs->stmt_len : limit;
		struct sql_stmt *st;

		if (end > limit)
			end = limit;
		st = add_stmt(s, lc, start, end);
		if (!st)
			continue;
		st->node = rs->stmt;
		st->flags = stmt_flags(rs->stmt);
		if (rs->stmt && rs->stmt->node_case == PG_QUERY__NODE__NODE_TRANSACTION_STMT)
			st->tx_kind = rs->stmt->transaction_stmt->kind;
	}
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

	r = pg_query_parse_protobuf(src);
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
	{
		ProtobufCAllocator a = { sql_arena_alloc, sql_arena_free, &s->arena };
		s->tree = pg_query__parse_result__unpack(&a, r.parse_tree.len,
							 (const uint8_t *)r.parse_tree.data);
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

	for (i = 0; i < s->n; i++)
		free(s->stmts[i].text);
	free(s->stmts);
	sql_arena_release(s->arena); /* the tree */
	sql_stream_free(s->stream);
	free(s->error);
	memset(s, 0, sizeof(*s));
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
		p = skip_space_and_comments(p, end);
		if (p < end && *p == ';')
			p++;
		else
			break;
	}
	return p == end;
}
