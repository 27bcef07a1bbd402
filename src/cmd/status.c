/* status.c - migrate status: every version and its state */
#include "cmd/commands.h"
#include "fleet/fleet.h"
#include "run/session.h"
#include "run/steps.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_FORMAT = 1, O_ALL };

static const struct cli_option status_options[] = {
	{ O_FORMAT, 0, "format", "FORMAT", "text (default) or json" },
	{ O_ALL, 0, "all-targets", NULL, "every target in migrate.yml, grouped by version" },
	{ O_ALL, 0, "all", NULL, "the same as --all-targets (the old spelling)" },
	FLEET_CLI_OPTIONS,
	CLI_END
};

struct entry {
	int64_t version;
	const char *version_str;
	const char *name;
	const char *state;
	const char *applied_at;
	const char *file;
	char *runner;      /* running: the runner executing it right now */
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return x->version < y->version ? -1 : x->version > y->version;
}

/*
 * A dirty row while another session holds the runner lock is a migration
 * without a transaction that this runner is executing now: running, not dirty.
 * (apply.lock: advisory; with lock: table a dirty row stays dirty here.)
 */
static void mark_running(struct session *s, struct entry *e, size_t n)
{
	char key[32], *holder = NULL;
	size_t i;
	int asked = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(e[i].state, "dirty") || s->cfg->lock_table)
			continue;
		if (!asked++) {
			snprintf(key, sizeof(key), "%lld", (long long)db_lock_key(s->h.display));
			holder = db_advisory_holder(&s->db, key);
		}
		if (!holder)
			return;
		e[i].state = "running";
		e[i].runner = xstrdup(holder);
	}
	free(holder);
}

/* Files and history rows, merged by version. */
static struct entry *collect(struct session *s, size_t *n)
{
	struct entry *e = xcalloc(s->set.n + s->h.n + 1, sizeof(*e));
	size_t i, k = 0;

	for (i = 0; i < s->set.n; i++) {
		struct migration *m = &s->set.items[i];
		struct history_row *row = history_find(&s->h, m->version);

		e[k].version = m->version;
		e[k].version_str = m->version_str;
		e[k].name = m->name;
		e[k].state = session_state(s, m->version);
		e[k].applied_at = row ? row->applied_at : NULL;
		e[k].file = m->up.path;
		k++;
	}
	for (i = 0; i < s->h.n; i++) {
		struct history_row *row = &s->h.rows[i];
		if (migration_set_find(&s->set, row->version))
			continue;
		e[k].version = row->version;
		e[k].name = row->name;
		e[k].state = row->dirty ? "dirty" : "missing";
		e[k].applied_at = row->applied_at;
		k++;
	}
	qsort(e, k, sizeof(*e), cmp_entry);
	mark_running(s, e, k);
	*n = k;
	return e;
}

static void print_json(struct session *s, struct entry *e, size_t n)
{
	json_t *root = json_object(), *arr = json_array(), *counts = json_object();
	static const char *const states[] = { "applied", "pending", "modified", "missing", "dirty",
					      "running" };
	size_t i, j;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "version", json_version_or_null(e[i].version));
		json_object_set_new(o, "name", json_string_or_null(e[i].name));
		json_object_set_new(o, "state", json_string(e[i].state));
		json_object_set_new(o, "applied_at", json_string_or_null(e[i].applied_at));
		json_object_set_new(o, "file", json_string_or_null(e[i].file));
		if (e[i].runner)
			json_object_set_new(o, "runner", json_string_or_null(e[i].runner));
		json_array_append_new(arr, o);
	}
	for (j = 0; j < ARRAY_SIZE(states); j++) {
		size_t c = 0;
		for (i = 0; i < n; i++)
			c += !strcmp(e[i].state, states[j]);
		json_object_set_new(counts, states[j], json_integer((json_int_t)c));
	}
	json_object_set_new(root, "database", json_string_or_null(s->db.display));
	json_object_set_new(root, "table", json_string_or_null(s->h.display));
	json_object_set_new(root, "migrations", arr);
	json_object_set_new(root, "counts", counts);
	json_print_release(root, stdout);
}

