/* plan_json.c - a plan (or a rehearsal) as JSON; the schema is in docs/review.md */
#include "plan/plan.h"
#include "report/plan_format.h"
#include "base/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *strlist_json(const struct strlist *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

static json_t *effect_json(const struct plan_effect *e, int observed)
{
	json_t *o = json_object();

	json_object_set_new(o, "schema", json_string_or_null(e->schema));
	json_object_set_new(o, "name", json_string_or_null(e->name));
	json_object_set_new(o, "kind", json_string(e->kind));
	json_object_set_new(o, "table", json_string_or_null(e->parent));
	json_object_set_new(o, "lock", e->mode ? json_string(lock_mode_name(e->mode)) : json_null());
	json_object_set_new(o, "blocks_reads", json_boolean(lock_blocks_reads(e->mode)));
	json_object_set_new(o, "blocks_writes", json_boolean(lock_blocks_writes(e->mode)));
	json_object_set_new(o, "rewrite", json_boolean(e->rewrite));
	json_object_set_new(o, "scan", json_boolean(e->scan));
	if (observed) {
		json_object_set_new(o, "already_held", !e->mode && plan_effect_held(e)
				    ? json_string(lock_mode_name(plan_effect_held(e))) : json_null());
		json_object_set_new(o, "created_by_migration", json_boolean(e->created));
	} else {
		json_object_set_new(o, "rows", e->found && e->rows >= 0 ? json_integer((json_int_t)e->rows)
								  : json_null());
		json_object_set_new(o, "bytes", e->found && e->bytes >= 0 ? json_integer(e->bytes)
									  : json_null());
	}
	return o;
}

static json_t *stmt_json(const struct plan_stmt *s)
{
	json_t *o = json_object(), *locks = json_array(), *findings = json_array();
	size_t i;

	json_object_set_new(o, "file", json_string_or_null(s->file));
	json_object_set_new(o, "line", json_integer(s->line));
	json_object_set_new(o, "column", json_integer(s->col));
	json_object_set_new(o, "kind", json_string(s->kind));
	json_object_set_new(o, "sql", json_string_or_null(s->text));
	json_object_set_new(o, "in_transaction_allowed", json_boolean(!s->no_tx));
	for (i = 0; i < s->neffects; i++)
		json_array_append_new(locks, effect_json(&s->effects[i], 0));
	json_object_set_new(o, "locks", locks);
	for (i = 0; i < s->nfindings; i++) {
		const struct plan_finding *f = &s->findings[i];
		json_t *x = json_object();

		json_object_set_new(x, "rule", json_string(f->rule));
		json_object_set_new(x, "severity", json_string(plan_severity_name(f->severity)));
		json_object_set_new(x, "line", json_integer(f->line));
		json_object_set_new(x, "column", json_integer(f->col));
		json_object_set_new(x, "message", json_string_or_null(f->message));
		json_object_set_new(x, "help", json_string_or_null(f->help));
		json_object_set_new(x, "allowed", json_boolean(f->allowed));
		json_object_set_new(x, "reason", json_string_or_null(f->reason));
		json_array_append_new(findings, x);
	}
	json_object_set_new(o, "findings", findings);
	json_object_set_new(o, "warnings", strlist_json(&s->warnings));
	if (s->batch) {
		json_t *b = json_object();

		json_object_set_new(b, "size", json_integer(s->batch));
		json_object_set_new(b, "rows_estimate", s->batch_rows >= 0 ?
				    json_integer((json_int_t)s->batch_rows) : json_null());
		json_object_set_new(o, "batch", b);
	}
	if (s->rehearsed) {
		json_t *ob = json_object(), *seen = json_array();

		json_object_set_new(ob, "from_second_connection", json_boolean(s->polled));
		for (i = 0; i < s->nseen; i++)
			json_array_append_new(seen, effect_json(&s->seen[i], 1));
		json_object_set_new(ob, "locks", seen);
		json_object_set_new(ob, "rebuilt_indexes", strlist_json(&s->rebuilt));
		json_object_set_new(ob, "differences", strlist_json(&s->diffs));
		json_object_set_new(ob, "notes", strlist_json(&s->notes));
		json_object_set_new(o, "observed", ob);
	} else {
		json_object_set_new(o, "observed", json_null());
	}
	return o;
}

static json_t *migration_json(const struct plan_migration *m)
{
	json_t *o = json_object(), *stmts = json_array();
	size_t i;

	json_object_set_new(o, "version", json_string_or_null(m->version_str));
	json_object_set_new(o, "name", json_string_or_null(m->name));
	json_object_set_new(o, "direction", json_string(m->direction > 0 ? "up" : "down"));
	json_object_set_new(o, "file", json_string_or_null(m->file));
	json_object_set_new(o, "transaction", json_string(tx_mode_name(m->mode)));
	json_object_set_new(o, "lock_timeout_ms", m->lock_timeout_ms >= 0 ? json_integer(m->lock_timeout_ms)
									 : json_null());
	json_object_set_new(o, "statement_timeout_ms", m->statement_timeout_ms >= 0
			    ? json_integer(m->statement_timeout_ms) : json_null());
	for (i = 0; i < m->nstmts; i++)
		json_array_append_new(stmts, stmt_json(&m->stmts[i]));
	json_object_set_new(o, "statements", stmts);
	if (m->direction > 0 && m->undo_sql) {
		json_t *d = json_object();
		json_object_set_new(d, "file", json_string_or_null(m->undo_file));
		json_object_set_new(d, "sql", json_string(m->undo_sql));
		json_object_set_new(o, "down", d);
	} else {
		json_object_set_new(o, "down", json_null());
	}
	json_object_set_new(o, "warnings", strlist_json(&m->warnings));
	if (m->outcome) {
		json_t *r = json_object();
		json_object_set_new(r, "outcome", json_string(m->outcome));
		json_object_set_new(r, "failures", strlist_json(&m->failures));
		json_object_set_new(r, "schema_differences", strlist_json(&m->schema_diff));
		json_object_set_new(o, "rehearsal", r);
	} else {
		json_object_set_new(o, "rehearsal", json_null());
	}
	return o;
}

