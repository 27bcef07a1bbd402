/* plan_text.c - a plan (or a rehearsal) for a terminal, or as Markdown for a
 * pull-request comment: a summary table, then one section per migration */
#include "plan.h"
#include "strbuf.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* --- shared helpers --------------------------------------------------------------- */

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
	if (fmt == PLAN_JSON)
		plan_print_json(p, out);
	else if (fmt == PLAN_MARKDOWN)
		plan_print_markdown(p, out);
	else
		plan_print_text(p, out);
}

/* 49152 -> "48 kB", as pg_size_pretty rounds. */
static void add_size(struct strbuf *sb, int64_t bytes)
{
	static const char *const units[] = { "bytes", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 10240 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	strbuf_addf(sb, "%lld %s", (long long)(v + 0.5), units[u]);
}

/* 1234567 -> "1,234,567" */
static void add_count(struct strbuf *sb, double rows)
{
	char buf[32];
	int len, i;

	snprintf(buf, sizeof(buf), "%.0f", rows);
	len = (int)strlen(buf);
	for (i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			strbuf_addch(sb, ',');
		strbuf_addch(sb, buf[i]);
	}
}

/* "orders" or "public.orders" */
static void add_name(struct strbuf *sb, const struct plan_effect *e)
{
	if (e->schema)
		strbuf_addf(sb, "%s.", e->schema);
	strbuf_addstr(sb, e->name);
}

/* What the database knows of the object: "~1,234 rows, 48 kB". */
static void add_facts(struct strbuf *sb, const struct plan_effect *e)
{
	if (!e->found)
		return;
	if (e->rows >= 0) {
		strbuf_addch(sb, '~');
		add_count(sb, e->rows);
		strbuf_addstr(sb, " rows");
	} else {
		strbuf_addstr(sb, "rows unknown (never analyzed)");
	}
	if (e->bytes >= 0) {
		strbuf_addstr(sb, ", ");
		add_size(sb, e->bytes);
	}
}

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

/* The statement on one line: whitespace collapsed, at most max characters. */
static void add_oneline(struct strbuf *sb, const char *text, size_t max)
{
	size_t n = 0;
	int space = 0;
	const char *p;

	for (p = text; *p; p++) {
		if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
			space = n > 0;
			continue;
		}
		if (n >= max) {
			strbuf_addstr(sb, " ...");
			return;
		}
		if (space) {
			strbuf_addch(sb, ' ');
			n++;
		}
		space = 0;
		strbuf_addch(sb, *p);
		if (((unsigned char)*p & 0xC0) != 0x80)
			n++;
	}
}

static const char *severity_name(int s)
{
	return s >= 2 ? "error" : "warning";
}

static const char *tx_text(enum tx_mode m)
{
	switch (m) {
	case TX_NONE:
		return "without a transaction, statement by statement";
	case TX_SELF:
		return "with its own BEGIN/COMMIT";
	default:
		return "in one transaction";
	}
}

/* The strongest predicted lock of a migration, and on what. */
static const struct plan_effect *strongest(const struct plan_migration *m)
{
	const struct plan_effect *best = NULL;
	size_t i, j;

	for (i = 0; i < m->nstmts; i++)
		for (j = 0; j < m->stmts[i].neffects; j++) {
			const struct plan_effect *e = &m->stmts[i].effects[j];
			if (!best || e->mode > best->mode)
				best = e;
		}
	return best;
}

struct counts {
	size_t errors, warnings, allowed, rewrites, scans, diffs, stmt_warnings;
};

static void count_migration(const struct plan_migration *m, struct counts *c)
{
	size_t i, j;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < m->nstmts; i++) {
		const struct plan_stmt *s = &m->stmts[i];

		for (j = 0; j < s->nfindings; j++) {
			if (s->findings[j].allowed)
				c->allowed++;
			else if (s->findings[j].severity >= 2)
				c->errors++;
			else
				c->warnings++;
		}
		for (j = 0; j < s->neffects; j++) {
			c->rewrites += !!s->effects[j].rewrite;
			c->scans += !!s->effects[j].scan;
		}
		c->diffs += s->diffs.n;
		c->stmt_warnings += s->warnings.n;
	}
}

static void title(const struct plan *p, struct strbuf *sb)
{
	const char *what = p->direction > 0 ? "to apply" : "to revert";

	if (!strcmp(p->command, "rehearse"))
		strbuf_addf(sb, "rehearsal of %zu pending migration%s", p->n, p->n == 1 ? "" : "s");
	else
		strbuf_addf(sb, "plan: %zu migration%s %s", p->n, p->n == 1 ? "" : "s", what);
}

static void subtitle(const struct plan *p, struct strbuf *sb)
{
	if (p->database)
		strbuf_addf(sb, "target: %s", p->database);
	else if (p->from > 0)
		strbuf_addf(sb, "offline: no database, the migrations after version %lld", (long long)p->from);
	else
		strbuf_addstr(sb, "offline: no database, every migration in the directory");
	if (p->server_version)
		strbuf_addf(sb, " (PostgreSQL %d.%d)", p->server_version / 10000, p->server_version % 10000);
	else if (p->pg_version)
		strbuf_addf(sb, "; predictions for PostgreSQL %d", p->pg_version);
	if (p->scratch)
		strbuf_addf(sb, "\nrehearsed on: scratch %s (dropped afterwards)", p->scratch);
	if (p->with_data_rows >= 0)
		strbuf_addf(sb, ", with up to %ld rows per table copied", p->with_data_rows);
}

