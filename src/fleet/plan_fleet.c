/* plan_fleet.c - plan --all: each worker prints its target's plan as one line of
 * JSON; the report groups the targets whose plans are the same (the same
 * migrations to run, the same findings, the same state of history) and shows
 * each group once, with its count and names, then each group's plan once. */
#include "fleet/plan_fleet.h"
#include "report/md_escape.h"
#include "report/plan_report.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

#define NAMES_SHOWN 8      /* target names per group before "and N more" */
#define VERSIONS_SHOWN 3   /* versions in a group's title */
#define FAILED_SHOWN 20    /* targets that could not be planned, each with its error */

/* --- in the worker ------------------------------------------------------------------ */

static char *render(const struct plan *p, enum plan_format fmt)
{
	struct plan shown = *p;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		return xstrdup("");
	shown.md_level = 4; /* under the report's "###" of its group */
	plan_print(&shown, fmt, mem);
	fclose(mem);
	return text;
}

void plan_fleet_emit(const struct plan *p, struct session *s, enum plan_format fmt, FILE *out)
{
	json_t *doc = json_object(), *dirty = json_array(), *drifted = json_array();
	size_t i;
	char *line;

	for (i = 0; i < s->h.n; i++) {
		struct history_row *row = &s->h.rows[i];
		struct migration *m = migration_set_find(&s->set, row->version);

		if (row->dirty)
			json_array_append_new(dirty, json_version_or_null(row->version));
		else if (m && !migration_checksum_matches(m, row->checksum))
			json_array_append_new(drifted, json_version_or_null(row->version));
	}
	json_object_set_new(doc, "dirty", dirty);
	json_object_set_new(doc, "drifted", drifted);
	json_object_set_new(doc, "plan", plan_json(p));
	if (fmt != PLAN_JSON) {
		char *text = render(p, fmt);

		json_object_set_new(doc, "rendered", json_string(text));
		free(text);
	}
	line = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fprintf(out, "%s\n", line);
	free(line);
	json_decref(doc);
}

/* --- what makes two plans the same ------------------------------------------------------ */

