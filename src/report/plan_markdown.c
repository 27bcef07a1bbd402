/* plan_markdown.c - a plan (or a rehearsal) as Markdown for a pull-request comment:
 * a summary table, then one section per migration */
#include "report/plan_format.h"
#include "report/md_escape.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* --- markdown ------------------------------------------------------------------- */

/* A message or other user text as Markdown text, between before and after. */
static void md_line(FILE *out, const char *before, const char *text, const char *after)
{
	struct strbuf sb = STRBUF_INIT;

	md_add_text(&sb, text, ESC_KEEP_BACKSLASH, 0);
	fprintf(out, "%s%s%s", before, sb.buf, after);
	strbuf_release(&sb);
}

static void md_summary(const struct plan *p, FILE *out)
{
	size_t i;
	int rehearse = !strcmp(p->command, "rehearse");

	fprintf(out, "| | version | name | runs | strongest lock | rewrites | full scans | lint | %s |\n",
		rehearse ? "rehearsal" : (p->direction > 0 ? "down" : "destroys data"));
	fprintf(out, "|---|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < p->n; i++) {
		const struct plan_migration *m = &p->items[i];
		const struct plan_effect *top = plan_strongest(m);
		struct strbuf sb = STRBUF_INIT;
		struct plan_counts c;
		const char *mark;

		plan_count_migration(m, &c);
		if (m->outcome)
			mark = strcmp(m->outcome, "clean") ? ":x:" : ":white_check_mark:";
		else
			mark = c.errors ? ":x:" : (c.warnings || m->warnings.n || c.stmt_warnings ||
						  (top && lock_blocks_writes(top->mode)))
				? ":warning:" : ":white_check_mark:";
		strbuf_addf(&sb, "| %s | ", mark);
		md_add_text(&sb, m->version_str, 0, 1);
		strbuf_addstr(&sb, " | ");
		md_add_text(&sb, m->name, 0, 1);
		strbuf_addf(&sb, " | %s | ", m->mode == TX_WRAPPED ? "transaction"
				: tx_mode_name(m->mode));
		if (top && top->mode) {
			struct strbuf name = STRBUF_INIT;

			plan_add_name(&name, top);
			strbuf_addf(&sb, "%s on ", lock_mode_name(top->mode));
			md_add_text(&sb, name.buf, ESC_KEEP_BACKSLASH, 1);
			strbuf_release(&name);
		} else {
			strbuf_addstr(&sb, "—");
		}
		strbuf_addf(&sb, " | %s | %s | ", c.rewrites ? "**yes**" : "no", c.scans ? "yes" : "no");
		if (c.errors || c.warnings)
			strbuf_addf(&sb, "%zu error%s, %zu warning%s", c.errors, c.errors == 1 ? "" : "s",
				    c.warnings, c.warnings == 1 ? "" : "s");
		else
			strbuf_addstr(&sb, "clean");
		if (c.allowed)
			strbuf_addf(&sb, " (%zu allowed)", c.allowed);
		if (rehearse) {
			strbuf_addstr(&sb, " | ");
			md_add_text(&sb, m->outcome ? m->outcome : "", ESC_KEEP_BACKSLASH, 1);
			strbuf_addstr(&sb, " |");
		}
		else if (m->direction > 0)
			strbuf_addf(&sb, " | %s |", m->undo_sql ? "yes" : "**none**");
		else
			strbuf_addf(&sb, " | %s |", c.stmt_warnings ? "**yes**" : "no");
		fprintf(out, "%s\n", sb.buf);
		strbuf_release(&sb);
	}
}

