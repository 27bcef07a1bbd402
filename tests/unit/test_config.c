/* test_config.c - migrate.yml: values, ${VAR}, errors with file:line */
#include "unit.h"
#include "config/config.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

struct cfg_call {
	const char *path;
	struct config c;
	int rc;
};

static void do_load(void *arg)
{
	struct cfg_call *cc = arg;
	config_init(&cc->c);
	cc->rc = config_load(&cc->c, cc->path);
}

/* Write text to a temp config, load it; returns stderr. */
static char *load_text(struct cfg_call *cc, const char *text, char **dirp)
{
	char *d = unit_tempdir(), *path, *err;

	unit_write(d, "migrate.yml", text);
	path = xasprintf("%s/migrate.yml", d);
	cc->path = path;
	err = unit_capture_stderr(do_load, cc);
	free(path);
	*dirp = d;
	return err;
}

static void done(struct cfg_call *cc, char *d, char *err)
{
	config_release(&cc->c);
	unit_rmtree(d);
	free(d);
	free(err);
}

START_TEST(full_config)
{
	struct cfg_call cc;
	char *d, *err;

	setenv("MIGRATE_TEST_HOST", "db.internal", 1);
	unsetenv("MIGRATE_TEST_UNSET");
	err = load_text(&cc,
		"# comment\n"
		"database:\n  url: postgresql://app@${MIGRATE_TEST_HOST}/app\n"
		"migrations:\n  dir: ${MIGRATE_TEST_UNSET:-db/migrations}\n  table: ops.history\n"
		"apply:\n  lock_timeout: 2s\n  statement_timeout: 1min\n  retries: 3\n"
		"  retry_delay: 50ms\n  retry_max_delay: 5s\n  wait: 10s\n"
		"lint:\n  pg_version: 12\n  rules:\n    prefer-bigint: off\n    ban-drop-column: warning\n"
		"  exclude: [prefer-text-field]\n"
		"  custom:\n    - id: no-grant\n      pattern: '(?i)\\bgrant\\b'\n      message: grants go through ops\n"
		"      severity: warning\n", &d);
	ck_assert_msg(cc.rc == 0, "stderr: %s", err);
	ck_assert_str_eq(cc.c.database_url, "postgresql://app@db.internal/app");
	ck_assert_str_eq(cc.c.dir, "db/migrations");
	ck_assert_str_eq(cc.c.table, "ops.history");
	ck_assert_int_eq(cc.c.lock_timeout_ms, 2000);
	ck_assert_int_eq(cc.c.statement_timeout_ms, 60000);
	ck_assert_int_eq(cc.c.retries, 3);
	ck_assert_int_eq(cc.c.retry_delay_ms, 50);
	ck_assert_int_eq(cc.c.retry_max_delay_ms, 5000);
	ck_assert_int_eq(cc.c.wait_ms, 10000);
	ck_assert_int_eq(cc.c.lint_pg_version, 12);
	ck_assert(cc.c.lint_small_table == 10LL << 20); /* the default */
	ck_assert_int_eq(config_rule_level(&cc.c, "prefer-bigint"), RULE_OFF);
	ck_assert_int_eq(config_rule_level(&cc.c, "ban-drop-column"), RULE_WARNING);
	ck_assert_int_eq(config_rule_level(&cc.c, "other"), RULE_DEFAULT);
	ck_assert_uint_eq(cc.c.nexclude, 1);
	ck_assert_str_eq(cc.c.exclude[0], "prefer-text-field");
	ck_assert_uint_eq(cc.c.ncustom, 1);
	ck_assert_str_eq(cc.c.custom[0].id, "no-grant");
	ck_assert_int_eq(cc.c.custom[0].level, RULE_WARNING);
	done(&cc, d, err);
}
END_TEST

START_TEST(defaults_and_empty_file)
{
	struct cfg_call cc;
	char *d, *err = load_text(&cc, "", &d);

	ck_assert_int_eq(cc.rc, 0);
	ck_assert_int_eq(cc.c.lock_timeout_ms, 500);
	ck_assert_int_eq(cc.c.statement_timeout_ms, 0);
	ck_assert_int_eq(cc.c.retries, 10);
	ck_assert_int_eq(cc.c.retry_delay_ms, 200);
	ck_assert_int_eq(cc.c.retry_max_delay_ms, 10000);
	ck_assert_int_eq(cc.c.wait_ms, 60000);
	ck_assert_ptr_null(cc.c.database_url);
	done(&cc, d, err);
}
END_TEST

static void expect_error(const char *text, const char *where, const char *what)
{
	struct cfg_call cc;
	char *d, *err = load_text(&cc, text, &d);

	ck_assert_msg(cc.rc == -1, "should fail: %s", text);
	ck_assert_msg(strstr(err, where) && strstr(err, what), "for:\n%s\ngot: %s", text, err);
	done(&cc, d, err);
}

