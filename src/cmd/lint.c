/* lint.c - migrate lint: check migrations for dangerous locks, rewrites and scans */
#include "cmd/commands.h"
#include "cmd/lint_async.h"
#include "cmd/lint_select.h"
#include "report/lint_report.h"
#include "sql/migdir.h"
#include "sql/migration.h"
#include "base/strbuf.h"
#include "base/textmap.h"
#include "base/util.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

enum { O_FORMAT = 1, O_PG_VERSION, O_EXCLUDE, O_STDIN_FILENAME, O_EXPLAIN, O_LIST_RULES, O_COLOR,
       O_CHANGED_SINCE, O_PENDING };

static const struct cli_option lint_options[] = {
	{ O_FORMAT, 'f', "format", "FMT", "text (default), json, github or sarif; markdown with --explain" },
	{ O_PG_VERSION, 0, "pg-version", "N", "server major version to lint for (default: lint.pg_version, else 15)" },
	{ O_EXCLUDE, 'x', "exclude", "RULE", "turn a rule off (repeat, or a comma-separated list)" },
	{ O_STDIN_FILENAME, 0, "stdin-filename", "NAME", "file name for messages when linting - (stdin)" },
	{ O_EXPLAIN, 0, "explain", "RULE", "print a rule's documentation and exit" },
	{ O_LIST_RULES, 0, "list-rules", NULL, "list every rule and exit" },
	{ O_COLOR, 0, "color", "WHEN", "auto (default: on a terminal unless NO_COLOR), always or never" },
	{ O_CHANGED_SINCE, 0, "changed-since", "REF", "only files added or changed since this git revision; the others are context" },
	{ O_PENDING, 0, "pending", NULL, "only what up would run on the database; the applied ones are context" },
	CLI_END
};

struct lint_run {
	struct lint_options lo;
	struct linter *plain;      /* files outside a migrations directory, stdin */
	struct lint_result res;
	int status;                /* EXIT_USAGE after file or directory errors */
	const char *changed_since; /* --changed-since REF */
	int no_selection;          /* git could not say what changed: no summary of nothing */
	struct lint_select pending; /* --pending: mode 2 */
};

/* A linter for lr's options; downs: a job may be a down (LINT_JOB_ISOLATED). */
static struct linter *new_linter(struct lint_run *lr, const struct lint_job *jobs, size_t n)
{
	struct lint_options o = lr->lo;
	size_t i;

	o.no_downs = 1;
	for (i = 0; i < n; i++)
		if (jobs[i].kind == LINT_JOB_ISOLATED)
			o.no_downs = 0;
	return linter_new(&o);
}

static void lint_dir(struct lint_run *lr, const char *dir)
{
	struct migration_set set;
	struct lint_job *jobs;
	struct linter *l;
	struct lint_select changed = { 0, NULL, 0, NULL, 0 };
	const struct lint_select *sel = lr->pending.mode ? &lr->pending : &changed;
	size_t i, n = 0;

	memset(&set, 0, sizeof(set));
	if (lr->changed_since && lint_select_changed(&changed, lr->changed_since, dir) != EXIT_OK) {
		lr->status = EXIT_USAGE;
		lr->no_selection = 1;
		lint_select_release(&changed);
		return;
	}
	if (migration_set_load_unsummed(&set, dir, 1) < 0)
		lr->status = EXIT_USAGE;
	jobs = xmalloc((2 * set.n + 1) * sizeof(*jobs));
	for (i = 0; i < set.n; i++) {
		/* the others teach the schema the selected ones are checked against */
		jobs[n].sec = &set.items[i].up;
		jobs[n++].kind = lint_select_wants(sel, &set.items[i], &set.items[i].up)
					 ? LINT_JOB_LINT : LINT_JOB_LEARN;
		if (!lint_select_wants(sel, &set.items[i], &set.items[i].down))
			continue;
		jobs[n].sec = &set.items[i].down;
		jobs[n++].kind = LINT_JOB_ISOLATED;
	}
	l = new_linter(lr, jobs, n);
	if (l)
		lint_jobs(l, jobs, n, &lr->res);
	linter_free(l);
	free(jobs);
	migration_set_release(&set);
	lint_select_release(&changed);
}

static int lint_plain(struct lint_run *lr, const char *path)
{
	char *sql = text_file_map(path); /* a long file is mapped, not read into the heap */

	if (!sql) {
		lr->status = EXIT_USAGE;
		return -1;
	}
	lint_text(lr->plain, sql, path, 1, &lr->res);
	text_file_release(sql);
	return 0;
}

/* The name a file is loaded as: its own, or for Prisma's and Diesel's the directory's. */
static char *loaded_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char *logical = migdir_logical(path, NULL);

	return logical ? logical : xstrdup(base ? base + 1 : path);
}