static void md_effects_table(FILE *out, const struct plan_migration *m, int observed, int online)
{
	size_t i, j;
	int last = observed || online;

	fprintf(out, "| line | statement | object | lock | blocks | rewrite | scan |%s\n",
		observed ? " observed |" : online ? " rows, size |" : "");
	fprintf(out, "|---|---|---|---|---|---|---|%s\n", last ? "---|" : "");
	for (i = 0; i < m->nstmts; i++) {
		const struct plan_stmt *s = &m->stmts[i];
		size_t n = observed ? s->nseen : s->neffects;
		struct strbuf stmt = STRBUF_INIT;

		plan_add_oneline(&stmt, s->text, 60);
		for (j = 0; j < (n ? n : 1); j++) {
			const struct plan_effect *e = n ? (observed ? &s->seen[j] : &s->effects[j]) : NULL;
			struct strbuf sb = STRBUF_INIT;

			if (j == 0) {
				strbuf_addf(&sb, "| %d | ", s->line);
				md_add_code(&sb, stmt.buf, ESC_KEEP_BACKSLASH, 1);
				strbuf_addstr(&sb, " | ");
			} else {
				strbuf_addstr(&sb, "| | | ");
			}
			if (!e) {
				strbuf_addstr(&sb, "— | — | — | — | — |");
			} else {
				struct strbuf name = STRBUF_INIT;

				plan_add_name(&name, e);
				if (e->parent) {
					strbuf_addf(&name, " (%s on ", e->kind);
					strbuf_add_escaped(&name, e->parent, 0);
					strbuf_addch(&name, ')');
				} else if (strcmp(e->kind, "table")) {
					strbuf_addf(&name, " (%s)", e->kind);
				}
				md_add_text(&sb, name.buf, ESC_KEEP_BACKSLASH, 1);
				strbuf_release(&name);
				strbuf_addf(&sb, " | %s | %s | %s | %s |",
					    e->mode ? lock_mode_name(e->mode) : "—",
					    lock_blocks_reads(e->mode) ? "**reads, writes**"
					    : lock_blocks_writes(e->mode) ? "**writes**" : "—",
					    e->rewrite ? "**yes**" : "no", e->scan ? "yes" : "no");
			}
			if (observed)
				strbuf_addf(&sb, " %s |", j == 0 && s->diffs.n ? ":x: differs from the plan" :
					    j == 0 && s->rehearsed ? "as predicted" : "");
			else if (online) {
				strbuf_addch(&sb, ' ');
				if (e)
					plan_add_facts(&sb, e);
				strbuf_addstr(&sb, " |");
			}
			fprintf(out, "%s\n", sb.buf);
			strbuf_release(&sb);
		}
		strbuf_release(&stmt);
	}
}

/* The title's heading level; a migration's is one more. */
static int heading_level(const struct plan *p)
{
	return p->md_level >= 1 && p->md_level <= 5 ? p->md_level : 2;
}

/* The collapsible section's one-line summary: name, verdict, strongest lock. */
static void md_section_summary(const struct plan_migration *m, FILE *out)
{
	const struct plan_effect *top = plan_strongest(m);
	struct plan_counts c;

	struct strbuf sb = STRBUF_INIT;

	plan_count_migration(m, &c);
	strbuf_addf(&sb, "<details%s><summary><b>", c.errors ? " open" : "");
	md_add_html(&sb, m->version_str, 0);
	strbuf_addch(&sb, ' ');
	md_add_html(&sb, m->name, 0);
	strbuf_addstr(&sb, "</b>");
	if (c.errors)
		strbuf_addf(&sb, " · :x: %zu error%s", c.errors, c.errors == 1 ? "" : "s");
	if (c.warnings)
		strbuf_addf(&sb, " · :warning: %zu warning%s", c.warnings, c.warnings == 1 ? "" : "s");
	if (top && top->mode) {
		struct strbuf name = STRBUF_INIT;

		strbuf_addf(&sb, " · %s on ", lock_mode_name(top->mode));
		plan_add_name(&name, top);
		md_add_html(&sb, name.buf, ESC_KEEP_BACKSLASH);
		strbuf_release(&name);
	}
	fprintf(out, "%s</summary>\n\n", sb.buf);
	strbuf_release(&sb);
}

