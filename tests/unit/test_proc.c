/* test_proc.c - running a client program: argument vector, environment, output, status */
#include "unit.h"
#include "base/proc.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

START_TEST(status_and_output)
{
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	struct proc p = { argv, NULL, -1, NULL, NULL };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	ck_assert_int_eq(proc_run(&p, &out, &err), 3);
	ck_assert_str_eq(out.buf, "out\n");
	ck_assert_str_eq(err.buf, "err\n");
	strbuf_release(&out);
	strbuf_release(&err);
}
END_TEST

START_TEST(arguments_are_not_a_shell_line)
{
	/* one argument with spaces, quotes and a ; stays one argument */
	const char *argv[] = { "printf", "%s|", "a b; echo injected", "'c'", NULL };
	struct proc p = { argv, NULL, -1, NULL, NULL };
	struct strbuf out = STRBUF_INIT;

	ck_assert_int_eq(proc_run(&p, &out, NULL), 0);
	ck_assert_str_eq(out.buf, "a b; echo injected|'c'|");
	strbuf_release(&out);
}
END_TEST

START_TEST(password_only_in_the_environment)
{
	const char *argv[] = { "sh", "-c", "printf '%s' \"$PGPASSWORD\"", NULL };
	struct proc p = { argv, "s3cret pass", -1, NULL, NULL };
	struct strbuf out = STRBUF_INIT;

	unsetenv("PGPASSWORD");
	ck_assert_int_eq(proc_run(&p, &out, NULL), 0);
	ck_assert_str_eq(out.buf, "s3cret pass");
	ck_assert_ptr_null(getenv("PGPASSWORD")); /* ours is untouched */
	strbuf_release(&out);
}
END_TEST

START_TEST(stdout_to_a_file_and_stdin_empty)
{
	char *dir = unit_tempdir(), *path = xasprintf("%s/o", dir), *text;
	const char *argv[] = { "sh", "-c", "cat; echo written", NULL };
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	struct proc p = { argv, NULL, fd, NULL, NULL };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(proc_run(&p, NULL, NULL), 0);
	close(fd);
	text = read_file(path, NULL);
	ck_assert_str_eq(text, "written\n"); /* stdin was /dev/null: cat read nothing */
	free(text);
	free(path);
	unit_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(missing_program)
{
	const char *argv[] = { "/nonexistent/pg_dump", "--version", NULL };
	struct proc p = { argv, NULL, -1, NULL, NULL };

	errno = 0;
	ck_assert_int_eq(proc_run(&p, NULL, NULL), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(killed_by_a_signal)
{
	const char *argv[] = { "sh", "-c", "kill -9 $$", NULL };
	struct proc p = { argv, NULL, -1, NULL, NULL };

	ck_assert_int_eq(proc_run(&p, NULL, NULL), 128 + 9);
}
END_TEST

static int ticks;
static void tick(void *ud)
{
	(void)ud;
	ticks++;
}

START_TEST(ticks_while_it_runs)
{
	const char *argv[] = { "sleep", "0.7", NULL };
	struct proc p = { argv, NULL, -1, tick, NULL };

	ticks = 0;
	ck_assert_int_eq(proc_run(&p, NULL, NULL), 0);
	ck_assert_int_ge(ticks, 1);
}
END_TEST

Suite *proc_suite(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, status_and_output);
	tcase_add_test(tc, arguments_are_not_a_shell_line);
	tcase_add_test(tc, password_only_in_the_environment);
	tcase_add_test(tc, stdout_to_a_file_and_stdin_empty);
	tcase_add_test(tc, missing_program);
	tcase_add_test(tc, killed_by_a_signal);
	tcase_add_test(tc, ticks_while_it_runs);
	suite_add_tcase(s, tc);
	return s;
}
