/* plan_format.h - helpers shared by the text and Markdown renderings of a plan */
#ifndef MIGRATE_PLAN_FORMAT_H
#define MIGRATE_PLAN_FORMAT_H

#include "report/plan_report.h"
#include "base/strbuf.h"

/* "orders" or "public.orders" */
void plan_add_name(struct strbuf *sb, const struct plan_effect *e);
/* What the database knows of the object: "~1,234 rows, 48 kB". */
void plan_add_facts(struct strbuf *sb, const struct plan_effect *e);
/* The statement on one line: whitespace collapsed, at most max characters. */
void plan_add_oneline(struct strbuf *sb, const char *text, size_t max);
/* A batched statement (-- migrate:batch N): its batches, and how many to expect
 * from the table's row estimate when known. */
void plan_add_batch(struct strbuf *sb, const struct plan_stmt *s);
const char *plan_severity_name(int severity);
/* "in one transaction", "without a transaction, statement by statement", ... */
const char *plan_tx_text(enum tx_mode m);
/* "plan: 3 migrations to apply" (n of them) */
void plan_title(const struct plan *p, size_t n, struct strbuf *sb);
/* Where: the target (or offline), the server version, the scratch database. */
void plan_subtitle(const struct plan *p, struct strbuf *sb);

/* A migration's findings and effects, counted (text and markdown summaries). */
struct plan_counts {
	size_t errors, warnings, allowed, rewrites, scans, diffs, stmt_warnings;
};
void plan_count_migration(const struct plan_migration *m, struct plan_counts *c);
/* The strongest predicted lock of a migration, and on what (NULL: none). */
const struct plan_effect *plan_strongest(const struct plan_migration *m);

#endif
