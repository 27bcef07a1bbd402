/* test_sql.c - statement splitting with PostgreSQL's parser: the hard cases */
#include "unit.h"
#include "sql/script.h"
#include "sql/colref.h"
#include "sql/parsecopy.h"
#include "sql/script_int.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct sql_script parse_ok(const char *src, size_t expect_n)
{
	struct sql_script s;
	ck_assert_int_eq(sql_script_parse(&s, src, "t.sql", 1), 0);
	ck_assert_uint_eq(s.n, expect_n);
	return s;
}

START_TEST(semicolons_that_do_not_split)
{
	const char *src =
		"-- a comment; with a semicolon\n"
		"CREATE TABLE t (a text DEFAULT 'x;y', b text DEFAULT E'it\\'s;');\n"
		"/* block; /* nested; */ still comment; */\n"
		"CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\n"
		"BEGIN\n  PERFORM 1; -- inside\n  RETURN 2;\nEND\n$body$;\n"
		"DO $$ BEGIN RAISE NOTICE 'a;b'; END $$;\n"
		"SELECT \"we;ird\" FROM (SELECT 1 AS \"we;ird\") s\n";
	struct sql_script s = parse_ok(src, 4);

	ck_assert(strncmp(s.stmts[0].text, "CREATE TABLE t", 14) == 0);
	ck_assert_int_eq(s.stmts[0].line, 2);
	ck_assert_int_eq(s.stmts[0].col, 1);
	ck_assert(strstr(s.stmts[1].text, "RETURN 2;") != NULL);
	ck_assert_int_eq(s.stmts[1].line, 4);
	ck_assert_int_eq(s.stmts[2].line, 10);
	/* the last statement has no ';' and no final newline handling issue */
	ck_assert_str_eq(s.stmts[3].text, "SELECT \"we;ird\" FROM (SELECT 1 AS \"we;ird\") s");
	ck_assert_int_eq(s.stmts[3].line, 11);
	sql_script_release(&s);
}
END_TEST

START_TEST(empty_and_comment_only)
{
	struct sql_script s = parse_ok("-- nothing here\n/* at all */\n;;\n", 0);
	ck_assert(sql_script_empty(&s));
	sql_script_release(&s);
	s = parse_ok("", 0);
	sql_script_release(&s);
	ck_assert(sql_is_blank("  -- x\n ; /* y */ ;"));
	ck_assert(!sql_is_blank("-- x\nSELECT 1"));
}
END_TEST

START_TEST(create_rule_with_several_actions_is_one_statement)
{
	struct sql_script s = parse_ok(
		"CREATE TABLE a (x int); CREATE TABLE b (x int);\n"
		"CREATE RULE r AS ON INSERT TO a DO ALSO (INSERT INTO b VALUES (1); INSERT INTO b VALUES (2));\n"
		"SELECT 1;", 4);
	ck_assert(strstr(s.stmts[2].text, "VALUES (2))") != NULL);
	sql_script_release(&s);
}
END_TEST

static int flags_of(const char *sql)
{
	struct sql_script s;
	int f;

	ck_assert_int_eq(sql_script_parse(&s, sql, "t.sql", 1), 0);
	ck_assert_uint_eq(s.n, 1);
	f = s.stmts[0].flags;
	sql_script_release(&s);
	return f;
}

START_TEST(statements_that_cannot_run_in_a_transaction)
{
	ck_assert_int_eq(flags_of("CREATE INDEX CONCURRENTLY i ON t (a)"), STMT_NO_TX);
	ck_assert_int_eq(flags_of("create unique index concurrently if not exists i on t (a)"), STMT_NO_TX);
	ck_assert_int_eq(flags_of("DROP INDEX CONCURRENTLY IF EXISTS i"), STMT_NO_TX);
	ck_assert_int_eq(flags_of("REINDEX INDEX CONCURRENTLY i"), STMT_NO_TX);
	ck_assert_int_eq(flags_of("REINDEX (VERBOSE) TABLE CONCURRENTLY t"), STMT_NO_TX);
	ck_assert_int_eq(flags_of("VACUUM (ANALYZE) t"), STMT_NO_TX);
	ck_assert_int_eq(flags_of("ALTER SYSTEM SET work_mem = '8MB'"), STMT_NO_TX);
	ck_assert_int_eq(flags_of("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY"), STMT_NO_TX);
	ck_assert_int_eq(flags_of("CREATE DATABASE x"), STMT_NO_TX);
	/* these can */
	ck_assert_int_eq(flags_of("CREATE INDEX i ON t (a)"), 0);
	ck_assert_int_eq(flags_of("ANALYZE t"), 0);
	ck_assert_int_eq(flags_of("REINDEX INDEX i"), 0);
	ck_assert_int_eq(flags_of("ALTER TABLE p DETACH PARTITION p1"), 0);
	ck_assert_int_eq(flags_of("ALTER TYPE mood ADD VALUE 'meh'"), 0);
	/* text that would fool a regex */
	ck_assert_int_eq(flags_of("SELECT 'CREATE INDEX CONCURRENTLY i ON t (a)'"), 0);
	ck_assert_int_eq(flags_of("-- CREATE INDEX CONCURRENTLY\nCREATE INDEX i ON t (a)"), 0);
	ck_assert_int_eq(flags_of("DO $$ BEGIN EXECUTE 'VACUUM t'; END $$"), 0);
	ck_assert_int_eq(flags_of("COMMENT ON TABLE t IS 'run VACUUM; BEGIN; COMMIT'"), 0);
}
END_TEST