static void print_text(struct session *s, struct entry *e, size_t n)
{
	size_t i, applied = 0, pending = 0, other = 0;

	printf("database: %s\nhistory:  %s\n\n", shown_text(s->db.display), shown_text(s->h.display));
	printf("%-16s %-9s %-21s %s\n", "VERSION", "STATE", "APPLIED AT", "NAME");
	for (i = 0; i < n; i++) {
		char v[32];

		if (!e[i].version_str)
			snprintf(v, sizeof(v), "%lld", (long long)e[i].version);
		printf("%-16s %-9s %-21s %s%s%s%s\n", e[i].version_str ? shown(e[i].version_str) : v,
		       e[i].state, e[i].applied_at ? e[i].applied_at : "-", shown(e[i].name),
		       e[i].runner ? " (by " : "", e[i].runner ? shown_text(e[i].runner) : "",
		       e[i].runner ? ")" : "");

		if (!strcmp(e[i].state, "applied"))
			applied++;
		else if (!strcmp(e[i].state, "pending"))
			pending++;
		else
			other++;
	}
	printf("\n%zu applied, %zu pending", applied, pending);
	if (other) {
		static const char *const states[] = { "modified", "missing", "dirty", "running" };
		size_t j;
		for (j = 0; j < ARRAY_SIZE(states); j++) {
			size_t c = 0;
			for (i = 0; i < n; i++)
				c += !strcmp(e[i].state, states[j]);
			if (c)
				printf(", %zu %s", c, states[j]);
		}
	}
	printf("\n");
}

/* Dirty versions that the next up (or down) resumes (batched migrations stopped part way). */
static void print_resumable(struct session *s)
{
	size_t i;

	for (i = 0; i < s->h.n; i++) {
		struct history_row *row = &s->h.rows[i];
		struct migration *m = migration_set_find(&s->set, row->version);
		int down = steps_resumable_down(row, m) > 0;
		json_t *p;

		if (!down && !steps_resumable(row, m))
			continue;
		p = json_loads(row->progress, 0, NULL);
		printf("%lld %s: stopped part way through %s (%lld rows in %lld batches "
		       "committed); \"migrate %s\" resumes it\n", (long long)row->version, shown(row->name),
		       down ? "the batches of its down" : "its batches",
		       (long long)json_integer_value(json_object_get(p, "rows")),
		       (long long)json_integer_value(json_object_get(p, "batches")), down ? "down" : "up");
		json_decref(p);
	}
}

/* One target's status: printed, or (in a fleet worker) summed up in res. */
static int status_target(struct app *app, void *arg, struct target_result *res)
{
	const char *format = arg;
	struct session s;
	struct entry *e = NULL;
	size_t n = 0, i;
	int rc;

	rc = session_open(&s, app, SESSION_HISTORY |
			  (strcmp(format, "json") ? 0 : SESSION_QUIET_FILES));
	if (rc != EXIT_OK)
		goto done;
	e = collect(&s, &n);
	if (res) {
		for (i = 0; i < s.h.n; i++)
			if (s.h.rows[i].version > res->to)
				res->to = res->from = s.h.rows[i].version;
		for (i = 0; i < n; i++)
			res->pending += !strcmp(e[i].state, "pending");
	} else if (!strcmp(format, "json")) {
		print_json(&s, e, n);
	} else {
		print_text(&s, e, n);
		print_resumable(&s);
	}
	for (i = 0; i < n; i++)
		if (!strcmp(e[i].state, "dirty")) {
			rc = EXIT_FAILED;
			if (res)
				res->dirty++;
		}
done:
	for (i = 0; i < n; i++)
		free(e[i].runner);
	free(e);
	session_close(&s);
	return rc;
}

int cmd_status(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct fleet_opts fo;
	const char *format = "text";
	int rc, opt;

	fleet_opts_init(&fo, FLEET_STATUS);
	cli_init(&c, "status", "", "Show every migration: applied, pending, modified (edited since it was\n"
		 "applied), missing (applied, file gone) or dirty (failed part way).\n"
		 "Changes nothing, not even the history table. With --all, every target\n"
		 "of migrate.yml, grouped by the version it is at.", status_options, &app->opts,
		 argc, argv);
	while ((opt = cli_next(&c)) > 0) {
		int h = fleet_option(&fo, opt, c.arg);

		if (h < 0) {
			opt = CLI_ERROR;
			break;
		}
		if (opt == O_FORMAT)
			format = c.arg;
		else if (opt == O_ALL)
			fo.all = 1;
	}
	opt = cli_check_format(opt, format);
	rc = cli_done(&c, opt, 0);
	cli_release(&c);
	if (rc < 0) {
		fo.json = !strcmp(format, "json");
		rc = fleet_or_one(app, &fo, status_target, (void *)format);
	}
	fleet_opts_release(&fo);
	return rc;
}
