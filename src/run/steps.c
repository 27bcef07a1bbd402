/* steps.c - prepare the steps of up, down, redo and rollback */
#include "run/steps.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <jansson.h>
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

/*
 * The progress of a batched run under way in direction ("up" or "down"): its
 * statement and last key, and for a down the sha256 of its down SQL (in sha,
 * "" when none); -1 when it is none.
 */
static int read_progress(const char *text, const char *direction, int *stmt, char **last,
			 char sha[65])
{
	json_t *p = text ? json_loads(text, 0, NULL) : NULL;
	json_t *dir = json_object_get(p, "direction"), *st = json_object_get(p, "stmt");
	json_t *l = json_object_get(p, "last"), *h = json_object_get(p, "down_sha256");
	int rc = -1;

	if (json_is_string(dir) && !strcmp(json_string_value(dir), direction) &&
	    json_is_integer(st) && json_integer_value(st) >= 0) {
		*stmt = (int)json_integer_value(st);
		*last = json_is_array(l) ? json_dumps(l, JSON_COMPACT) : NULL;
		snprintf(sha, 65, "%s", json_is_string(h) ? json_string_value(h) : "");
		rc = 0;
	}
	json_decref(p);
	return rc;
}

int steps_resumable(const struct history_row *row, const struct migration *m)
{
	int stmt;
	char *last = NULL, sha[65];

	if (!row->dirty || !row->progress || !m ||
	    !migration_checksum_matches(m, row->checksum) ||
	    read_progress(row->progress, "up", &stmt, &last, sha) < 0)
		return 0;
	free(last);
	return 1;
}

int steps_resume(struct step *st, struct migration *m, const struct history_row *row)
{
	char sha[65];

	if (steps_up(st, m) < 0)
		return -1;
	if (read_progress(row->progress, "up", &st->resume_stmt, &st->resume_last, sha) < 0)
		return -1;
	st->resuming = 1;
	return 0;
}

int steps_resumable_down(const struct history_row *row, const struct migration *m)
{
	struct section sec;
	int stmt;
	char *last = NULL, sha[65], now[65];

	if (!row->dirty || !row->progress ||
	    read_progress(row->progress, "down", &stmt, &last, sha) < 0)
		return 0;
	free(last);
	steps_down_source(row, m, 0, &sec);
	if (!sec.sql)
		return -1;
	sha256_hex(sec.sql, strlen(sec.sql), now);
	return strcmp(sha, now) ? -1 : 1;
}

int steps_resume_down(struct step *st, struct history_row *row, struct migration *m)
{
	char sha[65];

	if (steps_down(st, row, m, 0, 0) < 0)
		return -1;
	if (read_progress(row->progress, "down", &st->resume_stmt, &st->resume_last, sha) < 0)
		return -1;
	st->resuming = 1;
	return 0;
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

int steps_refuse_dirty_down(const struct history *h, struct migration_set *set)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct history_row *row = &h->rows[i];
		int down = steps_resumable_down(row, migration_set_find(set, row->version));

		if (!row->dirty || (down > 0 && i == h->n - 1))
			continue;
		log_error("version %lld (%s) is dirty: a run without a transaction failed part way",
			  (long long)row->version, shown(row->name));
		if (down < 0)
			log_detail("its down stopped part way through its batches, but its down file "
				   "changed since the down stopped: it is not resumed");
		log_hint("settle it first with \"migrate repair\"");
		return EXIT_FAILED;
	}
	return EXIT_OK;
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