START_TEST(transaction_control)
{
	ck_assert_int_eq(flags_of("BEGIN"), STMT_TX_CONTROL);
	ck_assert_int_eq(flags_of("start transaction isolation level serializable"), STMT_TX_CONTROL);
	ck_assert_int_eq(flags_of("COMMIT"), STMT_TX_CONTROL);
	ck_assert_int_eq(flags_of("END"), STMT_TX_CONTROL);
	ck_assert_int_eq(flags_of("ROLLBACK"), STMT_TX_CONTROL);
	ck_assert_int_eq(flags_of("SAVEPOINT a"), STMT_TX_CONTROL);
	ck_assert_int_eq(flags_of("DO $$ BEGIN NULL; END $$"), 0);
}
END_TEST

START_TEST(parse_error_position_and_fallback)
{
	struct sql_script s;
	const char *src = "CREATE TABLE a (x int);\n\nALTER TABLE a ADD COLUMN;\nSELECT 1;\n";

	ck_assert_int_eq(sql_script_parse(&s, src, "bad.sql", 1), -1);
	ck_assert_ptr_nonnull(s.error);
	ck_assert_int_eq(s.error_line, 3);
	ck_assert_int_eq(s.error_col, 25);
	/* the scanner still splits it, so the text can be sent as written */
	ck_assert_uint_eq(s.n, 3);
	ck_assert(s.stmts[1].flags & STMT_UNPARSED);
	ck_assert_int_eq(s.stmts[1].line, 3);
	sql_script_release(&s);
}
END_TEST

/* issue 11.1: a piece without a keyword was dropped by the scanner split (never sent) */
START_TEST(unparsed_pieces_are_never_dropped)
{
	struct sql_script s;
	const char *src = "CREATE TABLE a (x int);\nSELEC 1;\nCOMIT;\n\001\002;\n"
			  "COMMIT;\nSELECT 'x;y' /* ; */;\n-- only a comment ;\n";
	size_t i;

	ck_assert_int_eq(sql_script_parse(&s, src, "bad.sql", 1), -1);
	ck_assert_uint_eq(s.n, 6);
	ck_assert_str_eq(s.stmts[1].text, "SELEC 1");
	ck_assert_int_eq(s.stmts[1].line, 2);
	ck_assert_str_eq(s.stmts[2].text, "COMIT");
	ck_assert_str_eq(s.stmts[3].text, "\001\002");
	ck_assert_str_eq(s.stmts[5].text, "SELECT 'x;y' /* ; */");
	for (i = 0; i < s.n; i++)
		ck_assert(s.stmts[i].flags & STMT_UNPARSED);
	/* a COMMIT among them is still transaction control: never inside the wrapper */
	ck_assert(s.stmts[4].flags & STMT_TX_CONTROL);
	ck_assert(!(s.stmts[1].flags & STMT_TX_CONTROL));
	sql_script_release(&s);
}
END_TEST

START_TEST(line_base_and_utf8_columns)
{
	struct sql_script s;
	int line, col;

	ck_assert_int_eq(sql_script_parse(&s, "SELECT 'héllo', 'wörld';\n  SELECT 2", "x.sql", 10), 0);
	ck_assert_int_eq(s.stmts[1].line, 11);
	ck_assert_int_eq(s.stmts[1].col, 3);
	/* "wörld" starts at character 17 though it is byte 18 */
	sql_script_linecol(&s, (int)(strstr(s.src, "'wörld'") - s.src), &line, &col);
	ck_assert_int_eq(line, 10);
	ck_assert_int_eq(col, 17);
	sql_script_release(&s);
	ck_assert_int_eq(sql_charpos_to_offset("é1x", 3), 3);
	ck_assert_int_eq(sql_charpos_to_offset("abc", 1), 0);
}
END_TEST

