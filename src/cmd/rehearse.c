/* rehearse.c - migrate rehearse: every pending migration up, down and up again
 * on a scratch copy of the target's schema, observing what really happens */
#include "cmd/commands.h"
#include "run/guard.h"
#include "cmd/applyopts.h"
#include "plan/plan.h"
#include "trace/rehearse.h"
#include "trace/scratch.h"
#include "run/session.h"
#include "run/steps.h"
#include "report/plan_report.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_FORMAT = 1, O_SCRATCH_URL, O_WITH_DATA, O_TO };

static const struct cli_option rehearse_options[] = {
	{ O_FORMAT, 0, "format", "FORMAT", "text (default), markdown or json" },
	{ O_SCRATCH_URL, 0, "scratch-url", "URL",
	  "create the scratch database on this server (default: the target's server)" },
	{ O_WITH_DATA, 0, "with-data", "N", "copy up to N rows of every table into the scratch database" },
	{ O_TO, 0, "to", "VERSION", "rehearse pending migrations up to and including VERSION" },
	CLI_END
};

struct pending {
	struct migration *m;
	struct step up, down;
	int has_down;
};

static int prepare(struct session *s, int64_t target, struct pending **out, size_t *nout)
{
	struct pending *p = xcalloc(s->set.n + 1, sizeof(*p));
	size_t i, n = 0;
	int rc = EXIT_OK;

	for (i = 0; i < s->set.n; i++) {
		struct migration *m = &s->set.items[i];
		struct pending *x;

		if (history_find(&s->h, m->version))
			continue;
		if (target >= 0 && m->version > target)
			break;
		x = &p[n++];
		x->m = m;
		x->up.version = x->down.version = m->version;
		x->up.version_str = x->down.version_str = m->version_str;
		x->up.name = x->down.name = m->name;
		x->up.checksum = x->down.checksum = m->checksum;
		x->up.down_sql = m->down.sql;
		if (step_prepare(&x->up, m->up.sql, m->up.path, m->up.line_base, &m->up.dir) < 0 ||
		    guard_steps(&s->h, s->cfg->search_path, &x->up, 1) != EXIT_OK)
			rc = EXIT_USAGE;
		if (m->down.sql && !sql_is_blank(m->down.sql)) {
			x->has_down = 1;
			if (step_prepare(&x->down, m->down.sql, m->down.path, m->down.line_base,
					 &m->down.dir) < 0 || guard_steps(&s->h, s->cfg->search_path, &x->down, 1) != EXIT_OK)
				rc = EXIT_USAGE;
		}
	}
	*out = p;
	*nout = n;
	return rc;
}

/* The rehearsal proper, on a scratch database that the caller always drops. */
static int rehearse_all(struct session *s, struct scratch *sc, struct plan *p,
			struct pending *pend, size_t n, long with_data)
{
	struct db observer;
	struct rehearsal r;
	size_t i;
	int rc, stop = 0;

	memset(&observer, 0, sizeof(observer));
	rc = scratch_load_schema(sc, &s->db);
	if (rc == EXIT_OK)
		rc = scratch_copy_rows(sc, &s->db, &s->h, with_data);
	if (rc != EXIT_OK)
		return rc;
	if (scratch_connect(sc, &observer) < 0)
		return EXIT_CONNECT;
	scratch_watch(&observer);
	memset(&r, 0, sizeof(r));
	r.db = &sc->db;
	r.observer = &observer;
	r.cfg = s->cfg;
	r.hist_schema = s->h.schema;
	r.hist_table = s->h.table;
	r.compare = 1;
	for (i = 0; i < n; i++) {
		struct plan_migration *pm = &p->items[i];

		if (stop || scratch_interrupted()) {
			pm->outcome = "not run";
			strlist_add(&pm->failures, "not run: an earlier migration failed");
			continue;
		}
		log_info("rehearsing %s %s", shown(pend[i].m->version_str), shown(pend[i].m->name));
		if (rehearse_migration(&r, &pend[i].up, pend[i].has_down ? &pend[i].down : NULL, pm) < 0)
			stop = 1;
	}
	db_close(&observer);
	return EXIT_OK;
}

