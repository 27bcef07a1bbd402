/* plan.c - migrate plan (and up/down --dry-run): what the pending migrations will
 * lock, rewrite and scan, on how big a table, and how to undo them; changes nothing */
#include "cmd/commands.h"
#include "cmd/applyopts.h"
#include "fleet/fleet.h"
#include "plan/plan.h"
#include "fleet/plan_fleet.h"
#include "run/steps.h"
#include "run/session.h"
#include "report/plan_report.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	O_FORMAT = 1, O_OFFLINE, O_FROM, O_TO, O_DOWN, O_STEPS, O_ALL, O_LONG_RUNNING,
	O_DRY_RUN, O_ALLOW_DRIFT, O_FORCE_IRREVERSIBLE, O_UNSAFE, O_ALL_TARGETS, O_ALL_MIGRATIONS,
};

static const struct cli_option plan_options[] = {
	{ O_FORMAT, 0, "format", "FORMAT", "text (default), markdown (a pull-request comment) or json" },
	{ O_OFFLINE, 0, "offline", NULL, "no database: every migration in the directory (after --from)" },
	{ O_FROM, 0, "from", "VERSION", "offline: the migrations after VERSION" },
	{ O_TO, 0, "to", "VERSION", "up: up to and including VERSION; down: those newer than VERSION" },
	{ O_DOWN, 0, "down", NULL, "plan a revert: what \"migrate down\" would run" },
	{ O_STEPS, 'n', "steps", "N", "down: the N newest migrations (default 1)" },
	{ O_ALL_MIGRATIONS, 0, "all-migrations", NULL, "with --down: every applied migration, as down --all-migrations" },
	{ O_ALL, 0, "all", NULL, "the old spelling: --all-targets; with --down, --all-migrations" },
	{ O_ALL_TARGETS, 0, "all-targets", NULL, "every target in migrate.yml, up or --down (as down --all-targets)" },
	{ O_LONG_RUNNING, 0, "long-running", "DURATION",
	  "warn about transactions open longer than this (default 1min)" },
	{ O_DRY_RUN, 0, "dry-run", NULL, "what \"migrate up/down --dry-run\" runs: this plan" },
	{ O_ALLOW_DRIFT, 0, "allow-drift", NULL, "accepted for up --dry-run (drift is a warning here)" },
	{ O_FORCE_IRREVERSIBLE, 0, "force-irreversible", NULL, "accepted for down --dry-run" },
	{ O_UNSAFE, 0, "unsafe", NULL, "accepted for up --dry-run (lint findings are shown)" },
	APPLY_CLI_OPTIONS,
	FLEET_CLI_OPTIONS,
	FLEET_FAIL_FAST_OPTION,
	CLI_END
};

struct request {
	int direction, offline, all, steps_set, fmt;
	int64_t from, to;
	int steps;
	long long_running_ms;
};

int plan_is_dry_run(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--dry-run"))
			return 1;
	return 0;
}

/* Is a database given anywhere: -d, DATABASE_URL, the config, or libpq's variables? */
static int database_configured(const struct config *cfg)
{
	static const char *const vars[] = { "PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE" };
	size_t i;

	if (cfg->database_url)
		return 1;
	for (i = 0; i < ARRAY_SIZE(vars); i++)
		if (getenv(vars[i]) && *getenv(vars[i]))
			return 1;
	return 0;
}