/* Dangers first: the findings of each statement, with their safe alternatives. */
static int md_findings(const struct plan_migration *m, FILE *out)
{
	size_t i, j;
	int any = 0;

	for (i = 0; i < m->nstmts; i++) {
		const struct plan_stmt *s = &m->stmts[i];

		for (j = 0; j < s->nfindings; j++) {
			const struct plan_finding *f = &s->findings[j];
			if (!any++)
				fprintf(out, "**Findings**\n\n");
			fprintf(out, "- %s **%s** `%s` line %d:%d: ",
				f->allowed ? ":speech_balloon:" : f->severity >= 2 ? ":x:" : ":warning:",
				f->allowed ? "allowed" : plan_severity_name(f->severity), f->rule, f->line,
				f->col);
			md_line(out, "", f->message, "\n");
			if (f->allowed && f->reason)
				md_line(out, "  reason: ", f->reason, "\n");
			if (f->help && !f->allowed) {
				fprintf(out, "\n  Safe alternative:\n\n");
				{
					struct strbuf sb = STRBUF_INIT;
					const char *q = f->help, *eol;
					while (*q) {
						eol = strchr(q, '\n');
						if (!eol)
							eol = q + strlen(q);
						char *line = xstrndup(q, (size_t)(eol - q));

						strbuf_addf(&sb, "      %s\n", shown_line(line));
						free(line);
						q = *eol ? eol + 1 : eol;
					}
					fprintf(out, "%s\n", sb.buf);
					strbuf_release(&sb);
				}
			}
		}
		for (j = 0; j < s->warnings.n; j++) {
			if (!any++)
				fprintf(out, "**Findings**\n\n");
			fprintf(out, "- :warning: line %d: ", s->line);
			md_line(out, "", s->warnings.v[j], "\n");
		}
	}
	if (any)
		fprintf(out, "\n");
	return any;
}

/* The batched statements, under the lock table: the batches to expect. */
static void md_batches(const struct plan_migration *m, FILE *out)
{
	size_t i;
	int any = 0;

	for (i = 0; i < m->nstmts; i++) {
		struct strbuf sb = STRBUF_INIT;

		if (!m->stmts[i].batch)
			continue;
		plan_add_batch(&sb, &m->stmts[i]);
		fprintf(out, "- line %d: ", m->stmts[i].line);
		md_line(out, "", sb.buf, "\n");
		strbuf_release(&sb);
		any = 1;
	}
	if (any)
		fprintf(out, "\n");
}

static void md_migration(const struct plan *p, const struct plan_migration *m, FILE *out)
{
	size_t i, j;

	fputc('\n', out);
	md_section_summary(m, out);
	{
		struct strbuf sb = STRBUF_INIT;

		md_add_code(&sb, m->file, 0, 0);
		fprintf(out, "%s · %s %s", sb.buf, m->direction > 0 ? "up" : "down", plan_tx_text(m->mode));
		strbuf_release(&sb);
	}
	if (m->lock_timeout_ms >= 0)
		fprintf(out, " · lock_timeout %ldms", m->lock_timeout_ms);
	fprintf(out, "\n\n");
	for (i = 0; i < m->warnings.n; i++)
		md_line(out, "> :warning: ", m->warnings.v[i], "\n>\n");
	if (m->warnings.n)
		fprintf(out, "\n");
	md_findings(m, out);
	if (m->nstmts) {
		md_effects_table(out, m, 0, p->sized);
		fprintf(out, "\n");
		md_batches(m, out);
	}
	if (m->outcome) {
		int rehearsed = 0;

		for (i = 0; i < m->nstmts; i++)
			rehearsed |= m->stmts[i].rehearsed;
		md_line(out, "**Rehearsal: ", m->outcome, "** ");
		fprintf(out, "%s\n\n",
			!strcmp(m->outcome, "clean") ? ":white_check_mark: up, down (schema restored), up again"
						     : ":x:");
		for (i = 0; i <= m->failures.n; i++) {
			size_t k;
			if (i == m->schema_diff_at)
				for (k = 0; k < m->schema_diff.n; k++)
					md_line(out, "  - ", m->schema_diff.v[k], "\n");
			if (i < m->failures.n)
				md_line(out, "- ", m->failures.v[i], "\n");
		}
		if (m->failures.n)
			fprintf(out, "\n");
		if (rehearsed) {
			fprintf(out, "Observed on the scratch database:\n\n");
			md_effects_table(out, m, 1, 1);
			fprintf(out, "\n");
			for (i = 0; i < m->nstmts; i++) {
				const struct plan_stmt *s = &m->stmts[i];
				for (j = 0; j < s->rebuilt.n; j++) {
					struct strbuf sb = STRBUF_INIT;

					md_add_code(&sb, s->rebuilt.v[j], 0, 0);
					fprintf(out, "- line %d: index %s rebuilt\n", s->line, sb.buf);
					strbuf_release(&sb);
				}
				for (j = 0; j < s->notes.n; j++) {
					fprintf(out, "- line %d: ", s->line);
					md_line(out, "", s->notes.v[j], "\n");
				}
				for (j = 0; j < s->diffs.n; j++) {
					fprintf(out, "- :x: line %d: different from the plan: ", s->line);
					md_line(out, "", s->diffs.v[j], "\n");
				}
			}
		}
	}
	if (m->direction > 0 && !m->outcome) {
		if (m->undo_sql) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addstr(&sb, "<details><summary>Undo: <code>");
			md_add_html(&sb, m->undo_file, 0);
			strbuf_addstr(&sb, "</code></summary>\n\n");
			md_add_fence(&sb, "sql", m->undo_sql);
			fprintf(out, "%s\n</details>\n", sb.buf);
			strbuf_release(&sb);
		} else {
			fprintf(out, ":warning: **No down migration**: this cannot be undone with `migrate down`.\n");
		}
	}
	fputs("\n</details>\n", out);
}