/* One option; CLI_ERROR after printing, else opt. */
static int rehearse_option(int opt, const char *arg, int *fmt, const char **scratch_url,
			   long *with_data, int64_t *target)
{
	int64_t v;

	switch (opt) {
	case O_FORMAT:
		if ((*fmt = plan_format_parse(arg)) < 0) {
			log_error("unknown format \"%s\": text, markdown or json", arg);
			return CLI_ERROR;
		}
		break;
	case O_SCRATCH_URL:
		*scratch_url = arg;
		break;
	case O_WITH_DATA:
		v = parse_int64(arg);
		if (v < 0 || v > 1000000000) {
			log_error("invalid --with-data \"%s\": a number of rows", arg);
			return CLI_ERROR;
		}
		*with_data = (long)v;
		break;
	case O_TO:
		if ((*target = parse_version_arg("--to", arg)) < 0)
			return CLI_ERROR;
		break;
	}
	return opt;
}

int cmd_rehearse(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct session s;
	struct scratch sc;
	struct plan p;
	struct pending *pend = NULL;
	const char *scratch_url = NULL;
	int64_t target = -1;
	long with_data = -1;
	size_t i, n = 0;
	int fmt = PLAN_TEXT, rc, opt;

	cli_init(&c, "rehearse", "", "Rehearse every pending migration on a scratch database (a schema-only\n"
		 "copy of the target, with its history, always dropped afterwards): apply it\n"
		 "statement by statement observing the locks it takes, the tables it rewrites\n"
		 "and scans, compare that with the plan, run its down and prove the schema is\n"
		 "back where it was, then apply it again. Never writes to the target.\n"
		 "Exit 0 when every migration rehearsed cleanly, 1 otherwise.",
		 rehearse_options, &app->opts, argc, argv);
	while ((opt = cli_next(&c)) > 0)
		if ((opt = rehearse_option(opt, c.arg, &fmt, &scratch_url, &with_data, &target)) ==
		    CLI_ERROR)
			break;
	rc = cli_done(&c, opt, 0);
	cli_release(&c);
	if (rc >= 0)
		return rc;
	plan_init(&p, "rehearse", 1);
	p.with_data_rows = with_data;
	rc = session_open(&s, app, SESSION_HISTORY |
			  (fmt == PLAN_JSON ? SESSION_QUIET_FILES : 0));
	if (rc != EXIT_OK)
		goto done;
	/* proof that nothing here writes to the target */
	if (db_command(&s.db, "SET default_transaction_read_only = on", 0, NULL) < 0) {
		rc = EXIT_FAILED;
		goto done;
	}
	if ((rc = steps_refuse_dirty(&s.h)) != EXIT_OK)
		goto done;
	rc = prepare(&s, target, &pend, &n);
	if (rc != EXIT_OK)
		goto done;
	p.database = xstrdup(s.db.display);
	p.server_version = s.db.server_version;
	/* judged as lint judges, but a column's type is the target's */
	if (plan_linters(&p, s.cfg, s.db.server_version / 10000,
			 &(struct lint_options){ .facts_arg = &s.db, .columns = plan_column_type }) < 0) {
		rc = EXIT_USAGE;
		goto done;
	}
	for (i = 0; i < s.set.n; i++)
		if (history_find(&s.h, s.set.items[i].version))
			plan_learn(&p, &s.set.items[i].up);
	for (i = 0; i < n; i++) {
		struct plan_migration *pm = plan_add(&p, &pend[i].up, 1, &pend[i].m->down);
		if (pm->lock_timeout_ms < 0)
			pm->lock_timeout_ms = s.cfg->lock_timeout_ms;
	}
	if (n == 0) {
		if (log_verbosity >= 0 && fmt != PLAN_JSON)
			printf("nothing to rehearse: no pending migration for %s\n", shown_text(s.h.display));
		else if (fmt == PLAN_JSON)
			plan_print(&p, fmt, stdout);
		goto done;
	}
	scratch_guard();
	scratch_watch(&s.db);
	rc = scratch_create(&sc, &s.db, scratch_url, app->opts.verbose);
	if (rc == EXIT_OK) {
		log_info("rehearsing on the scratch %s", shown_text(sc.db.display));
		p.scratch = xstrdup(sc.db.display);
		rc = rehearse_all(&s, &sc, &p, pend, n, with_data);
		scratch_drop(&sc);
	}
	scratch_unguard();
	if (scratch_interrupted()) {
		log_error("interrupted; the scratch database was dropped");
		rc = EXIT_FAILED;
		goto done;
	}
	if (rc != EXIT_OK)
		goto done;
	plan_print(&p, fmt, stdout);
	rc = plan_failures(&p) ? EXIT_FAILED : EXIT_OK;
done:
	for (i = 0; i < n; i++) {
		step_release(&pend[i].up);
		if (pend[i].has_down)
			step_release(&pend[i].down);
	}
	free(pend);
	plan_release(&p);
	session_close(&s);
	return rc;
}
