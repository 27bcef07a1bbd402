/* test_lint.c - the linter's engine: context, versions, transactions, directives,
 * configuration, custom rules, parse errors and output formats */
#define _GNU_SOURCE
#include "unit.h"
#include "test_lint_util.h"
#include "sql/migration.h"
#include "base/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers (declared in test_lint_util.h) ---- */

void lt_lint(struct lint_result *res, const char *sql, const struct lt_opts *o)
{
	struct lint_options lo = { .cfg = o ? o->cfg : NULL, .pg_version = o ? o->pg : 0,
				   .exclude = o ? o->exclude : NULL, .nexclude = o ? o->nexclude : 0 };
	struct linter *l = linter_new(&lo);
	const char *p = sql;
	int part = 0, line = 1;

	ck_assert_ptr_nonnull(l);
	while (p) {
		const char *mark = strstr(p, "-- next migration\n");
		char *text = mark ? xstrndup(p, (size_t)(mark - p)) : xstrdup(p);
		char *path = xasprintf("%04d_part.up.sql", ++part);
		struct section s = { path, text, line, { 0, -1, -1 } };
		const char *q;

		char *down = strstr(text, "-- down\n");

		if (down) /* the rest is the part's down, linted against what its up left */
			*down = '\0';
		directives_parse(text, path, line, &s.dir);
		lint_section(l, &s, res);
		if (down) {
			struct section ds = { path, down + strlen("-- down\n"), line, { 0, -1, -1 } };

			for (q = text; *q; q++)
				if (*q == '\n')
					ds.line_base++;
			ds.line_base++;
			directives_parse(ds.sql, path, ds.line_base, &ds.dir);
			lint_section_isolated(l, &ds, res);
			*down = '-';
		}
		for (q = text; *q; q++)
			if (*q == '\n')
				line++;
		free(text);
		free(path);
		p = mark ? mark + strlen("-- next migration\n") : NULL;
		if (p)
			line++;
	}
	linter_free(l);
}

int lt_count(const struct lint_result *res, const char *rule)
{
	size_t i;
	int n = 0;

	for (i = 0; i < res->n; i++)
		if (!strcmp(res->items[i].rule, rule) && !res->items[i].allowed)
			n++;
	return n;
}

const struct lint_finding *lt_find(const struct lint_result *res, const char *rule)
{
	size_t i;

	for (i = 0; i < res->n; i++)
		if (!strcmp(res->items[i].rule, rule))
			return &res->items[i];
	return NULL;
}

const char *lt_dump(const struct lint_result *res)
{
	static char buf[4096];
	size_t i, len = 0;

	buf[0] = 0;
	for (i = 0; i < res->n && len < sizeof(buf) - 128; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s@%d:%d(%s)\n",
					res->items[i].allowed ? "allowed " : "", res->items[i].rule,
					res->items[i].line, res->items[i].col,
					res->items[i].severity == LINT_ERROR ? "error" : "warning");
	return buf;
}

char *lt_print(const struct lint_result *res, enum lint_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	lint_result_print(res, fmt, f, 0);
	fclose(f);
	return buf;
}

/* Lint and return the result (the caller releases it). */
static struct lint_result run(const char *sql, int pg)
{
	struct lint_result r;
	struct lt_opts o = { pg, NULL, NULL, 0 };

	lint_result_init(&r);
	lt_lint(&r, sql, &o);
	return r;
}

#define EXPECT(sql, pg, rule, n)                                                               \
	do {                                                                                   \
		struct lint_result r_ = run(sql, pg);                                           \
		ck_assert_msg(lt_count(&r_, rule) == (n), "%s: want %d x %s, got:\n%s", sql, (n), \
			      rule, lt_dump(&r_));                                              \
		lint_result_release(&r_);                                                       \
	} while (0)

/* ---- locations ---- */

START_TEST(finding_points_at_the_clause)
{
	struct lint_result r = run("-- set up\n"
				   "ALTER TABLE users\n"
				   "  ADD COLUMN note text,\n"
				   "  ALTER COLUMN email SET NOT NULL;\n"
				   "ALTER TABLE users ADD COLUMN t timestamptz DEFAULT clock_timestamp();\n", 0);
	const struct lint_finding *f = lt_find(&r, "set-not-null");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->line, 4);
	ck_assert_int_eq(f->col, 3);
	ck_assert_int_eq(f->end_line, 4);
	ck_assert_int_eq(f->end_col, 34);
	ck_assert_str_eq(f->lock, "ACCESS EXCLUSIVE");
	ck_assert_str_eq(f->table, "users");
	ck_assert(f->blocks_reads && f->blocks_writes && f->scan && !f->rewrite);
	ck_assert_ptr_nonnull(strstr(f->help, "ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;"));
	ck_assert_str_eq(f->source, "  ALTER COLUMN email SET NOT NULL;");
	f = lt_find(&r, "add-column-volatile-default");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->line, 5);
	ck_assert_int_eq(f->col, 52); /* at clock_timestamp() */
	ck_assert_int_eq(f->end_col, 69);
	ck_assert(f->rewrite);
	lint_result_release(&r);
}
END_TEST

