/* script_int.h - what script.c, stream.c and tree.c share (not for other modules) */
#ifndef MIGRATE_SCRIPT_INT_H
#define MIGRATE_SCRIPT_INT_H

#include <stddef.h>

#include "sql/script.h"

/*
 * The unpacked parse tree lives in an arena: one free for the whole tree
 * instead of a walk that frees every node (a large share of a big file's
 * lint time went to malloc and free_unpacked).
 */
struct sql_arena {
	struct sql_arena *next;
	size_t used, size;
	max_align_t data[];
};

/* protobuf-c allocator functions over the arena list *(struct sql_arena **)ud */
void *sql_arena_alloc(void *ud, size_t n);
void sql_arena_free(void *ud, void *p);
void sql_arena_release(struct sql_arena *b);

/* pg_query_parse_protobuf(text) with its tree in *arena (*tree NULL on an error, which
 * r.error gives; free r with pg_query_free_protobuf_parse_result). Statically linked,
 * the tree is copied from the parser's structures, never packed (parsecopy.c). */
PgQueryProtobufParseResult sql_parse_arena(const char *text, struct sql_arena **arena,
					   PgQuery__ParseResult **tree);

/* Statements arrive in order: count lines forward from the previous one. */
struct line_cursor {
	int off, line, col;
};

/* Past whitespace and comments (-- and nested block comments) from p. */
const char *sql_skip_blank(const char *p, const char *end);
/* STMT_* flags of a statement, from its tree. */
int sql_stmt_flags(const PgQuery__Node *n);
/* A statement of s->src[start, end) (blanks, comments and a final ';' trimmed) appended to
 * s, its line and column from lc; NULL when it holds nothing but comments. */
struct sql_stmt *sql_add_stmt(struct sql_script *s, struct line_cursor *lc, int start, int end);

/* Append the statements of tree (its locations in s->src) to s; limit ends the last one. */
void sql_add_tree(struct sql_script *s, struct line_cursor *lc, PgQuery__ParseResult *tree,
		  int limit);

/* stream.c: parse s->src in pieces on several threads into s (the whole tree kept);
 * 0, or -1 (s untouched) when it is too short to cut or a piece does not parse. */
int sql_parse_in_pieces(struct sql_script *s);
void sql_stream_free(struct sql_stream *st);

#endif