START_TEST(errors_name_file_and_line)
{
	unsetenv("MIGRATE_TEST_UNSET");
	expect_error("apply:\n  lock_timout: 2s\n", "migrate.yml:2:3: error", "unknown key \"apply.lock_timout\"");
	expect_error("databse:\n  url: x\n", "migrate.yml:1:1: error", "unknown key \"databse\"");
	expect_error("apply:\n  retries: many\n", "migrate.yml:2:12: error", "\"apply.retries\" must be a non-negative integer");
	expect_error("apply:\n  lock_timeout: [1, 2]\n", "migrate.yml:2:17: error", "must be a single value");
	expect_error("apply:\n  lock_timeout: soon\n", "migrate.yml:2:17: error", "must be a duration");
	expect_error("database:\n  url: ${MIGRATE_TEST_UNSET\n", "migrate.yml:2:8: error", "malformed ${...} reference in the value of \"database.url\"");
	expect_error("apply:\n  retries: 1\n  retries: 2\n", "migrate.yml:3:3: error", "\"apply.retries\" is given twice: on line 2 and on line 3");
	expect_error("lint:\n  rules: {}\nlint:\n  exclude: []\n", "migrate.yml:3:1: error", "\"lint\" is given twice: on line 1 and on line 3");
	expect_error("database: [\n", "migrate.yml:", "invalid YAML");
	expect_error("- a\n- b\n", "migrate.yml:1:1: error", "must be a mapping");
	expect_error("lint:\n  rules:\n    prefer-bigint: maybe\n", "migrate.yml:3:20: error", "rule level must be off, warning or error");
	expect_error("lint:\n  custom:\n    - pattern: x\n", "migrate.yml:3:7: error", "needs an id and a pattern");
	expect_error("lint:\n  pg_version: 7\n", "migrate.yml", "lint.pg_version must be a major version");
	expect_error("lint:\n  small_table: big\n", "migrate.yml", "must be a size like 10MB");
}
END_TEST

START_TEST(blockers_policy)
{
	struct cfg_call cc;
	char *d, *err = load_text(&cc, "apply:\n  blockers: cancel-idle\n  blockers_idle_after: 2min\n"
				  "  wait_quiet: 5s\n", &d);

	ck_assert_int_eq(cc.rc, 0);
	ck_assert_int_eq(cc.c.blockers, BLOCKERS_CANCEL_IDLE);
	ck_assert_int_eq(cc.c.blockers_idle_after_ms, 120000);
	ck_assert_int_eq(cc.c.wait_quiet_ms, 5000);
	done(&cc, d, err);
	err = load_text(&cc, "", &d);
	ck_assert_int_eq(cc.c.blockers, BLOCKERS_WAIT);
	ck_assert_int_eq(cc.c.blockers_idle_after_ms, 30000);
	ck_assert_int_eq(cc.c.wait_quiet_ms, 0);
	done(&cc, d, err);
	ck_assert_int_eq(config_blockers("cancel-idle-any"), BLOCKERS_CANCEL_IDLE_ANY);
	ck_assert_int_eq(config_blockers("Cancel-Idle"), -1);
	ck_assert_str_eq(config_blockers_name(BLOCKERS_CANCEL_IDLE), "cancel-idle");
	expect_error("apply:\n  blockers: kill\n", "migrate.yml:2:13: error",
		     "\"apply.blockers\" must be wait, cancel-idle or cancel-idle-any, not \"kill\"");
	expect_error("apply:\n  blockers_idle_after: a while\n", "migrate.yml:2:24: error", "must be a duration");
}
END_TEST

static void require_all(void *arg)
{
	struct cfg_call *cc = arg;
	cc->rc = config_require(&cc->c, "database.");
}

/* An unset variable is an error only when the value is used (config_require). */
START_TEST(unset_variable_is_deferred)
{
	struct cfg_call cc;
	char *d, *err;

	unsetenv("MIGRATE_TEST_UNSET");
	setenv("MIGRATE_TEST_HOST", "db.internal", 1);
	err = load_text(&cc, "database:\n  url: ${MIGRATE_TEST_UNSET}\n"
			     "migrations:\n  dir: ${MIGRATE_TEST_UNSET:-${MIGRATE_TEST_HOST}}/$${x}\n"
			     "  table: ${MIGRATE_TEST_HOST:-${MIGRATE_TEST_UNSET}}\n", &d);
	ck_assert_msg(cc.rc == 0, "loads: %s", err);
	ck_assert_str_eq(err, "");
	ck_assert_ptr_null(cc.c.database_url);
	ck_assert_str_eq(cc.c.dir, "db.internal/${x}");
	ck_assert_str_eq(cc.c.table, "db.internal");
	ck_assert_int_eq(config_require(&cc.c, "migrations."), 0);
	free(err);
	err = unit_capture_stderr(require_all, &cc);
	ck_assert_int_eq(cc.rc, -1);
	ck_assert_msg(strstr(err, "migrate.yml:2:8: error: environment variable MIGRATE_TEST_UNSET is not set"), "%s", err);
	done(&cc, d, err);
}
END_TEST

static void load_missing(void *arg)
{
	struct cfg_call *cc = arg;
	do_load(cc);
}

START_TEST(explicit_missing_file)
{
	struct cfg_call cc = { "/nonexistent/migrate.yml", { 0 }, 0 };
	char *err = unit_capture_stderr(load_missing, &cc);

	ck_assert_int_eq(cc.rc, -1);
	ck_assert(strstr(err, "could not open configuration file \"/nonexistent/migrate.yml\""));
	config_release(&cc.c);
	free(err);
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, full_config);
	tcase_add_test(tc, defaults_and_empty_file);
	tcase_add_test(tc, errors_name_file_and_line);
	tcase_add_test(tc, explicit_missing_file);
	tcase_add_test(tc, blockers_policy);
	tcase_add_test(tc, unset_variable_is_deferred);
	suite_add_tcase(s, tc);
	return s;
}