static size_t array_size(const json_t *o, const char *key)
{
	return json_array_size(json_object_get(o, key));
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void add_versions(struct strbuf *sb, const json_t *arr, size_t max)
{
	size_t i, n = json_array_size(arr);

	for (i = 0; i < n && (!max || i < max); i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", json_string_value(json_array_get(arr, i)));
	if (max && n > max)
		strbuf_addf(sb, " and %zu more", n - max);
}

char *plan_fleet_key(const json_t *doc, int64_t from)
{
	struct strbuf sb = STRBUF_INIT;
	const json_t *plan = json_object_get(doc, "plan"), *migs = json_object_get(plan, "migrations");
	size_t i, j, k;

	strbuf_addf(&sb, "from %lld|dirty ", (long long)from);
	add_versions(&sb, json_object_get(doc, "dirty"), 0);
	strbuf_addstr(&sb, "|drifted ");
	add_versions(&sb, json_object_get(doc, "drifted"), 0);
	strbuf_addf(&sb, "|%s|warnings %zu", str(plan, "direction"), array_size(plan, "warnings"));
	for (i = 0; i < json_array_size(migs); i++) {
		const json_t *m = json_array_get(migs, i), *stmts = json_object_get(m, "statements");
		const json_t *warnings = json_object_get(m, "warnings");

		strbuf_addf(&sb, "|m %s %s %s", str(m, "version"), str(m, "file"), str(m, "transaction"));
		for (j = 0; j < json_array_size(warnings); j++)
			strbuf_addf(&sb, "|mw %s", json_string_value(json_array_get(warnings, j)));
		for (j = 0; j < json_array_size(stmts); j++) {
			const json_t *st = json_array_get(stmts, j), *fs = json_object_get(st, "findings");

			strbuf_addf(&sb, "|s %lld w%zu", (long long)json_integer_value(json_object_get(st, "line")),
				    array_size(st, "warnings"));
			for (k = 0; k < json_array_size(fs); k++) {
				const json_t *f = json_array_get(fs, k);

				strbuf_addf(&sb, "|f %s %s %lld:%lld%s", str(f, "rule"), str(f, "severity"),
					    (long long)json_integer_value(json_object_get(f, "line")),
					    (long long)json_integer_value(json_object_get(f, "column")),
					    json_is_true(json_object_get(f, "allowed")) ? " allowed" : "");
			}
		}
	}
	return strbuf_detach(&sb, NULL);
}

void plan_fleet_names(struct strbuf *sb, const char *const *names, size_t n, size_t max, int md)
{
	size_t i;

	for (i = 0; i < n && (!max || i < max); i++) {
		if (i)
			strbuf_addstr(sb, ", ");
		if (md)
			md_add_code(sb, names[i], 0, 0);
		else
			strbuf_add_escaped(sb, names[i], 0);
	}
	if (max && n > max)
		strbuf_addf(sb, " and %zu more", n - max);
}

/* --- grouping ------------------------------------------------------------------------ */

struct entry {
	const struct fleet_outcome *o;
	json_t *doc;          /* what its worker printed; NULL: not planned */
	char *key;
	size_t group;         /* 1, 2, ... in the order shown; 0: not planned */
};

struct group {
	const char *key;
	size_t count;
	size_t first;         /* its first target: the one whose plan is shown */
	const char **names;
};

struct report {
	const struct plan_fleet *pf;
	struct entry *e;
	size_t n;
	struct group *g;
	size_t ng;
	size_t failed, skipped;
	const char **failed_names, **skipped_names;
};

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static void group_targets(struct report *r, const struct fleet_outcome *o, size_t n)
{
	size_t i, j;

	r->e = xcalloc(n + 1, sizeof(*r->e));
	r->g = xcalloc(n + 1, sizeof(*r->g));
	r->failed_names = xcalloc(n + 1, sizeof(char *));
	r->skipped_names = xcalloc(n + 1, sizeof(char *));
	r->n = n;
	for (i = 0; i < n; i++) {
		struct entry *e = &r->e[i];

		e->o = &o[i];
		if (o[i].skipped) {
			r->skipped_names[r->skipped++] = o[i].name;
			continue;
		}
		if (o[i].got_result && o[i].res.rc == EXIT_OK)
			e->doc = json_loads(o[i].output, 0, NULL);
		if (!e->doc) {
			r->failed_names[r->failed++] = o[i].name;
			continue;
		}
		e->key = plan_fleet_key(e->doc, o[i].res.from);
		for (j = 0; j < r->ng && strcmp(r->g[j].key, e->key); j++)
			;
		if (j == r->ng) {
			r->g[j].key = e->key;
			r->g[j].first = i;
			r->ng++;
		}
		r->g[j].count++;
	}
	qsort(r->g, r->ng, sizeof(*r->g), cmp_group);
	for (j = 0; j < r->ng; j++) {
		r->g[j].names = xcalloc(r->g[j].count + 1, sizeof(char *));
		r->g[j].count = 0;
		for (i = r->g[j].first; i < n; i++)
			if (r->e[i].key && !strcmp(r->e[i].key, r->g[j].key)) {
				r->e[i].group = j + 1;
				r->g[j].names[r->g[j].count++] = o[i].name;
			}
	}
}

static void report_release(struct report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		json_decref(r->e[i].doc);
		free(r->e[i].key);
	}
	for (i = 0; i < r->ng; i++)
		free(r->g[i].names);
	free(r->e);
	free(r->g);
	free(r->failed_names);
	free(r->skipped_names);
}

/* --- what a group is --------------------------------------------------------------------- */

/* Warnings other than lint findings: the plan's, each migration's, each statement's. */
static size_t count_warnings(const json_t *plan)
{
	const json_t *migs = json_object_get(plan, "migrations");
	size_t i, j, n = array_size(plan, "warnings");

	for (i = 0; i < json_array_size(migs); i++) {
		const json_t *m = json_array_get(migs, i), *stmts = json_object_get(m, "statements");

		n += array_size(m, "warnings");
		for (j = 0; j < json_array_size(stmts); j++)
			n += array_size(json_array_get(stmts, j), "warnings");
	}
	return n;
}

static void add_count(struct strbuf *sb, size_t n, const char *what)
{
	if (n)
		strbuf_addf(sb, ", %zu %s%s", n, what, n == 1 ? "" : "s");
}

/* "9 targets at 20261101000000, dirty 20261102000000: 2 to apply (...), 1 lint error" */
static void group_title(struct strbuf *sb, const struct report *r, const struct group *g)
{
	const struct entry *e = &r->e[g->first];
	const json_t *plan = json_object_get(e->doc, "plan"), *migs = json_object_get(plan, "migrations");
	const json_t *summary = json_object_get(plan, "summary");
	size_t i, n = json_array_size(migs);

	strbuf_addf(sb, "%zu target%s ", g->count, g->count == 1 ? "" : "s");
	if (e->o->res.from)
		strbuf_addf(sb, "at %lld", (long long)e->o->res.from);
	else
		strbuf_addstr(sb, "with nothing applied");
	if (json_array_size(json_object_get(e->doc, "dirty"))) {
		strbuf_addstr(sb, ", dirty ");
		add_versions(sb, json_object_get(e->doc, "dirty"), VERSIONS_SHOWN);
	}
	if (json_array_size(json_object_get(e->doc, "drifted"))) {
		strbuf_addstr(sb, ", edited since applied ");
		add_versions(sb, json_object_get(e->doc, "drifted"), VERSIONS_SHOWN);
	}
	if (!n) {
		strbuf_addf(sb, ": nothing to %s", r->pf->direction > 0 ? "apply" : "revert");
	} else {
		strbuf_addf(sb, ": %zu to %s (", n, r->pf->direction > 0 ? "apply" : "revert");
		for (i = 0; i < n && i < VERSIONS_SHOWN; i++)
			strbuf_addf(sb, "%s%s", i ? ", " : "", str(json_array_get(migs, i), "version"));
		if (n > VERSIONS_SHOWN)
			strbuf_addf(sb, " and %zu more", n - VERSIONS_SHOWN);
		strbuf_addch(sb, ')');
	}
	add_count(sb, (size_t)json_integer_value(json_object_get(summary, "errors")), "lint error");
	add_count(sb, (size_t)json_integer_value(json_object_get(summary, "warnings")), "lint warning");
	add_count(sb, count_warnings(plan), "warning");
}

static size_t names_shown(void)
{
	return log_verbosity > 0 ? 0 : NAMES_SHOWN;
}

/* "plan of up on 12 targets: 3 different plans, 1 target could not be planned" */
static void headline(struct strbuf *sb, const struct report *r)
{
	strbuf_addf(sb, "plan of %s on %zu target%s: ", r->pf->direction > 0 ? "up" : "down", r->n,
		    r->n == 1 ? "" : "s");
	if (r->ng <= 1)
		strbuf_addstr(sb, r->ng ? "one plan" : "no plan");
	else
		strbuf_addf(sb, "%zu different plans", r->ng);
	if (r->failed)
		strbuf_addf(sb, ", %zu target%s could not be planned", r->failed, r->failed == 1 ? "" : "s");
	if (r->skipped)
		strbuf_addf(sb, ", %zu not started (--fail-fast)", r->skipped);
}

static const char *failure(const struct entry *e)
{
	if (e->o->error)
		return e->o->error;
	if (e->o->got_result && e->o->res.rc == EXIT_OK)
		return "its plan could not be read";
	return "failed";
}

/* --- text and Markdown ----------------------------------------------------------------- */

/* The groups, one line each with their names; then the targets not planned. */
static void print_overview(const struct report *r, int md)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, shown = 0;

	headline(&sb, r);
	printf(md ? "## migrate %s\n\n" : "%s\n\n", sb.buf);
	for (i = 0; i < r->ng; i++) {
		strbuf_reset(&sb);
		group_title(&sb, r, &r->g[i]);
		strbuf_addstr(&sb, md ? ": " : "\n    ");
		plan_fleet_names(&sb, r->g[i].names, r->g[i].count, names_shown(), md);
		printf(md ? "%zu. %s\n" : "[%zu] %s\n", i + 1, sb.buf);
	}
	if (r->failed)
		printf(md ? "\n:x: **Could not be planned** (%zu target%s):\n\n" : "could not be planned: %zu target%s\n",
		       r->failed, r->failed == 1 ? "" : "s");
	for (i = 0; i < r->n; i++) {
		if (r->e[i].doc || r->e[i].o->skipped)
			continue;
		if (shown++ == FAILED_SHOWN && log_verbosity <= 0) {
			printf(md ? "- and %zu more\n" : "    and %zu more (-v lists all)\n", r->failed - FAILED_SHOWN);
			break;
		}
		strbuf_reset(&sb);
		plan_fleet_names(&sb, &r->e[i].o->name, 1, 0, md);
		printf(md ? "- %s: %s\n" : "    %s: %s\n", sb.buf, shown_text(failure(&r->e[i])));
	}
	if (r->skipped) {
		strbuf_reset(&sb);
		plan_fleet_names(&sb, r->skipped_names, r->skipped, names_shown(), md);
		printf(md ? "\n**Not started** (--fail-fast, %zu): %s\n" : "not started (--fail-fast): %zu\n    %s\n",
		       r->skipped, sb.buf);
	}
	strbuf_release(&sb);
}

