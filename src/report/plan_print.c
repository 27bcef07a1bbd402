/* plan_print.c - a plan in the format asked for */
#include "report/plan_report.h"

#include <string.h>

int plan_format_parse(const char *name)
{
	if (!strcmp(name, "text"))
		return PLAN_TEXT;
	if (!strcmp(name, "markdown") || !strcmp(name, "md"))
		return PLAN_MARKDOWN;
	if (!strcmp(name, "json"))
		return PLAN_JSON;
	return -1;
}

void plan_print(const struct plan *p, enum plan_format fmt, FILE *out)
{
	struct plan_stream st;
	size_t i;

	if (fmt == PLAN_MARKDOWN) {
		plan_print_markdown(p, out);
		return;
	}
	plan_stream_begin(&st, p, p->n, fmt, out);
	for (i = 0; i < p->n; i++)
		plan_stream_migration(&st, &p->items[i]);
	plan_stream_end(&st, p);
}
