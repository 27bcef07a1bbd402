/* test_lint_util.h - helpers shared by the linter's Check suites */
#ifndef MIGRATE_TEST_LINT_UTIL_H
#define MIGRATE_TEST_LINT_UTIL_H

#include "config/config.h"
#include "lint/lint.h"
#include "report/lint_report.h"

/* Options for lint_sql: pg 0 = the default version. */
struct lt_opts {
	int pg;
	const struct config *cfg;
	const char *const *exclude;
	size_t nexclude;
};

/*
 * Lint sql as consecutive migrations: the text is split at lines that read
 * "-- next migration", each part is one up section (directives read as the
 * runner does). A line "-- down" in a part starts its down section, linted
 * isolated after the up. Findings are appended to res (initialised by the caller).
 */
void lt_lint(struct lint_result *res, const char *sql, const struct lt_opts *o);
/* Findings of rule that are not allowed by a directive. */
int lt_count(const struct lint_result *res, const char *rule);
/* The first finding of rule (allowed or not), NULL if none. */
const struct lint_finding *lt_find(const struct lint_result *res, const char *rule);
/* Every finding as "rule@line:col" lines, for failure messages (static buffer). */
const char *lt_dump(const struct lint_result *res);
/* Print res in fmt into a string (caller frees). */
char *lt_print(const struct lint_result *res, enum lint_format fmt);

#endif