static int parse(struct cli *c, struct request *rq, struct apply_overrides *ov, struct fleet_opts *fo)
{
	int opt, modes = 0, all = 0;
	int64_t v;

	while ((opt = cli_next(c)) > 0) {
		int h = apply_option(ov, opt, c->arg);

		if (h == 0)
			h = fleet_option(fo, opt, c->arg);
		if (h < 0)
			return CLI_ERROR;
		switch (opt) {
		case O_FORMAT:
			if ((rq->fmt = plan_format_parse(c->arg)) < 0) {
				log_error("unknown format \"%s\": text, markdown or json", c->arg);
				return CLI_ERROR;
			}
			break;
		case O_OFFLINE:
			rq->offline = 1;
			break;
		case O_FROM:
			if ((rq->from = parse_version_arg("--from", c->arg)) < 0)
				return CLI_ERROR;
			break;
		case O_TO:
			if ((rq->to = parse_version_arg("--to", c->arg)) < 0)
				return CLI_ERROR;
			modes++;
			break;
		case O_DOWN:
			rq->direction = -1;
			break;
		case O_STEPS:
			v = parse_int64(c->arg);
			if (v < 1 || v > 1000000) {
				log_error("invalid --steps \"%s\": a positive number", c->arg);
				return CLI_ERROR;
			}
			rq->steps = (int)v;
			rq->steps_set = 1;
			modes++;
			break;
		case O_ALL:
			all = 1;
			break;
		case O_ALL_TARGETS:
			fo->all = 1;
			break;
		case O_ALL_MIGRATIONS:
			rq->all = 1;
			modes++;
			break;
		case O_LONG_RUNNING:
			if ((rq->long_running_ms = parse_duration_ms(c->arg)) < 0) {
				log_error("invalid --long-running \"%s\"", c->arg);
				log_hint("write a duration like 30s or 5min");
				return CLI_ERROR;
			}
			break;
		}
	}
	/* the old spelling --all means what up --all (every target) and down --all
	 * (every migration) mean */
	if (all && rq->direction < 0) {
		rq->all = 1;
		modes++;
	} else if (all) {
		fo->all = 1;
	}
	if (opt == CLI_DONE && rq->direction > 0 && rq->steps_set) {
		log_error("--steps plans a revert: add --down");
		return CLI_ERROR;
	}
	if (opt == CLI_DONE && rq->all && rq->direction > 0) {
		log_error("--all-migrations plans a revert: add --down");
		return CLI_ERROR;
	}
	if (opt == CLI_DONE && rq->direction < 0 && modes > 1) {
		log_error("use one of --steps, --to and --all-migrations");
		return CLI_ERROR;
	}
	return opt;
}

static void step_init(struct step *st, const struct migration *m)
{
	memset(st, 0, sizeof(*st));
	st->version = m->version;
	st->version_str = m->version_str;
	st->name = m->name;
	st->checksum = m->checksum;
}

/* What up's checks would say of this plan: what stops it before anything runs. */
struct verdict {
	int dirty, drift;   /* history rows up stops on */
	size_t lint_errors; /* error-level findings no directive allows: the lint gate */
};

/* Error-level findings no directive allows, parse errors aside: what the lint gate stops on. */
static size_t lint_errors(const struct plan_migration *m)
{
	size_t j, k, n = 0;

	for (j = 0; j < m->nstmts; j++)
		for (k = 0; k < m->stmts[j].nfindings; k++) {
			const struct plan_finding *f = &m->stmts[j].findings[k];
			n += f->severity == 2 && !f->allowed && strcmp(f->rule, "parse-error");
		}
	return n;
}

/*
 * A text or JSON plan of one target is printed as it is made: each migration once
 * planned (connected: with its sizes and lock holders), then forgotten, so that memory
 * holds one migration, not the run (100,000 files). The plan's own totals and the
 * verdict's lint errors are counted on the way.
 */
struct stream {
	int on;
	struct plan_stream st;
	struct verdict *v;
	int sized;                /* connected: sizes and lock holders, a migration at a time */
	struct plan_facts facts;
};

static void flush(struct plan *p, struct stream *o)
{
	size_t i;

	if (!o || !o->on)
		return;
	for (i = 0; i < p->n; i++) {
		if (o->sized)
			plan_facts_migration(&o->facts, &p->items[i]);
		o->v->lint_errors += lint_errors(&p->items[i]);
		plan_stream_migration(&o->st, &p->items[i]);
	}
	plan_forget(p);
}

/* The steps of a plan: streamed, one at a time (each is released once planned). */
static struct step *steps_alloc(const struct stream *o, size_t n)
{
	return xcalloc(o && o->on ? 1 : n, sizeof(struct step));
}

static struct step *next_step(struct step *steps, size_t *n, const struct stream *o)
{
	if (o && o->on) {
		*n = 1;
		return steps;
	}
	return &steps[(*n)++];
}

