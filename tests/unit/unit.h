/* unit.h - Check suites, one per module */
#ifndef MIGRATE_UNIT_H
#define MIGRATE_UNIT_H

#include <check.h>

Suite *util_suite(void);
Suite *sql_suite(void);
Suite *migration_suite(void);
Suite *config_suite(void);
Suite *db_suite(void);
Suite *backup_suite(void);
Suite *proc_suite(void);
Suite *fleetconf_suite(void);
/* the linter: tests/unit/test_lint*.c */
Suite *lint_suite(void);
Suite *lint_rules_suite(void);
Suite *locks_suite(void);
Suite *lint_schema_suite(void);
/* plan and rehearse: tests/unit/test_plan.c */
Suite *plan_suite(void);
/* plan --all's grouping: tests/unit/test_plan_fleet.c */
Suite *plan_fleet_suite(void);
/* the runner's decisions, history rows, the option parser: tests/unit/test_run.c */
Suite *run_suite(void);

/* Helpers: a fresh temp directory, and a file written in it. */
char *unit_tempdir(void);
void unit_write(const char *dir, const char *name, const char *text);
void unit_rmtree(const char *dir);
/* Run fn with stderr (stdout) captured into a string (caller frees). */
char *unit_capture_stderr(void (*fn)(void *), void *arg);
char *unit_capture_stdout(void (*fn)(void *), void *arg);

#endif
