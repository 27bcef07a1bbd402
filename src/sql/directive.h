/* directive.h - "-- migrate:WORD ARGS" comments: the one reader of directives,
 * for the loader (no-transaction, timeouts, dbmate's up/down markers), the
 * linter (allow, disable) and plan */
#ifndef MIGRATE_SQL_DIRECTIVE_H
#define MIGRATE_SQL_DIRECTIVE_H

#include <stddef.h>

struct directive {
	const char *word;   /* "no-transaction", "allow", "up" ... */
	size_t word_len;
	const char *args;   /* what follows, blanks trimmed on both sides; may be empty */
	size_t args_len;
};

/*
 * text[0..len) is one comment ("-- ..." or "/ * ... * /") or one source line.
 * When it says "migrate:WORD [ARGS]" (blanks allowed after the comment mark),
 * fill d and return 1; otherwise 0.
 */
int directive_read(const char *text, size_t len, struct directive *d);

/* Is the directive's word this one? */
int directive_is(const struct directive *d, const char *word);

/*
 * The first blank-separated token of the directive's args (*tok, *tok_len)
 * and what follows it, trimmed (*rest, *rest_len). 0 when args are empty.
 */
int directive_split(const struct directive *d, const char **tok, size_t *tok_len,
		    const char **rest, size_t *rest_len);

#endif