/* Warnings about the history that an up would stop on. */
static void history_warnings(struct plan *p, struct session *s, struct verdict *v)
{
	size_t i;

	for (i = 0; i < s->h.n; i++) {
		struct history_row *row = &s->h.rows[i];
		struct migration *m = migration_set_find(&s->set, row->version);

		if (row->dirty && ++v->dirty)
			strlist_addf(&p->warnings, "version %lld (%s) is dirty: up and down refuse to run "
				     "until \"migrate repair\" settles it", (long long)row->version, row->name);
		else if (m && !migration_checksum_matches(m, row->checksum) && ++v->drift)
			strlist_addf(&p->warnings, "%s was modified since it was applied at %s: up refuses "
				     "to run without --allow-drift", m->up.path, row->applied_at);
	}
}

/* The up plan: pending migrations (or, offline, those after --from). */
static int plan_up(struct plan *p, struct session *s, const struct request *rq,
		   struct stream *o, struct step **out, size_t *nout)
{
	struct step *steps = steps_alloc(o, s->set.n + 1);
	int64_t latest = 0;
	size_t i, n = 0;
	int rc = EXIT_OK, begun = 0;

	for (i = 0; i < s->h.n; i++)
		if (s->h.rows[i].version > latest)
			latest = s->h.rows[i].version;
	for (i = 0; i < s->set.n; i++) {
		struct migration *m = &s->set.items[i];
		struct plan_migration *pm;
		struct step *st;
		int done = rq->offline ? m->version <= rq->from : history_find(&s->h, m->version) != NULL;

		flush(p, o);
		if (done) {
			plan_learn(p, &m->up);
			continue;
		}
		if (rq->to >= 0 && m->version > rq->to)
			break;
		if (!rq->offline && !begun++)
			plan_begin_run(p); /* judged as the up gate judges: one run */
		st = next_step(steps, &n, o);
		step_init(st, m);
		if (step_prepare(st, m->up.sql, m->up.path, m->up.line_base, &m->up.dir) < 0) {
			rc = EXIT_USAGE;
			continue;
		}
		pm = plan_add(p, st, 1, &m->down);
		step_release(st); /* the plan keeps what it needs: memory per file, not per run */
		if (pm->lock_timeout_ms < 0)
			pm->lock_timeout_ms = s->cfg->lock_timeout_ms;
		if (!rq->offline && m->version < latest)
			strlist_addf(&pm->warnings, "out of order: older than the latest applied version %lld",
				     (long long)latest);
		if (!m->down.sql || sql_is_blank(m->down.sql))
			strlist_add(&pm->warnings, "no down migration: \"migrate down\" cannot undo it");
	}
	flush(p, o);
	*out = steps;
	*nout = n;
	return rc;
}

/* One down of a down plan, chosen and prepared before any is planned. */
struct down_item {
	struct migration *m;
	struct history_row *row;
	int blank, bad;
	struct strlist drops;  /* the tables it drops */
};

/* The downs migrate down would run, newest first, prepared into steps. */
static size_t down_choose(struct session *s, const struct request *rq, struct step *steps,
			  struct down_item *items)
{
	size_t i, n = 0, total = rq->offline ? s->set.n : s->h.n;
	int steps_left = rq->steps_set ? rq->steps : 1;

	for (i = total; i-- > 0;) {
		struct migration *m = rq->offline ? &s->set.items[i]
						  : migration_set_find(&s->set, s->h.rows[i].version);
		struct history_row *row = rq->offline ? NULL : &s->h.rows[i];
		int64_t version = rq->offline ? m->version : row->version;
		struct section sec;
		struct step *st;

		if (rq->offline && version <= rq->from)
			break;
		if (!rq->all && rq->to < 0 && steps_left-- <= 0)
			break;
		if (rq->to >= 0 && version <= rq->to)
			break;
		if (row)
			steps_down_source(row, m, 0, &sec);
		else
			sec = m->down;
		items[n].m = m;
		items[n].row = row;
		st = &steps[n++];
		memset(st, 0, sizeof(*st));
		st->version = version;
		st->version_str = m ? m->version_str : NULL;
		st->name = m ? m->name : row->name;
		if ((items[n - 1].blank = !sec.sql || sql_is_blank(sec.sql))) {
			st->path = sec.path ? sec.path : (m ? m->up.path : "(no down SQL)");
			st->sql = "";
			st->dir.lock_timeout_ms = st->dir.statement_timeout_ms = -1;
		} else if (step_prepare(st, sec.sql, sec.path, sec.line_base, &sec.dir) < 0) {
			items[n - 1].bad = 1;
		} else {
			lint_script_dropped_tables(&st->script, &items[n - 1].drops);
		}
	}
	return n;
}

