/* gen.h - migrate new's generators: the safe multi-step sequences written as
 * ordinary numbered migrations (docs/recipes.md) */
#ifndef MIGRATE_PLAN_GEN_H
#define MIGRATE_PLAN_GEN_H

#include "pg/db.h"
#include "base/strbuf.h"

/* One migration to write: {version}_{name}.up.sql and .down.sql. */
struct gen_step {
	char *name, *up, *down;
};

struct gen_out {
	struct gen_step *steps;
	int n, alloc;
};

/* Append a step; takes ownership of up and down. */
void gen_add(struct gen_out *o, const char *name, char *up, char *down);
void gen_release(struct gen_out *o);

/* 0, or -1 after printing that s (a name, for option what) holds a control character:
 * names go into the generated files' comments, where a line break would end one. */
int gen_check_text(const char *what, const char *s);
/* Each control character of s as a space (an expression shown in a comment). */
void gen_flatten(char *s);
/* "TABLE.COLUMN" (either may be "quoted"): 0, or -1 after printing what is wrong. */
int gen_split(const char *spec, const char *what, char **table, char **column);
/* An identifier as SQL: bare when it can be, else double-quoted. */
char *gen_ident(const char *name);
/* A table's [schema.]name as SQL, each part as gen_ident. */
char *gen_table_ident(const char *table);
/* "table_column_suffix", cut to 63 bytes like PostgreSQL's own names. */
char *gen_name(const char *table, const char *column, const char *suffix);

/* What a generator knows of a column (from the server, or NULL fields). */
struct gen_column {
	char *type;        /* format_type: "integer" */
	char *dflt;        /* default expression, NULL when none */
	int not_null;
	int identity;      /* 'a', 'd' or 0 */
	int exists;
};
/* The column's definition from the server; 0, -1 (printed) when it is not there. */
int gen_read_column(struct db *db, const char *table, const char *column, struct gen_column *out);
void gen_column_release(struct gen_column *c);

/* An index whose keys include a column (gen_table.c). */
struct gen_index {
	char *name, *conname; /* conname: the PRIMARY KEY or UNIQUE constraint it backs, or NULL */
	char *cols;           /* its key columns, quoted, comma-separated */
	int unique, primary;
	int plain;            /* btree on columns only, no predicate, no INCLUDE, no other constraint */
	int excl;             /* it backs an exclusion constraint */
	char *def;            /* pg_get_indexdef */
};
/* The index's definition rebuilt as index name (quoted here), with col (its name) replaced by
 * repl (quoted) in its keys, INCLUDE and predicate: "CREATE [UNIQUE] INDEX [CONCURRENTLY
 * IF NOT EXISTS] name ON t USING ..." (no ";"); NULL when the definition does not scan. */
char *gen_index_def(const struct gen_index *ix, const char *col, const char *repl, const char *name,
		    int concurrently);
/* A foreign key of another table that references a column. */
struct gen_fk {
	char *table, *name, *def;
};
int gen_read_indexes(struct db *db, const char *table, const char *column, struct gen_index **out, int *n);
int gen_read_referencing(struct db *db, const char *table, const char *column, struct gen_fk **out, int *n);
void gen_indexes_release(struct gen_index *x, int n);
/* A concurrent index build's memory: "-- why\nSET maintenance_work_mem = 'NMB';\n" when
 * the table's row estimate needs more than the session has (the statement after the
 * build is GEN_SORT_RESET), or NULL (enough, offline, or no such table). */
char *gen_sort_memory(struct db *db, const char *table);
#define GEN_SORT_RESET "RESET maintenance_work_mem;\n"
void gen_fks_release(struct gen_fk *f, int n);

/* An identity column's sequence (gen_identity.c): names quoted, options as SQL. */
struct gen_identity {
	int kind;            /* 'a' ALWAYS, 'd' BY DEFAULT */
	char *schema, *name; /* the sequence */
	char *tmp;           /* the new column's sequence until the old one is gone: name_new */
	char *options;       /* "START WITH 1 INCREMENT BY 1 CACHE 1", MINVALUE, MAXVALUE, CYCLE */
};
int gen_read_identity(struct db *db, const char *table, const char *column, int kind,
		      struct gen_identity *out);
/* The identity from column `from` to column `to` (quoted) of t: ADD GENERATED with the
 * same options, setval to where the old sequence is, DROP IDENTITY, the old name. */
void gen_identity_move(struct strbuf *sb, const char *t, const struct gen_identity *id,
		       const char *from, const char *to);
void gen_identity_release(struct gen_identity *id);

/* --change-type without --using: the column's type has an assignment cast to type
 * (the naive ALTER needs no USING); 0, or -1 after saying --using is needed (gen_using.c). */
int gen_check_cast(struct db *db, const char *table, const char *column, const char *type);

/* A CHECK or FOREIGN KEY constraint of the table on the column (gen_constraint.c). */
struct gen_con {
	char *name, *def;     /* pg_get_constraintdef */
	char *reftable;       /* a foreign key's referenced table, when another (regclass text) */
	int fkey, validated;
};
/* The table's constraints on column; -1 (printed) on error or when one is an
 * exclusion or trigger constraint (refused). */
int gen_read_constraints(struct db *db, const char *opt, const char *table, const char *column,
			 struct gen_con **out, int *n);
/* Each constraint on repl (the new column, quoted) instead of col: added NOT VALID
 * as NAME_new, then validated; one migration each. 0, or -1 (printed). */
int gen_con_steps(struct gen_out *o, const char *t, const char *col, const char *repl,
		  const char *why, const struct gen_con *cons, int n);
/* The swap: the old constraints dropped, the new ones given their names. */
void gen_con_swap_up(struct strbuf *u, const char *t, const struct gen_con *cons, int n);
/* Its down: restore 0 gives the new ones back their _new names, restore 1 adds the old
 * ones again (on the old column, which has its name back by then). */
void gen_con_swap_down(struct strbuf *d, const char *t, const struct gen_con *cons, int n, int restore);
void gen_cons_release(struct gen_con *c, int n);

/* ADD CHECK (col IS NOT NULL) NOT VALID; VALIDATE; SET NOT NULL + drop the check: 3 steps. */
void gen_not_null_steps(struct gen_out *o, const char *table, const char *column, const char *why);

/*
 * The generators. db is NULL offline: each says what it cannot know without
 * it. 0, or -1 after printing (a usage error: nothing is written).
 */
int gen_add_not_null(struct gen_out *o, struct db *db, const char *spec, const char *dflt);
int gen_add_foreign_key(struct gen_out *o, struct db *db, const char *spec, const char *ref);
int gen_add_unique(struct gen_out *o, struct db *db, const char *spec);
/* using: --using EXPR (the naive ALTER's USING, on the row's columns), or NULL */
int gen_change_type(struct gen_out *o, struct db *db, const char *spec, const char *type,
		    const char *using);
int gen_rename_column(struct gen_out *o, struct db *db, const char *spec, const char *newname);
/* The shared expand/contract sequence (gen_expand.c); arg: the TYPE, or with rename the NEW name. */
int gen_expand_contract(struct gen_out *o, struct db *db, const char *opt, const char *spec, const char *arg,
			int rename, const char *using);

#endif
