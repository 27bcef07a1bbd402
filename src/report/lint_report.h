/* lint_report.h - lint findings printed: text, JSON, GitHub annotations, SARIF */
#ifndef MIGRATE_REPORT_LINT_REPORT_H
#define MIGRATE_REPORT_LINT_REPORT_H

#include "lint/lint.h"

#include <stdio.h>

enum lint_format {
	LINT_FORMAT_TEXT = 0,
	LINT_FORMAT_JSON,
	LINT_FORMAT_GITHUB,
	LINT_FORMAT_SARIF,
};

/*
 * Print the findings (allowed ones are left out) and, for text, a summary.
 * color: 1 always, 0 never, -1 when out is a terminal and NO_COLOR is unset.
 */
void lint_result_print(const struct lint_result *r, enum lint_format fmt, FILE *out, int color);
/* "text", "json", "github", "sarif" -> format; -1 when unknown. */
int lint_format_parse(const char *name);

void lint_print_json(const struct lint_result *r, FILE *out);
void lint_print_sarif(const struct lint_result *r, FILE *out);

/* Print a rule's documentation; markdown for docs/rules/. 0, or -1 if unknown. */
int lint_explain(const char *id, int markdown, FILE *out);
/* Print "id  severity  summary" for every rule (markdown: the index table). */
void lint_list_rules(int markdown, FILE *out);

#endif