START_TEST(columns_count_characters)
{
	struct lint_result r = run("SELECT 'héhé';  ALTER TABLE t ALTER COLUMN c SET NOT NULL;\n", 0);
	const struct lint_finding *f = lt_find(&r, "set-not-null");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->col, 31);
	lint_result_release(&r);
}
END_TEST

/* ---- context ---- */

START_TEST(new_table_is_empty)
{
	struct lint_result r = run("CREATE TABLE t (id bigint PRIMARY KEY, a text, b bigint);\n"
				   "CREATE INDEX t_a ON t (a);\n"
				   "ALTER TABLE t ADD CONSTRAINT t_b CHECK (b > 0), ALTER COLUMN a SET NOT NULL;\n"
				   "ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();\n"
				   "ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (b) REFERENCES t (id);\n"
				   "ALTER TABLE t ALTER COLUMN b TYPE numeric;\n"
				   "ALTER TABLE t RENAME COLUMN a TO aa;\n"
				   "UPDATE t SET a = 'x';\n"
				   "DROP INDEX t_a;\n"
				   "DROP TABLE t;\n", 0);

	ck_assert_msg(lint_result_blocking(&r) == 0, "%s", lt_dump(&r));
	lint_result_release(&r);
	/* the next migration: t exists now */
	EXPECT("CREATE TABLE t (id bigint PRIMARY KEY, a text);\n-- next migration\n"
	       "CREATE INDEX t_a ON t (a);\n", 0, "create-index-non-concurrently", 1);
	/* a foreign key from a new table to an existing one scans nothing */
	EXPECT("CREATE TABLE child (id bigint PRIMARY KEY, p bigint REFERENCES parent (id));\n", 0,
	       "add-foreign-key", 0);
}
END_TEST

START_TEST(set_not_null_after_validated_check)
{
	const char *sql = "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
			  "-- next migration\n"
			  "ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;\n"
			  "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n";

	EXPECT(sql, 15, "set-not-null", 0);
	EXPECT(sql, 12, "set-not-null", 0);
	EXPECT(sql, 11, "set-not-null", 1);
	/* a validated constraint from before the migrations read, named for it: before 12 a scan */
	EXPECT("ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\n"
	       "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n", 11, "set-not-null", 1);
	/* not validated yet: still a scan */
	EXPECT("ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
	       "-- next migration\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n", 15, "set-not-null", 1);
	/* a check on another column proves nothing */
	EXPECT("ALTER TABLE users ADD CONSTRAINT c CHECK (name IS NOT NULL);\n-- next migration\n"
	       "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n", 15, "set-not-null", 1);
}
END_TEST