static int same_file(const char *a, const char *b)
{
	char *x = loaded_name(a), *y = loaded_name(b);
	int same = !strcmp(x, y);

	free(x);
	free(y);
	return same;
}

/* The newest migration of set that one of the files belongs to (-1: none). */
static int64_t newest_named(const struct migration_set *set, char **files, size_t n)
{
	int64_t maxv = -1;
	size_t i, k;

	for (i = 0; i < set->n; i++)
		for (k = 0; k < n; k++)
			if ((set->items[i].up.path && same_file(set->items[i].up.path, files[k])) ||
			    (set->items[i].down.path && same_file(set->items[i].down.path, files[k])))
				maxv = set->items[i].version;
	return maxv;
}

/*
 * Files inside a migrations directory: lint them with the schema the earlier
 * migrations of that directory build (a SET NOT NULL after an earlier
 * validated CHECK, a column's old type), like the runner would see it.
 */
static void lint_files_in_dir(struct lint_run *lr, const char *dir, char **files, size_t n)
{
	struct migration_set set;
	struct linter *l = NULL;
	int64_t maxv = -1, v;
	size_t i, k;
	char *done = xcalloc(n, 1);
	int loaded = 0;

	memset(&set, 0, sizeof(set));
	for (k = 0; k < n; k++) {
		char *base = loaded_name(files[k]), *vs = NULL, *name = NULL;
		int d;

		if (migration_parse_name(base, &v, &vs, &name, &d) == 1 && v > maxv)
			maxv = v;
		free(base);
		free(vs);
		free(name);
	}
	if (maxv >= 0 && migration_set_load_unsummed(&set, dir, 1) == 0) {
		loaded = 1;
	} else if (maxv >= 0) {
		/* the errors are printed: the directory up would refuse is an error here too */
		log_warning("linted without the earlier migrations of \"%s\" as context", shown(dir));
		lr->status = EXIT_USAGE;
	}
	if (loaded && migration_order() == ORDER_NAME)
		maxv = newest_named(&set, files, n); /* versions are positions: found by file */
	if (loaded) {
		/* sections named as the user named the files; the earlier ones only teach */
		struct section *secs = xmalloc((2 * set.n + 1) * sizeof(*secs));
		struct lint_job *jobs = xmalloc((2 * set.n + 1) * sizeof(*jobs));
		size_t nj = 0;

		for (i = 0; i < set.n && set.items[i].version <= maxv; i++) {
			struct migration *m = &set.items[i];
			int up = -1, down = -1;

			for (k = 0; k < n; k++) {
				if (m->up.path && same_file(m->up.path, files[k]))
					up = (int)k;
				if (m->down.path && same_file(m->down.path, files[k]))
					down = (int)k;
			}
			secs[nj] = m->up;
			jobs[nj].sec = &secs[nj];
			jobs[nj].kind = up >= 0 ? LINT_JOB_LINT : LINT_JOB_LEARN;
			if (up >= 0) {
				secs[nj].path = files[up];
				done[up] = 1;
			}
			nj++;
			if (down >= 0) {
				secs[nj] = m->down;
				secs[nj].path = files[down];
				jobs[nj].sec = &secs[nj];
				jobs[nj].kind = LINT_JOB_ISOLATED;
				done[down] = 1;
				nj++;
			}
		}
		if ((l = new_linter(lr, jobs, nj)))
			lint_jobs(l, jobs, nj, &lr->res);
		free(jobs);
		free(secs);
	}
	linter_free(l);
	migration_set_release(&set);
	for (k = 0; k < n; k++)
		if (!done[k])
			lint_plain(lr, files[k]);
	free(done);
}

static void lint_stdin(struct lint_run *lr, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t got;

	while ((got = fread(buf, 1, sizeof(buf), stdin)) > 0)
		strbuf_add(&sb, buf, got);
	if (ferror(stdin)) {
		log_error("could not read the standard input: %s", strerror(errno));
		lr->status = EXIT_USAGE;
	} else if (text_check(sb.buf, &sb.len, name) < 0) {
		lr->status = EXIT_USAGE;
	} else {
		lint_text(lr->plain, sb.buf, name, 1, &lr->res);
	}
	strbuf_release(&sb);
}

/* The migrations directory of a file: its own, or for Prisma's and Diesel's the one above. */
static char *dir_of(const char *path)
{
	char *copy, *d = NULL, *logical = migdir_logical(path, &d);

	free(logical);
	if (d)
		return d;
	copy = xstrdup(path);
	d = xstrdup(dirname(copy));
	free(copy);
	return d;
}

