/* colref.h - a column's name replaced, token by token, in SQL text such as the
 * server writes for an index or a constraint (pg_get_indexdef,
 * pg_get_constraintdef): what migrate new's expand/contract generators rebuild
 * on the new column (docs/recipes.md) */
#ifndef MIGRATE_SQL_COLREF_H
#define MIGRATE_SQL_COLREF_H

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

/*
 * text with every reference to column col between byte offsets from and to
 * (-1: the end) replaced by repl (an identifier as SQL): a name token (plain,
 * quoted, or a non-reserved keyword) that spells col, not qualified (no "."
 * on either side), not a function's name (no "(" after it), not a type (after
 * "::") or a collation. NULL when the text does not scan.
 */
char *sql_rename_column(const char *text, int from, int to, const char *col, const char *repl);

/* The byte offset of the first token of kind token (a PgQuery__Token value) in
 * text, -1 when there is none. */
int sql_token_offset(const char *text, int token);

#endif
