/* lint_int.h - internals shared by the linter's files (not for other modules) */
#ifndef MIGRATE_LINT_INT_H
#define MIGRATE_LINT_INT_H

#include <stddef.h>

#include "lint/catalog.h"
#include "lint/lint.h"
#include "lint/schema.h"
#include "base/strmap.h"
#include "sql/locks.h"
#include "sql/pgnode.h"
#include "sql/script.h"
#include "sql/step.h"

struct strbuf;

/* ---- the rule catalog (catalog.c) ---- */


/* ---- tokens of a section (tokens.c) ---- */

struct tok {
	int start, end;   /* byte offsets, end exclusive */
	int kind;         /* PgQuery__Token */
	int kw;           /* PgQuery__KeywordKind */
};

struct toklist {
	struct tok *t;
	size_t n, alloc;
	int ok;           /* the scanner succeeded */
	int borrowed;     /* t points into another list's (not freed) */
};

void toklist_scan(struct toklist *tl, const char *src);
/* Scan src, whose first byte is at offset base of the section. */
void toklist_scan_at(struct toklist *tl, const char *src, int base);
void toklist_release(struct toklist *tl);
/* Index of the first token starting at or after off (tl->n if none). */
size_t toklist_at(const struct toklist *tl, int off);

/* A byte range of the script. */
struct span {
	int start, end;
};

/* ---- directives -- migrate:allow / -- migrate:disable (directives.c) ---- */

struct allow_dir {
	char *rule;
	char *reason;     /* NULL when missing */
	int offset;       /* of the comment */
	int stmt;         /* statement index it applies to, -1 none */
	int used;
};

struct lint_dirs {
	struct allow_dir *allow;
	size_t nallow, aallow;
	char **disabled;
	int *disabled_off;
	size_t ndisabled, adisabled, adisabled_off;
};

/* ---- the context of one section ---- */

/* A lock held in the current transaction (rules_tx.c). */
struct held_lock {
	char *table;          /* key: lower-level name as written */
	enum lock_mode mode;
	int stmt;             /* statement that took it */
	int line;
	int ael_alters;       /* ALTER TABLE statements that scanned or rewrote it */
	int first_alter_line; /* the first of them */
	int warned_multi;
};

struct added_constraint {
	char *table, *name;
	int line;
};

struct added_enum_value {
	char *type, *value;
	int line;
};

struct tx_state {
	int id;               /* transaction number in the section, 0 when none yet */
	struct held_lock *locks;
	size_t nlocks, alocks;
	struct strmap lock_by_table;
	int first_danger;     /* index in locks of the first dangerous lock, -1 */
	struct added_constraint *cons;
	size_t ncons, acons;
	struct strmap cons_by_key;   /* "name\ntable" -> the first of cons with them */
	struct added_enum_value *enums;
	size_t nenums, aenums;
};


/*
 * A text inserted into the section as the rules read it, at byte at (the SQL
 * of a PL/pgSQL body, linted where it does not stand verbatim): bytes from at
 * on are the inserted ones, then the section's again. Nested in under.
 */
struct src_view {
	const struct src_view *under;
	const char *text;
	int at, len;
};

struct lint_ctx {
	struct linter *l;
	struct lint_result *res;      /* NULL when only learning */
	size_t res_first;             /* the section's first finding in res (sorted at its end) */
	const struct sql_script *script;
	const char *file;
	const char *src;
	const struct src_view *view;  /* NULL: the rules read src as it is */
	int line_base;
	int pg;                       /* server major version */
	struct schema *schema;
	int seq;                      /* this section's number, for "created in this migration" */
	int run_seq;                  /* first section of the run (linter_begin_run), 0: none */
	int revert_seq;               /* a down section: the number of the up it reverts, else 0 */
	struct toklist toks;          /* through ctx_toks(): the section's, when scanned */
	int toks_scanned;
	struct toklist stoks;         /* the current statement's (stoks_for), else */
	long stoks_for;
	const struct toklist *piece_toks; /* streamed: the piece's in hand, scanned ahead */
	int *line_starts;             /* byte offsets of line starts in src */
	size_t nlines;
	struct lint_dirs dirs;
	enum tx_mode mode;
	int tx_count, tx_block;       /* TX_SELF: transactions so far, one open (engine.c tx_next) */
	int tx_now, in_tx;            /* the current statement's transaction number, in a block */
	int mixed_tx_stmt;            /* TX_MIXED: first statement that needs a transaction */
	int open_begin_stmt;          /* TX_SELF: a BEGIN never committed, -1 */
	struct tx_state tx;
	/* the current statement */
	size_t si;
	const struct sql_stmt *st;
	int stmt_errors;              /* error-level findings emitted for it */
	struct strmap doomed;         /* a down: table -> the last statement that drops it */
	struct plpgsql_index *plpgsql; /* the section's functions and calls (plpgsql.c), or NULL */
	/* What the statements of the section hold, noted before the rules run (the
	 * statements' trees may be gone when a rule asks: stream.c): */
	struct strmap recreated;      /* "type:name" -> the last statement that creates it */
	struct tz_set { size_t stmt; int utc; } *tz; /* SET TimeZone statements, in order */
	size_t ntz, atz;
	char **scratch;               /* strings freed after the statement */
	size_t nscratch, ascratch;
};

