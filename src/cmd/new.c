/* new.c - migrate new NAME: {UTC yyyymmddHHMMSS}_{name}.up.sql and .down.sql, or the
 * next number and the layout of the directory's newest migration (sql/layout.c: dbmate,
 * goose, sql-migrate, Flyway, Diesel, Prisma); with a generator option, the whole safe
 * sequence (plan/gen_*.c) */
#include "cmd/commands.h"
#include "sql/migration.h"
#include "sql/layout.h"
#include "plan/gen.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int write_new_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	FILE *f;

	if (fd < 0) {
		log_error("could not create \"%s\": %s", path, strerror(errno));
		return -1;
	}
	f = fdopen(fd, "w");
	fputs(text, f);
	if (fclose(f) != 0) {
		log_error("could not write \"%s\": %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* "Add users table" -> "add_users_table"; NULL when nothing usable is left. */
static char *slug(const char *name)
{
	char *s = xmalloc(strlen(name) + 1), *o = s;
	const char *p;

	for (p = name; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (isalnum(ch))
			*o++ = (char)tolower(ch);
		else if (o > s && o[-1] != '_')
			*o++ = '_';
	}
	while (o > s && o[-1] == '_')
		o--;
	*o = '\0';
	if (!*s) {
		free(s);
		return NULL;
	}
	return s;
}


/* version + n seconds, as yyyymmddHHMMSS. */
static int64_t version_plus(int64_t v, int n)
{
	struct tm tm = { 0 };
	char out[32];
	time_t t;

	tm.tm_year = (int)(v / 10000000000LL) - 1900;
	tm.tm_mon = (int)(v / 100000000LL % 100) - 1;
	tm.tm_mday = (int)(v / 1000000LL % 100);
	tm.tm_hour = (int)(v / 10000 % 100);
	tm.tm_min = (int)(v / 100 % 100);
	tm.tm_sec = (int)(v % 100) + n;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	strftime(out, sizeof(out), "%Y%m%d%H%M%S", &tm);
	return parse_int64(out);
}

/* The first version of n new ones: the newest + 1 in a numbered directory, else the
 * first at or after the clock with n free versions from it, one second apart; and the
 * directory's layout (sql/layout.c). */
static int64_t first_version(struct app *app, int n, struct mig_style *st)
{
	struct migration_set set;
	time_t t = time(NULL);
	struct tm tm;
	char version[32];
	int i;

	if (migration_set_load(&set, app->cfg.dir, 1) < 0 && !set.n) {
		migration_set_release(&set);
		return -1;
	}
	layout_detect(&set, st);
	if (st->sequential) {
		migration_set_release(&set);
		return st->newest + 1;
	}
	/* Two "new" in one second, or a clock behind the latest version: bump. */
	for (;; t++) {
		gmtime_r(&t, &tm);
		strftime(version, sizeof(version), "%Y%m%d%H%M%S", &tm);
		for (i = 0; i < n; i++)
			if (migration_set_find(&set, version_plus(parse_int64(version), i)))
				break;
		if (i == n)
			break;
	}
	migration_set_release(&set);
	return parse_int64(version);
}

/* What write_steps made, removed again when a later file fails. */
struct made {
	char **paths, **dirs;
	int npaths, ndirs;
};

static void made_undo(struct made *m)
{
	int i;

	for (i = m->npaths - 1; i >= 0; i--)
		unlink(m->paths[i]);
	for (i = m->ndirs - 1; i >= 0; i--)
		rmdir(m->dirs[i]);
}

/* Step i of o as migration ver, in the directory's layout. */
static int write_step(struct app *app, const struct mig_style *st, const struct gen_out *o, int i,
		      int64_t ver, struct made *m)
{
	char *name = slug(o->steps[i].name), *up, *down, *paths[2], *texts[2], *dir;
	int k, rc = 0;

	up = o->n == 1 ? xasprintf("-- %lld: %s (up)\n%s", (long long)ver, name, o->steps[i].up)
	     : xasprintf("-- %lld: %s (up), step %d of %d\n%s", (long long)ver, name, i + 1, o->n,
			 o->steps[i].up);
	down = xasprintf("-- %lld: %s (down)%s%s", (long long)ver, name, o->n == 1 ? "" : "\n",
			 o->steps[i].down);
	layout_files(st, app->cfg.dir, ver, name, up, down, paths, texts, &dir);
	if (dir) {
		if (mkdir(dir, 0755) < 0) {
			log_error("could not create \"%s\": %s", dir, strerror(errno));
			rc = -1;
		} else {
			m->dirs[m->ndirs++] = dir;
			dir = NULL;
		}
	}
	for (k = 0; k < 2 && rc == 0; k++) {
		if (!paths[k])
			continue;
		if ((rc = write_new_file(paths[k], texts[k])) == 0) {
			m->paths[m->npaths++] = paths[k];
			paths[k] = NULL;
		}
	}
	for (k = 0; k < 2; k++)
		free(paths[k]), free(texts[k]);
	free(dir), free(up), free(down), free(name);
	return rc;
}

/* Write every step; on a failure remove what this call wrote. */
static int write_steps(struct app *app, const struct gen_out *o, int generated)
{
	struct mig_style st;
	int64_t v = first_version(app, o->n, &st);
	struct made m = { xcalloc((size_t)o->n * 2 + 1, sizeof(char *)),
			  xcalloc((size_t)o->n + 1, sizeof(char *)), 0, 0 };
	int i, rc = v < 0 ? -1 : 0;

	for (i = 0; i < o->n && rc == 0; i++)
		rc = write_step(app, &st, o, i, st.sequential ? v + i : version_plus(v, i), &m);
	if (rc < 0)
		made_undo(&m);
	for (i = 0; i < m.npaths; i++) {
		if (rc == 0)
			printf("%s\n", shown(m.paths[i]));
		free(m.paths[i]);
	}
	if (rc == 0 && generated && st.layout == LAYOUT_PRISMA)
		log_warning("the directory is in Prisma's layout, which keeps no down: "
			 "the down of each migration was not written");
	for (i = 0; i < m.ndirs; i++)
		free(m.dirs[i]);
	free(m.paths);
	free(m.dirs);
	return rc;
}

enum { O_NOT_NULL = 1, O_DEFAULT, O_FKEY, O_UNIQUE, O_TYPE, O_RENAME, O_USING };

/* Run the generator chosen; its extra operand (REFTABLE, TYPE, NEW) is arg; dflt is
 * --default's EXPR, using --using's. */
static int generate(struct app *app, int which, const char *spec, const char *dflt, const char *arg,
		    const char *using)
{
	struct gen_out o = { 0 };
	struct db db = { 0 };
	struct db *dbp = NULL;
	int rc;

	if (app->cfg.database_url) {
		if (db_connect(&db, app->cfg.database_url, app->opts.verbose) < 0)
			return EXIT_USAGE;
		dbp = &db;
	}
	switch (which) {
	case O_NOT_NULL: rc = gen_add_not_null(&o, dbp, spec, dflt); break;
	case O_FKEY: rc = gen_add_foreign_key(&o, dbp, spec, arg); break;
	case O_UNIQUE: rc = gen_add_unique(&o, dbp, spec); break;
	case O_TYPE: rc = gen_change_type(&o, dbp, spec, arg, using); break;
	default: rc = gen_rename_column(&o, dbp, spec, arg); break;
	}
	if (dbp)
		db_close(dbp);
	if (rc == 0)
		rc = write_steps(app, &o, 1);
	gen_release(&o);
	return rc < 0 ? EXIT_USAGE : EXIT_OK;
}

static int write_one(struct app *app, const char *name)
{
	struct gen_out o = { 0 };
	int rc;

	gen_add(&o, name, xstrdup("-- Runs in one transaction with lock_timeout; \"migrate lint\" checks it.\n\n"),
		xstrdup(": undo exactly what the up did.\n\n"));
	rc = write_steps(app, &o, 0);
	gen_release(&o);
	return rc < 0 ? EXIT_USAGE : EXIT_OK;
}

static const struct cli_option new_opts[] = {
	{ O_NOT_NULL, 0, "add-not-null", "TABLE.COLUMN", "write the steps that make COLUMN NOT NULL without a locked scan" },
	{ O_DEFAULT, 0, "default", "EXPR", "with --add-not-null: set this default and backfill the NULLs in batches" },
	{ O_FKEY, 0, "add-foreign-key", "TABLE.COLUMN", "write the steps of a foreign key to the operand REFTABLE[.COLUMN]" },
	{ O_UNIQUE, 0, "add-unique", "TABLE(COLS)", "write the steps of a UNIQUE constraint built concurrently" },
	{ O_TYPE, 0, "change-type", "TABLE.COLUMN", "write the expand/contract steps that change COLUMN to the operand TYPE" },
	{ O_USING, 0, "using", "EXPR", "with --change-type: the conversion, as in ALTER COLUMN ... TYPE ... USING EXPR" },
	{ O_RENAME, 0, "rename-column", "TABLE.COLUMN", "write the expand/contract steps that rename COLUMN to the operand NEW" },
	CLI_END
};

int cmd_new(int argc, char **argv, struct app *app)
{
	struct cli c;
	const char *spec = NULL, *dflt = NULL, *using = NULL;
	char *name = NULL, *arg = NULL;
	int rc, opt, which = 0, need;

	cli_init(&c, "new", "NAME | --add-not-null T.C [--default EXPR] | --add-foreign-key T.C REFTABLE[.COL]\n"
		 "  | --add-unique 'T(COLS)' | --change-type T.C TYPE [--using EXPR] | --rename-column T.C NEW",
		 "Create an up and a down file named after the current UTC time,\n"
		 "in the migrations directory; or, with a generator option, the numbered\n"
		 "migrations of that operation's safe sequence (docs/recipes.md).", new_opts, &app->opts, argc, argv);
	while ((opt = cli_next(&c)) > 0) {
		if (opt == O_DEFAULT)
			dflt = c.arg;
		else if (opt == O_USING)
			using = c.arg;
		else if (which && which != opt) {
			log_error("give one generator option");
			opt = CLI_ERROR;
			break;
		} else
			which = opt, spec = c.arg;
	}
	need = which == O_FKEY || which == O_TYPE || which == O_RENAME || !which;
	rc = cli_done(&c, opt, need);
	if (rc < 0 && (c.npositional != need || (dflt && which != O_NOT_NULL) || (using && which != O_TYPE))) {
		log_error(dflt && which != O_NOT_NULL ? "--default goes with --add-not-null"
			  : using && which != O_TYPE ? "--using goes with --change-type"
			  : !which ? "missing NAME" : which == O_UNIQUE || which == O_NOT_NULL ? "unexpected operand"
			  : which == O_FKEY ? "missing REFTABLE" : which == O_TYPE ? "missing TYPE" : "missing NEW name");
		cli_usage(&c, 1);
		rc = EXIT_USAGE;
	}
	if (rc >= 0) {
		cli_release(&c);
		return rc;
	}
	if (need)
		arg = xstrdup(c.positional[0]);
	cli_release(&c);
	if (app_config(app) < 0) {
		free(arg);
		return EXIT_USAGE;
	}
	if (which) {
		rc = generate(app, which, spec, dflt, arg, using);
		free(arg);
		return rc;
	}
	name = slug(arg);
	free(arg);
	if (!name) {
		log_error("a migration name needs letters or digits");
		return EXIT_USAGE;
	}
	rc = write_one(app, name);
	free(name);
	return rc;
}
