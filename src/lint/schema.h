/* schema.h - the linter's model of the schema, built from the migrations seen so far */
#ifndef MIGRATE_LINT_SCHEMA_H
#define MIGRATE_LINT_SCHEMA_H

#include <stddef.h>
#include <stdint.h>
#include <pg_query/pg_query.pb-c.h>

#include "base/strmap.h"

/* The model's strings live in its blocks (schema_str.c): never freed one by one. */
/* A column's strings are ids of interned ones (sch_intern_id; sch_id_str reads them,
 * 0 is NULL): 36 bytes, where three pointers made it 48. */
struct sch_column {   /* a model may hold millions */
	uint32_t name;
	uint32_t type;   /* base type name: "int4", "varchar", "numeric", "users_status" */
	uint32_t renamed_from; /* its name before the last RENAME, and that section */
	int mod0, mod1;  /* type modifiers, -1 when absent */
	int seq;         /* number of the section that added it */
	int type_seq;    /* number of the section that last changed its type, 0: none */
	int renamed_seq;
	int not_null : 31; /* 0, or non-zero: after SET NOT NULL, the number of that section */
	unsigned is_array : 1;
};

struct sch_check {
	char *name;
	char *notnull;   /* "|a|b|": columns it proves NOT NULL (col IS NOT NULL), or NULL */
	char *cols;      /* "|a|b|": columns its expression reads */
	int valid;
	int unknown;     /* validated, its definition not in the migrations read (notnull, cols NULL) */
};

enum sch_kind { SCH_TABLE, SCH_VIEW, SCH_MATVIEW };

struct sch_table {
	char *schema;    /* NULL when created unqualified */
	char *name;
	char *partkey;   /* "|a|b|" partition key columns, or NULL */
	char *renamed_from; /* its name before the last RENAME, and that section */
	struct sch_column *cols;
	struct sch_check *checks;
	uint32_t ncols, acols, nchecks, achecks;
	enum sch_kind kind;
	int seq;         /* number of the section that created it */
	int renamed_seq;
	unsigned char partitioned, dead;
};

struct sch_index {   /* 48 bytes: the ints together, no padding */
	char *name;
	char *table;
	char *cols;      /* "|a|b|" plain key columns, NULL if any is an expression */
	char *refs;      /* "|a|b|" every column it uses: keys, expressions, WHERE (or NULL) */
	char *exprrefs;  /* "|a|" the columns its expressions and WHERE use (or NULL) */
	int seq;
	int dead;
};

/* Functions (volatility) and domains (whether they have a CHECK). */
struct sch_named {
	char *name;
	int value;
	int seq;
};

struct sch_undo;
struct sch_strings;

struct schema {
	struct sch_table *tables;
	size_t ntables, atables;
	struct strmap tmap;
	struct sch_index *indexes;
	size_t nindexes, aindexes;
	struct strmap imap;
	struct sch_named *funcs;
	size_t nfuncs, afuncs;
	struct strmap fmap;
	struct sch_named *domains;
	size_t ndomains, adomains;
	struct strmap dmap;
	struct sch_undo *undo; /* the open savepoint's journal, or NULL */
	struct sch_strings *strs; /* the strings (schema_str.c) */
};

/* str copied into the model's blocks (NULL: NULL); sch_intern stores each distinct
 * string once (column names and types). Freed with the model. */
char *sch_str(struct schema *s, const char *str);
char *sch_intern(struct schema *s, const char *str);
/* The id of str interned (0: NULL), the string of an id, the id of a string
 * already interned (0: none). */
uint32_t sch_intern_id(struct schema *s, const char *str);
const char *sch_id_str(const struct schema *s, uint32_t id);
uint32_t sch_find_id(const struct schema *s, const char *str);
void sch_strings_release(struct schema *s);

void schema_init(struct schema *s);
void schema_release(struct schema *s);

/* A savepoint: from here schema_apply journals what each change overwrites (a
 * copy of each table, index, function or domain it changes in place, the
 * maps' old entries), and schema_rollback puts it all back and drops what was
 * added since, leaving the model as it was. The cost is in proportion to what
 * the statements touched, not to the size of the model. One at a time. */
void schema_savepoint(struct schema *s);
void schema_rollback(struct schema *s);

/* Lookups; schema may be NULL (matches any). Pointers are valid until the next apply. */
struct sch_table *schema_table(const struct schema *s, const char *schema, const char *name);
struct sch_index *schema_index(const struct schema *s, const char *schema, const char *name);
/* An index of table that ALTER COLUMN col TYPE rebuilds although the table is not rewritten:
 * one whose expressions or WHERE use col, or (opclass: the operator class changes, text to
 * citext) any that uses col. NULL when none. */
const struct sch_index *schema_index_rebuilt(const struct schema *s, const char *table,
					     const char *col, int opclass);
/* Volatility of a function the migrations created (enum volatility), -1 when unknown. */
int schema_func_volatility(const struct schema *s, const char *name);
struct sch_named *schema_domain(const struct schema *s, const char *name);
/* A function the migrations created (value: its volatility), NULL when unknown. */
struct sch_named *schema_func(const struct schema *s, const char *name);
/* Any named object the migrations created, by kind; seq says which section. */
enum { SCH_OBJ_DOMAIN = 'D', SCH_OBJ_FUNCTION = 'F', SCH_OBJ_TYPE = 'T', SCH_OBJ_SEQUENCE = 'S',
       SCH_OBJ_SCHEMA = 'N', SCH_OBJ_EXTENSION = 'X',
       SCH_OBJ_TRIGGER_FUNC = 'G' /* a function returning trigger */ };
struct sch_named *schema_object(const struct schema *s, char kind, const char *name);

struct sch_column *sch_table_column(const struct schema *s, const struct sch_table *t,
				    const char *name);
/* Is there a validated CHECK proving col IS NOT NULL? */
int sch_table_notnull_check(const struct sch_table *t, const char *col);
/* Is there a validated CHECK reading col? */
int sch_table_check_on(const struct sch_table *t, const char *col);
/* "|a|b|" list membership. */
int sch_list_has(const char *list, const char *name);

/* Did section seq rename this column / table from old? (a down renaming it back reverts it) */
int sch_renamed_from(const char *renamed_from, int renamed_seq, int seq, const char *old);

/* Apply a statement's effect to the model; seq numbers the section. */
void schema_apply(struct schema *s, const PgQuery__Node *stmt, int seq);

/* PostgreSQL's default constraint name (ChooseConstraintName): table_col_suffix. */
char *schema_default_conname(const char *table, const char *col, const char *suffix);

#endif
