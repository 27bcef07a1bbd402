/* fuzz_sql.c - libFuzzer target: the statement splitter and what reads its output
 * (split, parse tree flags, positions, comments, directives) */
#include "sql/migration.h"
#include "sql/script.h"
#include "base/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_comment(const char *src, int start, int end, void *ud)
{
	(void)src;
	if (start < 0 || end < start)
		abort();
	(*(int *)ud)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *src = xstrndup((const char *)data, size); /* stops at the first NUL, as a file would */
	struct sql_script s;
	struct directives d;
	size_t i, len = strlen(src);
	int line, col, comments = 0;

	log_verbosity = -1;
	sql_script_parse(&s, src, "fuzz.sql", 1);
	for (i = 0; i < s.n; i++) {
		const struct sql_stmt *st = &s.stmts[i];

		/* every statement lies inside the text and starts where it says */
		if (st->offset < 0 || st->len <= 0 || (size_t)st->offset + (size_t)st->len > len ||
		    memcmp(st->text, src + st->offset, (size_t)st->len) != 0)
			abort();
		sql_script_linecol(&s, st->offset, &line, &col);
		if (line != st->line || col != st->col)
			abort();
		sql_charpos_to_offset(st->text, (int)(i % 7) + 1);
		sql_stmt_kind(st->node);
	}
	sql_linecol(src, (int)len, 1, &line, &col);
	sql_for_each_comment(src, count_comment, &comments);
	sql_is_blank(src);
	directives_parse(src, "fuzz.sql", 1, &d);
	sql_script_release(&s);
	free(src);
	return 0;
}
