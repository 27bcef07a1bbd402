/* plan.h - what migrations will do, before they run: the model behind
 * `migrate plan` (and `up/down --dry-run`) and `migrate rehearse`
 *
 * A plan lists migrations in the order they would run; each holds its
 * statements with what they lock, rewrite and scan (predicted from the parse
 * tree), the lint findings with their safe alternatives, and with a database
 * each touched table's size and who holds a conflicting lock right now.
 * Rehearse adds, per statement, what was really observed on a scratch copy,
 * and per migration the outcome and the schema its down failed to restore.
 */
#ifndef MIGRATE_PLAN_H
#define MIGRATE_PLAN_H

#include "base/strlist.h"
#include "config/config.h"
#include "lint/lint.h"
#include "pg/db.h"
#include "pg/history.h"
#include "sql/locks.h"
#include "sql/migration.h"
#include "sql/step.h"

#include <stdint.h>
#include <stdio.h>


/* pg_locks.mode ("AccessExclusiveLock") -> mode; LOCK_NONE when unknown. */
enum lock_mode plan_lock_from_pg(const char *pg_mode);
/* Does a lock held in mode a make a request for mode b wait? (lock.c's conflict table) */
int plan_lock_conflicts(enum lock_mode a, enum lock_mode b);

/* One object a statement locks (predicted) or locked (observed). */
struct plan_effect {
	char *schema;      /* NULL when the statement did not qualify it */
	char *name;
	const char *kind;  /* "table", "index", "type", ... (static) */
	char *parent;      /* an index's table ("schema.table"), when known */
	enum lock_mode mode; /* the strongest mode */
	int rewrite, scan;
	/* with a database: the object as it is now */
	int found;         /* exists on the database */
	int existed;       /* rehearse: existed on the scratch database before the statement */
	int had_data;      /* rehearse: and held rows when the migration started */
	int dropped;       /* rehearse: existed before the statement, not after it */
	double rows;       /* pg_class.reltuples; < 0 never analyzed */
	int64_t bytes;     /* pg_total_relation_size; < 0 unknown */
	/* observed only */
	unsigned held;     /* bit 1 << mode for every mode held after the statement */
	int created;       /* did not exist before the migration: nobody else could see it */
};

/* The strongest mode in an observed effect's held set (0: none). */
enum lock_mode plan_effect_held(const struct plan_effect *e);

struct plan_finding {
	char *rule;
	int severity;      /* 1 warning, 2 error */
	int line, col;
	char *message;
	char *help;        /* the safe alternative; may be NULL */
	int allowed;       /* suppressed by -- migrate:allow */
	char *reason;      /* the allow reason */
};

struct plan_stmt {
	char *file;
	int line, col;
	char *text;
	const char *kind;         /* "ALTER TABLE", static */
	int no_tx;                /* cannot run in a transaction */
	int dml;                  /* INSERT, UPDATE, DELETE, MERGE: the planner decides about scans */
	long batch;               /* rows per batch (-- migrate:batch N), 0: not batched */
	double batch_rows;        /* batched: the table's row estimate, < 0 unknown (offline) */
	struct plan_effect *effects; /* predicted */
	size_t neffects;
	struct plan_finding *findings;
	size_t nfindings;
	struct strlist warnings;  /* current lock holders, destroyed data */
	/* rehearse */
	int rehearsed;
	int polled;               /* observed from a second connection */
	struct plan_effect *seen; /* observed */
	size_t nseen;
	struct strlist rebuilt;   /* indexes rebuilt (observed) */
	struct strlist diffs;     /* observation different from the prediction */
	struct strlist notes;
};

struct plan_migration {
	int64_t version;
	char *version_str, *name;
	int direction;            /* +1 up, -1 down */
	char *file;               /* the section that runs */
	enum tx_mode mode;
	long lock_timeout_ms, statement_timeout_ms;
	struct plan_stmt *stmts;
	size_t nstmts, stmts_alloc;
	char *undo_sql;           /* up: the down SQL (NULL: none); down: NULL */
	char *undo_file;
	struct strlist warnings;  /* drift, no down, out of order, destroyed data */
	/* rehearse */
	const char *outcome;      /* NULL (plan), "clean", "failed", "not run" */
	struct strlist failures;  /* why it failed: errors, the schema the down missed */
	struct strlist schema_diff;
	size_t schema_diff_at;    /* shown after this many failures */
};

