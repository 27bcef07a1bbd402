/* layout.c - the layout of a migrations directory, read from its newest migration
 * (file names, markers, version numbering), and the files of a new migration in it */
#include "sql/layout.h"
#include "sql/flyway.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The newest migration's first file: which tool's layout it is written in. */
static enum mig_layout layout_of(const struct migration *m)
{
	const char *path = m->first_file ? m->first_file : m->up.path, *base;
	char *fv = NULL, *fd = NULL;
	int d, flyway;

	if (!path)
		return LAYOUT_GOLANG;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!strcmp(base, "migration.sql"))
		return LAYOUT_PRISMA;
	if (!strcmp(base, "up.sql") || !strcmp(base, "down.sql"))
		return LAYOUT_DIESEL;
	flyway = flyway_parse(base, &fv, &fd, &d) == FLYWAY_MIGRATION;
	free(fv);
	free(fd);
	if (flyway)
		return LAYOUT_FLYWAY;
	/* the loader says whose markers cut a single file */
	return m->dbmate == MARKS_GOOSE	       ? LAYOUT_GOOSE
	       : m->dbmate == MARKS_SQLMIGRATE ? LAYOUT_SQLMIGRATE
	       : m->dbmate		       ? LAYOUT_DBMATE
					       : LAYOUT_GOLANG;
}

void layout_detect(const struct migration_set *set, struct mig_style *st)
{
	const struct migration *m = set->n ? &set->items[set->n - 1] : NULL;

	memset(st, 0, sizeof(*st));
	if (!m)
		return;
	st->layout = layout_of(m);
	if (st->layout == LAYOUT_DIESEL)
		return;
	/* 000042 or V3: numbered, not timestamped (a timestamp has 14 digits). By name
	 * (migrations.order) the version is a position: the number the newest name starts
	 * with, so that the next name sorts after it (a timestamp sorts before "3-x.sql") */
	if (migration_order() == ORDER_NAME) {
		const char *vs = m->version_str ? m->version_str : "";
		char num[16];
		size_t nd;

		vs += st->layout == LAYOUT_FLYWAY && *vs == 'V';
		nd = strspn(vs, "0123456789");
		if (nd == 0 || nd >= 10)
			return;
		memcpy(num, vs, nd);
		num[nd] = '\0';
		st->sequential = 1;
		st->width = (int)nd;
		st->newest = parse_int64(num);
	} else if (m->version >= 0 && m->version < 10000000000LL) {
		st->sequential = 1;
		st->width = m->version_str ? (int)strlen(m->version_str) : 1;
		st->newest = m->version;
	}
}

const char *layout_name(enum mig_layout l)
{
	static const char *const names[] = { "golang-migrate", "dbmate", "goose", "sql-migrate",
					      "Flyway", "Diesel", "Prisma" };

	return names[l];
}

/* The version as the layout writes it in a name. */
static char *version_text(const struct mig_style *st, int64_t v)
{
	if (st->sequential)
		return xasprintf("%0*lld", st->width, (long long)v);
	if (st->layout == LAYOUT_DIESEL) /* 2026-12-03-171500 */
		return xasprintf("%04lld-%02lld-%02lld-%06lld", (long long)(v / 10000000000LL),
				 (long long)(v / 100000000 % 100), (long long)(v / 1000000 % 100),
				 (long long)(v % 1000000));
	return xasprintf("%lld", (long long)v);
}

/* One file holding both sections between the tool's markers. */
static char *marked_text(enum mig_layout l, const char *up, const char *down)
{
	static const char *const marks[][2] = {
		[LAYOUT_DBMATE] = { "-- migrate:up", "-- migrate:down" },
		[LAYOUT_GOOSE] = { "-- +goose Up", "-- +goose Down" },
		[LAYOUT_SQLMIGRATE] = { "-- +migrate Up", "-- +migrate Down" },
	};

	return xasprintf("%s\n%s\n%s\n%s", marks[l][0], up, marks[l][1], down);
}

void layout_files(const struct mig_style *st, const char *dir, int64_t v, const char *name,
		  const char *up, const char *down, char *paths[2], char *texts[2],
		  char **mkdir_path)
{
	char *vt = version_text(st, v);

	paths[1] = texts[0] = texts[1] = *mkdir_path = NULL;
	switch (st->layout) {
	case LAYOUT_DBMATE:
	case LAYOUT_GOOSE:
	case LAYOUT_SQLMIGRATE:
		paths[0] = xasprintf("%s/%s%c%s.sql", dir, vt,
				     st->layout == LAYOUT_SQLMIGRATE ? '-' : '_', name);
		texts[0] = marked_text(st->layout, up, down);
		break;
	case LAYOUT_FLYWAY:
		paths[0] = xasprintf("%s/V%s__%s.sql", dir, vt, name);
		paths[1] = xasprintf("%s/U%s__%s.sql", dir, vt, name);
		break;
	case LAYOUT_DIESEL:
	case LAYOUT_PRISMA:
		*mkdir_path = xasprintf("%s/%s_%s", dir, vt, name);
		paths[0] = xasprintf("%s/%s", *mkdir_path,
				     st->layout == LAYOUT_PRISMA ? "migration.sql" : "up.sql");
		if (st->layout == LAYOUT_DIESEL)
			paths[1] = xasprintf("%s/down.sql", *mkdir_path);
		break;
	default:
		paths[0] = xasprintf("%s/%s_%s.up.sql", dir, vt, name);
		paths[1] = xasprintf("%s/%s_%s.down.sql", dir, vt, name);
		break;
	}
	if (!texts[0])
		texts[0] = xstrdup(up);
	if (paths[1])
		texts[1] = xstrdup(down);
	free(vt);
}
