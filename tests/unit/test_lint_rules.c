/* test_lint_rules.c - every rule in rules/: the example that triggers it, the one that
 * does not, and the same dangerous text where a regex would see it but PostgreSQL
 * does not run it (a string literal, comments, dollar-quoted bodies) */
#define _GNU_SOURCE
#include "unit.h"
#include "test_lint_util.h"
#include "lint/lint_int.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* Rules whose examples are written for an older server. */
static int example_pg(const char *id)
{
	if (!strcmp(id, "enum-add-value-in-transaction"))
		return 11;
	return 0;
}

/* Every rule the code can report, so the catalog and the code cannot drift apart. */
static const char *const code_rules[] = {
	"add-check-constraint", "add-column-generated-stored", "add-column-not-null",
	"add-column-domain-check", "add-column-serial", "add-column-volatile-default",
	"add-exclusion-constraint",
	"add-foreign-key", "add-primary-key-nullable", "add-unique-constraint",
	"alter-domain-add-constraint", "attach-partition", "change-column-type", "cluster-table",
	"concurrently-in-transaction", "create-index-non-concurrently", "detach-partition",
	"drop-column", "drop-database", "drop-index-non-concurrently", "drop-not-null",
	"drop-table", "drops-nothing", "enum-add-value-in-transaction", "enum-value-ordering", "invalid-directive",
	"lock-table", "multiple-alter-table", "new-enum-value-used", "prefer-bigint",
	"prefer-identity", "prefer-jsonb", "prefer-text", "prefer-timestamptz",
	"refresh-matview-non-concurrently", "reindex-non-concurrently", "rename-column",
	"rename-table", "set-logged-unlogged", "set-not-null", "set-tablespace",
	"slow-statement-after-lock", "truncate-table", "unbatched-backfill",
	"uncommitted-transaction", "unused-directive", "vacuum-full", "validate-same-transaction",
	"drop-schema-cascade", "drop-cascade", "drop-owned", "drop-object", "rename-object",
	"rename-enum-value", "set-schema", "validate-constraint-combined", "add-constraint-using-index",
	"dynamic-sql", "add-column-json",
};

START_TEST(catalog_matches_the_code)
{
	size_t i;

	ck_assert_uint_eq(catalog_count(), ARRAY_SIZE(code_rules));
	for (i = 0; i < ARRAY_SIZE(code_rules); i++) {
		const struct rule_info *r = catalog_find(code_rules[i]);

		ck_assert_msg(r != NULL, "rules/%s.yaml is missing", code_rules[i]);
		ck_assert_str_eq(r->id, code_rules[i]);
		ck_assert_msg(r->summary && r->why && r->lock && r->blocks && r->rewrite && r->scan &&
			      r->safe_alternative && r->versions && r->example_bad && r->example_good,
			      "rules/%s.yaml lacks a field", code_rules[i]);
	}
}
END_TEST

static struct lint_result lint_example(const char *sql, const char *id)
{
	struct lint_result r;
	struct lt_opts o = { example_pg(id), NULL, NULL, 0 };

	lint_result_init(&r);
	lt_lint(&r, sql, &o);
	return r;
}

START_TEST(example_bad_triggers)
{
	const struct rule_info *ri = catalog_at((size_t)_i);
	struct lint_result r = lint_example(ri->example_bad, ri->id);

	ck_assert_msg(lt_count(&r, ri->id) >= 1, "%s: example_bad does not trigger it:\n%s\ngot:\n%s",
		      ri->id, ri->example_bad, lt_dump(&r));
	ck_assert_int_eq(r.parse_errors, 0);
	lint_result_release(&r);
}
END_TEST

START_TEST(example_good_does_not)
{
	const struct rule_info *ri = catalog_at((size_t)_i);
	struct lint_result r = lint_example(ri->example_good, ri->id);

	ck_assert_msg(lt_count(&r, ri->id) == 0, "%s: example_good triggers it:\n%s\ngot:\n%s",
		      ri->id, ri->example_good, lt_dump(&r));
	ck_assert_int_eq(r.parse_errors, 0);
	lint_result_release(&r);
}
END_TEST

/*
 * The bad example where a regex finds it but nothing runs it: in a string
 * literal, in line comments, in a block comment, in a DO body and in a SQL
 * function body (both dollar-quoted).
 */
