/* test_fleetconf.c - migrate.yml targets:, apply.lock, apply.max_replica_lag; target names */
#include "unit.h"
#include "config/config.h"
#include "config/fleetconf.h"
#include "fleet/targets.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

struct load_call {
	const char *path;
	struct config c;
	int rc;
};

static void do_load(void *arg)
{
	struct load_call *lc = arg;
	config_init(&lc->c);
	lc->rc = config_load(&lc->c, lc->path);
}

/* Load text as a config; returns what it printed on stderr. */
static char *load(struct load_call *lc, const char *text)
{
	char *d = unit_tempdir(), *path, *err;

	unit_write(d, "migrate.yml", text);
	path = xasprintf("%s/migrate.yml", d);
	lc->path = path;
	err = unit_capture_stderr(do_load, lc);
	unit_rmtree(d);
	free(d);
	free(path);
	return err;
}

START_TEST(targets_full)
{
	struct load_call lc;
	char *err = load(&lc,
		"apply:\n  lock: table\n  lock_lease: 2min\n  max_replica_lag: 10s\n"
		"targets:\n  main: false\n"
		"  schemas:\n    query: SELECT nspname FROM pg_namespace\n    dir: m/tenant\n    table: hist\n"
		"  databases: [tenant_7, 'postgresql://app@db8/tenant_8']\n");

	ck_assert_int_eq(lc.rc, 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(lc.c.lock_table, 1);
	ck_assert_int_eq(lc.c.lock_lease_ms, 120000);
	ck_assert_int_eq(lc.c.max_replica_lag_ms, 10000);
	ck_assert_ptr_nonnull(lc.c.targets);
	ck_assert_int_eq(lc.c.targets->main, 0);
	ck_assert_str_eq(lc.c.targets->schemas.query, "SELECT nspname FROM pg_namespace");
	ck_assert_str_eq(lc.c.targets->schemas.dir, "m/tenant");
	ck_assert_str_eq(lc.c.targets->schemas.table, "hist");
	ck_assert_uint_eq(lc.c.targets->databases.n, 2);
	ck_assert_str_eq(lc.c.targets->databases.list[1], "postgresql://app@db8/tenant_8");
	config_release(&lc.c);
	free(err);
}
END_TEST

START_TEST(defaults)
{
	struct load_call lc;
	char *err = load(&lc, "targets:\n  schemas: [a, b]\n");

	ck_assert_int_eq(lc.rc, 0);
	ck_assert_int_eq(lc.c.lock_table, 0);
	ck_assert_int_eq(lc.c.lock_lease_ms, 300000);
	ck_assert_int_eq(lc.c.max_replica_lag_ms, 0);
	ck_assert_int_eq(lc.c.targets->main, 1);
	ck_assert_uint_eq(lc.c.targets->schemas.n, 2);
	ck_assert(!lc.c.targets->databases.set);
	config_release(&lc.c);
	free(err);
}
END_TEST

/* Each bad input: the message, with its line. */
static const struct bad {
	const char *yaml;
	const char *message;
} bad[] = {
	{ "apply:\n  lock: session\n", ":2:9: error: \"apply.lock\" must be advisory or table" },
	{ "apply:\n  max_replica_lag: soon\n", ":2:20: error: \"apply.max_replica_lag\" must be a duration" },
	{ "apply:\n  lock_lease: 10ms\n", "\"apply.lock_lease\" must be at least 1000ms" },
	{ "targets:\n  schemas:\n    dir: x\n", ":3:5: error: \"targets.schemas\" needs either list or query" },
	{ "targets:\n  schemas:\n    list: [a]\n    query: SELECT 1\n", "needs either list or query" },
	{ "targets:\n  schemas:\n    list: [a]\n    database: x\n", "unknown key \"targets.schemas.database\"" },
	{ "targets:\n  schemas:\n    list: [a]\n    table: s.t\n", "a table name inside each schema" },
	{ "targets:\n  tenants: [a]\n", ":2:3: error: unknown key \"targets.tenants\"" },
	{ "targets:\n  main: maybe\n", "\"targets.main\" must be true or false" },
	{ "targets: [a]\n", "\"targets\" must be a mapping" },
	{ "targets:\n  databases: 7\n", "must be a list, or a mapping with list or query" },
	{ "targets:\n  schemas: ['']\n", "an empty name in the list" },
};

START_TEST(bad_input)
{
	struct load_call lc;
	char *err = load(&lc, bad[_i].yaml);

	ck_assert_int_eq(lc.rc, -1);
	if (!strstr(err, bad[_i].message))
		ck_abort_msg("for:\n%s\nexpected: %s\ngot: %s", bad[_i].yaml, bad[_i].message, err);
	config_release(&lc.c);
	free(err);
}
END_TEST

START_TEST(dbname_swap)
{
	char *s = conninfo_with_dbname("postgresql://app:s3cret@db.internal:6432/main?sslmode=require",
				       "tenant_7");

	ck_assert_ptr_nonnull(strstr(s, "host='db.internal'"));
	ck_assert_ptr_nonnull(strstr(s, "port='6432'"));
	ck_assert_ptr_nonnull(strstr(s, "sslmode='require'"));
	ck_assert_ptr_nonnull(strstr(s, "password='s3cret'"));
	ck_assert_ptr_nonnull(strstr(s, "dbname='tenant_7'"));
	ck_assert_ptr_null(strstr(s, "main"));
	free(s);
	s = conninfo_with_dbname(NULL, "it's");
	ck_assert_str_eq(s, "dbname='it\\'s'");
	free(s);
}
END_TEST

static struct target_list three(void)
{
	static const char *const names[] = { "main", "tenant_a", "tenant_b" };
	struct target_list tl;
	size_t i;

	memset(&tl, 0, sizeof(tl));
	tl.n = tl.alloc = 3;
	tl.items = xcalloc(3, sizeof(*tl.items));
	for (i = 0; i < 3; i++) {
		tl.items[i].kind = i ? TARGET_SCHEMA : TARGET_MAIN;
		tl.items[i].name = xstrdup(names[i]);
		tl.items[i].dir = xstrdup("m");
		tl.items[i].table = xstrdup("t");
	}
	return tl;
}

START_TEST(select_targets)
{
	struct target_list tl = three();
	char *names[] = { "schema:tenant_b" }, *patterns[] = { "ma*" };

	ck_assert_int_eq(targets_select(&tl, names, 1, patterns, 1), EXIT_OK);
	ck_assert_uint_eq(tl.n, 2);
	ck_assert_str_eq(tl.items[0].name, "main");
	ck_assert_str_eq(tl.items[1].name, "tenant_b");
	target_list_release(&tl);
}
END_TEST

static void select_unknown(void *arg)
{
	struct target_list *tl = arg;
	char *names[] = { "nope" };

	ck_assert_int_eq(targets_select(tl, names, 1, NULL, 0), EXIT_USAGE);
}

START_TEST(unknown_target)
{
	struct target_list tl = three();
	char *err = unit_capture_stderr(select_unknown, &tl);

	ck_assert_ptr_nonnull(strstr(err, "error: no target named \"nope\""));
	free(err);
	target_list_release(&tl);
}
END_TEST

Suite *fleetconf_suite(void)
{
	Suite *s = suite_create("fleetconf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, targets_full);
	tcase_add_test(tc, defaults);
	tcase_add_loop_test(tc, bad_input, 0, (int)ARRAY_SIZE(bad));
	tcase_add_test(tc, dbname_swap);
	tcase_add_test(tc, select_targets);
	tcase_add_test(tc, unknown_target);
	suite_add_tcase(s, tc);
	return s;
}
