/* plan_report.h - a plan printed: text, Markdown, JSON */
#ifndef MIGRATE_REPORT_PLAN_REPORT_H
#define MIGRATE_REPORT_PLAN_REPORT_H

#include "plan/plan.h"

#include <stdio.h>

enum plan_format { PLAN_TEXT, PLAN_MARKDOWN, PLAN_JSON };
int plan_format_parse(const char *name); /* -1 when unknown */
void plan_print(const struct plan *p, enum plan_format fmt, FILE *out);
void plan_print_markdown(const struct plan *p, FILE *out);
/* The object plan_print prints as JSON (a jansson json_t, the caller's reference). */
struct json_t *plan_json(const struct plan *p);

/* What the migrations printed so far add up to: the summaries of text and JSON. */
struct plan_totals {
	size_t migrations, stmts, errors, warnings, allowed, rewrites, scans, diffs, nodown, failed;
	enum lock_mode top_mode;  /* the strongest predicted lock ... */
	char *top_name;           /* ... and on what ("public.orders"); NULL: none */
};
void plan_totals_add(struct plan_totals *t, const struct plan_migration *m);

/*
 * A plan printed while it is made, so that memory holds one migration at a time, not
 * the run: the header (total: the migrations the title announces), then each migration
 * once planned (after which the plan may forget it: plan_forget), then the summary.
 * Text and JSON only; the bytes are those plan_print prints for the whole plan.
 */
struct plan_stream {
	enum plan_format fmt;
	FILE *out;
	struct plan_totals t;
};
void plan_stream_begin(struct plan_stream *st, const struct plan *p, size_t total,
		       enum plan_format fmt, FILE *out);
void plan_stream_migration(struct plan_stream *st, const struct plan_migration *m);
/* The summary; frees st->t.top_name (the counts in st->t stay). */
void plan_stream_end(struct plan_stream *st, const struct plan *p);
/* The text and JSON halves of the above (plan_text.c, plan_json.c). */
void plan_text_begin(const struct plan *p, size_t total, FILE *out);
void plan_text_migration(const struct plan_migration *m, FILE *out);
void plan_text_end(const struct plan *p, const struct plan_totals *t, FILE *out);
void plan_json_begin(const struct plan *p, FILE *out);
void plan_json_migration(const struct plan_migration *m, size_t index, FILE *out);
void plan_json_end(const struct plan *p, const struct plan_totals *t, FILE *out);

#endif