/* Lock facts attached to a finding. */
struct lint_lockinfo {
	enum lock_mode mode;
	int rewrite, scan;
	const char *table;
};

/* Up to LINT_MAX_VARS key/value pairs for the help template ({table}, {column}...). */
#define LINT_MAX_VARS 12

struct lint_emit {
	const char *rule;
	struct span where;            /* start < 0: the whole statement */
	struct lint_lockinfo lock;
	enum lint_severity severity;  /* 0: the rule's severity */
	const char *vars[2 * LINT_MAX_VARS + 1];
};

void lint_report(struct lint_ctx *c, const struct lint_emit *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The section's tokens (scanned on first use). */
const struct toklist *ctx_toks(const struct lint_ctx *c);

/* Scratch strings that live until the end of the statement. */
char *ctx_strdup(struct lint_ctx *c, const char *s);
char *ctx_printf(struct lint_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An identifier as SQL: quoted when it needs to be. */
const char *ctx_ident(struct lint_ctx *c, const char *name);
/* A relation as written: schema.name, each part quoted when needed. */
const char *ctx_relname(struct lint_ctx *c, const PgQuery__RangeVar *rv);
/* Quote for messages: "users"."email" */
const char *ctx_quote(struct lint_ctx *c, const char *name);

/* Byte off of the text the rules read (src through the views); NUL at its end. */
char ctx_src_byte(const struct lint_ctx *c, int off);
/* Bytes start..end of it. */
void ctx_src_add(const struct lint_ctx *c, struct strbuf *sb, int start, int end);

/* The source text of a span, comments dropped and whitespace runs made one space. */
const char *ctx_text(struct lint_ctx *c, struct span s);
/* Type name for messages: "bigint", "varchar(20)", "numeric(10,2)". */
const char *ctx_typename(struct lint_ctx *c, const char *base, int mod0, int mod1);
/* Constraint checks shared by ALTER TABLE ADD CONSTRAINT and inline column constraints
 * (rules_constraint.c); column is the new column for an inline one, else NULL. */
void lint_constraint(struct lint_ctx *c, const PgQuery__RangeVar *rel, const PgQuery__Constraint *k,
		     struct span where, const char *column);

/*
 * What one ALTER TABLE subcommand costs on an existing table, knowing the
 * schema (a safe type change, SET NOT NULL after a validated CHECK, a stable
 * default): 0 catalog only, 1 a full scan, 2 a rewrite, 3 maybe a rewrite (a type
 * change the linter cannot check: reported by change-column-type) (rules_column.c).
 */
int lint_alter_cost(struct lint_ctx *c, const PgQuery__AlterTableStmt *a,
		    const PgQuery__AlterTableCmd *cmd);

/*
 * Does changing a column from old (NULL or no type: unknown) to tn rewrite the table,
 * as PostgreSQL decides it (typechange.c)? CHANGE_MAYBE sets *why.
 */
enum change { CHANGE_SAFE, CHANGE_MAYBE, CHANGE_REWRITE };
enum change lint_type_change(const struct lint_ctx *c, const struct sch_column *old,
			     const PgQuery__TypeName *tn, const char **why);
/* Is USING u the column col itself, at most cast to the new type tn? */
int lint_using_is_noop(const PgQuery__Node *u, const char *col, const PgQuery__TypeName *tn);

/* The current statement's lock on relname (its first relation when NULL). */
struct lint_lockinfo ctx_stmt_lock(struct lint_ctx *c, const char *relname);

/* Line (1-based, in the file) of a byte offset in the script. */
int ctx_line(const struct lint_ctx *c, int off);

/* Spans from the tokens. */
struct span span_stmt(const struct lint_ctx *c);
/* One ALTER TABLE subcommand (index i of n) of the current statement. */
struct span span_alter_cmd(const struct lint_ctx *c, const PgQuery__AlterTableStmt *a, size_t i);
/* From loc to the end of a clause: a depth-0 ',' or ')' or the statement end;
 * with stop_at_constraint also before the next column constraint keyword. */
struct span span_clause(const struct lint_ctx *c, int loc, int stop_at_constraint);
/* A type name at loc: words and their (...) modifiers and [] bounds. */
struct span span_type(const struct lint_ctx *c, int loc);
/* A token or a name(...) call at loc. */
struct span span_expr(const struct lint_ctx *c, int loc);
/* The first token of the current statement with this kind, at depth 0, after from. */
struct span span_keyword(const struct lint_ctx *c, int kind, int from);

/* Schema questions about the current section. */
struct sch_table *ctx_table(const struct lint_ctx *c, const PgQuery__RangeVar *rv);
/* Was an object created with this section number new to the application (this section or this run)? */
int ctx_seq_is_new(const struct lint_ctx *c, int seq);
/* Was the relation created in this section (new and empty)? */
int ctx_is_new(const struct lint_ctx *c, const PgQuery__RangeVar *rv);
int ctx_in_tx(const struct lint_ctx *c);
/* Volatility lookup for functions created by the migrations seen so far. */
int ctx_func_volatility(void *ud, const char *schema, const char *name);

/* ---- rule families: each looks at c->st and reports ---- */

void rules_column(struct lint_ctx *c);
void rules_constraint(struct lint_ctx *c);
void rules_index(struct lint_ctx *c);
void rules_table(struct lint_ctx *c);
void rules_objects(struct lint_ctx *c);
void rules_data(struct lint_ctx *c);
void rules_style(struct lint_ctx *c);
/* Transaction-level rules: before the others (and rules_tx_after after them). */
void rules_tx(struct lint_ctx *c);
void rules_tx_after(struct lint_ctx *c);
void rules_tx_end(struct lint_ctx *c);
void tx_state_reset(struct tx_state *tx, int id);
void tx_state_release(struct tx_state *tx);

/* Every rule on c->st (rules.c); tx_effects: its locks count as held after it. */
void lint_stmt_rules(struct lint_ctx *c, int tx_effects);
/* The SQL inside a DO block or a PL/pgSQL function body, and in the function a
 * statement calls (plpgsql.c); depth counts the bodies around c->st. */
void lint_plpgsql(struct lint_ctx *c, int depth);
void lint_plpgsql_release(struct lint_ctx *c);

/* Directives (directives.c). */
void dirs_parse(struct lint_ctx *c);
void dirs_release(struct lint_dirs *d);
int dirs_disabled(const struct lint_dirs *d, const char *rule);
/* The allow directive for rule on statement si, NULL if none. */
struct allow_dir *dirs_allow(struct lint_dirs *d, const char *rule, int si);
/* After the section: report bad and unused directives. */
void dirs_report(struct lint_ctx *c);

/* linter.c, for the engine: a new finding in r; the text of line (no newline). */
struct lint_finding *lint_new_finding(struct lint_result *r);
char *lint_source_line(const struct lint_ctx *c, int line);

/* Custom pcre2 rules (rules_custom.c). */
struct custom_set;
struct custom_set *custom_compile(const struct config *cfg, int *errors);
void custom_free(struct custom_set *cs);
void rules_custom(struct lint_ctx *c, const struct custom_set *cs);

/* A section parsed ahead of linting (pipeline.c parses on other threads). */
struct lint_prep {
	struct sql_script s;
	int parsed;
	int stream;           /* long: not parsed, run() lints it statement by statement */
	struct toklist toks;  /* scanned too when asked (moved into the context) */
	int toks_scanned;
};

/* Parse (and with tokens, also scan) a section; thread-safe. */
struct lint_prep *lint_prep_new(const char *sql, const char *path, int line_base, int tokens);
void lint_prep_free(struct lint_prep *p);
/* Run one job with its parse (prep may be NULL: parsed here). */
void lint_job_run(struct linter *l, const struct lint_job *job, struct lint_prep *prep,
		  struct lint_result *r);

/* The linter's own state (engine.c), visible to the rule files. */
struct linter {
	int pg;
	const struct config *cfg;
	char **exclude;
	size_t nexclude;
	struct custom_set *custom;
	struct schema schema;
	int seq;
	int run_seq;   /* first section of the run (linter_begin_run), 0: none */
	int learned_seq; /* the last section learned only (applied already), 0: none */
	/* connected: the live catalog (judge.c) */
	lint_facts_fn facts;
	void *facts_arg;
	long long small_table;
	struct strmap facts_map;  /* relation name -> index in facts_items */
	struct lint_fact_entry {
		struct lint_rel_facts f;
		int ok;
	} *facts_items;
	size_t nfacts, afacts;
	struct strmap created;    /* every name a migration seen so far creates (rules_down.c) */
	int keep_created;         /* created is kept: a down may be linted (!no_downs) */
	struct strmap later_doomed; /* a run of downs: tables a later down drops (judge.c) */
	lint_object_fn objects;
	lint_column_fn columns;
	struct strmap cols_map;   /* "table.column" -> index in cols_items: types from the catalog */
	struct sch_column *cols_items; /* type NULL: the catalog could not tell */
	size_t ncols, acols;
	struct lint_fk {               /* every foreign key a migration seen so far created */
		char *table, *name, *ref;
	} *fks;
	size_t nfks, afks;
};

/* ---- connected judgement (judge.c) ---- */

struct strbuf;
/* Weigh a finding against the live catalog: 0 to drop it (the relation is new to
 * everyone), else 1 with *sev and a note for the message adjusted. */
int lint_judge(struct lint_ctx *c, const struct lint_emit *e, enum lint_severity *sev,
	       struct strbuf *note);
/* The column as ALTER COLUMN TYPE finds it: the model's when this run created or
 * changed it or when not connected, else the catalog's; NULL when unknown (judge.c). */
const struct sch_column *lint_column_now(struct lint_ctx *c, const struct sch_table *t,
					 const char *table, const char *col);
/* After ALTER COLUMN TYPE of a column read from the catalog: the rest of the run sees
 * the new type (judge.c). */
void lint_column_retyped(struct lint_ctx *c, const char *table, const char *col,
			 const PgQuery__TypeName *tn);
/* A connected DROP ... IF EXISTS of kind name: does the object not exist now? (judge.c) */
int lint_object_absent(struct lint_ctx *c, const char *kind, const char *name);
/* Was table created by this section or earlier in this run (the model says)? */
int lint_rel_created_in_run(const struct lint_ctx *c, const char *table);
/* Section number to record the creations of statement n with (0: not new). */
int lint_create_seq(struct lint_ctx *c, const PgQuery__Node *n);
void lint_facts_release(struct linter *l);

/* ---- downs (rules_down.c) ---- */

/* Remember the foreign keys statement n creates (fkeys.c). */
void lint_note_fkeys(struct linter *l, const PgQuery__Node *n);
void lint_fkeys_release(struct linter *l);
/* Remember the names statement n creates. */
void lint_note_created(struct linter *l, const PgQuery__Node *n);
void rules_down(struct lint_ctx *c);
/* The name a DROP object stands for (a name list, a string, a type, a function) (judge.c). */
const char *lint_dropped_name(const PgQuery__Node *o);
/* A down: which tables it drops, and does it drop table after the current statement?
 * (judge.c) */
void down_doomed_note(struct lint_ctx *c, size_t i);
/* Each rule file's notes of statement i (its tree at hand), before any is linted. */
void objects_note(struct lint_ctx *c, size_t i);
void typechange_note(struct lint_ctx *c, size_t i);
void lint_plpgsql_note(struct lint_ctx *c, size_t i);
int down_doomed_later(const struct lint_ctx *c, const char *table);

/* Severity of a rule after lint.rules / excludes: LINT_OFF when off. */
enum lint_severity linter_level(const struct linter *l, const char *rule, enum lint_severity natural);

#endif
