/* lint.h - the lock-danger linter: public API for `migrate lint` and `migrate up`
 *
 *   struct linter *l = linter_new(&(struct lint_options){ .cfg = &app->cfg });
 *   struct lint_result res;
 *   lint_result_init(&res);
 *   for each applied migration:  linter_learn_section(l, &m->up);   (optional: context)
 *   for each pending migration:  lint_section(l, &m->up, &res);
 *   if (lint_result_blocking(&res)) {
 *           lint_result_print(&res, LINT_FORMAT_TEXT, stderr, -1);
 *           ... refuse unless --unsafe ...
 *   }
 *   lint_result_release(&res);
 *   linter_free(l);
 *
 * The linter keeps a model of the schema built from the sections it has
 * seen, in order (tables, columns and their types, CHECK constraints,
 * indexes, functions), so feed migrations oldest first.
 */
#ifndef MIGRATE_LINT_H
#define MIGRATE_LINT_H

#include <stdio.h>
#include <stddef.h>

#include "config/config.h"
#include "sql/migration.h"

struct sql_script;

enum lint_severity { LINT_OFF = 0, LINT_WARNING = 1, LINT_ERROR = 2 };
/* "error", "warning", "off": as configs, output and the catalog spell them */
const char *lint_severity_name(enum lint_severity s);

struct lint_finding {
	char *rule;                /* "set-not-null", a custom id, or "parse-error" */
	enum lint_severity severity;
	char *file;
	int line, col;             /* 1-based; col counts characters */
	int end_line, end_col;     /* end of the clause (exclusive column) */
	char *message;             /* one line */
	char *lock;                /* "ACCESS EXCLUSIVE", NULL when unknown */
	char *table;               /* relation the lock is on, NULL when unknown */
	int blocks_reads, blocks_writes;
	int rewrite, scan;
	char *help;                /* the safe alternative (SQL steps), may be NULL */
	char *source;              /* the source line of `line`, for the caret */
	int allowed;               /* suppressed by -- migrate:allow (with its reason) */
	char *allow_reason;
};

struct lint_result {
	struct lint_finding *items;
	size_t n, alloc;
	int files;                 /* files (sections) linted */
	int statements;            /* statements linted */
	int parse_errors;          /* sections the parser could not read */
	char *last_file;           /* internal: to count files */
	/*
	 * Set by the caller (migrate lint) to print findings as they come: the findings
	 * that can no longer change or move are handed to emit in their final order and
	 * freed (items then holds only the rest); the counts below keep what they were.
	 */
	void (*emit)(void *arg, const struct lint_finding *f);
	/* Or, with emit set too: the findings handed over whole, items[0, n) and the array
	 * then the callee's to free (lint_finding_release each), e.g. printed on a thread. */
	void (*emit_batch)(void *arg, struct lint_finding *items, size_t n);
	void *emit_arg;
	size_t emitted_blocking;   /* of lint_result_blocking */
	size_t emitted_count[3];   /* of lint_result_count, by severity */
};

void lint_result_init(struct lint_result *r);
void lint_result_release(struct lint_result *r);
/* With emit set: hand items[0, n) to it, free them. */
void lint_result_flush(struct lint_result *r);
/* Free a finding's strings. */
void lint_finding_release(struct lint_finding *f);
/* Error-level findings not allowed by a directive (parse errors not included). */
size_t lint_result_blocking(const struct lint_result *r);
/* Counts of the findings that are shown (not allowed), by severity. */
size_t lint_result_count(const struct lint_result *r, enum lint_severity sev);

/*
 * What the live catalog says about a relation, before the run: the caller
 * (plan, the up gate) reads it from the database; lint itself never connects.
 */
struct lint_rel_facts {
	int exists;                /* the relation (a table, an index...) exists now */
	double rows;               /* its table's pg_class.reltuples; < 0 never analyzed */
	long long bytes;           /* its table's pg_total_relation_size; < 0 unknown */
};
/* Fill *out for the relation schema.name (schema NULL: the search path); 0, or -1
 * when the database cannot tell (then the finding keeps its offline judgement). */
typedef int (*lint_facts_fn)(void *arg, const char *schema, const char *name,
			     struct lint_rel_facts *out);

/*
 * More of the live catalog, with the facts callback's arg: does an object other
 * than a relation exist now (kind as a DROP names it: "function", "procedure",
 * "type", "domain", "schema", "extension", "sequence", "view", "materialized
 * view"; 1 yes, 0 no, -1 cannot tell); the type of [schema.]table.column now (schema NULL: the search path), as
 * format_type() spells it ("character varying(10)"), in *type (malloc'd): 0, or
 * -1 when there is no such column or the database cannot tell.
 */
typedef int (*lint_object_fn)(void *arg, const char *kind, const char *name);
typedef int (*lint_column_fn)(void *arg, const char *schema, const char *table, const char *column,
			      char **type);

