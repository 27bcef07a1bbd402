/* gate.c - the lint gate: the steps about to run, linted with the applied
 * migrations as context; error-level findings stop the run */
#include "run/gate.h"
#include "lint/lint.h"
#include "plan/plan.h"
#include "report/lint_report.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * The gate's findings and verdict, as one report: on every target of a fleet
 * that shares the files it is the same, and shown once there (log_shared).
 */
static int gate_report(const struct lint_result *res, size_t blocking, int unsafe)
{
	const char *nc = getenv("NO_COLOR");
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len), *was;
	const char *s = blocking == 1 ? "" : "s";

	if (!out) {
		log_error("out of memory");
		return EXIT_FAILED;
	}
	lint_result_print(res, LINT_FORMAT_TEXT, out, isatty(STDERR_FILENO) && !(nc && *nc));
	was = log_to(out);
	if (unsafe) {
		log_warning("applying despite %zu lint error%s (--unsafe, recorded in the history log)",
			    blocking, s);
	} else {
		log_error("%zu lint error%s in the pending migrations; nothing was applied", blocking, s);
		log_hint("use the safe alternative shown, allow a finding with \"-- migrate:allow "
			 "RULE reason\" on the line before its statement, or pass --unsafe");
	}
	log_to(was);
	fclose(out);
	log_shared(text);
	free(text);
	return unsafe ? EXIT_OK : EXIT_FAILED;
}

/* Where the gate looks tables up: a tenant schema's own first. */
struct gate_facts {
	struct db *db;
	const char *tenant;  /* a fleet's schema target, else NULL */
};

/*
 * The runner sets a tenant's search_path per transaction (SET LOCAL, safe
 * through a pooler), so the session's is the default one: an unqualified name
 * is looked up in the tenant's schema first, then as the session would.
 */
static int tenant_facts(void *arg, const char *schema, const char *name,
			struct lint_rel_facts *out)
{
	const struct gate_facts *g = arg;
	int rc;

	if (schema || !g->tenant)
		return plan_rel_facts(g->db, schema, name, out);
	rc = plan_rel_facts(g->db, g->tenant, name, out);
	if (rc == 0 && !out->exists)
		rc = plan_rel_facts(g->db, NULL, name, out);
	return rc;
}

static int tenant_objects(void *arg, const char *kind, const char *name)
{
	const struct gate_facts *g = arg;

	return plan_object_exists(g->db, kind, name);
}

/* A tenant's table.column in its own schema first, as tenant_facts looks tables up. */
static int tenant_columns(void *arg, const char *schema, const char *table, const char *column,
			  char **type)
{
	const struct gate_facts *g = arg;

	if (schema || !g->tenant)
		return plan_column_type(g->db, schema, table, column, type);
	return plan_column_type(g->db, g->tenant, table, column, type) == 0 ? 0 :
	       plan_column_type(g->db, NULL, table, column, type);
}

/*
 * Lint the migrations about to run (steps, parsed already), with the applied
 * ones as context. Error-level findings not allowed by a directive stop the run
 * unless --unsafe.
 */
int run_gate(struct session *s, const struct step *steps, size_t nsteps, int unsafe)
{
	/* judged against the database as it is before the run (sizes, what exists) */
	struct gate_facts g = { &s->db, s->cfg->search_path ? s->h.schema : NULL };
	struct lint_options lo = { .cfg = s->cfg, .facts = tenant_facts, .facts_arg = &g,
				   .objects = tenant_objects, .columns = tenant_columns };
	struct linter *l = linter_new(&lo);
	struct lint_result res;
	size_t i, k = 0, blocking;
	int rc = EXIT_OK;

	if (!l)
		return EXIT_USAGE;
	lint_result_init(&res);
	/* what the database already holds, then this run: a table created earlier in
	 * the run is new to everyone (no application uses it yet) */
	for (i = 0; i < s->set.n; i++)
		if (history_find(&s->h, s->set.items[i].version))
			linter_learn_section(l, &s->set.items[i].up);
	linter_begin_run(l);
	for (i = 0; i < s->set.n && k < nsteps; i++) {
		struct migration *m = &s->set.items[i];

		if (m->version == steps[k].version)
			lint_section_parsed(l, &m->up, &steps[k++].script, &res);
	}
	blocking = lint_result_blocking(&res);
	if (blocking)
		rc = gate_report(&res, blocking, unsafe);
	lint_result_release(&res);
	linter_free(l);
	return rc;
}
