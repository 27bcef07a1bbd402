/* plan_format.c - what the text and Markdown renderings of a plan share: sizes,
 * counts, names, the one-line form of a statement, titles */
#include "report/plan_format.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* --- shared helpers --------------------------------------------------------------- */

/* "orders" or "public.orders", control bytes escaped (escape_name) */
void plan_add_name(struct strbuf *sb, const struct plan_effect *e)
{
	if (e->schema) {
		strbuf_add_escaped(sb, e->schema, 0);
		strbuf_addch(sb, '.');
	}
	strbuf_add_escaped(sb, e->name, 0);
}


/* What the database knows of the object: "~1,234 rows, 48 kB". */
void plan_add_facts(struct strbuf *sb, const struct plan_effect *e)
{
	if (!e->found)
		return;
	if (e->rows >= 0) {
		strbuf_addch(sb, '~');
		strbuf_add_count(sb, e->rows);
		strbuf_addstr(sb, " rows");
	} else {
		strbuf_addstr(sb, "rows unknown (never analyzed)");
	}
	if (e->bytes >= 0) {
		strbuf_addstr(sb, ", ");
		strbuf_add_size(sb, e->bytes);
	}
}

/* The statement on one line: whitespace collapsed, at most max characters,
 * other control bytes shown as \xNN. */
void plan_add_batch(struct strbuf *sb, const struct plan_stmt *s)
{
	strbuf_addf(sb, "in batches of %ld rows over the table's key, each its own transaction "
		    "that records its progress (docs/batch.md)", s->batch);
	if (s->batch_rows >= 0)
		strbuf_addf(sb, ": about %.0f batches for ~%.0f rows (fewer when its WHERE matches "
			    "fewer)", s->batch_rows > s->batch ? s->batch_rows / s->batch + 0.5 : 1,
			    s->batch_rows);
}

void plan_add_oneline(struct strbuf *sb, const char *text, size_t max)
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
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			strbuf_addf(sb, "\\x%02x", (unsigned char)*p);
		else
			strbuf_addch(sb, *p);
		if (((unsigned char)*p & 0xC0) != 0x80)
			n++;

	}
}

const char *plan_severity_name(int s)
{
	return s >= 2 ? "error" : "warning";
}

const char *plan_tx_text(enum tx_mode m)
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

void plan_title(const struct plan *p, size_t n, struct strbuf *sb)
{
	const char *what = p->direction > 0 ? "to apply" : "to revert";

	if (!strcmp(p->command, "rehearse"))
		strbuf_addf(sb, "rehearsal of %zu pending migration%s", n, n == 1 ? "" : "s");
	else
		strbuf_addf(sb, "plan: %zu migration%s %s", n, n == 1 ? "" : "s", what);
}

void plan_subtitle(const struct plan *p, struct strbuf *sb)
{
	if (p->database) {
		strbuf_addstr(sb, "target: ");
		strbuf_add_escaped(sb, p->database, ESC_KEEP_BACKSLASH);
	} else if (p->from > 0)
		strbuf_addf(sb, "offline: no database, the migrations after version %lld", (long long)p->from);
	else
		strbuf_addstr(sb, "offline: no database, every migration in the directory");
	if (p->server_version)
		strbuf_addf(sb, " (PostgreSQL %d.%d)", p->server_version / 10000, p->server_version % 10000);
	else if (p->pg_version)
		strbuf_addf(sb, "; predictions for PostgreSQL %d", p->pg_version);
	if (p->scratch) {
		strbuf_addstr(sb, "\nrehearsed on: scratch ");
		strbuf_add_escaped(sb, p->scratch, ESC_KEEP_BACKSLASH);
		strbuf_addstr(sb, " (dropped afterwards)");
	}
	if (p->with_data_rows >= 0)
		strbuf_addf(sb, ", with up to %ld rows per table copied", p->with_data_rows);
}

/* The strongest predicted lock of a migration, and on what. */
const struct plan_effect *plan_strongest(const struct plan_migration *m)
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

void plan_count_migration(const struct plan_migration *m, struct plan_counts *c)
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

void plan_totals_add(struct plan_totals *t, const struct plan_migration *m)
{
	const struct plan_effect *e = plan_strongest(m);
	struct plan_counts c;

	plan_count_migration(m, &c);
	t->migrations++;
	t->stmts += m->nstmts;
	t->errors += c.errors;
	t->warnings += c.warnings;
	t->allowed += c.allowed;
	t->rewrites += c.rewrites;
	t->scans += c.scans;
	t->diffs += c.diffs;
	t->nodown += m->direction > 0 && !m->undo_sql;
	t->failed += plan_migration_failed(m);
	if (e && (!t->top_name || e->mode > t->top_mode)) {
		struct strbuf sb = STRBUF_INIT;

		plan_add_name(&sb, e);
		free(t->top_name);
		t->top_name = strbuf_detach(&sb, NULL);
		t->top_mode = e->mode;
	}
}