static char *fooler(const char *example)
{
	struct strbuf sb = STRBUF_INIT, ex = STRBUF_INIT;
	const char *p, *bad, *mark;

	/* keep the text whole: the test helper would split it at "-- next migration"
	 * and at "-- down" */
	for (p = example; (mark = strstr(p, "-- ")); p = mark + 3) {
		strbuf_add(&ex, p, (size_t)(mark - p));
		strbuf_addstr(&ex, !strncmp(mark, "-- next migration", 17) ||
				   !strncmp(mark, "-- down\n", 8) ? "-- and " : "-- ");
	}
	strbuf_addstr(&ex, p);
	bad = ex.buf;

	strbuf_addstr(&sb, "SELECT '");
	for (p = bad; *p; p++) {
		if (*p == '\'')
			strbuf_addch(&sb, '\'');
		strbuf_addch(&sb, *p);
	}
	strbuf_addstr(&sb, "' AS not_a_statement;\n");
	for (p = bad; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		strbuf_addf(&sb, "-- %.*s\n", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
	strbuf_addf(&sb, "/* %s */\n", bad);
	strbuf_addf(&sb, "DO $fool$ BEGIN RAISE NOTICE '%%', $q$%s$q$; END $fool$;\n", bad);
	strbuf_addf(&sb, "CREATE FUNCTION fool() RETURNS void LANGUAGE sql AS $fool$\n%s$fool$;\n", bad);
	strbuf_release(&ex);
	return strbuf_detach(&sb, NULL);
}

START_TEST(regex_fooler_does_not)
{
	const struct rule_info *ri = catalog_at((size_t)_i);
	char *sql = fooler(ri->example_bad);
	struct lint_result r = lint_example(sql, ri->id);

	ck_assert_msg(r.parse_errors == 0, "%s: fooler does not parse:\n%s", ri->id, sql);
	ck_assert_msg(lt_count(&r, ri->id) == 0, "%s: fooled by\n%s\ngot:\n%s", ri->id, sql, lt_dump(&r));
	ck_assert_msg(lint_result_blocking(&r) == 0, "%s: findings in\n%s\ngot:\n%s", ri->id, sql,
		      lt_dump(&r));
	lint_result_release(&r);
	free(sql);
}
END_TEST

/* Hand-written cases for what the examples do not show. */
static const struct {
	const char *rule, *sql;
	int want;
} cases[] = {
	/* inline constraints in ADD COLUMN cannot be NOT VALID */
	{ "add-check-constraint", "ALTER TABLE t ADD COLUMN q int CHECK (q > 0);", 1 },
	{ "add-foreign-key", "ALTER TABLE t ADD COLUMN u bigint REFERENCES users (id);", 1 },
	{ "add-unique-constraint", "ALTER TABLE t ADD COLUMN code text UNIQUE;", 1 },
	{ "add-unique-constraint", "ALTER TABLE t ADD PRIMARY KEY (id);", 1 },
	{ "add-foreign-key", "ALTER TABLE t ADD FOREIGN KEY (u) REFERENCES users (id) NOT VALID;", 0 },
	{ "add-column-serial", "ALTER TABLE t ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;", 1 },
	{ "add-column-not-null", "ALTER TABLE t ADD COLUMN n int NOT NULL DEFAULT 0;", 0 },
	{ "add-column-not-null", "ALTER TABLE t ADD COLUMN n bigserial NOT NULL;", 0 },
	{ "drop-index-non-concurrently", "CREATE INDEX CONCURRENTLY i ON t (a);\n-- next migration\nDROP INDEX i;", 1 },
	{ "drop-index-non-concurrently", "CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);\nDROP INDEX i;", 0 },
	{ "truncate-table", "TRUNCATE a, b;", 1 },
	{ "lock-table", "LOCK TABLE t IN ACCESS SHARE MODE;", 0 },
	{ "lock-table", "LOCK TABLE t IN SHARE MODE;", 1 },
	{ "vacuum-full", "VACUUM (FULL false) t;", 0 },
	{ "vacuum-full", "VACUUM (FULL, ANALYZE) t;", 1 },
	{ "unbatched-backfill", "DELETE FROM sessions;", 1 },
	{ "unbatched-backfill", "DELETE FROM sessions WHERE true;", 1 },
	{ "unbatched-backfill", "UPDATE t SET a = 1 WHERE 1 = 1;", 1 },
	{ "unbatched-backfill", "DELETE FROM sessions WHERE expires_at < now();", 0 },
	{ "rename-table", "ALTER TABLE t RENAME COLUMN a TO b;", 0 },
	{ "rename-column", "ALTER VIEW v RENAME COLUMN a TO b;", 1 },
	{ "set-logged-unlogged", "ALTER TABLE t SET UNLOGGED;", 1 },
	{ "set-tablespace", "ALTER INDEX i SET TABLESPACE ts;", 1 },
	{ "attach-partition", "CREATE TABLE m (d date, v int) PARTITION BY RANGE (d);\n"
			      "ALTER TABLE m_2024 ADD CONSTRAINT b CHECK (d >= '2024-01-01' AND d < '2025-01-01');\n"
			      "-- next migration\n"
			      "ALTER TABLE m ATTACH PARTITION m_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');", 0 },
	{ "create-index-non-concurrently", "CREATE UNIQUE INDEX i ON t (a) WHERE b IS NULL;", 1 },
	{ "refresh-matview-non-concurrently", "CREATE MATERIALIZED VIEW v AS SELECT 1 AS x;\nREFRESH MATERIALIZED VIEW v;", 0 },
	{ "prefer-bigint", "CREATE TABLE t (id int PRIMARY KEY, qty int, owner_id int);", 2 },
	{ "prefer-bigint", "CREATE TABLE t (a int, b int, PRIMARY KEY (a, b));", 2 },
	{ "prefer-text", "CREATE TABLE t (a \"char\", b varchar, c text);", 0 },
	{ "prefer-text", "CREATE TABLE t (a char(2), b character varying(10));", 2 },
	{ "prefer-timestamptz", "CREATE TABLE t (a timestamp with time zone, b timestamp(3) without time zone);", 1 },
	{ "prefer-jsonb", "ALTER TABLE t ADD COLUMN p json;", 0 }, /* add-column-json reports it */
	{ "prefer-identity", "CREATE TABLE t (id serial8);", 1 },
	{ "enum-value-ordering", "ALTER TYPE s RENAME VALUE 'a' TO 'b';", 0 },
	{ "validate-same-transaction", "BEGIN;\nALTER TABLE o ADD CONSTRAINT c CHECK (x > 0) NOT VALID;\nCOMMIT;\n"
				       "ALTER TABLE o VALIDATE CONSTRAINT c;", 0 },
	{ "validate-same-transaction", "ALTER TABLE o ADD CONSTRAINT o_u_fkey FOREIGN KEY (u) REFERENCES users (id) NOT VALID;\n"
				       "ALTER TABLE o VALIDATE CONSTRAINT o_u_fkey;", 1 },
	{ "drop-table", "DROP TABLE a, b CASCADE;", 1 },
	{ "alter-domain-add-constraint", "CREATE DOMAIN d AS text;\nALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE <> '');", 0 },
	/* PL/pgSQL: DO bodies, EXECUTE of constants, functions called in the migration */
	{ "set-not-null", "DO $$\nBEGIN\n  ALTER TABLE users ALTER COLUMN a SET NOT NULL;\nEND\n$$;", 1 },
	{ "set-not-null", "DO $$\nBEGIN\n  RAISE NOTICE 'ALTER TABLE users ALTER COLUMN a SET NOT NULL';\nEND\n$$;", 0 },
	{ "set-not-null", "DO 'BEGIN ALTER TABLE users ALTER COLUMN a SET NOT NULL; END';", 1 },
	{ "set-not-null", "DO $$BEGIN EXECUTE 'ALTER TABLE users ALTER COLUMN a SET NOT NULL'; END$$;", 1 },
	{ "set-not-null", "DO $$BEGIN EXECUTE $q$ALTER TABLE users ALTER COLUMN a SET NOT NULL$q$; END$$;", 1 },
	{ "set-not-null", "DO $$BEGIN IF true THEN LOOP ALTER TABLE users ALTER COLUMN a SET NOT NULL; EXIT; END LOOP; END IF; END$$;", 1 },
	{ "set-not-null", "DO LANGUAGE plperl $$ ALTER TABLE users ALTER COLUMN a SET NOT NULL $$;", 0 },
	{ "dynamic-sql", "DO $$BEGIN EXECUTE 'ALTER TABLE ' || 'users ALTER COLUMN a SET NOT NULL'; END$$;", 1 },
	{ "dynamic-sql", "DO $$DECLARE q text := 'SELECT 1'; BEGIN EXECUTE q; END$$;", 1 },
	{ "dynamic-sql", "DO $$BEGIN EXECUTE 'SELECT 1'; END$$;", 0 },
	{ "unbatched-backfill", "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$BEGIN UPDATE users SET a = 1; END$$;\n"
				"SELECT f();", 1 },
	{ "unbatched-backfill", "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$BEGIN UPDATE users SET a = 1; END$$;\n"
				"DO $$BEGIN PERFORM f(); END$$;", 1 },
	{ "unbatched-backfill", "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$BEGIN DELETE FROM users; END$$;\nCALL p();", 1 },
	{ "unbatched-backfill", "CREATE FUNCTION t() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN UPDATE counters SET n = n + 1; RETURN NEW; END$$;", 0 },
	{ "unbatched-backfill", "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$UPDATE users SET a = 1$$;", 0 },
	{ "unbatched-backfill", "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$UPDATE users SET a = 1$$;\nSELECT f();", 1 },
	{ "unbatched-backfill", "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'SELECT 1; UPDATE users SET a = 1';\nSELECT f();", 1 },
	{ "unbatched-backfill", "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC DELETE FROM users; END;\nCALL p();", 1 },
	{ "unbatched-backfill", "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$SELECT 'UPDATE users SET a = 1'$$;\nSELECT f();", 0 },
	{ "unbatched-backfill", "CREATE FUNCTION f(i int) RETURNS int LANGUAGE sql RETURN i + 1;\nUPDATE users SET a = f(1) WHERE id = 1;", 0 },
	{ "slow-statement-after-lock", "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$BEGIN UPDATE users SET a = 1 WHERE a IS NULL; END$$;\n"
				       "ALTER TABLE users ADD COLUMN b int;\nSELECT f();", 1 },
	{ "slow-statement-after-lock", "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$BEGIN ALTER TABLE users ADD COLUMN b int; END$$;\n"
				       "UPDATE users SET a = 1 WHERE a IS NULL;", 0 },
	/* type changes PostgreSQL makes without a rewrite (tests/cmd/typechange.sh runs them all) */
	{ "change-column-type", "CREATE TABLE t (c timestamp(3));\n-- next migration\nALTER TABLE t ALTER COLUMN c TYPE timestamp;", 0 },
	{ "change-column-type", "CREATE TABLE t (c timestamptz);\n-- next migration\nALTER TABLE t ALTER COLUMN c TYPE timestamptz(3);", 1 },
	{ "change-column-type", "CREATE TABLE t (c interval day);\n-- next migration\nALTER TABLE t ALTER COLUMN c TYPE interval;", 0 },
	{ "change-column-type", "CREATE TABLE t (c varchar(9));\n-- next migration\nALTER TABLE t ALTER COLUMN c TYPE citext;", 0 },
	{ "change-column-type", "CREATE TABLE t (c timestamptz);\n-- next migration\nSET TimeZone = 'UTC';\n"
				"ALTER TABLE t ALTER COLUMN c TYPE timestamp;", 0 },
	{ "change-column-type", "CREATE TABLE t (c timestamptz);\n-- next migration\nSET TimeZone = 'Europe/Paris';\n"
				"ALTER TABLE t ALTER COLUMN c TYPE timestamp;", 1 },
	{ "change-column-type", "CREATE TABLE t (c varchar(9));\n-- next migration\nALTER TABLE t ALTER COLUMN c TYPE varchar(20) USING c::text;", 1 },
	/* a row of text or an index rebuilt: the column's CHECK re-checked, an unknown type */
	{ "change-column-type", "CREATE TABLE t (c varchar(9) CHECK (c <> ''));\n-- next migration\nALTER TABLE t ALTER COLUMN c TYPE text;", 1 },
	{ "change-column-type", "CREATE TABLE t (c varchar(9), d int CHECK (d > 0));\n-- next migration\nALTER TABLE t ALTER COLUMN c TYPE text;", 0 },
	{ "change-column-type", "ALTER TABLE t ALTER COLUMN c TYPE text;", 1 },
	{ "change-column-type", "SELECT 'ALTER TABLE t ALTER COLUMN c TYPE text';", 0 },
	/* an index PostgreSQL cannot keep: operator class text <-> citext, an expression or WHERE */
	{ "change-column-type", "CREATE TABLE t (c text, d text);\nCREATE INDEX t_c ON t (c);\n-- next migration\n"
				"ALTER TABLE t ALTER COLUMN c TYPE citext;", 1 },
	{ "change-column-type", "CREATE TABLE t (c varchar(9), d text);\nCREATE INDEX t_c ON t (c);\n-- next migration\n"
				"ALTER TABLE t ALTER COLUMN c TYPE text;", 0 },
	{ "change-column-type", "CREATE TABLE t (c varchar(9), d text);\nCREATE INDEX t_c ON t (lower(c));\n-- next migration\n"
				"ALTER TABLE t ALTER COLUMN c TYPE text;", 1 },
	{ "change-column-type", "CREATE TABLE t (c varchar(9), d text);\nCREATE INDEX t_d ON t (d) WHERE c <> '';\n-- next migration\n"
				"ALTER TABLE t ALTER COLUMN c TYPE varchar(20);", 1 },
	{ "change-column-type", "CREATE TABLE t (c varchar(9), d text);\nCREATE INDEX c ON t (lower(d)) WHERE d <> 'c';\n-- next migration\n"
				"ALTER TABLE t ALTER COLUMN c TYPE varchar(20);", 0 },
	{ "change-column-type", "CREATE TABLE t (c text, d text);\nCREATE INDEX t_c ON t (c);\nDROP INDEX t_c;\n-- next migration\n"
				"ALTER TABLE t ALTER COLUMN c TYPE citext;", 0 },
	/* json added to an existing table (not to one created here, not jsonb, not a string) */
	{ "add-column-volatile-default", "ALTER TABLE t ADD COLUMN c text[] DEFAULT string_to_array('a,b', ',');", 0 },
	{ "add-column-volatile-default", "ALTER TABLE t ADD COLUMN c text DEFAULT extensions.uuid_generate_v4()::text;", 1 },
	{ "add-column-json", "ALTER TABLE t ADD COLUMN p json;", 1 },
	{ "add-column-json", "ALTER TABLE t ADD COLUMN p pg_catalog.json, ADD COLUMN q json[];", 2 },
	{ "add-column-json", "ALTER TABLE t ADD COLUMN p jsonb;", 0 },
	{ "add-column-json", "ALTER TABLE t ADD COLUMN p myschema.json;", 0 },
	{ "add-column-json", "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN p json;", 0 },
	{ "add-column-json", "ALTER TABLE t ADD COLUMN p text DEFAULT 'json';\n-- ALTER TABLE t ADD COLUMN p json;", 0 },
	{ "prefer-jsonb", "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN p json;", 1 },
	/* objects other than tables: created here or in an earlier migration */
	{ "drop-schema-cascade", "DROP SCHEMA s;", 0 },
	{ "drop-schema-cascade", "CREATE SCHEMA s;\n-- next migration\nDROP SCHEMA s CASCADE;", 1 },
	{ "drop-cascade", "DROP DOMAIN d CASCADE;", 1 },
	{ "drop-cascade", "DROP SEQUENCE s CASCADE;", 1 },
	{ "drop-cascade", "DROP EXTENSION IF EXISTS postgis CASCADE;", 1 },
	{ "drop-cascade", "CREATE EXTENSION citext;\nDROP EXTENSION citext CASCADE;", 0 },
	{ "drop-cascade", "CREATE TYPE st AS ENUM ('a');\nDROP TYPE st CASCADE;", 0 },
	{ "drop-cascade", "DROP TYPE st;", 0 },
	{ "drop-owned", "DROP OWNED BY a, b CASCADE;", 1 },
	{ "drop-owned", "REASSIGN OWNED BY a TO b;", 0 },
	{ "drop-object", "DROP TYPE st;", 1 },
	{ "drop-object", "DROP MATERIALIZED VIEW mv;", 1 },
	{ "drop-object", "DROP PROCEDURE p();", 1 },
	{ "drop-object", "DROP FUNCTION IF EXISTS f(int), g(int);", 1 },
	{ "drop-object", "CREATE VIEW v AS SELECT 1 AS x;\n-- next migration\nDROP VIEW v;", 1 },
	{ "drop-object", "CREATE VIEW v AS SELECT 1 AS x;\nDROP VIEW v;", 0 },
	{ "drop-object", "DROP VIEW v;\nCREATE VIEW v AS SELECT 2 AS x;", 0 },
	{ "drop-object", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\nDROP FUNCTION f();", 0 },
	{ "drop-object", "DROP TYPE st CASCADE;", 0 },
	{ "drop-object", "CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;\n"
			 "-- next migration\nDROP TRIGGER t ON users;\nDROP FUNCTION tf();", 0 },
	{ "drop-object", "DROP TABLE t;", 0 },
	{ "rename-object", "ALTER SCHEMA a RENAME TO b;", 1 },
	{ "rename-object", "ALTER TYPE st RENAME TO st2;", 1 },
	{ "rename-object", "ALTER DOMAIN d RENAME TO d2;", 1 },
	{ "rename-object", "ALTER SEQUENCE s RENAME TO s2;", 1 },
	{ "rename-object", "ALTER PROCEDURE p() RENAME TO p2;", 1 },
	{ "rename-object", "CREATE SEQUENCE s;\nALTER SEQUENCE s RENAME TO s2;", 0 },
	{ "rename-object", "CREATE SCHEMA a;\nALTER SCHEMA a RENAME TO b;", 0 },
	{ "rename-object", "ALTER TABLE t RENAME TO t2;", 0 },
	{ "rename-table", "ALTER VIEW v RENAME TO v2;", 1 },
	{ "rename-enum-value", "CREATE TYPE st AS ENUM ('a');\nALTER TYPE st RENAME VALUE 'a' TO 'b';", 0 },
	{ "rename-enum-value", "ALTER TYPE st ADD VALUE 'c';", 0 },
	{ "set-schema", "ALTER TYPE st SET SCHEMA s;", 1 },
	{ "set-schema", "ALTER FUNCTION f(int) SET SCHEMA s;", 1 },
	{ "set-schema", "ALTER VIEW v SET SCHEMA s;", 1 },
	{ "set-schema", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\nALTER FUNCTION f() SET SCHEMA s;", 0 },
	{ "validate-constraint-combined", "ALTER TABLE o VALIDATE CONSTRAINT c, SET (fillfactor = 70);", 0 },
	{ "validate-constraint-combined", "ALTER TABLE o VALIDATE CONSTRAINT c, ALTER COLUMN a SET NOT NULL;", 1 },
	{ "validate-constraint-combined", "ALTER TABLE o VALIDATE CONSTRAINT c, VALIDATE CONSTRAINT d;", 0 },
	{ "add-constraint-using-index", "ALTER TABLE a ADD CONSTRAINT a_code_key UNIQUE USING INDEX a_code_idx;", 1 },
	{ "add-constraint-using-index", "ALTER TABLE a ADD PRIMARY KEY (id);", 0 },
	{ "add-constraint-using-index", "CREATE UNIQUE INDEX CONCURRENTLY a_id_idx ON a (id);\n-- next migration\n"
					"ALTER TABLE a ADD CONSTRAINT a_pkey PRIMARY KEY USING INDEX a_id_idx;", 0 },
	/* a plain SELECT or a rewrite of another table while ACCESS EXCLUSIVE is held */
	{ "slow-statement-after-lock", "ALTER TABLE o ADD COLUMN n text;\nSELECT count(*) FROM users;", 1 },
	{ "slow-statement-after-lock", "ALTER TABLE o ADD COLUMN n text;\nSELECT * FROM (SELECT id FROM users) s;", 1 },
	{ "slow-statement-after-lock", "ALTER TABLE o ADD COLUMN n text;\nSELECT 1;\nSELECT now();", 0 },
	{ "slow-statement-after-lock", "SELECT count(*) FROM users;\nALTER TABLE o ADD COLUMN n text;", 0 },
	{ "slow-statement-after-lock", "ALTER TABLE o ADD COLUMN n text;\nCOMMIT;\nSELECT count(*) FROM users;", 0 },
	{ "slow-statement-after-lock", "CREATE INDEX i ON o (a);\nSELECT count(*) FROM users;", 0 },
	{ "slow-statement-after-lock", "CREATE TABLE n (a int);\nALTER TABLE n ADD COLUMN b int;\nSELECT count(*) FROM n;", 0 },
	{ "slow-statement-after-lock", "ALTER TABLE o ADD COLUMN n text;\nALTER TABLE users ALTER COLUMN id TYPE bigint;", 1 },
};

START_TEST(hand_written_cases)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct lint_result r;

		lint_result_init(&r);
		lt_lint(&r, cases[i].sql, NULL);
		ck_assert_msg(lt_count(&r, cases[i].rule) == cases[i].want, "%s: want %d in\n%s\ngot:\n%s",
			      cases[i].rule, cases[i].want, cases[i].sql, lt_dump(&r));
		lint_result_release(&r);
	}
}
END_TEST

/* The severity a finding gets where a rule reports both: an error unless the danger is proven
 * to hang on something outside the migration. */
static const struct {
	const char *rule, *sql;
	enum lint_severity want;
} severities[] = {
	/* the current type is unknown: it may rewrite */
	{ "change-column-type", "ALTER TABLE t ALTER COLUMN c TYPE text;", LINT_ERROR },
	{ "change-column-type", "ALTER TABLE t ALTER COLUMN c TYPE numeric(12,2);", LINT_ERROR },
	/* no rewrite, but the CHECK on the column scans the table under ACCESS EXCLUSIVE */
	{ "change-column-type", "CREATE TABLE t (c varchar(9) CHECK (c <> ''));\n-- next migration\n"
				"ALTER TABLE t ALTER COLUMN c TYPE text;", LINT_ERROR },
	/* unknown type to a date/time type: only that family casts to it without USING */
	{ "change-column-type", "ALTER TABLE t ALTER COLUMN c TYPE timestamptz;", LINT_WARNING },
	/* known type, the rewrite hangs on the server's TimeZone */
	{ "change-column-type", "CREATE TABLE t (c timestamp);\n-- next migration\n"
				"ALTER TABLE t ALTER COLUMN c TYPE timestamptz;", LINT_WARNING },
	/* a function the migrations do not declare: VOLATILE, as CREATE FUNCTION's default */
	{ "add-column-volatile-default", "ALTER TABLE t ADD COLUMN c uuid DEFAULT uuid();", LINT_ERROR },
	{ "add-column-volatile-default", "ALTER TABLE t ADD COLUMN c jsonb DEFAULT app.settings();", LINT_ERROR },
	{ "add-column-json", "ALTER TABLE t ADD COLUMN p json;", LINT_ERROR },
	{ "reindex-non-concurrently", "REINDEX SYSTEM app;", LINT_ERROR },
	/* a constraint from before the migrations read, validated, named for the column's NOT NULL */
	{ "set-not-null", "ALTER TABLE foo VALIDATE CONSTRAINT foo_bar_not_null;\n"
			  "ALTER TABLE foo ALTER COLUMN bar SET NOT NULL;", LINT_WARNING },
	{ "set-not-null", "ALTER TABLE foo VALIDATE CONSTRAINT foo_bar_nn;\n-- next migration\n"
			  "ALTER TABLE foo ALTER COLUMN bar SET NOT NULL;", LINT_WARNING },
	/* named for something else, not validated, on a table the migrations created, or in text */
	{ "set-not-null", "ALTER TABLE foo VALIDATE CONSTRAINT foo_bar_positive;\n"
			  "ALTER TABLE foo ALTER COLUMN bar SET NOT NULL;", LINT_ERROR },
	{ "set-not-null", "ALTER TABLE foo VALIDATE CONSTRAINT foo_baz_not_null;\n"
			  "ALTER TABLE foo ALTER COLUMN bar SET NOT NULL;", LINT_ERROR },
	{ "set-not-null", "ALTER TABLE connections VALIDATE CONSTRAINT connections_user_id_fkey;\n"
			  "ALTER TABLE connections ALTER COLUMN user_id SET NOT NULL;", LINT_ERROR },
	{ "set-not-null", "ALTER TABLE foo VALIDATE CONSTRAINT foo_rebar_not_null;\n"
			  "ALTER TABLE foo ALTER COLUMN bar SET NOT NULL;", LINT_ERROR },
	{ "set-not-null", "ALTER TABLE foo VALIDATE CONSTRAINT nn_bar;\n"
			  "ALTER TABLE foo ALTER COLUMN bar SET NOT NULL;", LINT_WARNING },
	{ "set-not-null", "ALTER TABLE foo VALIDATE CONSTRAINT chk_bar_is_not_null;\n"
			  "ALTER TABLE foo ALTER COLUMN bar SET NOT NULL;", LINT_WARNING },
	{ "set-not-null", "-- ALTER TABLE foo VALIDATE CONSTRAINT foo_bar_not_null;\n"
			  "SELECT 'ALTER TABLE foo VALIDATE CONSTRAINT foo_bar_not_null';\n"
			  "ALTER TABLE foo ALTER COLUMN bar SET NOT NULL;", LINT_ERROR },
	{ "set-not-null", "CREATE TABLE foo (bar int);\n-- next migration\n"
			  "ALTER TABLE foo VALIDATE CONSTRAINT foo_bar_not_null;\n"
			  "ALTER TABLE foo ALTER COLUMN bar SET NOT NULL;", LINT_ERROR },
};

START_TEST(severity_cases)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(severities); i++) {
		struct lint_result r;
		const struct lint_finding *f;

		lint_result_init(&r);
		lt_lint(&r, severities[i].sql, NULL);
		f = lt_find(&r, severities[i].rule);
		ck_assert_msg(f != NULL, "%s: not reported in\n%s\ngot:\n%s", severities[i].rule,
			      severities[i].sql, lt_dump(&r));
		ck_assert_msg(f->severity == severities[i].want, "%s: severity %d, want %d in\n%s",
			      severities[i].rule, (int)f->severity, (int)severities[i].want,
			      severities[i].sql);
		lint_result_release(&r);
	}
}
END_TEST

