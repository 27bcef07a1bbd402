/* test_migration.c - discovery, naming errors, dbmate sections, directives, checksums */
#include "unit.h"
#include "sql/flyway.h"
#include "sql/migration.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct load_call {
	const char *dir;
	struct migration_set set;
	int rc;
};

static void do_load(void *arg)
{
	struct load_call *lc = arg;
	lc->rc = migration_set_load(&lc->set, lc->dir, 0);
}

/* Load dir, returning stderr; caller releases lc->set. */
static char *load(struct load_call *lc, const char *dir)
{
	lc->dir = dir;
	return unit_capture_stderr(do_load, lc);
}

START_TEST(versions_compare_as_integers)
{
	char *d = unit_tempdir(), *err;
	struct load_call lc;

	unit_write(d, "0042_b.up.sql", "SELECT 42;");
	unit_write(d, "0042_b.down.sql", "SELECT 0;");
	unit_write(d, "000001_a.up.sql", "SELECT 1;");
	unit_write(d, "000001_a.down.sql", "SELECT 0;");
	unit_write(d, "20261121143000_c.up.sql", "SELECT 3;");
	unit_write(d, "20261121143000_c.down.sql", "SELECT 0;");
	unit_write(d, "README.md", "not a migration");
	unit_write(d, "atlas.sum", "h1:abc");
	err = load(&lc, d);
	ck_assert_int_eq(lc.rc, 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(lc.set.n, 3);
	ck_assert(lc.set.items[0].version == 1);
	ck_assert(lc.set.items[1].version == 42);
	ck_assert(lc.set.items[2].version == 20261121143000LL);
	ck_assert_str_eq(lc.set.items[1].version_str, "0042");
	ck_assert_str_eq(lc.set.items[1].name, "b");
	ck_assert_ptr_nonnull(migration_set_find(&lc.set, 42));
	ck_assert_ptr_null(migration_set_find(&lc.set, 43));
	free(err);
	migration_set_release(&lc.set);
	unit_rmtree(d);
	free(d);
}
END_TEST

START_TEST(two_files_for_one_version)
{
	char *d = unit_tempdir(), *err;
	struct load_call lc;

	unit_write(d, "001_a.up.sql", "SELECT 1;");
	/* in name order 02_c comes between them: the second version 1 arrives
	 * after a lower version, and must still be found */
	unit_write(d, "02_c.up.sql", "SELECT 1;");
	unit_write(d, "1_b.up.sql", "SELECT 1;");
	err = load(&lc, d);
	ck_assert_int_eq(lc.rc, -1);
	ck_assert_msg(strstr(err, "1_b.up.sql: error: version 1 is also used by") &&
		      strstr(err, "001_a.up.sql"), "got: %s", err);
	free(err);
	migration_set_release(&lc.set);
	unit_rmtree(d);
	free(d);
}
END_TEST

START_TEST(malformed_names)
{
	static const char *const bad[] = {
		"abc.sql", "_x.up.sql", "1.up.sql", "12x_name.up.sql",
		"1234567890123456789_too_long.up.sql", "1_.up.sql", "1_.down.sql", "1_.sql",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char *d = unit_tempdir(), *err;
		struct load_call lc;

		unit_write(d, bad[i], "SELECT 1;");
		err = load(&lc, d);
		ck_assert_msg(lc.rc == -1, "%s should be an error", bad[i]);
		ck_assert_msg(strstr(err, bad[i]) && strstr(err, "not a migration name"),
			      "%s: got %s", bad[i], err);
		free(err);
		migration_set_release(&lc.set);
		unit_rmtree(d);
		free(d);
	}
}
END_TEST

START_TEST(pairs_warnings_and_errors)
{
	char *d = unit_tempdir(), *err;
	struct load_call lc;

	unit_write(d, "1_no_down.up.sql", "SELECT 1;");
	unit_write(d, "2_placeholder.up.sql", "-- nothing yet\n");
	unit_write(d, "2_placeholder.down.sql", "");
	err = load(&lc, d);
	ck_assert_int_eq(lc.rc, 0);
	ck_assert(strstr(err, "1_no_down.up.sql: warning: no down migration for version 1"));
	ck_assert(strstr(err, "2_placeholder.up.sql: warning: up migration is empty"));
	ck_assert_int_eq(lc.set.warnings, 2);
	free(err);
	migration_set_release(&lc.set);

	unit_write(d, "3_orphan.down.sql", "SELECT 1;");
	err = load(&lc, d);
	ck_assert_int_eq(lc.rc, -1);
	ck_assert(strstr(err, "3_orphan.down.sql: error: down migration without an up migration"));
	free(err);
	migration_set_release(&lc.set);
	unit_rmtree(d);
	free(d);
}
END_TEST

START_TEST(unreadable_file)
{
	char *d = unit_tempdir(), *err, *sub = xasprintf("%s/4_dir.up.sql", d);
	struct load_call lc;

	ck_assert_int_eq(mkdir(sub, 0755), 0);
	err = load(&lc, d);
	ck_assert_int_eq(lc.rc, -1);
	ck_assert_msg(strstr(err, "could not read") && strstr(err, "4_dir.up.sql"), "got %s", err);
	free(err);
	free(sub);
	migration_set_release(&lc.set);
	unit_rmtree(d);
	free(d);
}
END_TEST

START_TEST(missing_directory)
{
	struct load_call lc;
	char *err = load(&lc, "/nonexistent/migrations");

	ck_assert_int_eq(lc.rc, -1);
	ck_assert(strstr(err, "could not open migrations directory \"/nonexistent/migrations\""));
	ck_assert(strstr(err, "migrate init"));
	free(err);
	migration_set_release(&lc.set);
}
END_TEST

START_TEST(dbmate_sections)
{
	char *d = unit_tempdir(), *err;
	struct load_call lc;
	struct migration *m;

	unit_write(d, "20260101000000_x.sql",
		   "-- migrate:up\nCREATE TABLE x (a int);\n\n-- migrate:down\nDROP TABLE x;\n");
	unit_write(d, "20260101000100_idx.sql",
		   "-- header\n-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON x (a);\n"
		   "-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY i;\n");
	err = load(&lc, d);
	ck_assert_int_eq(lc.rc, 0);
	ck_assert_str_eq(err, "");
	m = &lc.set.items[0];
	ck_assert(m->dbmate);
	ck_assert_str_eq(m->up.sql, "CREATE TABLE x (a int);\n\n");
	ck_assert_int_eq(m->up.line_base, 2);
	ck_assert_str_eq(m->down.sql, "DROP TABLE x;\n");
	ck_assert_int_eq(m->down.line_base, 5);
	m = &lc.set.items[1];
	ck_assert(m->up.dir.no_transaction);
	ck_assert(m->down.dir.no_transaction);
	ck_assert_int_eq(m->up.line_base, 3);
	free(err);
	migration_set_release(&lc.set);

	unit_write(d, "20260101000200_bad.sql", "CREATE TABLE y (a int);\n");
	err = load(&lc, d);
	ck_assert_int_eq(lc.rc, -1);
	ck_assert(strstr(err, "20260101000200_bad.sql: error: no \"-- migrate:up\" section"));
	free(err);
	migration_set_release(&lc.set);
	unit_rmtree(d);
	free(d);
}
END_TEST

struct dir_call {
	const char *sql;
	struct directives d;
	int rc;
};

static void do_directives(void *arg)
{
	struct dir_call *dc = arg;
	dc->rc = directives_parse(dc->sql, "f.sql", 1, &dc->d);
}

START_TEST(directives)
{
	struct dir_call dc = { "-- migrate:no-transaction\n-- migrate:lock-timeout 2s\n"
			       "-- migrate:statement-timeout 1min\nSELECT 1;", { 0 }, 0 };
	char *err = unit_capture_stderr(do_directives, &dc);

	ck_assert_int_eq(dc.rc, 0);
	ck_assert(dc.d.no_transaction);
	ck_assert_int_eq(dc.d.lock_timeout_ms, 2000);
	ck_assert_int_eq(dc.d.statement_timeout_ms, 60000);
	free(err);

	/* inside a string or a dollar quote it is not a directive */
	dc.sql = "SELECT '\n-- migrate:no-transaction\n';\nSELECT $$\n-- migrate:lock-timeout 9s\n$$;";
	err = unit_capture_stderr(do_directives, &dc);
	ck_assert_int_eq(dc.rc, 0);
	ck_assert(!dc.d.no_transaction);
	ck_assert_int_eq(dc.d.lock_timeout_ms, -1);
	free(err);

	dc.sql = "SELECT 1;\n  -- migrate:lock-timeout soon\n";
	err = unit_capture_stderr(do_directives, &dc);
	ck_assert_int_eq(dc.rc, -1);
	ck_assert_msg(strstr(err, "f.sql:2:3: error: invalid duration \"soon\""), "got %s", err);
	free(err);

	dc.sql = "-- migrate:no-transactions\n";
	err = unit_capture_stderr(do_directives, &dc);
	ck_assert_int_eq(dc.rc, -1);
	ck_assert(strstr(err, "f.sql:1:1: error: unknown directive \"-- migrate:no-transactions\""));
	free(err);

	dc.sql = "-- migrate:allow ban-drop-column the app stopped reading it in v42\n";
	err = unit_capture_stderr(do_directives, &dc);
	ck_assert_int_eq(dc.rc, 0);
	free(err);
}
END_TEST

START_TEST(checksums)
{
	char hex[65];
	char *d = unit_tempdir(), *err;
	struct load_call lc;

	sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	unit_write(d, "1_a.up.sql", "abc");
	err = load(&lc, d);
	ck_assert_str_eq(lc.set.items[0].checksum, hex);
	free(err);
	migration_set_release(&lc.set);
	unit_rmtree(d);
	free(d);
}
END_TEST

START_TEST(flyway_names_and_order)
{
	char *v = NULL, *d = NULL;
	int dir = 0;

	ck_assert_int_eq(flyway_parse("V1_2__add_x.sql", &v, &d, &dir), FLYWAY_MIGRATION);
	ck_assert_str_eq(v, "1.2");
	ck_assert_str_eq(d, "add_x");
	ck_assert_int_eq(dir, 1);
	free(v);
	free(d);
	ck_assert_int_eq(flyway_parse("U7__x.sql", &v, &d, &dir), FLYWAY_MIGRATION);
	ck_assert_int_eq(dir, -1);
	free(v);
	free(d);
	ck_assert_int_eq(flyway_parse("R__views.sql", &v, &d, &dir), FLYWAY_REPEATABLE);
	ck_assert_int_eq(flyway_parse("B5__base.sql", &v, &d, &dir), FLYWAY_BASELINE);
	ck_assert_int_eq(flyway_parse("V1__.sql", &v, &d, &dir), FLYWAY_NONE);
	ck_assert_int_eq(flyway_parse("V1..2__x.sql", &v, &d, &dir), FLYWAY_NONE);
	ck_assert_int_eq(flyway_parse("Vx__x.sql", &v, &d, &dir), FLYWAY_NONE);
	ck_assert_int_eq(flyway_parse("1_a.up.sql", &v, &d, &dir), FLYWAY_NONE);
	ck_assert_int_lt(flyway_cmp("1.2", "1.10"), 0);
	ck_assert_int_lt(flyway_cmp("1.10", "2"), 0);
	ck_assert_int_lt(flyway_cmp("1.1", "1.1.1"), 0);
	ck_assert_int_eq(flyway_cmp("01.2", "1.02"), 0);
	ck_assert_int_gt(flyway_cmp("10", "9"), 0);
}
END_TEST

Suite *migration_suite(void)
{
	Suite *s = suite_create("migration");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, versions_compare_as_integers);
	tcase_add_test(tc, two_files_for_one_version);
	tcase_add_test(tc, malformed_names);
	tcase_add_test(tc, pairs_warnings_and_errors);
	tcase_add_test(tc, unreadable_file);
	tcase_add_test(tc, missing_directory);
	tcase_add_test(tc, dbmate_sections);
	tcase_add_test(tc, directives);
	tcase_add_test(tc, checksums);
	tcase_add_test(tc, flyway_names_and_order);
	suite_add_tcase(s, tc);
	return s;
}