/*
 * GitHub refuses a comment over 65,536 characters: the markdown stays under
 * MD_LIMIT bytes (a character is at least a byte), with room for a wrapper.
 */
#define MD_LIMIT 60000

/* Print what f rendered into buf; 0 (and nothing printed) when it would pass limit. */
static int md_emit(FILE *out, char *buf, size_t len, size_t *used, size_t limit)
{
	if (*used + len > limit) {
		free(buf);
		return 0;
	}
	fwrite(buf, 1, len, out);
	*used += len;
	free(buf);
	return 1;
}

/* The summary table, then one section per migration, as many as fit under MD_LIMIT. */
static void md_capped(const struct plan *p, FILE *out)
{
	size_t i, len, used = 0, done = 0;
	char *buf;
	FILE *mem = open_memstream(&buf, &len);

	md_summary(p, mem);
	fclose(mem);
	if (len > MD_LIMIT / 2) { /* a table of hundreds of rows: its first rows */
		char *cut = buf + MD_LIMIT / 2;

		while (cut > buf && *cut != '\n')
			cut--;
		len = (size_t)(cut - buf) + 1;
		fwrite(buf, 1, len, out);
		fputs("\n_(the table is cut here: too long for one comment)_\n", out);
		used = len + 64;
		free(buf);
	} else {
		md_emit(out, buf, len, &used, MD_LIMIT);
	}
	for (i = 0; i < p->n; i++) {
		mem = open_memstream(&buf, &len);
		md_migration(p, &p->items[i], mem);
		fclose(mem);
		if (!md_emit(out, buf, len, &used, MD_LIMIT - 1024))
			break;
		done++;
	}
	if (done < p->n) {
		fprintf(out, "\n> :scissors: **%zu of %zu migrations not shown** (", p->n - done, p->n);
		md_line(out, "", p->items[done].version_str, " to ");
		md_line(out, "", p->items[p->n - 1].version_str, "");
		fprintf(out, "): the plan is longer than a pull-request comment can be (65,536 "
			"characters). The full plan: `migrate %s --format text` (or `--format json`) in "
			"the job's log or artifacts.\n", p->command);
	}
}

void plan_print_markdown(const struct plan *p, FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	plan_title(p, p->n, &sb);
	fprintf(out, "%.*s migrate %s\n\n", heading_level(p), "######", sb.buf);
	strbuf_reset(&sb);
	plan_subtitle(p, &sb);
	{
		struct strbuf md = STRBUF_INIT;
		const char *q;

		md_add_text(&md, sb.buf, ESC_KEEP_BACKSLASH | ESC_KEEP_NEWLINE, 0);
		strbuf_release(&sb);
		sb = md;
		for (q = sb.buf; *q; q++)
			if (*q == '\n')
				fputs("  \n", out); /* a Markdown line break */
			else
				fputc(*q, out);
	}
	fprintf(out, "\n\n");
	strbuf_release(&sb);
	for (i = 0; i < p->warnings.n; i++)
		md_line(out, "> :warning: ", p->warnings.v[i], "\n>\n");

	if (p->warnings.n)
		fprintf(out, "\n");
	if (!p->n) {
		fprintf(out, "Nothing to do.\n");
		return;
	}
	md_capped(p, out);
	if (!strcmp(p->command, "rehearse")) {
		size_t bad = plan_failures(p);
		fprintf(out, "\n%zu of %zu migration%s rehearsed cleanly.\n", p->n - bad, p->n,
			p->n == 1 ? "" : "s");
	}
}