START_TEST(type_changes)
{
	const char *base = "CREATE TABLE p (id bigint PRIMARY KEY, name varchar(100), price numeric(10,2),"
			   " net cidr, n integer, t text, ts timestamp);\n-- next migration\n";
	static const struct {
		const char *change;
		int errors, warnings;
	} cases[] = {
		{ "ALTER TABLE p ALTER COLUMN name TYPE varchar(200);", 0, 0 },
		{ "ALTER TABLE p ALTER COLUMN name TYPE text;", 0, 0 },
		{ "ALTER TABLE p ALTER COLUMN name TYPE varchar;", 0, 0 },
		{ "ALTER TABLE p ALTER COLUMN name TYPE varchar(50);", 1, 0 },
		{ "ALTER TABLE p ALTER COLUMN price TYPE numeric(12,2);", 0, 0 },
		{ "ALTER TABLE p ALTER COLUMN price TYPE numeric;", 0, 0 },
		{ "ALTER TABLE p ALTER COLUMN price TYPE numeric(12,3);", 1, 0 },
		{ "ALTER TABLE p ALTER COLUMN net TYPE inet;", 0, 0 },
		{ "ALTER TABLE p ALTER COLUMN n TYPE bigint;", 1, 0 },
		{ "ALTER TABLE p ALTER COLUMN t TYPE varchar(10);", 1, 0 },
		{ "ALTER TABLE p ALTER COLUMN name TYPE varchar(200) USING upper(name);", 1, 0 },
		{ "ALTER TABLE p ALTER COLUMN name TYPE varchar(200) USING name::varchar(200);", 0, 0 },
		{ "ALTER TABLE p ALTER COLUMN ts TYPE timestamptz;", 0, 1 },
		{ "ALTER TABLE unknown ALTER COLUMN x TYPE text;", 1, 0 }, /* unknown type: may rewrite */
		{ "ALTER TABLE unknown ALTER COLUMN x TYPE bigint;", 1, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *sql = xasprintf("%s%s\n", base, cases[i].change);
		struct lint_result r = run(sql, 0);
		int e = 0, w = 0;
		size_t k;

		for (k = 0; k < r.n; k++)
			if (!strcmp(r.items[k].rule, "change-column-type"))
				r.items[k].severity == LINT_ERROR ? e++ : w++;
		ck_assert_msg(e == cases[i].errors && w == cases[i].warnings, "%s: %d errors %d warnings\n%s",
			      cases[i].change, e, w, lt_dump(&r));
		lint_result_release(&r);
		free(sql);
	}
	/* timestamp -> timestamptz rewrites before 12 */
	EXPECT("CREATE TABLE p (ts timestamp);\n-- next migration\nALTER TABLE p ALTER COLUMN ts TYPE timestamptz;\n",
	       11, "change-column-type", 1);
}
END_TEST

START_TEST(versions)
{
	EXPECT("ALTER TABLE t ADD COLUMN n int NOT NULL DEFAULT 0;", 10, "add-column-volatile-default", 1);
	EXPECT("ALTER TABLE t ADD COLUMN n int NOT NULL DEFAULT 0;", 11, "add-column-volatile-default", 0);
	EXPECT("ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now();", 11, "add-column-volatile-default", 0);
	EXPECT("ALTER TABLE t ADD COLUMN c text DEFAULT NULL;", 10, "add-column-volatile-default", 0);
	EXPECT("ALTER TYPE mood ADD VALUE 'x' AFTER 'y';", 11, "enum-add-value-in-transaction", 1);
	EXPECT("ALTER TYPE mood ADD VALUE 'x' AFTER 'y';", 12, "enum-add-value-in-transaction", 0);
	EXPECT("-- migrate:no-transaction\nALTER TYPE mood ADD VALUE 'x' AFTER 'y';", 11,
	       "enum-add-value-in-transaction", 0);
	EXPECT("REINDEX INDEX CONCURRENTLY i;", 12, "reindex-non-concurrently", 0);
	EXPECT("REINDEX TABLE t;", 15, "reindex-non-concurrently", 1);
	EXPECT("ALTER TABLE m DETACH PARTITION m1 CONCURRENTLY;", 14, "detach-partition", 0);
	EXPECT("ALTER TABLE m DETACH PARTITION m1;", 14, "detach-partition", 1);
	{
		struct lint_result r = run("ALTER TABLE m DETACH PARTITION m1;", 13);
		const struct lint_finding *f = lt_find(&r, "detach-partition");

		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(f->severity, LINT_WARNING);
		ck_assert_ptr_nonnull(strstr(f->message, "PostgreSQL 14"));
		lint_result_release(&r);
		r = run("REINDEX TABLE t;", 11);
		f = lt_find(&r, "reindex-non-concurrently");
		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_nonnull(strstr(f->message, "PostgreSQL 12"));
		lint_result_release(&r);
	}
}
END_TEST

START_TEST(volatility)
{
	EXPECT("ALTER TABLE t ADD COLUMN a uuid DEFAULT uuid_generate_v4();", 15, "add-column-volatile-default", 1);
	EXPECT("ALTER TABLE t ADD COLUMN a float8 DEFAULT random() * 10;", 15, "add-column-volatile-default", 1);
	EXPECT("ALTER TABLE t ADD COLUMN a bigint DEFAULT nextval('s');", 15, "add-column-volatile-default", 1);
	EXPECT("ALTER TABLE t ADD COLUMN a text DEFAULT lower('X') || 'y';", 15, "add-column-volatile-default", 0);
	EXPECT("ALTER TABLE t ADD COLUMN a timestamptz DEFAULT CURRENT_TIMESTAMP;", 15, "add-column-volatile-default", 0);
	EXPECT("ALTER TABLE t ADD COLUMN a jsonb DEFAULT '{}'::jsonb;", 15, "add-column-volatile-default", 0);
	/* a user function: volatile unless declared otherwise */
	EXPECT("CREATE FUNCTION f() RETURNS int LANGUAGE sql IMMUTABLE AS 'select 1';\n"
	       "-- next migration\nALTER TABLE t ADD COLUMN a int DEFAULT f();", 15, "add-column-volatile-default", 0);
	EXPECT("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1';\n"
	       "-- next migration\nALTER TABLE t ADD COLUMN a int DEFAULT f();", 15, "add-column-volatile-default", 1);
	{
		/* a function no migration declares: VOLATILE, CREATE FUNCTION's default */
		struct lint_result r = run("ALTER TABLE t ADD COLUMN a int DEFAULT ext.unknown_fn();", 15);
		const struct lint_finding *f = lt_find(&r, "add-column-volatile-default");

		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(f->severity, LINT_ERROR);
		lint_result_release(&r);
	}
}
END_TEST

/* ---- transactions ---- */

START_TEST(transactions)
{
	EXPECT("CREATE INDEX CONCURRENTLY i ON t (a);", 15, "concurrently-in-transaction", 0);
	EXPECT("CREATE INDEX CONCURRENTLY i ON t (a);\nDROP INDEX CONCURRENTLY j;", 15,
	       "concurrently-in-transaction", 0);
	EXPECT("ALTER TABLE t ADD COLUMN a int;\nCREATE INDEX CONCURRENTLY i ON t (a);", 15,
	       "concurrently-in-transaction", 1);
	EXPECT("-- migrate:no-transaction\nALTER TABLE t ADD COLUMN a int;\nCREATE INDEX CONCURRENTLY i ON t (a);",
	       15, "concurrently-in-transaction", 0);
	EXPECT("BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;", 15, "concurrently-in-transaction", 1);
	EXPECT("BEGIN;\nALTER TABLE t ADD COLUMN a int;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (a);", 15,
	       "concurrently-in-transaction", 0);
	EXPECT("BEGIN;\nVACUUM t;\nCOMMIT;", 15, "concurrently-in-transaction", 1);
	{
		/* the safe alternative repeats the statement itself, not only its kind */
		struct lint_result r = run("BEGIN;\nDROP INDEX CONCURRENTLY IF EXISTS s.i3, i4;\nCOMMIT;", 15);
		size_t i, seen = 0;

		for (i = 0; i < r.n; i++)
			if (!strcmp(r.items[i].rule, "concurrently-in-transaction")) {
				seen++;
				ck_assert_msg(r.items[i].help &&
					      strstr(r.items[i].help, "\nDROP INDEX CONCURRENTLY IF EXISTS s.i3, i4;\n"),
					      "%s", r.items[i].help ? r.items[i].help : "(no help)");
			}
		ck_assert_int_eq(seen, 1);
		lint_result_release(&r);
	}
	EXPECT("BEGIN;\nALTER TABLE t ADD COLUMN a int;", 15, "uncommitted-transaction", 1);
	EXPECT("BEGIN;\nALTER TABLE t ADD COLUMN a int;\nROLLBACK;", 15, "uncommitted-transaction", 0);
	/* a backfill after DDL in the same transaction */
	EXPECT("ALTER TABLE t ADD COLUMN a int;\nUPDATE t SET a = 1 WHERE id < 100;", 15,
	       "slow-statement-after-lock", 1);
	EXPECT("UPDATE t SET a = 1 WHERE id < 100;\nALTER TABLE t ADD COLUMN a int;", 15,
	       "slow-statement-after-lock", 0);
	EXPECT("-- migrate:no-transaction\nALTER TABLE t ADD COLUMN a int;\nUPDATE t SET a = 1 WHERE id < 100;",
	       15, "slow-statement-after-lock", 0);
	EXPECT("ALTER TABLE t ADD COLUMN a int;\nALTER TABLE u VALIDATE CONSTRAINT u_c;", 15,
	       "slow-statement-after-lock", 1);
	/* a table created here locks nobody out */
	EXPECT("CREATE TABLE s (id int);\nALTER TABLE u VALIDATE CONSTRAINT c;", 15,
	       "slow-statement-after-lock", 0);
	/* SHARE UPDATE EXCLUSIVE blocks nobody: a later scan is fine */
	EXPECT("ALTER TABLE t VALIDATE CONSTRAINT c1;\nALTER TABLE t VALIDATE CONSTRAINT c2;", 15,
	       "slow-statement-after-lock", 0);
	/* multiple-alter-table: only where one ALTER would save a scan or a rewrite (in a
	 * transaction the lock is held until commit: taken once anyway) */
	EXPECT("ALTER TABLE t ADD COLUMN a int;\nALTER TABLE t ADD COLUMN b int;", 15, "multiple-alter-table", 0);
	EXPECT("ALTER TABLE t ADD CONSTRAINT c1 CHECK (a > 0);\nALTER TABLE t ADD COLUMN b int;\n"
	       "ALTER TABLE t ADD CONSTRAINT c2 CHECK (a < 9);", 15, "multiple-alter-table", 1);
	EXPECT("ALTER TABLE t ADD COLUMN a int DEFAULT random();\nALTER TABLE t ALTER COLUMN b TYPE bigint;",
	       15, "multiple-alter-table", 1);
	EXPECT("ALTER TABLE t VALIDATE CONSTRAINT c;\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\n"
	       "ALTER TABLE t DROP CONSTRAINT c;", 15, "multiple-alter-table", 0);
	/* the text of a second costly ALTER in a string or a comment is not one */
	EXPECT("ALTER TABLE t ADD CONSTRAINT c1 CHECK (a > 0);\n-- ALTER TABLE t ADD CONSTRAINT c2 CHECK (a < 9);\n"
	       "COMMENT ON TABLE t IS 'ALTER TABLE t ALTER COLUMN b TYPE bigint';", 15, "multiple-alter-table", 0);
	EXPECT("ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int;", 15, "multiple-alter-table", 0);
	EXPECT("ALTER TABLE t ADD COLUMN a int;\n-- next migration\nALTER TABLE t ADD COLUMN b int;", 15,
	       "multiple-alter-table", 0);
	EXPECT("ALTER TYPE s ADD VALUE 'refunded' AFTER 'paid';\nUPDATE o SET s = 'refunded' WHERE id = 1;",
	       15, "new-enum-value-used", 1);
	EXPECT("ALTER TYPE s ADD VALUE 'refunded' AFTER 'paid';\nUPDATE o SET note = 'paid' WHERE id = 1;",
	       15, "new-enum-value-used", 0);
}
END_TEST

/* ---- directives ---- */

START_TEST(directives)
{
	struct lint_result r = run("-- migrate:allow set-not-null users is tiny (200 rows)\n"
				   "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
				   "ALTER TABLE users ALTER COLUMN name SET NOT NULL;\n", 0);
	const struct lint_finding *f = lt_find(&r, "set-not-null");

	ck_assert_ptr_nonnull(f);
	ck_assert(f->allowed);
	ck_assert_str_eq(f->allow_reason, "users is tiny (200 rows)");
	ck_assert_int_eq(lt_count(&r, "set-not-null"), 1); /* the second statement */
	ck_assert_uint_eq(lint_result_blocking(&r), 1);
	lint_result_release(&r);

	/* no reason: the directive allows nothing and is itself a finding */
	EXPECT("-- migrate:allow set-not-null\nALTER TABLE users ALTER COLUMN email SET NOT NULL;", 0,
	       "set-not-null", 1);
	EXPECT("-- migrate:allow set-not-null\nALTER TABLE users ALTER COLUMN email SET NOT NULL;", 0,
	       "invalid-directive", 1);
	EXPECT("-- migrate:allow no-such-rule because\nSELECT 1;", 0, "invalid-directive", 1);
	EXPECT("-- migrate:allow drop-column it is fine\nALTER TABLE users ADD COLUMN a int;", 0,
	       "unused-directive", 1);
	/* several rules in one directive */
	EXPECT("-- migrate:allow set-not-null,multiple-alter-table small table\n"
	       "ALTER TABLE u ALTER COLUMN a SET NOT NULL;", 0, "set-not-null", 0);
	/* the whole file */
	EXPECT("ALTER TABLE u ALTER COLUMN a SET NOT NULL;\n-- migrate:disable set-not-null\n"
	       "ALTER TABLE u ALTER COLUMN b SET NOT NULL;", 0, "set-not-null", 0);
	/* a directive inside a string literal or a block comment is not a directive */
	EXPECT("SELECT '\n-- migrate:allow set-not-null reason\n';\nALTER TABLE u ALTER COLUMN a SET NOT NULL;",
	       0, "set-not-null", 1);
	EXPECT("/* -- migrate:allow set-not-null reason */\nALTER TABLE u ALTER COLUMN a SET NOT NULL;",
	       0, "set-not-null", 1);
	/* a directive inside a multi-line statement applies to it */
	EXPECT("ALTER TABLE u\n  -- migrate:allow set-not-null backfilled in 0042\n  ALTER COLUMN a SET NOT NULL;",
	       0, "set-not-null", 0);
}
END_TEST

/* ---- configuration ---- */

static void add_rule_setting(struct config *c, const char *id, enum rule_level lv)
{
	ALLOC_GROW(c->rules, c->nrules + 1, c->rules_alloc);
	c->rules[c->nrules].id = xstrdup(id);
	c->rules[c->nrules].level = lv;
	c->rules[c->nrules].line = 1;
	c->nrules++;
}

START_TEST(configuration)
{
	struct config cfg;
	struct lint_result r;
	struct lt_opts o = { 0, &cfg, NULL, 0 };
	static const char *const excl[] = { "create-index-non-concurrently" };
	const char *sql = "CREATE INDEX i ON u (a);\n-- next migration\n"
			  "ALTER TABLE u ALTER COLUMN a SET NOT NULL;\n-- next migration\n"
			  "ALTER TABLE u DROP COLUMN b;\n";

	config_init(&cfg);
	add_rule_setting(&cfg, "set-not-null", RULE_OFF);
	add_rule_setting(&cfg, "drop-column", RULE_WARNING);
	o.exclude = excl;
	o.nexclude = 1;
	lint_result_init(&r);
	lt_lint(&r, sql, &o);
	ck_assert_int_eq(lt_count(&r, "set-not-null"), 0);
	ck_assert_int_eq(lt_count(&r, "create-index-non-concurrently"), 0);
	ck_assert_int_eq(lt_count(&r, "drop-column"), 1);
	ck_assert_int_eq(lt_find(&r, "drop-column")->severity, LINT_WARNING);
	ck_assert_uint_eq(lint_result_blocking(&r), 0);
	lint_result_release(&r);
	/* lint.exclude in the config, and a warning raised to an error */
	ALLOC_GROW(cfg.exclude, cfg.nexclude + 1, cfg.exclude_alloc);
	cfg.exclude[cfg.nexclude++] = xstrdup("drop-column");
	add_rule_setting(&cfg, "prefer-jsonb", RULE_ERROR);
	o.exclude = NULL;
	o.nexclude = 0;
	lint_result_init(&r);
	lt_lint(&r, "ALTER TABLE u DROP COLUMN b;\nCREATE TABLE j (id bigint, p json);\n", &o);
	ck_assert_int_eq(lt_count(&r, "drop-column"), 0);
	ck_assert_int_eq(lt_find(&r, "prefer-jsonb")->severity, LINT_ERROR);
	lint_result_release(&r);
	config_release(&cfg);
}
END_TEST

static void new_linter_with_unknown_rule(void *arg)
{
	struct config *cfg = arg;
	struct lint_options lo = { .cfg = cfg };

	ck_assert_ptr_null(linter_new(&lo));
}

static void new_linter_with_bad_exclude(void *arg)
{
	static const char *const excl[] = { "no-such-rule" };
	struct lint_options lo = { .exclude = excl, .nexclude = 1 };

	(void)arg;
	ck_assert_ptr_null(linter_new(&lo));
}

START_TEST(configuration_errors)
{
	struct config cfg;
	char *err;

	config_init(&cfg);
	add_rule_setting(&cfg, "ban-everything", RULE_OFF);
	err = unit_capture_stderr(new_linter_with_unknown_rule, &cfg);
	ck_assert_msg(strstr(err, "unknown rule \"ban-everything\""), "%s", err);
	free(err);
	config_release(&cfg);
	err = unit_capture_stderr(new_linter_with_bad_exclude, NULL);
	ck_assert_msg(strstr(err, "--exclude: unknown rule \"no-such-rule\""), "%s", err);
	free(err);
}
END_TEST

/* ---- custom rules ---- */

static void add_custom(struct config *c, const char *id, const char *pattern, const char *msg,
		       enum rule_level lv)
{
	ALLOC_GROW(c->custom, c->ncustom + 1, c->custom_alloc);
	c->custom[c->ncustom].id = xstrdup(id);
	c->custom[c->ncustom].pattern = xstrdup(pattern);
	c->custom[c->ncustom].message = xstrdup(msg);
	c->custom[c->ncustom].level = lv;
	c->custom[c->ncustom].line = 3;
	c->ncustom++;
}

START_TEST(custom_rules)
{
	struct config cfg;
	struct lint_result r;
	struct lt_opts o = { 0, &cfg, NULL, 0 };
	const struct lint_finding *f;

	config_init(&cfg);
	add_custom(&cfg, "no-grant", "(?i)\\bgrant\\b", "grants go through the ops repository", RULE_WARNING);
	add_custom(&cfg, "require-schema", "(?i)^create table (?!\\w+\\.)", "qualify tables with a schema",
		   RULE_ERROR);
	lint_result_init(&r);
	lt_lint(&r, "SELECT 1;\n  GRANT SELECT ON t TO app;\nCREATE TABLE t (id bigint);\n"
		    "CREATE TABLE app.t (id bigint);\n"
		    "-- migrate:allow no-grant reviewed by ops\nGRANT SELECT ON u TO app;\n", &o);
	f = lt_find(&r, "no-grant");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->line, 2);
	ck_assert_int_eq(f->col, 3);
	ck_assert_int_eq(f->end_col, 8);
	ck_assert_int_eq(f->severity, LINT_WARNING);
	ck_assert_str_eq(f->message, "grants go through the ops repository");
	ck_assert_int_eq(lt_count(&r, "no-grant"), 1);     /* the second one is allowed */
	ck_assert_int_eq(lt_count(&r, "require-schema"), 1);
	ck_assert_int_eq(lt_find(&r, "require-schema")->line, 3);
	lint_result_release(&r);
	config_release(&cfg);
}
END_TEST