struct plan {
	const char *command;      /* "plan", "rehearse" */
	int direction;            /* +1 up, -1 down */
	char *database;           /* display of the target; NULL offline */
	int64_t from;             /* offline: the migrations after this version */
	char *scratch;            /* rehearse: where it ran */
	int server_version;       /* 150004; 0 offline */
	int sized;                /* plan_db_facts filled sizes and lock holders */
	int pg_version;           /* major version the predictions are for */
	struct plan_migration *items;
	size_t n, alloc;
	struct strlist warnings;  /* long-running transactions, ... */
	long with_data_rows;      /* rehearse --with-data N (-1: none) */
	struct linter *linter;    /* findings, with the user's lint configuration */
	struct linter *predictor; /* default rules: refines the context-free lock predictions */
	int md_level;             /* Markdown: the title's heading level (0: 2, "##") */
};

void plan_init(struct plan *p, const char *command, int direction);
void plan_release(struct plan *p);
/* Forget the migrations planned so far (a streamed plan, once they are printed): the
 * linters keep the schema they learnt, p->n is 0 again. */
void plan_forget(struct plan *p);

/*
 * Set up the linters: findings with cfg's lint settings, predictions for
 * server version pg_version (0: cfg's lint.pg_version, else the newest the
 * parser knows), which becomes p->pg_version. With db (a connected plan: its
 * .facts, .objects, .columns and .facts_arg, e.g. plan_rel_facts,
 * plan_object_exists, plan_column_type and the struct db), findings are judged
 * against the live catalog as the up gate judges them, and column types come
 * from it. 0, or -1 after printing why.
 */
int plan_linters(struct plan *p, const struct config *cfg, int pg_version,
		 const struct lint_options *db);
/* The sections planned from now on are one run of up: what an earlier one
 * creates is new to everyone (linter_begin_run); connected plans only. */
void plan_begin_run(struct plan *p);
/* A down plan: the tables that the downs planned after the next one drop (a
 * statement on one of them is judged by that DROP; linter_doomed_later). */
void plan_doomed_later(struct plan *p, const struct strlist *tables);
/* An applied section, oldest first: the linters learn the schema from it. */
void plan_learn(struct plan *p, const struct section *sec);

/*
 * Add a migration about to run in direction (+1/-1) from a prepared step:
 * its statements, with the locks predicted for p->pg_version and the lint
 * findings (a down is linted against the schema its up left, without
 * changing the model). undo: the section that would reverse it (NULL: none).
 */
struct plan_migration *plan_add(struct plan *p, const struct step *st, int direction,
				const struct section *undo);

/*
 * The linter's facts callback (struct lint_options.facts) on a database
 * (arg: struct db *): does the relation exist now, its table's rows and size.
 * Read-only; takes no lock unless the table was never analyzed (then its
 * size gives up after 200ms rather than queue behind a lock).
 */
int plan_rel_facts(void *arg, const char *schema, const char *name, struct lint_rel_facts *out);

/* The linter's catalog callbacks (struct lint_options.objects, .columns) on a
 * database (arg: struct db *), read-only. */
int plan_object_exists(void *arg, const char *kind, const char *name);
int plan_column_type(void *arg, const char *schema, const char *table, const char *column,
		     char **type);

/* Fill sizes and the current lock holders from a live database (read-only). */
int plan_db_facts(struct plan *p, struct db *db, long long_running_ms);
/* The same a migration at a time (a streamed plan): begin reads the transactions open
 * now (the plan's warnings about long-running ones), each migration gets its sizes and
 * lock holders, end resets the session. begin: 0, or -1 (then still call end). */
struct plan_facts {
	struct db *db;
	PGresult *open_tx;
};
int plan_facts_begin(struct plan_facts *f, struct plan *p, struct db *db, long long_running_ms);
void plan_facts_migration(struct plan_facts *f, struct plan_migration *m);
void plan_facts_end(struct plan_facts *f);

/* Was it rehearsed, and not cleanly? */
int plan_migration_failed(const struct plan_migration *m);
/* Count of rehearsed migrations that were not clean. */
size_t plan_failures(const struct plan *p);


#endif
