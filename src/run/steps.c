/* steps.c - prepare the steps of up, down, redo and rollback */
#include "run/steps.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int steps_up(struct step *st, struct migration *m)
{
	memset(st, 0, sizeof(*st));
	st->version = m->version;
	st->version_str = m->version_str;
	st->name = m->name;
	st->checksum = m->checksum;
	st->down_sql = m->down.sql;
	st->down_sec = m->down.sql ? &m->down : NULL;
	st->direction = 1;
	return step_prepare(st, m->up.sql, m->up.path, m->up.line_base, &m->up.dir);
}

int steps_down_source(const struct history_row *row, const struct migration *m,
		      int recorded_only, struct section *sec)
{
	int same = m && migration_checksum_matches(m, row->checksum);

	memset(sec, 0, sizeof(*sec));
	sec->dir.lock_timeout_ms = sec->dir.statement_timeout_ms = -1;
	if (!recorded_only && m && m->down.sql && (same || !row->down_sql)) {
		*sec = m->down;
		return 0;
	}
	if (!row->down_sql)
		return 0;
	sec->sql = row->down_sql;
	sec->path = "(recorded down SQL)";
	sec->line_base = 1;
	directives_parse(row->down_sql, sec->path, 1, &sec->dir);
	return m && !same;
}

int steps_down(struct step *st, struct history_row *row, struct migration *m, int force,
		   int recorded_only)
{
	struct section sec;

	memset(st, 0, sizeof(*st));
	st->version = row->version;
	st->name = row->name;
	st->checksum = row->checksum;
	st->direction = -1;
	snprintf(st->version_buf, sizeof(st->version_buf), "%lld", (long long)row->version);
	st->version_str = m ? m->version_str : st->version_buf;
	if (steps_down_source(row, m, recorded_only, &sec))
		log_info("reverting %s with the down SQL recorded when it was applied "
			 "(its up file changed since)", m->version_str);
	st->sql = sec.sql;
	st->path = sec.path;
	st->line_base = sec.line_base;
	st->dir = sec.dir;
	if (!st->sql || (sql_is_blank(st->sql) && !(m && sql_is_blank(m->up.sql)))) {
		if (!force) {
			log_error("version %lld (%s) has no down migration%s", (long long)row->version,
				  shown(row->name), st->sql ? " (the down SQL is empty)" : "");
			log_hint("write its down file, or pass --force-irreversible to forget it "
				 "in history without undoing its changes");
			return -1;
		}
		st->sql = "";
		st->forced = 1;
		st->path = "(forced: no down SQL)";
		st->line_base = 1;
	}
	return step_prepare(st, st->sql, st->path, st->line_base, &st->dir);
}

struct history_row **steps_down_rows(struct history *h, int steps, int64_t target, int all,
				    size_t *nout)
{
	size_t i, n = 0;
	struct history_row **rows = xcalloc(h->n + 1, sizeof(*rows));

	for (i = h->n; i-- > 0;) {
		struct history_row *row = &h->rows[i];

		if (all || (target >= 0 && row->version > target) || (target < 0 && (int)n < steps))
			rows[n++] = row;
		else if (target < 0)
			break;
	}
	*nout = n;
	return rows;
}

int steps_refuse_dirty(const struct history *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->rows[i].dirty) {
			log_error("version %lld (%s) is dirty: a run without a transaction failed part way",
				  (long long)h->rows[i].version, shown(h->rows[i].name));
			log_hint("settle it first with \"migrate repair\"");
			return EXIT_FAILED;
		}
	return EXIT_OK;
}

int64_t steps_latest(const struct history *h)
{
	return h->n ? h->rows[h->n - 1].version : 0;
}

void steps_free(struct step *steps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		step_release(&steps[i]);
	free(steps);
}
