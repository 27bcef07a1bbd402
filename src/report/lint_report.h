/* lint_report.h - lint findings printed: text, JSON, GitHub annotations, SARIF */
#ifndef MIGRATE_REPORT_LINT_REPORT_H
#define MIGRATE_REPORT_LINT_REPORT_H

#include "lint/lint.h"

#include <stdio.h>

struct strbuf;

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

/*
 * Findings printed as they come (text, JSON, GitHub; not SARIF): lint_stream_finding
 * is a lint_result's emit function; lint_stream_end prints what is left in r and the
 * summary or the JSON trailer. What lint_result_print prints, without holding it all.
 */
struct lint_stream {
	enum lint_format fmt;
	FILE *out;
	int color;
	int started;                      /* a finding was printed */
	size_t errors, warnings, allowed; /* text: the summary's counts */
	size_t shown;                     /* json: findings written */
	struct strbuf *buf;               /* json: one line */
};
void lint_stream_begin(struct lint_stream *ls, enum lint_format fmt, FILE *out, int color);
void lint_stream_finding(void *arg, const struct lint_finding *f);
/* print 0: nothing when nothing was printed yet (the command failed). */
void lint_stream_end(struct lint_stream *ls, const struct lint_result *r, int print);

/* lint_json.c: the JSON frame and one finding, for lint_stream */
void lint_json_begin(struct lint_stream *ls);
void lint_json_finding(struct lint_stream *ls, const struct lint_finding *f);
void lint_json_end(struct lint_stream *ls, const struct lint_result *r);
void lint_print_sarif(const struct lint_result *r, FILE *out);

/* Print a rule's documentation; markdown for docs/rules/. 0, or -1 if unknown. */
int lint_explain(const char *id, int markdown, FILE *out);
/* Print "id  severity  summary" for every rule (markdown: the index table). */
void lint_list_rules(int markdown, FILE *out);

#endif
