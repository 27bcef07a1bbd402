/* tree.c - a parse tree's memory and the statements it gives: what script.c and stream.c share */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sql/script_int.h"
#include "base/util.h"

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
const char *sql_skip_blank(const char *p, const char *end)
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
int sql_stmt_flags(const PgQuery__Node *n)
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

struct sql_stmt *sql_add_stmt(struct sql_script *s, struct line_cursor *lc, int start, int end)
{
	const char *src = s->src;
	const char *p = sql_skip_blank(src + start, src + end);
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
	if (s->n == s->alloc) { /* not ALLOC_GROW: the room not used yet stays untouched */
		s->alloc = s->alloc ? s->alloc * 2 : 8;
		s->stmts = xrealloc(s->stmts, s->alloc * sizeof(*s->stmts));
	}
	st = &s->stmts[s->n++];
	memset(st, 0, sizeof(*st));
	st->offset = (int)(p - src);
	st->len = (int)(e - p);
	st->text = xstrndup(p, (size_t)st->len);
	cursor_linecol(s, lc, st->offset, &st->line, &st->col);
	return st;
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
		st = sql_add_stmt(s, lc, start, end);
		if (!st)
			continue;
		st->node = rs->stmt;
		st->flags = sql_stmt_flags(rs->stmt);
		if (rs->stmt && rs->stmt->node_case == PG_QUERY__NODE__NODE_TRANSACTION_STMT)
			st->tx_kind = rs->stmt->transaction_stmt->kind;
	}
}