struct comments { int n; char text[4][64]; };

static void collect(const char *src, int start, int end, void *ud)
{
	struct comments *c = ud;
	if (c->n < 4)
		snprintf(c->text[c->n++], 64, "%.*s", end - start, src + start);
}

START_TEST(comments_found_by_the_scanner)
{
	struct comments c = { 0 };

	ck_assert_int_eq(sql_for_each_comment("SELECT '-- not a comment';\n-- real one\n"
					      "SELECT $$\n-- in a dollar quote\n$$; -- trailing", collect, &c), 0);
	ck_assert_int_eq(c.n, 2);
	ck_assert_str_eq(c.text[0], "-- real one");
	ck_assert_str_eq(c.text[1], "-- trailing");
}
END_TEST

/* sql_rename_column: only the column's references change, never a string, a function
 * of that name, a qualified name, a type or a collation (what a regex would get wrong) */
START_TEST(rename_column_references)
{
	const char *def = "CREATE INDEX i ON public.t USING btree (lower(c), \"c\", c.c, t.c) "
			  "WHERE ((c)::text <> 'c'::text COLLATE \"c\") AND c(c) AND \"C\" > 0 AND cc > 0";
	int using = sql_token_offset(def, PG_QUERY__TOKEN__USING);
	char *s;

	ck_assert_int_gt(using, 0);
	s = sql_rename_column(def, using, -1, "c", "c_new");
	ck_assert_str_eq(s, "CREATE INDEX i ON public.t USING btree (lower(c_new), c_new, c.c, t.c) "
			    "WHERE ((c_new)::text <> 'c'::text COLLATE \"c\") AND c(c_new) AND \"C\" > 0 AND cc > 0");
	free(s);
	/* a keyword spelled like the column, a quoted name with a quote in it */
	s = sql_rename_column("CHECK ((name > 0) AND (\"a\"\"b\" IS NOT NULL))", 0, -1, "name", "\"n 2\"");
	ck_assert_str_eq(s, "CHECK ((\"n 2\" > 0) AND (\"a\"\"b\" IS NOT NULL))");
	free(s);
	s = sql_rename_column("CHECK ((\"a\"\"b\" IS NOT NULL))", 0, -1, "a\"b", "x");
	ck_assert_str_eq(s, "CHECK ((x IS NOT NULL))");
	free(s);
	/* a foreign key: up to REFERENCES only */
	def = "FOREIGN KEY (id) REFERENCES t(id)";
	s = sql_rename_column(def, 0, sql_token_offset(def, PG_QUERY__TOKEN__REFERENCES), "id", "id_new");
	ck_assert_str_eq(s, "FOREIGN KEY (id_new) REFERENCES t(id)");
	free(s);
	ck_assert_ptr_null(sql_rename_column("CHECK ('unterminated", 0, -1, "c", "x"));
	ck_assert_int_eq(sql_token_offset("CHECK (c > 0)", PG_QUERY__TOKEN__USING), -1);
}
END_TEST

/* Statements of many node kinds: constants of every type, lists, oneofs, strings. */
static const char *const copy_cases[] = {
	"CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n numeric(10,2) "
	"DEFAULT 1.5, b bit(3) DEFAULT B'101', x text COLLATE \"C\" CHECK (x <> ''), "
	"f boolean DEFAULT false, d timestamptz DEFAULT now(), UNIQUE (n, x))",
	"ALTER TABLE ONLY s.t ALTER COLUMN n TYPE numeric(12,2) USING n::numeric(12,2), "
	"ADD CONSTRAINT c FOREIGN KEY (id) REFERENCES u (id) ON DELETE CASCADE NOT VALID",
	"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) "
	"SELECT n, sum(n) OVER (PARTITION BY n % 2 ORDER BY n ROWS 2 PRECEDING), "
	"ARRAY[1, 2.5, NULL]::float8[], '{\"a\": [1, true]}'::jsonb -> 'a', x'1f', $1 "
	"FROM r LEFT JOIN LATERAL (SELECT 0.000001e-3 AS z) q ON true LIMIT ALL",
	"DO $$ BEGIN UPDATE t SET x = 'é' WHERE id = -9223372036854775808; END $$",
	"CREATE FUNCTION f(a int DEFAULT 0) RETURNS SETOF t LANGUAGE sql STABLE "
	"BEGIN ATOMIC SELECT * FROM t WHERE id = a; END",
	"CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t USING gin ((x || '') gin_trgm_ops) "
	"INCLUDE (n) WHERE f IS NOT DISTINCT FROM true",
	"COPY t (id, x) FROM STDIN WITH (FORMAT csv, HEADER true); "
	"GRANT SELECT ON ALL TABLES IN SCHEMA s TO PUBLIC; COMMENT ON COLUMN t.x IS NULL",
	"SELECT 1; ; SELECT '';",
};

