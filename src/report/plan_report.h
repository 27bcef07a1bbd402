/* plan_report.h - a plan printed: text, Markdown, JSON */
#ifndef MIGRATE_REPORT_PLAN_REPORT_H
#define MIGRATE_REPORT_PLAN_REPORT_H

#include "plan/plan.h"

#include <stdio.h>

enum plan_format { PLAN_TEXT, PLAN_MARKDOWN, PLAN_JSON };
int plan_format_parse(const char *name); /* -1 when unknown */
void plan_print(const struct plan *p, enum plan_format fmt, FILE *out);
void plan_print_text(const struct plan *p, FILE *out);
void plan_print_markdown(const struct plan *p, FILE *out);
void plan_print_json(const struct plan *p, FILE *out);
/* The object plan_print_json prints (a jansson json_t, the caller's reference). */
struct json_t *plan_json(const struct plan *p);

#endif
