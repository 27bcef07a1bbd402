/* colref.c - a column's name replaced in an index's or a constraint's definition */
#include "sql/colref.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <ctype.h>
#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>
#include <stdlib.h>
#include <string.h>

static PgQuery__ScanResult *scan(const char *text)
{
	PgQueryScanResult r = pg_query_scan(text);
	PgQuery__ScanResult *sr = NULL;

	if (!r.error)
		sr = pg_query__scan_result__unpack(NULL, r.pbuf.len, (const uint8_t *)r.pbuf.data);
	pg_query_free_scan_result(r);
	return sr;
}

/* The name a token spells: a quoted one unquoted, a plain one folded to lower case. */
static char *token_name(const char *text, const PgQuery__ScanToken *t)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	if (text[t->start] == '"') {
		for (i = t->start + 1; i < t->end - 1; i++) {
			strbuf_addch(&sb, text[i]);
			if (text[i] == '"')
				i++;
		}
	} else {
		for (i = t->start; i < t->end; i++)
			strbuf_addch(&sb, (char)tolower((unsigned char)text[i]));
	}
	return strbuf_detach(&sb, NULL);
}

static int is_name(const PgQuery__ScanToken *t)
{
	return t->token == PG_QUERY__TOKEN__IDENT ||
	       (t->keyword_kind != PG_QUERY__KEYWORD_KIND__NO_KEYWORD &&
		t->keyword_kind != PG_QUERY__KEYWORD_KIND__RESERVED_KEYWORD);
}

/* Token i of sr is a reference to col. */
static int refers(const char *text, PgQuery__ScanResult *sr, size_t i, const char *col)
{
	const PgQuery__ScanToken *t = sr->tokens[i];
	const PgQuery__ScanToken *prev = i ? sr->tokens[i - 1] : NULL;
	const PgQuery__ScanToken *next = i + 1 < sr->n_tokens ? sr->tokens[i + 1] : NULL;
	char *name;
	int same;

	if (!is_name(t) ||
	    (prev && (prev->token == PG_QUERY__TOKEN__ASCII_46 || prev->token == PG_QUERY__TOKEN__TYPECAST ||
		      prev->token == PG_QUERY__TOKEN__COLLATE)) ||
	    (next && (next->token == PG_QUERY__TOKEN__ASCII_40 || next->token == PG_QUERY__TOKEN__ASCII_46)))
		return 0;
	name = token_name(text, t);
	same = !strcmp(name, col);
	free(name);
	return same;
}

char *sql_rename_column(const char *text, int from, int to, const char *col, const char *repl)
{
	PgQuery__ScanResult *sr = scan(text);
	struct strbuf sb = STRBUF_INIT;
	int done = 0;
	size_t i;

	if (!sr)
		return NULL;
	if (to < 0)
		to = (int)strlen(text);
	for (i = 0; i < sr->n_tokens; i++) {
		const PgQuery__ScanToken *t = sr->tokens[i];

		if (t->start < from || t->end > to || !refers(text, sr, i, col))
			continue;
		strbuf_add(&sb, text + done, (size_t)(t->start - done));
		strbuf_addstr(&sb, repl);
		done = t->end;
	}
	strbuf_addstr(&sb, text + done);
	pg_query__scan_result__free_unpacked(sr, NULL);
	return strbuf_detach(&sb, NULL);
}

int sql_token_offset(const char *text, int token)
{
	PgQuery__ScanResult *sr = scan(text);
	int at = -1;
	size_t i;

	for (i = 0; sr && i < sr->n_tokens && at < 0; i++)
		if ((int)sr->tokens[i]->token == token)
			at = sr->tokens[i]->start;
	if (sr)
		pg_query__scan_result__free_unpacked(sr, NULL);
	return at;
}
