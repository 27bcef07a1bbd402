/* plan_stream.c - a plan printed while it is made (text or JSON): header, each
 * migration, summary; plan_print prints a whole plan of either through it too */
#include "report/plan_format.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

void plan_stream_begin(struct plan_stream *st, const struct plan *p, size_t total,
		       enum plan_format fmt, FILE *out)
{
	memset(st, 0, sizeof(*st));
	st->fmt = fmt;
	st->out = out;
	if (fmt == PLAN_JSON)
		plan_json_begin(p, out);
	else
		plan_text_begin(p, total, out);
}

void plan_stream_migration(struct plan_stream *st, const struct plan_migration *m)
{
	if (st->fmt == PLAN_JSON)
		plan_json_migration(m, st->t.migrations, st->out);
	else
		plan_text_migration(m, st->out);
	plan_totals_add(&st->t, m);
}

void plan_stream_end(struct plan_stream *st, const struct plan *p)
{
	if (st->fmt == PLAN_JSON)
		plan_json_end(p, &st->t, st->out);
	else
		plan_text_end(p, &st->t, st->out);
	free(st->t.top_name);
	st->t.top_name = NULL;
}