/* Files grouped by directory, in the order first seen. */
static void lint_files(struct lint_run *lr, char **files, size_t n)
{
	char *taken = xcalloc(n ? n : 1, 1);
	char **group = xmalloc((n ? n : 1) * sizeof(*group));
	size_t i, k;

	for (i = 0; i < n; i++) {
		char *dir;
		size_t g = 0;

		if (taken[i])
			continue;
		dir = dir_of(files[i]);
		for (k = i; k < n; k++) {
			char *d2;

			if (taken[k])
				continue;
			d2 = dir_of(files[k]);
			if (!strcmp(dir, d2)) {
				group[g++] = files[k];
				taken[k] = 1;
			}
			free(d2);
		}
		lint_files_in_dir(lr, dir, group, g);
		free(dir);
	}
	free(group);
	free(taken);
}

static int parse_exclude(struct strbuf *all, const char *arg)
{
	if (!*arg)
		return -1;
	if (all->len)
		strbuf_addch(all, ',');
	strbuf_addstr(all, arg);
	return 0;
}

/* What the command line asked for. */
struct lint_args {
	const char *format, *stdin_name, *explain, *color_arg;
	struct strbuf excl;
	int list_rules;
	long pgv;
};

/* One option into a (and lr's selection); CLI_ERROR after printing, else opt. */
static int lint_option(struct lint_args *a, struct lint_run *lr, int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case O_FORMAT:
		a->format = arg;
		break;
	case O_PG_VERSION:
		a->pgv = strtol(arg, &end, 10);
		if (*end || a->pgv < 9 || a->pgv > 99) {
			log_error("--pg-version wants a major version such as 15, not \"%s\"", arg);
			return CLI_ERROR;
		}
		break;
	case O_EXCLUDE:
		if (parse_exclude(&a->excl, arg) < 0) {
			log_error("--exclude wants a rule id");
			return CLI_ERROR;
		}
		break;
	case O_STDIN_FILENAME:
		a->stdin_name = arg;
		break;
	case O_EXPLAIN:
		a->explain = arg;
		break;
	case O_LIST_RULES:
		a->list_rules = 1;
		break;
	case O_COLOR:
		a->color_arg = arg;
		break;
	case O_CHANGED_SINCE:
		lr->changed_since = arg;
		break;
	case O_PENDING:
		lr->pending.mode = 2;
		break;
	}
	return opt;
}

/* --explain RULE, --list-rules: EXIT_*. */
static int rules_docs(const struct lint_args *a)
{
	int md = !strcmp(a->format, "markdown");

	if (!md && strcmp(a->format, "text")) {
		log_error("--explain and --list-rules print text or markdown, not \"%s\"", a->format);
		return EXIT_USAGE;
	}
	if (a->explain && lint_explain(a->explain, md, stdout) < 0) {
		log_error("unknown rule \"%s\"", a->explain);
		log_hint("\"migrate lint --list-rules\" lists them");
		return EXIT_USAGE;
	}
	if (!a->explain)
		lint_list_rules(md, stdout);
	return EXIT_OK;
}

/* The output format and colour: 0, or -1 after printing. */
static int output_choice(const struct lint_args *a, int *fmt, int *color)
{
	*fmt = lint_format_parse(a->format);
	if (*fmt < 0) {
		log_error("unknown format \"%s\"", a->format);
		log_hint("formats: text, json, github, sarif");
		return -1;
	}
	if (!strcmp(a->color_arg, "always"))
		*color = 1;
	else if (!strcmp(a->color_arg, "never"))
		*color = 0;
	else if (!strcmp(a->color_arg, "auto"))
		*color = -1;
	else {
		log_error("--color wants auto, always or never, not \"%s\"", a->color_arg);
		return -1;
	}
	return 0;
}