static void bad_pattern(void *arg)
{
	struct lint_options lo = { .cfg = arg };

	ck_assert_ptr_null(linter_new(&lo));
}

START_TEST(custom_rule_that_does_not_compile)
{
	struct config cfg;
	char *err;

	config_init(&cfg);
	add_custom(&cfg, "broken", "(unclosed", "x", RULE_ERROR);
	err = unit_capture_stderr(bad_pattern, &cfg);
	ck_assert_msg(strstr(err, "lint.custom broken: pattern does not compile"), "%s", err);
	free(err);
	config_release(&cfg);
}
END_TEST

/* ---- parse errors ---- */

START_TEST(parse_error_in_one_of_several)
{
	struct lint_options lo = { .cfg = NULL };
	struct linter *l = linter_new(&lo);
	struct lint_result r;
	const struct lint_finding *f;

	lint_result_init(&r);
	lint_text(l, "ALTER TABLE a ADD COLUMN x int;\nALTER TABLE a ADD COLUMN y itn NOT NULL DEFALT 0;\n",
		  "bad.sql", 1, &r);
	lint_text(l, "ALTER TABLE b ALTER COLUMN c SET NOT NULL;\n", "good.sql", 1, &r);
	ck_assert_int_eq(r.parse_errors, 1);
	ck_assert_int_eq(r.files, 2);
	f = lt_find(&r, "parse-error");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->file, "bad.sql");
	ck_assert_int_eq(f->line, 2);
	ck_assert_int_eq(f->col, 41);
	ck_assert_ptr_nonnull(strstr(f->message, "syntax error at or near \"DEFALT\""));
	ck_assert_int_eq(lt_count(&r, "set-not-null"), 1);
	ck_assert_uint_eq(lint_result_blocking(&r), 1);
	lint_result_release(&r);
	linter_free(l);
}
END_TEST