/* The down plan: what migrate down would revert, newest first. */
static int plan_down(struct plan *p, struct session *s, const struct request *rq,
		     struct stream *o, struct step **out, size_t *nout)
{
	struct step *steps = xcalloc(s->set.n + s->h.n + 1, sizeof(*steps));
	struct down_item *items = xcalloc(s->set.n + s->h.n + 1, sizeof(*items));
	size_t i, k, n;
	int rc = EXIT_OK;

	/* the schema as every applied migration left it */
	for (i = 0; i < s->set.n; i++)
		if (rq->offline || history_find(&s->h, s->set.items[i].version))
			plan_learn(p, &s->set.items[i].up);
	n = down_choose(s, rq, steps, items);
	for (i = 0; i < n; i++) {
		struct migration *m = items[i].m;
		struct history_row *row = items[i].row;
		struct strlist later = { NULL, 0, 0 };
		struct plan_migration *pm;

		flush(p, o);
		if (items[i].bad) {
			rc = EXIT_USAGE;
			continue;
		}
		/* a table that a later down of this run drops: that DROP is what counts */
		for (k = i + 1; k < n; k++) {
			size_t j;

			for (j = 0; j < items[k].drops.n; j++)
				strlist_add(&later, items[k].drops.v[j]);
		}
		plan_doomed_later(p, &later);
		strlist_release(&later);
		pm = plan_add(p, &steps[i], -1, NULL);
		if (items[i].blank) {
			strlist_add(&pm->warnings, "no down migration: \"migrate down\" refuses it "
				    "(--force-irreversible forgets it in history, its changes stay)");
			continue;
		}
		step_release(&steps[i]);
		if (pm->lock_timeout_ms < 0)
			pm->lock_timeout_ms = s->cfg->lock_timeout_ms;
		if (row && !m)
			strlist_add(&pm->warnings, "its files are gone: reverted with the down SQL "
				    "recorded when it was applied");
		else if (row && !migration_checksum_matches(m, row->checksum) && row->down_sql)
			strlist_add(&pm->warnings, "its up file changed since it was applied: reverted with "
				    "the down SQL recorded then");
	}
	flush(p, o);
	plan_doomed_later(p, NULL);
	for (i = 0; i < n; i++)
		strlist_release(&items[i].drops);
	free(items);
	*out = steps;
	*nout = n;
	return rc;
}

/* Nothing here writes: make the server hold us to it. A tenant schema's search_path
 * too, so that the sizes and lock holders are those of the tenant's own tables. */
