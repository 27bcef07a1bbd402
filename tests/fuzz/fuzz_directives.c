/* fuzz_directives.c - libFuzzer target: "-- migrate:..." directives, as the runner reads
 * them (no-transaction, lock-timeout, statement-timeout, markers) and as the linter reads
 * them (allow, disable). Each input line becomes a directive comment, then the whole input
 * is read as it is, so both a directive-only text and free text around them are covered. */
#include "config/config.h"
#include "lint/lint.h"
#include "sql/migration.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *src)
{
	struct directives d;

	if (directives_parse(src, "fuzz.sql", 1, &d) == 0) {
		/* what the runner may receive: never "no lock timeout" */
		if (d.lock_timeout_ms == 0 || d.lock_timeout_ms < -1 || d.statement_timeout_ms < -1)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size), *line, *save = NULL, *copy;
	struct strbuf sb = STRBUF_INIT;
	static struct config cfg;
	static struct linter *l;
	struct lint_result r;

	log_verbosity = -1;
	if (!l) {
		config_init(&cfg);
		l = linter_new(&(struct lint_options){ .cfg = &cfg });
	}
	copy = xstrdup(text);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		strbuf_addf(&sb, "-- migrate:%s\nSELECT 1;\n", line);
	free(copy);
	check(text);
	check(sb.buf ? sb.buf : "");
	lint_result_init(&r);
	lint_text(l, sb.buf ? sb.buf : "", "fuzz.sql", 1, &r);
	lint_result_release(&r);
	strbuf_release(&sb);
	free(text);
	return 0;
}
