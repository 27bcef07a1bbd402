/* pieces.h - cut a long SQL text between statements, to parse the pieces apart */
#ifndef MIGRATE_PIECES_H
#define MIGRATE_PIECES_H

#include <stddef.h>

/*
 * Ends (exclusive byte offsets) of pieces of about target bytes each, every one
 * cut just after a ';' that ends a statement: outside quotes, dollar quotes,
 * comments and parentheses, and not inside a BEGIN ATOMIC body. The last end is
 * len. Returns their number (1: no cut). The cuts are a guess that the parser
 * checks: a piece that does not parse means the text is parsed whole.
 */
size_t sql_pieces(const char *src, size_t len, size_t target, size_t **ends);

#endif
