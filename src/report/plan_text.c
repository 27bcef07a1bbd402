/* plan_text.c - a plan (or a rehearsal) for a terminal */
#include "report/plan_format.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
		strbuf_addf(&sb, " (%s on %s)", e->kind, shown(e->parent));
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
		char *line = xstrndup(p, (size_t)(eol - p));

		fprintf(out, "%s%s\n", indent, shown_line(line));
		free(line);
		p = *eol ? eol + 1 : eol;
	}
}

/* ANSI colours on a terminal (NO_COLOR honoured), or none. */
struct tcolors {
	const char *err, *warn, *bold, *off;
};
static const struct tcolors no_colors = { "", "", "", "" };
static const struct tcolors ansi_colors = { "\033[1;31m", "\033[1;33m", "\033[1m", "\033[0m" };

static const struct tcolors *text_colors(FILE *out)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(fileno(out)) && !(nc && *nc) ? &ansi_colors : &no_colors;
}

static void text_stmt(FILE *out, const struct plan_stmt *s, size_t idx, const struct tcolors *co)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	plan_add_oneline(&sb, s->text, 100);
	fprintf(out, "  %zu. line %d: %s\n", idx + 1, s->line, sb.buf);
	strbuf_release(&sb);
	for (i = 0; i < s->neffects; i++)
		text_effect(out, "       ", &s->effects[i], 0);
	if (s->batch) {
		plan_add_batch(&sb, s);
		fprintf(out, "       %s\n", sb.buf);
		strbuf_release(&sb);
	}
	for (i = 0; i < s->nfindings; i++) {
		const struct plan_finding *f = &s->findings[i];
		fprintf(out, "       %s%s%s [%s] %d:%d: %s\n", f->allowed ? "" : f->severity >= 2 ? co->err : co->warn,
			f->allowed ? "allowed" : plan_severity_name(f->severity), f->allowed ? "" : co->off,
			f->rule, f->line, f->col, shown_text(f->message));
		if (f->allowed && f->reason)
			fprintf(out, "         reason: %s\n", shown_text(f->reason));
		if (f->help && !f->allowed) {
			fprintf(out, "         safe alternative:\n");
			text_block(out, "           ", f->help);
		}
	}
	for (i = 0; i < s->warnings.n; i++)
		fprintf(out, "       warning: %s\n", shown_text(s->warnings.v[i]));
	if (s->rehearsed) {
		fprintf(out, "       observed%s:%s\n", s->polled ? " from a second connection" : "",
			s->nseen ? "" : " no new lock on an existing object, no rewrite, no scan");
		for (i = 0; i < s->nseen; i++)
			text_effect(out, "         ", &s->seen[i], 1);
		if (s->rebuilt.n) {
			fprintf(out, "         indexes rebuilt:");
			for (i = 0; i < s->rebuilt.n; i++)
				fprintf(out, "%s %s", i ? "," : "", shown(s->rebuilt.v[i]));
			fprintf(out, "\n");
		}
		for (i = 0; i < s->notes.n; i++)
			fprintf(out, "         note: %s\n", shown_text(s->notes.v[i]));
		for (i = 0; i < s->diffs.n; i++)
			fprintf(out, "         DIFFERENT FROM THE PLAN: %s\n", shown_text(s->diffs.v[i]));
	}
}

/* The closing summary: what the whole plan does, in one place at the end. */
static void text_summary(const struct plan_totals *t, FILE *out, const struct tcolors *co)
{
	fprintf(out, "\n%ssummary:%s %zu migration%s; %s%zu error%s%s, %s%zu warning%s%s", co->bold, co->off,
		t->migrations, t->migrations == 1 ? "" : "s", t->errors ? co->err : "", t->errors,
		t->errors == 1 ? "" : "s", t->errors ? co->off : "", t->warnings ? co->warn : "",
		t->warnings, t->warnings == 1 ? "" : "s", t->warnings ? co->off : "");
	if (t->allowed)
		fprintf(out, " (%zu allowed)", t->allowed);
	fprintf(out, "; %zu rewrite%s, %zu full scan%s", t->rewrites, t->rewrites == 1 ? "" : "s", t->scans,
		t->scans == 1 ? "" : "s");
	if (t->top_name && t->top_mode)
		fprintf(out, "; strongest lock %s on %s", lock_mode_name(t->top_mode), t->top_name);
	if (t->nodown)
		fprintf(out, "; %zu without a down migration", t->nodown);
	fputc('\n', out);
}

void plan_text_begin(const struct plan *p, size_t total, FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	plan_title(p, total, &sb);
	strbuf_addch(&sb, '\n');
	plan_subtitle(p, &sb);
	fprintf(out, "%s\n", sb.buf);
	strbuf_release(&sb);
	for (i = 0; i < p->warnings.n; i++)
		fprintf(out, "warning: %s\n", shown_text(p->warnings.v[i]));
}

static void text_outcome(const struct plan_migration *m, FILE *out)
{
	size_t j, k;

	fprintf(out, "  rehearsal: %s\n", shown_text(m->outcome));
	for (j = 0; j <= m->failures.n; j++) {
		if (j == m->schema_diff_at)
			for (k = 0; k < m->schema_diff.n; k++)
				fprintf(out, "      %s\n", shown_text(m->schema_diff.v[k]));
		if (j < m->failures.n)
			fprintf(out, "    %s\n", shown_text(m->failures.v[j]));
	}
}

void plan_text_migration(const struct plan_migration *m, FILE *out)
{
	const struct tcolors *co = text_colors(out);
	size_t j;

	fprintf(out, "\n%s%s %s%s (%s, %s", co->bold, shown(m->version_str), shown(m->name), co->off,
		m->direction > 0 ? "up" : "down", plan_tx_text(m->mode));
	if (m->lock_timeout_ms >= 0)
		fprintf(out, ", lock_timeout %ldms", m->lock_timeout_ms);
	fprintf(out, ")\n  file: %s\n", shown(m->file));
	for (j = 0; j < m->warnings.n; j++)
		fprintf(out, "  warning: %s\n", shown_text(m->warnings.v[j]));
	if (!m->nstmts)
		fprintf(out, "  (no statements)\n");
	for (j = 0; j < m->nstmts; j++)
		text_stmt(out, &m->stmts[j], j, co);
	if (m->direction > 0 && !m->outcome) {
		if (m->undo_sql) {
			fprintf(out, "  undo with %s:\n", shown(m->undo_file));
			text_block(out, "    | ", m->undo_sql);
		} else {
			fprintf(out, "  undo: none (no down migration)\n");
		}
	}
	if (m->outcome)
		text_outcome(m, out);
}

void plan_text_end(const struct plan *p, const struct plan_totals *t, FILE *out)
{
	if (!strcmp(p->command, "rehearse"))
		fprintf(out, "\n%zu of %zu migration%s rehearsed cleanly\n", t->migrations - t->failed,
			t->migrations, t->migrations == 1 ? "" : "s");
	else if (t->migrations)
		text_summary(t, out, text_colors(out));
}