/* Each group's plan: its first target's, as the worker rendered it. */
static void print_plans(const struct report *r, int md)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < r->ng; i++) {
		const struct group *g = &r->g[i];

		strbuf_reset(&sb);
		group_title(&sb, r, g);
		printf(md ? "\n### Plan %zu: %s\n\n" : "\n== [%zu] %s ==\n", i + 1, sb.buf);
		strbuf_reset(&sb);
		plan_fleet_names(&sb, g->names, 1, 0, md);
		if (g->count > 1)
			printf(md ? "The plan of %s, the same for the others (table sizes and lock holders "
				    "are its own):\n\n"
				  : "the plan of %s, the same for the others (table sizes and lock holders "
				    "are its own):\n\n", sb.buf);
		else
			printf(md ? "The plan of %s:\n\n" : "the plan of %s:\n\n", sb.buf);
		printf("%s", str(r->e[g->first].doc, "rendered"));
	}
	strbuf_release(&sb);
}

/* --- JSON: one object per target ------------------------------------------------------------ */

static void print_json(const struct report *r)
{
	json_t *root = json_object(), *arr = json_array(), *counts = json_object();
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct entry *e = &r->e[i];
		json_t *t = json_object();

		json_object_set_new(t, "name", json_string_or_null(e->o->name));
		json_object_set_new(t, "kind", json_string(target_kind_name(e->o->kind)));
		json_object_set_new(t, "from", json_version_or_null(e->doc ? e->o->res.from : 0));
		json_object_set_new(t, "to", json_version_or_null(e->doc ? e->o->res.to : 0));
		json_object_set_new(t, "group", json_integer_or_null((int64_t)e->group));
		json_object_set_new(t, "dirty", e->doc ? json_incref(json_object_get(e->doc, "dirty"))
						       : json_array());
		json_object_set_new(t, "drifted", e->doc ? json_incref(json_object_get(e->doc, "drifted"))
							 : json_array());
		json_object_set_new(t, "exit_code", e->o->skipped ? json_null() : json_integer(e->o->res.rc));
		json_object_set_new(t, "error", e->doc ? json_null()
					      : json_string(e->o->skipped ? "not started (--fail-fast)"
									  : failure(e)));
		json_object_set_new(t, "plan", e->doc ? json_incref(json_object_get(e->doc, "plan"))
						      : json_null());
		json_array_append_new(arr, t);
	}
	json_object_set_new(counts, "targets", json_integer((json_int_t)r->n));
	json_object_set_new(counts, "planned", json_integer((json_int_t)(r->n - r->failed - r->skipped)));
	json_object_set_new(counts, "failed", json_integer((json_int_t)r->failed));
	json_object_set_new(counts, "skipped", json_integer((json_int_t)r->skipped));
	json_object_set_new(counts, "plans", json_integer((json_int_t)r->ng));
	json_object_set_new(root, "command", json_string("plan"));
	json_object_set_new(root, "direction", json_string(r->pf->direction > 0 ? "up" : "down"));
	json_object_set_new(root, "targets", arr);
	json_object_set_new(root, "counts", counts);
	json_print_release(root, stdout);
}

int plan_fleet_report(const struct fleet_outcome *o, size_t n, void *arg)
{
	struct report r;

	memset(&r, 0, sizeof(r));
	r.pf = arg;
	group_targets(&r, o, n);
	if (r.pf->fmt == PLAN_JSON)
		print_json(&r);
	else {
		print_overview(&r, r.pf->fmt == PLAN_MARKDOWN);
		print_plans(&r, r.pf->fmt == PLAN_MARKDOWN);
	}
	report_release(&r);
	return r.failed ? EXIT_FAILED : EXIT_OK;
}
