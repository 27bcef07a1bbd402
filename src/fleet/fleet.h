/* fleet.h - run one command on many targets (tenant schemas and databases),
 * --jobs at once, each in a worker process with its own connection and lock */
#ifndef MIGRATE_FLEET_H
#define MIGRATE_FLEET_H

#include "config/app.h"
#include "fleet/targets.h"

#include <stddef.h>
#include <stdint.h>

/* What a worker reports for its target. */
struct target_result {
	int rc;          /* EXIT_* of the single-target command */
	int64_t from;    /* newest applied version before (0: none) */
	int64_t to;      /* and after */
	int changed;     /* migrations applied or reverted */
	int pending;     /* pending afterwards */
	int dirty;       /* dirty versions afterwards */
};

/* The single-target command, run in a worker with app->cfg pointing at its target. */
typedef int (*fleet_fn)(struct app *app, void *arg, struct target_result *res);

enum fleet_op { FLEET_UP, FLEET_DOWN, FLEET_STATUS };

enum { FO_TARGET = 200, FO_ONLY, FO_JOBS, FO_FAIL_FAST, FO_ALLOW_EMPTY };

/* Options of every command that runs on many targets (the every-target switch
 * itself is the command's: up --all, down --all-targets, status --all). */
#define FLEET_CLI_OPTIONS \
	{ FO_TARGET, 0, "target", "NAME", "only this target (repeatable; implies every-target mode)" }, \
	{ FO_ONLY, 0, "only", "PATTERN", "only targets whose name matches this glob (repeatable)" }, \
	{ FO_JOBS, 'j', "jobs", "N", "targets at once, each with its own connection (default 4)" }, \
	{ FO_ALLOW_EMPTY, 0, "allow-empty", NULL, "a targets query that returns no rows is not an error" }
#define FLEET_FAIL_FAST_OPTION \
	{ FO_FAIL_FAST, 0, "fail-fast", NULL, "start no more targets once one has failed" }

/* One target at the end of a run, for a command that prints its own report. */
struct fleet_outcome {
	const char *name;
	enum target_kind kind;
	int skipped;          /* not started (--fail-fast) */
	int got_result;       /* res came from the worker (else it died) */
	struct target_result res;
	int64_t ms;
	const char *error;    /* the first error line it printed; NULL */
	const char *output;   /* what it printed on stdout; "" when nothing */
};

/* A command's own report of the run (instead of the summary table): EXIT_*. */
typedef int (*fleet_report_fn)(const struct fleet_outcome *o, size_t n, void *arg);

struct fleet_opts {
	enum fleet_op op;
	int all;            /* set by the command's every-target switch */
	int jobs;
	int fail_fast;
	int allow_empty;    /* --allow-empty: a targets query may return no rows */
	int json;
	char **names;       /* --target, pointing into argv */
	size_t nnames, names_alloc;
	char **patterns;    /* --only */
	size_t npatterns, patterns_alloc;
	/* plan --all previews op: */
	int preview;        /* nothing changes: the main database need not go alone first */
	const char *label;  /* the progress line's name (NULL: the op's) */
	/* each target's stdout is collected, and this prints the run instead of the summary */
	fleet_report_fn report;
	void *report_arg;
};

void fleet_opts_init(struct fleet_opts *fo, enum fleet_op op);
void fleet_opts_release(struct fleet_opts *fo);
/* 1 when id is one of the fleet options (handled), 0 if not, -1 bad value (printed). */
int fleet_option(struct fleet_opts *fo, int id, const char *arg);
/* Every-target mode: the switch, --target or --only was given. */
int fleet_wanted(const struct fleet_opts *fo);

/*
 * Check up's and down's --format (text or json, and only for many targets;
 * the_switch names the command's every-target option): 0, or -1 after printing.
 */
int fleet_format(struct fleet_opts *fo, const char *format, const char *the_switch);
/* fleet_run when many targets were asked for, else fn on the one database. */
int fleet_or_one(struct app *app, struct fleet_opts *fo, fleet_fn fn, void *arg);

/*
 * Resolve and select the targets, check their migration files once, then run
 * fn for each in a worker process, --jobs at once; report progress, a summary
 * (or JSON), and return 0, or 1 when any target failed (2/3 when nothing could
 * start).
 */
int fleet_run(struct app *app, struct fleet_opts *fo, fleet_fn fn, void *arg);


#endif