/* ---- down sections ---- */

START_TEST(down_reverts_its_up)
{
	struct lint_options lo = { .cfg = NULL };
	struct linter *l = linter_new(&lo);
	struct lint_result r;
	struct section up = { "1_a.up.sql", "ALTER TABLE users ADD COLUMN note text;\nCREATE TABLE t (id bigint);", 1, { 0, -1, -1 } };
	struct section down = { "1_a.down.sql", "ALTER TABLE users DROP COLUMN note;\nDROP TABLE t;\n"
						"ALTER TABLE users DROP COLUMN email;", 1, { 0, -1, -1 } };
	struct section next = { "2_b.up.sql", "CREATE INDEX i ON t (id);", 1, { 0, -1, -1 } };

	lint_result_init(&r);
	lint_section(l, &up, &r);
	lint_section_isolated(l, &down, &r);
	ck_assert_int_eq(lt_count(&r, "drop-column"), 1);
	ck_assert_int_eq(lt_find(&r, "drop-column")->line, 3);
	ck_assert_int_eq(lt_count(&r, "drop-table"), 0);
	/* a down that gives back the name its up took */
	{
		struct section up2 = { "3_c.up.sql", "ALTER TABLE users RENAME COLUMN body TO content;", 1, { 0, -1, -1 } };
		struct section down2 = { "3_c.down.sql", "ALTER TABLE users RENAME COLUMN content TO body;", 1, { 0, -1, -1 } };

		lint_section(l, &up2, &r);
		ck_assert_int_eq(lt_count(&r, "rename-column"), 1);
		lint_section_isolated(l, &down2, &r);
		ck_assert_int_eq(lt_count(&r, "rename-column"), 1);
	}
	/* a down undoing its own up's SET NOT NULL; not one its up did not set */
	{
		struct section mk = { "4_p.up.sql", "CREATE TABLE p (sku text, name text NOT NULL);", 1, { 0, -1, -1 } };
		struct section up3 = { "5_d.up.sql", "ALTER TABLE p ALTER COLUMN sku SET NOT NULL;", 1, { 0, -1, -1 } };
		struct section down3 = { "5_d.down.sql", "ALTER TABLE p ALTER COLUMN sku DROP NOT NULL;\n"
							 "ALTER TABLE p ALTER COLUMN name DROP NOT NULL;", 1, { 0, -1, -1 } };

		lint_section(l, &mk, &r);
		lint_section(l, &up3, &r);
		lint_section_isolated(l, &down3, &r);
		ck_assert_int_eq(lt_count(&r, "drop-not-null"), 1);
		ck_assert_int_eq(lt_find(&r, "drop-not-null")->line, 2);
	}
	/* the down did not change the model: t still exists for the next up */
	lint_section(l, &next, &r);
	ck_assert_int_eq(lt_count(&r, "create-index-non-concurrently"), 1);
	lint_result_release(&r);
	linter_free(l);
}
END_TEST