/* The arena copy of the parser's own structures (parsecopy.c) packs to the very bytes
 * libpg_query packs: nothing lost or changed by skipping the round trip. */
START_TEST(parse_copy_equals_the_round_trip)
{
	size_t i;

	for (i = 0; i < sizeof(copy_cases) / sizeof(copy_cases[0]); i++) {
		struct sql_arena *arena = NULL;
		PgQuery__ParseResult *tree;
		PgQueryProtobufParseResult r = sql_parse_arena(copy_cases[i], &arena, &tree);
		PgQueryProtobufParseResult want = pg_query_parse_protobuf(copy_cases[i]);
		size_t len;
		uint8_t *buf;

		ck_assert_msg(!r.error && !want.error && tree, "%s", copy_cases[i]);
#ifdef MIGRATE_PARSER_WRAP
		ck_assert_uint_eq(r.parse_tree.len, 0); /* copied, not packed */
#endif
		len = pg_query__parse_result__get_packed_size(tree);
		buf = xmalloc(len ? len : 1);
		ck_assert_uint_eq(pg_query__parse_result__pack(tree, buf), len);
		ck_assert_uint_eq(len, want.parse_tree.len);
		ck_assert_msg(memcmp(buf, want.parse_tree.data, len) == 0, "%s", copy_cases[i]);
		free(buf);
		pg_query_free_protobuf_parse_result(r);
		pg_query_free_protobuf_parse_result(want);
		sql_arena_release(arena);
	}
}
END_TEST

struct tokens {
	size_t n;
	int32_t v[64][3];
};

static void take_all(void *ud, const PgQuery__ScanResult *sr)
{
	struct tokens *t = ud;
	size_t i;

	for (i = 0; i < sr->n_tokens && i < 64; i++) {
		t->v[i][0] = sr->tokens[i]->start;
		t->v[i][1] = sr->tokens[i]->end;
		t->v[i][2] = sr->tokens[i]->token;
	}
	t->n = sr->n_tokens;
}

START_TEST(scan_without_packing_gives_the_same_tokens)
{
	const char *src = "SELECT 'a;b', $x$ ; $x$, 1.5e3 -- c\n/* d */ FROM \"T\";";
	struct tokens got = { 0 };
	int taken;
	PgQueryScanResult r = sql_scan_with(src, take_all, &got, &taken);
	PgQueryScanResult want = pg_query_scan(src);
	PgQuery__ScanResult *sr = pg_query__scan_result__unpack(NULL, want.pbuf.len,
							       (const uint8_t *)want.pbuf.data);
	size_t i;

	ck_assert_ptr_null(r.error);
	ck_assert_ptr_nonnull(sr);
#ifdef MIGRATE_PARSER_WRAP
	ck_assert_int_eq(taken, 1);
#else
	ck_assert_int_eq(taken, 0);
	take_all(&got, sr);
#endif
	ck_assert_uint_eq(got.n, sr->n_tokens);
	for (i = 0; i < sr->n_tokens; i++) {
		ck_assert_int_eq(got.v[i][0], sr->tokens[i]->start);
		ck_assert_int_eq(got.v[i][1], sr->tokens[i]->end);
		ck_assert_int_eq(got.v[i][2], sr->tokens[i]->token);
	}
	pg_query__scan_result__free_unpacked(sr, NULL);
	pg_query_free_scan_result(r);
	pg_query_free_scan_result(want);
}
END_TEST

Suite *sql_suite(void)
{
	Suite *s = suite_create("sql");
	TCase *tc = tcase_create("split");

	tcase_add_test(tc, semicolons_that_do_not_split);
	tcase_add_test(tc, empty_and_comment_only);
	tcase_add_test(tc, create_rule_with_several_actions_is_one_statement);
	tcase_add_test(tc, statements_that_cannot_run_in_a_transaction);
	tcase_add_test(tc, transaction_control);
	tcase_add_test(tc, parse_error_position_and_fallback);
	tcase_add_test(tc, unparsed_pieces_are_never_dropped);
	tcase_add_test(tc, line_base_and_utf8_columns);
	tcase_add_test(tc, comments_found_by_the_scanner);
	tcase_add_test(tc, rename_column_references);
	tcase_add_test(tc, parse_copy_equals_the_round_trip);
	tcase_add_test(tc, scan_without_packing_gives_the_same_tokens);
	suite_add_tcase(s, tc);
	return s;
}