/* Lint the paths given (none: the migrations directory) into lr. EXIT_USAGE or EXIT_OK. */
static int lint_paths(struct lint_run *lr, struct app *app, const struct cli *c,
		      const char *stdin_name)
{
	char **files = NULL;
	size_t nfiles = 0, i;
	struct stat st;

	if (!c->npositional) {
		if (stat(app->cfg.dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			log_error("no migrations directory \"%s\"", shown(app->cfg.dir));
			log_hint("pass files or directories to lint, or set migrations.dir in migrate.yml");
			return EXIT_USAGE;
		}
		lint_dir(lr, app->cfg.dir);
	}
	for (i = 0; i < (size_t)c->npositional; i++) {
		const char *path = c->positional[i];

		if (!strcmp(path, "-")) {
			lint_stdin(lr, stdin_name);
		} else if (stat(path, &st) < 0) {
			log_error("could not open \"%s\": %s", shown(path), strerror(errno));
			lr->status = EXIT_USAGE;
		} else if (S_ISDIR(st.st_mode)) {
			lint_dir(lr, path);
		} else {
			files = xrealloc(files, (nfiles + 1) * sizeof(*files));
			files[nfiles++] = (char *)path;
		}
	}
	lint_files(lr, files, nfiles);
	free(files);
	return EXIT_OK;
}

/* Set up the linter with the options; EXIT_*. */
static int lint_setup(struct lint_run *lr, struct app *app, struct lint_args *a, char ***excludes)
{
	char *save = NULL, *p;
	size_t nexcl = 0;
	int rc;

	if (app_config(app) < 0)
		return EXIT_USAGE;
	if (lr->pending.mode && (rc = lint_select_pending(&lr->pending, app)) != EXIT_OK)
		return rc;
	for (p = a->excl.len ? strtok_r(a->excl.buf, ",", &save) : NULL; p;
	     p = strtok_r(NULL, ",", &save)) {
		*excludes = xrealloc(*excludes, (nexcl + 1) * sizeof(**excludes));
		(*excludes)[nexcl++] = p;
	}
	lr->lo.cfg = &app->cfg;
	lr->lo.pg_version = (int)a->pgv;
	lr->lo.exclude = (const char *const *)*excludes;
	lr->lo.nexclude = nexcl;
	lr->plain = new_linter(lr, NULL, 0); /* lint_text lints no down */
	return lr->plain ? EXIT_OK : EXIT_USAGE;
}

/* Lint the paths; the findings printed as they come (SARIF: at the end, whole). */
static char out_buf[64 * 1024]; /* stdout's, until exit */

static int lint_stream(struct lint_run *lr, struct app *app, const struct cli *c,
		       const struct lint_args *a, int fmt, int color)
{
	struct lint_stream ls;
	struct lint_async *printer;
	int rc;

	if (fmt == LINT_FORMAT_SARIF) {
		if ((rc = lint_paths(lr, app, c, a->stdin_name)) == EXIT_OK && !lr->no_selection)
			lint_result_print(&lr->res, LINT_FORMAT_SARIF, stdout, color);
		return rc;
	}
	if (!isatty(fileno(stdout))) /* a file or a pipe: written 64 KB at a time, not 4 KB */
		setvbuf(stdout, out_buf, _IOFBF, sizeof(out_buf));
	lint_stream_begin(&ls, (enum lint_format)fmt, stdout, color);
	lr->res.emit = lint_stream_finding;
	lr->res.emit_arg = &ls;
	printer = lint_async_start(&ls, &lr->res); /* printed on another thread, in order */
	rc = lint_paths(lr, app, c, a->stdin_name); /* nothing is printed when it fails */
	lint_async_finish(printer);
	/* git could not say what changed: no summary of nothing */
	lint_stream_end(&ls, &lr->res, rc == EXIT_OK && !lr->no_selection);
	return rc;
}

int cmd_lint(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct lint_run lr;
	struct lint_args a = { "text", "<stdin>", NULL, "auto", STRBUF_INIT, 0, 0 };
	char **excludes = NULL;
	int opt, fmt, color, rc = EXIT_OK;

	memset(&lr, 0, sizeof(lr));
	lint_result_init(&lr.res);
	cli_init(&c, "lint", "[PATH ...]",
		 "Check migrations for statements that take dangerous locks, rewrite or scan\n"
		 "tables, or break the running application, using PostgreSQL's own parser.\n"
		 "PATH is a file, a migrations directory (every up and down file in it) or -\n"
		 "for the standard input; the default is the configured migrations directory.\n"
		 "Needs no database (but --pending). Exit status: 0 no error-level finding, 1 at least one,\n"
		 "2 usage, configuration or parse error. Rules: --list-rules, --explain RULE.",
		 lint_options, &app->opts, argc, argv);
	while ((opt = cli_next(&c)) > 0)
		if ((opt = lint_option(&a, &lr, opt, c.arg)) == CLI_ERROR)
			break;
	if (opt < 0)
		rc = cli_exit_code(opt);
	else if (a.explain || a.list_rules)
		rc = rules_docs(&a);
	else if (output_choice(&a, &fmt, &color) < 0)
		rc = EXIT_USAGE;
	else if ((rc = lint_setup(&lr, app, &a, &excludes)) == EXIT_OK &&
		 (rc = lint_stream(&lr, app, &c, &a, fmt, color)) == EXIT_OK) {
		fflush(stdout);
		if (lr.status || lr.res.parse_errors)
			rc = EXIT_USAGE;
		else if (lint_result_blocking(&lr.res))
			rc = EXIT_FAILED;
	}
	lint_select_release(&lr.pending);
	linter_free(lr.plain);
	lint_result_release(&lr.res);
	free(excludes);
	strbuf_release(&a.excl);
	cli_release(&c);
	return rc;
}