struct lint_options {
	const struct config *cfg;  /* lint.pg_version, lint.rules, lint.exclude, lint.custom,
				    * lint.small_table; may be NULL */
	int pg_version;            /* 0: cfg's lint.pg_version, else the newest the parser knows */
	const char *const *exclude; /* more rule ids to turn off (--exclude) */
	size_t nexclude;
	/*
	 * Connected (up, plan, up --dry-run): findings are judged against the live
	 * catalog. A statement on a relation that does not exist yet, or that this
	 * run creates, is not reported; a lock, rewrite or scan on a table smaller
	 * than lint.small_table is a warning that says its size; compatibility
	 * dangers (dropping, renaming, truncating what exists) stay errors. NULL:
	 * the offline judgement of `migrate lint`.
	 */
	lint_facts_fn facts;
	void *facts_arg;
	/* connected too, optional: a DROP ... IF EXISTS of an object that is not there
	 * (and that the run does not create) drops nothing; a column's current type
	 * (for ALTER COLUMN TYPE) is the catalog's unless this run changed it */
	lint_object_fn objects;
	lint_column_fn columns;
	/* no section is linted as a down (lint_section_isolated, LINT_JOB_ISOLATED): the
	 * names the migrations create, which only a down's drops-nothing asks about, are
	 * not kept (a 200 MB file creates millions) */
	int no_downs;
};

struct linter;

/*
 * A linter for these options; NULL after printing errors (an unknown rule
 * id in the config, a custom pattern that does not compile).
 */
struct linter *linter_new(const struct lint_options *opts);
void linter_free(struct linter *l);
int linter_pg_version(const struct linter *l);

/* Lint one section (an up or a down file); findings are appended to r. */
void lint_section(struct linter *l, const struct section *sec, struct lint_result *r);
/* The same with the section already split and parsed by sql_script_parse (the
 * runner's step): not parsed a second time. */
void lint_section_parsed(struct linter *l, const struct section *sec,
			 const struct sql_script *script, struct lint_result *r);

/*
 * Lint text as one file (stdin, a file outside a migrations directory).
 * The transaction mode is decided as the runner does: its own BEGIN/COMMIT,
 * -- migrate:no-transaction, statements that cannot run in a transaction.
 */
void lint_text(struct linter *l, const char *sql, const char *file, int line_base,
	       struct lint_result *r);

/*
 * Lint a down section against the schema as its up left it, without
 * changing the model (the next up does not see the down's effects): the
 * down changes the model under a savepoint that is rolled back after it, at
 * a cost in proportion to what the down touches.
 */
void lint_section_isolated(struct linter *l, const struct section *sec, struct lint_result *r);

/*
 * From now on the sections linted are one run of `migrate up`: a relation
 * created by an earlier section of the run counts as new, as if created in
 * the same migration (no running application uses it yet). `migrate lint`
 * never calls this: in a pull request, an earlier migration may already be
 * deployed by the time a later one runs.
 */
void linter_begin_run(struct linter *l);

/*
 * A run of downs (plan --down, down --dry-run), newest first: before linting each
 * down, the tables that the downs after it in the run drop (NULL: none). A
 * statement of the down on one of them (an index dropped or built, a column
 * altered) is judged by that DROP TABLE, as one on a table its own down drops
 * later is. lint_script_dropped_tables adds the tables a parsed section drops.
 */
struct strlist;
void linter_doomed_later(struct linter *l, const struct strlist *tables);
void lint_script_dropped_tables(const struct sql_script *script, struct strlist *out);

/*
 * Foreign keys the migrations seen so far created: the table the key constraint
 * of table references (NULL: none known), and (added to out) every table that a
 * key of table references. Dropping the key, or table, takes ACCESS EXCLUSIVE on
 * those too.
 */
const char *linter_fk_references(const struct linter *l, const char *table, const char *constraint);
void linter_fk_tables(const struct linter *l, const char *table, struct strlist *out);

/* Update the model from an already applied section; no findings. */
void linter_learn_section(struct linter *l, const struct section *sec);

/*
 * Many sections in order, as the functions above would: the parsing runs
 * ahead on other threads (the parser is thread-safe), the rules in order on
 * this one. What lint_section / _isolated / linter_learn_section do, faster.
 */
enum lint_job_kind { LINT_JOB_LINT, LINT_JOB_ISOLATED, LINT_JOB_LEARN };
struct lint_job {
	const struct section *sec;
	enum lint_job_kind kind;
};
void lint_jobs(struct linter *l, const struct lint_job *jobs, size_t n, struct lint_result *r);

/*
 * The static SQL a statement runs in PL/pgSQL, for predictions (plan): the body of
 * a DO block, and of each PL/pgSQL function defined earlier in the script that it
 * calls (SELECT f(), CALL p(), PERFORM f() inside a body), a few levels deep; the
 * text of an EXECUTE of a string constant too, never dynamic SQL. fn gets each
 * statement parsed, in order (its text and positions are the body's, not the file's).
 */
struct sql_stmt;
typedef void (*lint_body_fn)(const struct sql_stmt *s, void *ud);
void lint_body_stmts(const struct sql_script *script, size_t si, lint_body_fn fn, void *ud);

/* The rule catalog (rules/RULE.yaml, embedded). */
int lint_rule_exists(const char *id);

#endif