static int read_only_session(struct session *s)
{
	const char *params[1] = { s->cfg->search_path };
	PGresult *res;

	if (db_command(&s->db, "SET default_transaction_read_only = on", 0, NULL) < 0)
		return -1;
	if (!s->cfg->search_path)
		return 0;
	res = db_exec(&s->db, "SELECT set_config('search_path', $1, false)", 1, params);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

static const char *plural(long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/*
 * The plan's last word: would up run, and if not why; the exit code says the
 * same as up's would (dirty 1, drift 2, lint errors 1). On stdout after a text
 * or markdown plan; a refusal on stderr for the others (JSON stays parseable).
 */
static int print_verdict(const struct plan *p, struct verdict *v, size_t planned, int fmt)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int rc = EXIT_OK;

	for (i = 0; i < p->n; i++)
		v->lint_errors += lint_errors(&p->items[i]);
	if (v->dirty)
		strbuf_addf(&sb, "%d dirty version%s", v->dirty, plural(v->dirty, "", "s"));
	if (v->drift)
		strbuf_addf(&sb, "%s%d modified migration%s", sb.len ? ", " : "", v->drift,
			    plural(v->drift, "", "s"));
	if (v->lint_errors)
		strbuf_addf(&sb, "%s%zu lint error%s", sb.len ? ", " : "", v->lint_errors,
			    plural((long)v->lint_errors, "", "s"));
	rc = v->dirty ? EXIT_FAILED : v->drift ? EXIT_USAGE : v->lint_errors ? EXIT_FAILED : EXIT_OK;
	if (fmt == PLAN_TEXT && rc)
		printf("\nup would refuse: %s\n", sb.buf);
	else if (fmt == PLAN_TEXT)
		printf("\nup would run %zu migration%s\n", planned, plural((long)planned, "", "s"));
	else if (rc)
		log_info("up would refuse: %s", sb.buf);
	/* a pull-request comment ends with it too (the cap leaves room for this line) */
	if (fmt == PLAN_MARKDOWN && rc)
		printf("\n**up would refuse: %s**\n", sb.buf);
	else if (fmt == PLAN_MARKDOWN)
		printf("\n**up would run %zu migration%s**\n", planned, plural((long)planned, "", "s"));
	strbuf_release(&sb);
	return rc;
}

/* Where the target stands before and after the n planned migrations. */
static void plan_versions(const struct session *s, int direction, const struct step *steps, size_t n,
			  struct target_result *res)
{
	size_t i;

	res->from = s->h.n ? s->h.rows[s->h.n - 1].version : 0;
	res->to = res->from;
	if (direction > 0) {
		for (i = 0; i < n; i++)
			if (steps[i].version > res->to)
				res->to = steps[i].version;
	} else {
		/* the newest n applied ones are reverted */
		res->to = n < s->h.n ? s->h.rows[s->h.n - n - 1].version : 0;
	}
	res->changed = res->pending = (int)n;
	for (i = 0; i < s->h.n; i++)
		res->dirty += s->h.rows[i].dirty;
}

/* How many migrations the plan shows (its title says it before they are planned):
 * the choice plan_up and plan_down make. */
static size_t plan_count(struct session *s, const struct request *rq)
{
	size_t i, n = 0, total = rq->offline ? s->set.n : s->h.n;
	int steps_left = rq->steps_set ? rq->steps : 1;

	for (i = 0; rq->direction > 0 && i < s->set.n; i++) {
		const struct migration *m = &s->set.items[i];

		if (rq->offline ? m->version <= rq->from : history_find(&s->h, m->version) != NULL)
			continue;
		if (rq->to >= 0 && m->version > rq->to)
			break;
		n++;
	}
	for (i = total; rq->direction < 0 && i-- > 0; n++) {
		int64_t version = rq->offline ? s->set.items[i].version : s->h.rows[i].version;

		if ((rq->offline && version <= rq->from) || (!rq->all && rq->to < 0 && steps_left-- <= 0) ||
		    (rq->to >= 0 && version <= rq->to))
			break;
	}
	return n;
}

/* The plan of one target (the database app->cfg points at): printed, or in a fleet
 * worker (res) printed for plan --all's report. */
static int plan_target(struct app *app, void *arg, struct target_result *res)
{
	const struct request *rq = arg;
	struct session s;
	struct plan p;
	struct step *steps = NULL;
	struct verdict v = { 0, 0, 0 };
	struct stream o;
	size_t i, n = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	plan_init(&p, "plan", rq->direction);
	p.from = rq->offline ? rq->from : 0;
	rc = session_open(&s, app, (rq->offline ? 0 : SESSION_HISTORY) |
			  (rq->fmt == PLAN_JSON ? SESSION_QUIET_FILES : 0));
	if (rc != EXIT_OK)
		goto done;
	if (!rq->offline) {
		if (read_only_session(&s) < 0) {
			rc = EXIT_FAILED;
			goto done;
		}
		/* a tenant schema is named too: the database alone is every tenant's */
		p.database = s.cfg->search_path
			? xasprintf("schema \"%s\" in %s", s.h.schema, s.db.display)
			: xstrdup(s.db.display);
		p.server_version = s.db.server_version;
		history_warnings(&p, &s, &v);
	}
	if (plan_linters(&p, s.cfg, rq->offline ? 0 : s.db.server_version / 10000,
			 rq->offline ? NULL : &(struct lint_options){ .facts = plan_rel_facts,
			 .facts_arg = &s.db, .objects = plan_object_exists,
			 .columns = plan_column_type }) < 0) {
		rc = EXIT_USAGE;
		goto done;
	}
	o.v = &v;
	o.on = !res && rq->fmt != PLAN_MARKDOWN;
	if (o.on && !rq->offline) {
		o.sized = 1;
		if (plan_facts_begin(&o.facts, &p, &s.db, rq->long_running_ms) < 0) {
			rc = EXIT_FAILED;
			goto done;
		}
	}
	if (o.on)
		plan_stream_begin(&o.st, &p, plan_count(&s, rq), rq->fmt, stdout);
	rc = rq->direction > 0 ? plan_up(&p, &s, rq, &o, &steps, &n) : plan_down(&p, &s, rq, &o, &steps, &n);
	if (o.on) {
		/* what was planned is printed: with an error (exit 2), only part of the plan */
		plan_stream_end(&o.st, &p);
		if (rc == EXIT_OK && rq->direction > 0)
			rc = print_verdict(&p, &v, o.st.t.migrations, rq->fmt);
		goto done;
	}
	if (rc != EXIT_OK)
		goto done;
	if (!rq->offline && plan_db_facts(&p, &s.db, rq->long_running_ms) < 0) {
		rc = EXIT_FAILED;
		goto done;
	}
	if (res) {
		plan_versions(&s, rq->direction, steps, n, res);
		plan_fleet_emit(&p, &s, rq->fmt, stdout);
	} else {
		plan_print(&p, rq->fmt, stdout);
		if (rq->direction > 0)
			rc = print_verdict(&p, &v, p.n, rq->fmt);
	}
done:
	if (o.sized)
		plan_facts_end(&o.facts);
	for (i = 0; i < n; i++)
		step_release(&steps[i]);
	free(steps);
	plan_release(&p);
	session_close(&s);
	return rc;
}

/* plan --all: every target's plan, --jobs at once, read-only, grouped by plan. */
static int plan_fleet(struct app *app, struct fleet_opts *fo, struct request *rq)
{
	struct plan_fleet pf = { rq->fmt, rq->direction };

	if (rq->offline || rq->from > 0) {
		log_error("--offline and --from plan without a database; a plan of every target "
			  "reads each target's history");
		return EXIT_USAGE;
	}
	fo->op = rq->direction > 0 ? FLEET_UP : FLEET_DOWN;
	fo->preview = 1;
	fo->label = "plan";
	fo->report = plan_fleet_report;
	fo->report_arg = &pf;
	return fleet_run(app, fo, plan_target, rq);
}

int plan_command(int argc, char **argv, struct app *app, int direction)
{
	struct request rq = { .direction = direction, .fmt = PLAN_TEXT, .from = 0, .to = -1,
			      .steps = 1, .long_running_ms = 60000 };
	struct apply_overrides ov = APPLY_OVERRIDES_INIT;
	struct fleet_opts fo;
	struct cli c;
	int rc, opt;
	const char *name = !strcmp(argv[0], "plan") ? "plan"
			 : direction > 0 ? "up --dry-run" : "down --dry-run";

	/* up/down --dry-run run here: plan's set-up, never up's runner lock */
	app->setup = SESSION_FILES;
	fleet_opts_init(&fo, FLEET_UP);
	cli_init(&c, name, "", "Show what the migrations would do, before anything runs: for each\n"
		 "statement the tables it touches, the lock it takes on each and what that\n"
		 "blocks, rewrites and full scans, every lint finding with its safe\n"
		 "alternative; with a database each table's size and who holds a conflicting\n"
		 "lock right now; the down SQL that would undo each migration. With a database\n"
		 "the pending migrations (read from history); without one (--offline, or none\n"
		 "configured) every migration after --from. Changes nothing: no history table,\n"
		 "no runner lock, only reads of the catalog. With --all (--all-targets), every\n"
		 "target of migrate.yml, --jobs at once, the targets with the same plan shown\n"
		 "once.", plan_options, &app->opts, argc, argv);
	opt = parse(&c, &rq, &ov, &fo);
	rc = apply_options_done(&c, opt, 0, app, &ov);
	if (rc < 0 && fleet_wanted(&fo)) {
		rc = plan_fleet(app, &fo, &rq);
	} else if (rc < 0) {
		if (!database_configured(&app->cfg))
			rq.offline = 1;
		if (rq.from > 0 && !rq.offline) {
			log_error("--from is for a plan without a database: with one, the pending "
				  "migrations come from its history");
			log_hint("add --offline to plan the migrations after --from");
			rc = EXIT_USAGE;
		} else {
			rc = plan_target(app, &rq, NULL);
		}
	}
	fleet_opts_release(&fo);
	return rc;
}

int cmd_plan(int argc, char **argv, struct app *app)
{
	return plan_command(argc, argv, app, 1);
}
