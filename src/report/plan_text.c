/* plan_text.c - a plan (or a rehearsal) for a terminal */
#include "report/plan_format.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

static const char *blocks_text(int mode)
{
	if (lock_blocks_reads(mode))
		return "blocks reads and writes";
	if (lock_blocks_writes(mode))
		return "blocks writes";
	if (mode >= LOCK_SHARE_UPDATE_EXCLUSIVE)
		return "blocks other DDL and VACUUM only";
	return mode ? "blocks nothing but ACCESS EXCLUSIVE" : "no lock";
}

/* --- text ----------------------------------------------------------------------- */

static void text_effect(FILE *out, const char *indent, const struct plan_effect *e, int observed)
{
	struct strbuf sb = STRBUF_INIT;

	plan_add_name(&sb, e);
	if (e->parent)
		strbuf_addf(&sb, " (%s on %s)", e->kind, e->parent);
	else
		strbuf_addf(&sb, " (%s)", e->kind);
	if (e->mode)
		strbuf_addf(&sb, ": %s (%s)", lock_mode_name(e->mode), blocks_text(e->mode));
	else if (observed && plan_effect_held(e))
		strbuf_addf(&sb, ": %s already held from an earlier statement",
			    lock_mode_name(plan_effect_held(e)));
	else
		strbuf_addstr(&sb, ": no lock");
	strbuf_addf(&sb, ", %s, %s", e->rewrite ? "rewrite" : "no rewrite",
		    e->scan ? "full scan" : "no scan");
	if (observed && e->created)
		strbuf_addstr(&sb, "; created by this migration, invisible to others until it commits");
	if (!observed && e->found) {
		strbuf_addstr(&sb, "; ");
		plan_add_facts(&sb, e);
	}
	fprintf(out, "%s%s\n", indent, sb.buf);
	strbuf_release(&sb);
}

static void text_block(FILE *out, const char *indent, const char *text)
{
	const char *p = text, *eol;

	while (*p) {
		eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		fprintf(out, "%s%.*s\n", indent, (int)(eol - p), p);
		p = *eol ? eol + 1 : eol;
	}
}

static void text_stmt(FILE *out, const struct plan_stmt *s, size_t idx)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	plan_add_oneline(&sb, s->text, 100);
	fprintf(out, "  %zu. line %d: %s\n", idx + 1, s->line, sb.buf);
	strbuf_release(&sb);
	for (i = 0; i < s->neffects; i++)
		text_effect(out, "       ", &s->effects[i], 0);
	for (i = 0; i < s->nfindings; i++) {
		const struct plan_finding *f = &s->findings[i];
		fprintf(out, "       %s [%s] %d:%d: %s\n", f->allowed ? "allowed" : plan_severity_name(f->severity),
			f->rule, f->line, f->col, f->message);
		if (f->allowed && f->reason)
			fprintf(out, "         reason: %s\n", f->reason);
		if (f->help && !f->allowed) {
			fprintf(out, "         safe alternative:\n");
			text_block(out, "           ", f->help);
		}
	}
	for (i = 0; i < s->warnings.n; i++)
		fprintf(out, "       warning: %s\n", s->warnings.v[i]);
	if (s->rehearsed) {
		fprintf(out, "       observed%s:%s\n", s->polled ? " from a second connection" : "",
			s->nseen ? "" : " no new lock on an existing object, no rewrite, no scan");
		for (i = 0; i < s->nseen; i++)
			text_effect(out, "         ", &s->seen[i], 1);
		if (s->rebuilt.n) {
			fprintf(out, "         indexes rebuilt:");
			for (i = 0; i < s->rebuilt.n; i++)
				fprintf(out, "%s %s", i ? "," : "", s->rebuilt.v[i]);
			fprintf(out, "\n");
		}
		for (i = 0; i < s->notes.n; i++)
			fprintf(out, "         note: %s\n", s->notes.v[i]);
		for (i = 0; i < s->diffs.n; i++)
			fprintf(out, "         DIFFERENT FROM THE PLAN: %s\n", s->diffs.v[i]);
	}
}

void plan_print_text(const struct plan *p, FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, j;

	plan_title(p, &sb);
	strbuf_addch(&sb, '\n');
	plan_subtitle(p, &sb);
	fprintf(out, "%s\n", sb.buf);
	strbuf_release(&sb);
	for (i = 0; i < p->warnings.n; i++)
		fprintf(out, "warning: %s\n", p->warnings.v[i]);
	for (i = 0; i < p->n; i++) {
		const struct plan_migration *m = &p->items[i];

		fprintf(out, "\n%s %s (%s, %s", m->version_str, m->name, m->direction > 0 ? "up" : "down",
			plan_tx_text(m->mode));
		if (m->lock_timeout_ms >= 0)
			fprintf(out, ", lock_timeout %ldms", m->lock_timeout_ms);
		fprintf(out, ")\n  file: %s\n", m->file);
		for (j = 0; j < m->warnings.n; j++)
			fprintf(out, "  warning: %s\n", m->warnings.v[j]);
		if (!m->nstmts)
			fprintf(out, "  (no statements)\n");
		for (j = 0; j < m->nstmts; j++)
			text_stmt(out, &m->stmts[j], j);
		if (m->direction > 0 && !m->outcome) {
			if (m->undo_sql) {
				fprintf(out, "  undo with %s:\n", m->undo_file);
				text_block(out, "    | ", m->undo_sql);
			} else {
				fprintf(out, "  undo: none (no down migration)\n");
			}
		}
		if (m->outcome) {
			fprintf(out, "  rehearsal: %s\n", m->outcome);
			for (j = 0; j <= m->failures.n; j++) {
				size_t k;
				if (j == m->schema_diff_at)
					for (k = 0; k < m->schema_diff.n; k++)
						fprintf(out, "      %s\n", m->schema_diff.v[k]);
				if (j < m->failures.n)
					fprintf(out, "    %s\n", m->failures.v[j]);
			}
		}
	}
	if (!strcmp(p->command, "rehearse")) {
		size_t bad = plan_failures(p);
		fprintf(out, "\n%zu of %zu migration%s rehearsed cleanly\n", p->n - bad, p->n,
			p->n == 1 ? "" : "s");
	}
}