/* Everything but the migrations (an empty array), with the summary of t. */
static json_t *plan_json_head(const struct plan *p, const struct plan_totals *t)
{
	json_t *root = json_object(), *sum = json_object();

	json_object_set_new(root, "command", json_string(p->command));
	json_object_set_new(root, "direction", json_string(p->direction > 0 ? "up" : "down"));
	json_object_set_new(root, "database", json_string_or_null(p->database));
	json_object_set_new(root, "offline_from", !p->database && p->from > 0
			    ? json_version_or_null(p->from) : json_null());
	json_object_set_new(root, "server_version", json_integer_or_null(p->server_version));
	json_object_set_new(root, "pg_version", json_integer_or_null(p->pg_version));
	json_object_set_new(root, "scratch", json_string_or_null(p->scratch));
	json_object_set_new(root, "with_data_rows", p->with_data_rows >= 0
			    ? json_integer(p->with_data_rows) : json_null());
	json_object_set_new(root, "warnings", strlist_json(&p->warnings));
	json_object_set_new(root, "migrations", json_array());
	json_object_set_new(sum, "migrations", json_integer((json_int_t)t->migrations));
	json_object_set_new(sum, "statements", json_integer((json_int_t)t->stmts));
	json_object_set_new(sum, "errors", json_integer((json_int_t)t->errors));
	json_object_set_new(sum, "warnings", json_integer((json_int_t)t->warnings));
	json_object_set_new(sum, "rewrites", json_integer((json_int_t)t->rewrites));
	json_object_set_new(sum, "full_scans", json_integer((json_int_t)t->scans));
	if (!strcmp(p->command, "rehearse")) {
		json_object_set_new(sum, "failed", json_integer((json_int_t)t->failed));
		json_object_set_new(sum, "differences_from_plan", json_integer((json_int_t)t->diffs));
	}
	json_object_set_new(root, "summary", sum);
	return json_with_format_version(root);
}

json_t *plan_json(const struct plan *p)
{
	struct plan_totals t;
	json_t *root, *items;
	size_t i;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < p->n; i++)
		plan_totals_add(&t, &p->items[i]);
	root = plan_json_head(p, &t);
	items = json_object_get(root, "migrations");
	for (i = 0; i < p->n; i++)
		json_array_append_new(items, migration_json(&p->items[i]));
	free(t.top_name);
	return root;
}

/* json_dumps fails only when memory does */
static void json_failed(void)
{
	log_error("out of memory printing the plan as JSON");
	exit(EXIT_FAILED);
}

#define MIGRATIONS_KEY "\n  \"migrations\": ["

/* The head with the summary of t, printed as plan_print prints it; *key points at
 * its empty migrations array, "\n  \"migrations\": []" (no string holds a raw newline,
 * so that is the key itself). The caller frees the text. */
static char *head_text(const struct plan *p, const struct plan_totals *t, const char **key)
{
	json_t *head = plan_json_head(p, t);
	char *text = json_dumps(head, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(head);
	if (!text || !(*key = strstr(text, MIGRATIONS_KEY "]")))
		json_failed();
	return text;
}

void plan_json_begin(const struct plan *p, FILE *out)
{
	struct plan_totals t;
	const char *key;
	char *text;

	memset(&t, 0, sizeof(t));
	text = head_text(p, &t, &key);
	fwrite(text, 1, (size_t)(key - text) + strlen(MIGRATIONS_KEY), out);
	free(text);
}

void plan_json_migration(const struct plan_migration *m, size_t index, FILE *out)
{
	json_t *o = migration_json(m);
	char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER), *line, *eol;

	json_decref(o);
	if (!text)
		json_failed();
	/* an element of the array at depth 1: each line indented by two more levels */
	fputs(index ? ",\n" : "\n", out);
	for (line = text; line; line = eol ? eol + 1 : NULL) {
		eol = strchr(line, '\n');
		fprintf(out, "    %.*s%s", eol ? (int)(eol - line) : (int)strlen(line), line, eol ? "\n" : "");
	}
	free(text);
}

void plan_json_end(const struct plan *p, const struct plan_totals *t, FILE *out)
{
	const char *key;
	char *text = head_text(p, t, &key);

	fprintf(out, "%s%s\n", t->migrations ? "\n  ]" : "]", key + strlen(MIGRATIONS_KEY) + 1);
	free(text);
}