START_TEST(explain_prints_the_catalog)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(lint_explain("set-not-null", 0, f), 0);
	ck_assert_int_eq(lint_explain("no-such-rule", 0, f), -1);
	ck_assert_int_eq(lint_explain("set-not-null", 1, f), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "set-not-null (error)"));
	ck_assert_ptr_nonnull(strstr(buf, "safe alternative:\n"
					  "    -- migrate writes these migrations for you: migrate new --add-not-null {table}.{column}\n"
					  "    ALTER TABLE {table} ADD CONSTRAINT"));
	ck_assert_ptr_nonnull(strstr(buf, "# set-not-null\n"));
	ck_assert_ptr_nonnull(strstr(buf, "```sql\n"));
	free(buf);
}
END_TEST

/* The tokens read straight from the scanner's encoding are protobuf-c's unpack of it,
 * for texts with every kind of token, at an offset. */
START_TEST(tokens_are_the_scanners)
{
	static const char *const texts[] = {
		"SELECT 1",
		"ALTER TABLE \"Weird\"\"t\" ADD COLUMN caf\xc3\xa9 text DEFAULT 'x;y' -- c\n",
		"CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $b$ BEGIN RETURN 1; END $b$; "
		"/* a /* nested */ comment */ SELECT E'\\'', B'101', 1.5e10, $1, :x, @@ <> ;",
		"",
		"   ",
		"SELECT 'unterminated",
	};
	size_t i, k;

	for (i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		PgQueryScanResult r = pg_query_scan(texts[i]);
		PgQuery__ScanResult *sr = r.error ? NULL :
			pg_query__scan_result__unpack(NULL, r.pbuf.len, (const uint8_t *)r.pbuf.data);
		struct toklist tl;

		toklist_scan_at(&tl, texts[i], 1000);
		ck_assert_int_eq(tl.ok, sr != NULL);
		if (sr) {
			ck_assert_uint_eq(tl.n, sr->n_tokens);
			for (k = 0; k < tl.n; k++) {
				ck_assert_int_eq(tl.t[k].start, 1000 + sr->tokens[k]->start);
				ck_assert_int_eq(tl.t[k].end, 1000 + sr->tokens[k]->end);
				ck_assert_int_eq(tl.t[k].kind, (int)sr->tokens[k]->token);
				ck_assert_int_eq(tl.t[k].kw, (int)sr->tokens[k]->keyword_kind);
			}
			pg_query__scan_result__free_unpacked(sr, NULL);
		}
		toklist_release(&tl);
		pg_query_free_scan_result(r);
	}
}
END_TEST

Suite *lint_rules_suite(void)
{
	Suite *s = suite_create("lint rules");
	TCase *tc = tcase_create("catalog");
	int n = (int)catalog_count();

	tcase_add_test(tc, catalog_matches_the_code);
	tcase_add_loop_test(tc, example_bad_triggers, 0, n);
	tcase_add_loop_test(tc, example_good_does_not, 0, n);
	tcase_add_loop_test(tc, regex_fooler_does_not, 0, n);
	tcase_add_test(tc, hand_written_cases);
	tcase_add_test(tc, severity_cases);
	tcase_add_test(tc, explain_prints_the_catalog);
	tcase_add_test(tc, tokens_are_the_scanners);
	suite_add_tcase(s, tc);
	return s;
}