/* A down that drops a table afterwards; a down that drops what nothing creates (issue 12). */
START_TEST(down_drops_afterwards_and_drops_nothing)
{
	/* indexes, ALTERs on a table the same down drops later: not reported */
	EXPECT("CREATE TABLE ch (id bigint, name text);\n-- next migration\nCREATE INDEX ch_name ON ch (name);\n"
	       "-- down\nDROP INDEX ch_name;\nALTER TABLE ch ALTER COLUMN name SET NOT NULL;\nDROP TABLE ch;",
	       15, "drop-index-non-concurrently", 0);
	EXPECT("CREATE TABLE ch (id bigint, name text);\n-- next migration\nSELECT 1;\n"
	       "-- down\nALTER TABLE ch ALTER COLUMN name SET NOT NULL;\nDROP TABLE ch;",
	       15, "set-not-null", 0);
	/* ... but the DROP TABLE itself still is, and so is the same ALTER after the drop of another */
	EXPECT("CREATE TABLE ch (id bigint, name text);\n-- next migration\nSELECT 1;\n"
	       "-- down\nALTER TABLE ch ALTER COLUMN name SET NOT NULL;\nDROP TABLE ch;",
	       15, "drop-table", 1);
	EXPECT("CREATE TABLE ch (id bigint, name text);\n-- next migration\nSELECT 1;\n"
	       "-- down\nDROP TABLE other;\nALTER TABLE ch ALTER COLUMN name SET NOT NULL;",
	       15, "set-not-null", 1);
	/* a drop in a comment or a string does not doom the table */
	EXPECT("CREATE TABLE ch (id bigint, name text);\n-- next migration\nSELECT 1;\n"
	       "-- down\nALTER TABLE ch ALTER COLUMN name SET NOT NULL;\n-- DROP TABLE ch;\nSELECT 'DROP TABLE ch';",
	       15, "set-not-null", 1);
	/* an up is not a down: the rule about dooming is for downs */
	EXPECT("ALTER TABLE ch ALTER COLUMN name SET NOT NULL;\nDROP TABLE ch;", 15, "set-not-null", 1);
	/* drops-nothing: IF EXISTS of a name no migration creates, in a down */
	EXPECT("CREATE TABLE group_channels (id bigint);\n-- down\nDROP TABLE IF EXISTS groupchanels;",
	       15, "drops-nothing", 1);
	EXPECT("CREATE TABLE group_channels (id bigint);\n-- down\nDROP TABLE IF EXISTS group_channels;",
	       15, "drops-nothing", 0);
	EXPECT("CREATE INDEX gi ON g (id);\nCREATE TYPE mood AS ENUM ('a');\nCREATE FUNCTION f() RETURNS int "
	       "LANGUAGE sql AS 'SELECT 1';\n-- down\nDROP INDEX IF EXISTS gi;\nDROP TYPE IF EXISTS mood;\n"
	       "DROP FUNCTION IF EXISTS f();\nDROP VIEW IF EXISTS nothing_v;", 15, "drops-nothing", 1);
	/* without IF EXISTS the down fails loudly: not this rule's business; nor an up's */
	EXPECT("CREATE TABLE g (id bigint);\n-- down\nDROP TABLE gg;", 15, "drops-nothing", 0);
	EXPECT("DROP TABLE IF EXISTS legacy_import;", 15, "drops-nothing", 0);
	/* a name in a string or a comment of an up creates nothing */
	EXPECT("SELECT 'CREATE TABLE ghost (id int)';\n-- CREATE TABLE ghost (id int);\n-- down\n"
	       "DROP TABLE IF EXISTS ghost;", 15, "drops-nothing", 1);
}
END_TEST

