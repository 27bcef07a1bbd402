/* test_main.c - runs every Check suite */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include "unit.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <ftw.h>

char *unit_tempdir(void)
{
	char tmpl[] = "/tmp/migrate-unit.XXXXXX";
	char *d = mkdtemp(tmpl);
	ck_assert_ptr_nonnull(d);
	return xstrdup(d);
}

void unit_write(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void unit_rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Run fn with the file descriptor fd (and its stdio stream) captured into a string. */
static char *capture(int fd, FILE *stream, void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/migrate-unit-out.XXXXXX";
	int tmp = mkstemp(path), saved;
	char *text;

	fflush(stream);
	saved = dup(fd);
	dup2(tmp, fd);
	fn(arg);
	fflush(stream);
	dup2(saved, fd);
	close(saved);
	close(tmp);
	text = read_file(path, NULL);
	unlink(path);
	return text ? text : xstrdup("");
}

char *unit_capture_stderr(void (*fn)(void *), void *arg)
{
	return capture(2, stderr, fn, arg);
}

char *unit_capture_stdout(void (*fn)(void *), void *arg)
{
	return capture(1, stdout, fn, arg);
}

int main(void)
{
	SRunner *sr = srunner_create(util_suite());
	int failed;

	srunner_add_suite(sr, sql_suite());
	srunner_add_suite(sr, migration_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, db_suite());
	srunner_add_suite(sr, backup_suite());
	srunner_add_suite(sr, proc_suite());
	srunner_add_suite(sr, fleetconf_suite());
	srunner_add_suite(sr, lint_suite());
	srunner_add_suite(sr, lint_rules_suite());
	srunner_add_suite(sr, locks_suite());
	srunner_add_suite(sr, lint_schema_suite());
	srunner_add_suite(sr, plan_suite());
	srunner_add_suite(sr, plan_fleet_suite());
	srunner_add_suite(sr, run_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