/* --- text ----------------------------------------------------------------------- */

static void text_effect(FILE *out, const char *indent, const struct plan_effect *e, int observed)
{
	struct strbuf sb = STRBUF_INIT;

	add_name(&sb, e);
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
		add_facts(&sb, e);
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

	add_oneline(&sb, s->text, 100);
	fprintf(out, "  %zu. line %d: %s\n", idx + 1, s->line, sb.buf);
	strbuf_release(&sb);
	for (i = 0; i < s->neffects; i++)
		text_effect(out, "       ", &s->effects[i], 0);
	for (i = 0; i < s->nfindings; i++) {
		const struct plan_finding *f = &s->findings[i];
		fprintf(out, "       %s [%s] %d:%d: %s\n", f->allowed ? "allowed" : severity_name(f->severity),
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

	title(p, &sb);
	strbuf_addch(&sb, '\n');
	subtitle(p, &sb);
	fprintf(out, "%s\n", sb.buf);
	strbuf_release(&sb);
	for (i = 0; i < p->warnings.n; i++)
		fprintf(out, "warning: %s\n", p->warnings.v[i]);
	for (i = 0; i < p->n; i++) {
		const struct plan_migration *m = &p->items[i];

		fprintf(out, "\n%s %s (%s, %s", m->version_str, m->name, m->direction > 0 ? "up" : "down",
			tx_text(m->mode));
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

/* --- markdown ------------------------------------------------------------------- */

/* Text for a table cell: no newlines, pipes escaped. */
static void md_cell(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			strbuf_addstr(sb, "\\|");
		else if (*s == '\n' || *s == '\r')
			strbuf_addch(sb, ' ');
		else
			strbuf_addch(sb, *s);
	}
}

/* Inline code that may hold backticks. */
static void md_code(struct strbuf *sb, const char *s)
{
	struct strbuf cell = STRBUF_INIT;
	int fence = strchr(s, '`') != NULL;

	md_cell(&cell, s);
	strbuf_addstr(sb, fence ? "`` " : "`");
	strbuf_addstr(sb, cell.buf);
	strbuf_addstr(sb, fence ? " ``" : "`");
	strbuf_release(&cell);
}

static void md_fence(FILE *out, const char *lang, const char *text)
{
	const char *fence = strstr(text, "```") ? "~~~~" : "```";
	size_t len = strlen(text);

	fprintf(out, "%s%s\n%s%s%s\n", fence, lang, text, len && text[len - 1] == '\n' ? "" : "\n", fence);
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
		const struct plan_effect *top = strongest(m);
		struct strbuf sb = STRBUF_INIT;
		struct counts c;
		const char *mark;

		count_migration(m, &c);
		if (m->outcome)
			mark = strcmp(m->outcome, "clean") ? ":x:" : ":white_check_mark:";
		else
			mark = c.errors ? ":x:" : (c.warnings || m->warnings.n || c.stmt_warnings ||
						  (top && lock_blocks_writes(top->mode)))
				? ":warning:" : ":white_check_mark:";
		strbuf_addf(&sb, "| %s | %s | ", mark, m->version_str);
		md_cell(&sb, m->name);
		strbuf_addf(&sb, " | %s | ", m->mode == TX_WRAPPED ? "transaction"
				: tx_mode_name(m->mode));
		if (top && top->mode) {
			strbuf_addf(&sb, "%s on ", lock_mode_name(top->mode));
			add_name(&sb, top);
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
		if (rehearse)
			strbuf_addf(&sb, " | %s |", m->outcome);
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

		add_oneline(&stmt, s->text, 60);
		for (j = 0; j < (n ? n : 1); j++) {
			const struct plan_effect *e = n ? (observed ? &s->seen[j] : &s->effects[j]) : NULL;
			struct strbuf sb = STRBUF_INIT;

			if (j == 0) {
				strbuf_addf(&sb, "| %d | ", s->line);
				md_code(&sb, stmt.buf);
				strbuf_addstr(&sb, " | ");
			} else {
				strbuf_addstr(&sb, "| | | ");
			}
			if (!e) {
				strbuf_addstr(&sb, "— | — | — | — | — |");
			} else {
				add_name(&sb, e);
				if (e->parent)
					strbuf_addf(&sb, " (%s on %s)", e->kind, e->parent);
				else if (strcmp(e->kind, "table"))
					strbuf_addf(&sb, " (%s)", e->kind);
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
					add_facts(&sb, e);
				strbuf_addstr(&sb, " |");
			}
			fprintf(out, "%s\n", sb.buf);
			strbuf_release(&sb);
		}
		strbuf_release(&stmt);
	}
}

static void md_migration(const struct plan *p, const struct plan_migration *m, FILE *out)
{
	size_t i, j;
	int any = 0;

	fprintf(out, "\n### %s %s\n\n", m->version_str, m->name);
	fprintf(out, "`%s` · %s %s", m->file, m->direction > 0 ? "up" : "down", tx_text(m->mode));
	if (m->lock_timeout_ms >= 0)
		fprintf(out, " · lock_timeout %ldms", m->lock_timeout_ms);
	fprintf(out, "\n\n");
	for (i = 0; i < m->warnings.n; i++)
		fprintf(out, "> :warning: %s\n>\n", m->warnings.v[i]);
	if (m->warnings.n)
		fprintf(out, "\n");
	if (m->nstmts) {
		md_effects_table(out, m, 0, p->sized);
		fprintf(out, "\n");
	}
	for (i = 0; i < m->nstmts; i++) {
		const struct plan_stmt *s = &m->stmts[i];

		for (j = 0; j < s->nfindings; j++) {
			const struct plan_finding *f = &s->findings[j];
			if (!any++)
				fprintf(out, "**Findings**\n\n");
			fprintf(out, "- %s **%s** `%s` line %d:%d: %s\n",
				f->allowed ? ":speech_balloon:" : f->severity >= 2 ? ":x:" : ":warning:",
				f->allowed ? "allowed" : severity_name(f->severity), f->rule, f->line,
				f->col, f->message);
			if (f->allowed && f->reason)
				fprintf(out, "  reason: %s\n", f->reason);
			if (f->help && !f->allowed) {
				fprintf(out, "\n  Safe alternative:\n\n");
				{
					struct strbuf sb = STRBUF_INIT;
					const char *q = f->help, *eol;
					while (*q) {
						eol = strchr(q, '\n');
						if (!eol)
							eol = q + strlen(q);
						strbuf_addf(&sb, "      %.*s\n", (int)(eol - q), q);
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
			fprintf(out, "- :warning: line %d: %s\n", s->line, s->warnings.v[j]);
		}
	}
	if (any)
		fprintf(out, "\n");
	if (m->outcome) {
		int rehearsed = 0;

		for (i = 0; i < m->nstmts; i++)
			rehearsed |= m->stmts[i].rehearsed;
		fprintf(out, "**Rehearsal: %s** %s\n\n", m->outcome,
			!strcmp(m->outcome, "clean") ? ":white_check_mark: up, down (schema restored), up again"
						     : ":x:");
		for (i = 0; i <= m->failures.n; i++) {
			size_t k;
			if (i == m->schema_diff_at)
				for (k = 0; k < m->schema_diff.n; k++)
					fprintf(out, "  - %s\n", m->schema_diff.v[k]);
			if (i < m->failures.n)
				fprintf(out, "- %s\n", m->failures.v[i]);
		}
		if (m->failures.n)
			fprintf(out, "\n");
		if (rehearsed) {
			fprintf(out, "Observed on the scratch database:\n\n");
			md_effects_table(out, m, 1, 1);
			fprintf(out, "\n");
			for (i = 0; i < m->nstmts; i++) {
				const struct plan_stmt *s = &m->stmts[i];
				for (j = 0; j < s->rebuilt.n; j++)
					fprintf(out, "- line %d: index `%s` rebuilt\n", s->line, s->rebuilt.v[j]);
				for (j = 0; j < s->notes.n; j++)
					fprintf(out, "- line %d: %s\n", s->line, s->notes.v[j]);
				for (j = 0; j < s->diffs.n; j++)
					fprintf(out, "- :x: line %d: different from the plan: %s\n", s->line,
						s->diffs.v[j]);
			}
		}
	}
	if (m->direction > 0 && !m->outcome) {
		if (m->undo_sql) {
			fprintf(out, "<details><summary>Undo: <code>%s</code></summary>\n\n", m->undo_file);
			md_fence(out, "sql", m->undo_sql);
			fprintf(out, "\n</details>\n");
		} else {
			fprintf(out, ":warning: **No down migration**: this cannot be undone with `migrate down`.\n");
		}
	}
}

void plan_print_markdown(const struct plan *p, FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	title(p, &sb);
	fprintf(out, "## migrate %s\n\n", sb.buf);
	strbuf_reset(&sb);
	subtitle(p, &sb);
	{
		const char *q;
		for (q = sb.buf; *q; q++)
			if (*q == '\n')
				fputs("  \n", out); /* a Markdown line break */
			else
				fputc(*q, out);
	}
	fprintf(out, "\n\n");
	strbuf_release(&sb);
	for (i = 0; i < p->warnings.n; i++)
		fprintf(out, "> :warning: %s\n>\n", p->warnings.v[i]);
	if (p->warnings.n)
		fprintf(out, "\n");
	if (!p->n) {
		fprintf(out, "Nothing to do.\n");
		return;
	}
	md_summary(p, out);
	for (i = 0; i < p->n; i++)
		md_migration(p, &p->items[i], out);
	if (!strcmp(p->command, "rehearse")) {
		size_t bad = plan_failures(p);
		fprintf(out, "\n%zu of %zu migration%s rehearsed cleanly.\n", p->n - bad, p->n,
			p->n == 1 ? "" : "s");
	}
}