/* ---- output ---- */

START_TEST(output_formats)
{
	struct lint_result r = run("ALTER TABLE \"Users\" ALTER COLUMN email SET NOT NULL;\n"
				   "CREATE TABLE j (id bigint, p json);\n"
				   "-- migrate:allow drop-column it is unused\nALTER TABLE a DROP COLUMN b;\n", 0);
	char *text = lt_print(&r, LINT_FORMAT_TEXT), *gh, *js, *sarif;
	json_t *root, *arr, *o;
	json_error_t jerr;

	ck_assert_msg(strstr(text, "0001_part.up.sql:1:21: error[set-not-null]:"), "%s", text);
	ck_assert_msg(strstr(text, "                    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"), "%s", text);
	ck_assert_msg(strstr(text, "ALTER TABLE \"Users\" ADD CONSTRAINT \"Users_email_not_null\""), "%s", text);
	ck_assert_msg(strstr(text, "1 error, 1 warning (1 allowed by -- migrate:allow) in 1 file, 3 statements"), "%s", text);
	gh = lt_print(&r, LINT_FORMAT_GITHUB);
	ck_assert_msg(strstr(gh, "::error file=0001_part.up.sql,line=1,col=21,endLine=1,endColumn=52,title=set-not-null::"), "%s", gh);
	ck_assert_msg(strstr(gh, "::warning file=0001_part.up.sql,line=2,col=30,"), "%s", gh);
	ck_assert_msg(strstr(gh, "%0Asafe alternative:%0A"), "%s", gh);
	js = lt_print(&r, LINT_FORMAT_JSON);
	root = json_loads(js, 0, &jerr);
	ck_assert_msg(root != NULL, "%s: %s", jerr.text, js);
	arr = json_object_get(root, "findings");
	ck_assert_uint_eq(json_array_size(arr), 2);
	o = json_array_get(arr, 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "rule")), "set-not-null");
	ck_assert_str_eq(json_string_value(json_object_get(o, "severity")), "error");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "line")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "column")), 21);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "end_column")), 52);
	ck_assert_str_eq(json_string_value(json_object_get(o, "lock")), "ACCESS EXCLUSIVE");
	ck_assert_uint_eq(json_array_size(json_object_get(o, "blocks")), 2);
	ck_assert(json_is_false(json_object_get(o, "rewrite")));
	ck_assert(json_is_string(json_object_get(o, "help")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(o, "message")), "\"Users\""));
	ck_assert_int_eq(json_integer_value(json_object_get(root, "files")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "statements")), 3);
	json_decref(root);
	sarif = lt_print(&r, LINT_FORMAT_SARIF);
	root = json_loads(sarif, 0, &jerr);
	ck_assert_msg(root != NULL, "%s", jerr.text);
	ck_assert_str_eq(json_string_value(json_object_get(root, "version")), "2.1.0");
	o = json_array_get(json_object_get(root, "runs"), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "results")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(json_object_get(o, "tool"), "driver"), "rules")), 2);
	o = json_array_get(json_object_get(o, "results"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(o, "ruleId")), "prefer-jsonb");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "ruleIndex")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(o, "level")), "warning");
	json_decref(root);
	free(text);
	free(gh);
	free(js);
	free(sarif);
	lint_result_release(&r);
}
END_TEST

Suite *lint_suite(void)
{
	Suite *s = suite_create("lint");
	TCase *tc = tcase_create("engine");

	tcase_add_test(tc, finding_points_at_the_clause);
	tcase_add_test(tc, columns_count_characters);
	tcase_add_test(tc, new_table_is_empty);
	tcase_add_test(tc, set_not_null_after_validated_check);
	tcase_add_test(tc, type_changes);
	tcase_add_test(tc, versions);
	tcase_add_test(tc, volatility);
	tcase_add_test(tc, transactions);
	tcase_add_test(tc, directives);
	tcase_add_test(tc, configuration);
	tcase_add_test(tc, configuration_errors);
	tcase_add_test(tc, custom_rules);
	tcase_add_test(tc, custom_rule_that_does_not_compile);
	tcase_add_test(tc, parse_error_in_one_of_several);
	tcase_add_test(tc, down_reverts_its_up);
	tcase_add_test(tc, down_drops_afterwards_and_drops_nothing);
	tcase_add_test(tc, output_formats);
	suite_add_tcase(s, tc);
	return s;
}
