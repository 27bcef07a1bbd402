/* test_run.c - the runner's decisions that need no server: how a step runs
 * (tx_mode_decide, step_prepare), the one directive reader, which rows down
 * and redo revert, the history row's parameters, and the option parser */
#include "unit.h"
#include "base/cli.h"
#include "base/util.h"
#include "pg/history.h"
#include "run/steps.h"
#include "sql/directive.h"
#include "sql/step.h"

#include <stdlib.h>
#include <string.h>

static enum tx_mode mode_of(const char *sql, int no_transaction, int *notx, int *tx)
{
	struct directives d = { no_transaction, -1, -1 };
	struct sql_script s;
	enum tx_mode m;

	ck_assert_int_eq(sql_script_parse(&s, sql, "t.sql", 1), 0);
	m = tx_mode_decide(&s, &d, notx, tx);
	sql_script_release(&s);
	return m;
}

START_TEST(tx_mode_of_each_kind)
{
	int notx, tx;

	ck_assert_int_eq(mode_of("CREATE TABLE t (a int); INSERT INTO t VALUES (1);", 0, &notx, &tx),
			 TX_WRAPPED);
	ck_assert_int_eq(notx, -1);
	ck_assert_int_eq(tx, 0);
	ck_assert_int_eq(mode_of("CREATE INDEX CONCURRENTLY i ON t (a);", 0, &notx, &tx), TX_NONE);
	ck_assert_int_eq(notx, 0);
	ck_assert_int_eq(mode_of("CREATE TABLE t (a int); CREATE INDEX CONCURRENTLY i ON t (a);", 0,
				 &notx, &tx), TX_MIXED);
	ck_assert_int_eq(notx, 1);
	ck_assert_int_eq(tx, 0);
	/* the directive makes every statement run alone, mixed or not */
	ck_assert_int_eq(mode_of("CREATE TABLE t (a int); CREATE INDEX CONCURRENTLY i ON t (a);", 1,
				 NULL, NULL), TX_NONE);
	ck_assert_int_eq(mode_of("BEGIN; CREATE TABLE t (a int); COMMIT;", 0, NULL, NULL), TX_SELF);
	ck_assert_int_eq(mode_of("", 0, &notx, &tx), TX_WRAPPED);
	ck_assert_int_eq(tx, -1);
}
END_TEST

START_TEST(step_prepare_refuses_mixed)
{
	struct directives d = { 0, -1, -1 };
	struct step st;

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(step_prepare(&st, "CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
				      "m.up.sql", 1, &d), -1);
	step_release(&st);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(step_prepare(&st, "  \n-- nothing\n", "m.up.sql", 1, &d), 0);
	ck_assert_int_eq(st.noop, 1);
	ck_assert_int_eq(st.mode, TX_WRAPPED);
	step_release(&st);
}
END_TEST

static int read_dir(const char *text, char *word, char *args)
{
	struct directive d;

	if (!directive_read(text, strlen(text), &d))
		return 0;
	memcpy(word, d.word, d.word_len);
	word[d.word_len] = '\0';
	memcpy(args, d.args, d.args_len);
	args[d.args_len] = '\0';
	return 1;
}

START_TEST(directive_reader)
{
	char w[64], a[128];
	struct directive d;
	const char *tok, *rest;
	size_t tl, rl;

	ck_assert(read_dir("-- migrate:no-transaction", w, a));
	ck_assert_str_eq(w, "no-transaction");
	ck_assert_str_eq(a, "");
	ck_assert(read_dir("--migrate:lock-timeout   2s  \r\n", w, a));
	ck_assert_str_eq(w, "lock-timeout");
	ck_assert_str_eq(a, "2s");
	ck_assert(read_dir("/* migrate:no-transaction */", w, a));
	ck_assert_str_eq(w, "no-transaction");
	ck_assert_str_eq(a, "");
	ck_assert(read_dir("  -- migrate:up transaction:false", w, a));
	ck_assert_str_eq(a, "transaction:false");
	ck_assert(!read_dir("-- see migrate:up below", w, a));
	ck_assert(!read_dir("SELECT 'migrate:up'", w, a));
	ck_assert(!read_dir("-- migrate", w, a));
	ck_assert(directive_read("-- migrate:allow set-not-null,drop-column  small table ",
				 55, &d));
	ck_assert(directive_is(&d, "allow"));
	ck_assert(!directive_is(&d, "allowed"));
	ck_assert(directive_split(&d, &tok, &tl, &rest, &rl));
	ck_assert_int_eq((int)tl, (int)strlen("set-not-null,drop-column"));
	ck_assert(!strncmp(rest, "small table", rl) && rl == strlen("small table"));
	ck_assert(directive_read("-- migrate:allow", 16, &d));
	ck_assert(!directive_split(&d, &tok, &tl, &rest, &rl));
}
END_TEST

static void add_row(struct history *h, int64_t v, int dirty)
{
	struct history_row *r;

	ALLOC_GROW(h->rows, h->n + 1, h->alloc);
	r = &h->rows[h->n++];
	memset(r, 0, sizeof(*r));
	r->version = v;
	r->name = xstrdup("m");
	r->checksum = xstrdup("c");
	r->dirty = dirty;
}

START_TEST(rows_down_reverts)
{
	struct history h;
	struct history_row **rows;
	size_t n;

	ck_assert_int_eq(history_init(&h, "public.schema_migrations"), 0);
	add_row(&h, 1, 0);
	add_row(&h, 2, 0);
	add_row(&h, 5, 0);
	ck_assert_int_eq(steps_latest(&h), 5);
	rows = steps_down_rows(&h, 1, -1, 0, &n); /* --steps 1 */
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(rows[0]->version, 5);
	free(rows);
	rows = steps_down_rows(&h, 1, 1, 0, &n); /* --to 1: newest first */
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(rows[0]->version, 5);
	ck_assert_int_eq(rows[1]->version, 2);
	free(rows);
	rows = steps_down_rows(&h, 1, -1, 1, &n); /* --all-migrations */
	ck_assert_uint_eq(n, 3);
	free(rows);
	rows = steps_down_rows(&h, 10, -1, 0, &n); /* more steps than rows */
	ck_assert_uint_eq(n, 3);
	free(rows);
	ck_assert_int_eq(steps_refuse_dirty(&h), EXIT_OK);
	h.rows[1].dirty = 1;
	ck_assert_int_eq(steps_refuse_dirty(&h), EXIT_FAILED);
	history_release(&h);
}
END_TEST

START_TEST(history_row_parameters)
{
	struct history_entry e = { 42, "add_users", "abc", NULL, "transaction", "applied" };
	struct log_entry le;
	const char *p[7], *lp[12];
	char buf[32], lbuf[3][32];
	struct history h;
	char *sql;

	history_insert_params(&e, p, buf);
	ck_assert_str_eq(p[0], "42");
	ck_assert_str_eq(p[1], "add_users");
	ck_assert_str_eq(p[2], "abc");
	ck_assert_ptr_null(p[3]);
	ck_assert_str_eq(p[5], "transaction");
	ck_assert_str_eq(p[6], "applied");
	memset(&le, 0, sizeof(le));
	le.run_id = "r";
	le.version = 42;
	le.direction = "up";
	le.outcome = "applied";
	le.retries = 3;
	history_log_params(&le, lp, lbuf);
	ck_assert_str_eq(lp[1], "42");
	ck_assert_str_eq(lp[3], "up");
	ck_assert_str_eq(lp[8], "3");
	ck_assert_int_eq(history_init(&h, "\"My Schema\".hist"), 0);
	ck_assert_str_eq(h.schema, "My Schema");
	ck_assert_str_eq(h.table, "hist");
	sql = history_sql_insert(&h);
	ck_assert_ptr_nonnull(strstr(sql, "INSERT INTO \"My Schema\".\"hist\" (version"));
	free(sql);
	history_release(&h);
}
END_TEST

enum { T_TO = 1, T_FLAG, T_ALL };

static const struct cli_option topts[] = {
	{ T_TO, 0, "to", "VERSION", "up to" },
	{ T_FLAG, 'f', "flag", NULL, "a flag" },
	{ T_ALL, 0, "all-targets", NULL, "every target" },
	{ T_ALL, 0, "all", NULL, "the old spelling" },
	CLI_END
};

static int parse(int argc, char **argv, struct common_opts *co, int *ids, const char **args,
		 int *npos)
{
	struct cli c;
	int opt, k = 0;

	memset(co, 0, sizeof(*co));
	cli_init(&c, "t", "", "test", topts, co, argc, argv);
	while ((opt = cli_next(&c)) > 0) {
		ids[k] = opt;
		args[k++] = c.arg;
	}
	ids[k] = opt;
	*npos = c.npositional;
	cli_release(&c);
	return k;
}

START_TEST(cli_parser)
{
	char *argv1[] = { "t", "--to", "5", "-f", "--dir", "m", "pos", "--all", "--", "--flag", NULL };
	char *argv2[] = { "t", "--to=7", "--all-targets", "-v", NULL };
	char *argv3[] = { "t", "--nope", NULL };
	char *argv4[] = { "t", "--to", NULL };
	struct common_opts co;
	const char *args[16];
	int ids[16], npos, k;

	k = parse(10, argv1, &co, ids, args, &npos);
	ck_assert_int_eq(k, 3);
	ck_assert_int_eq(ids[0], T_TO);
	ck_assert_str_eq(args[0], "5");
	ck_assert_int_eq(ids[1], T_FLAG);
	ck_assert_int_eq(ids[2], T_ALL);
	ck_assert_int_eq(ids[3], CLI_DONE);
	ck_assert_str_eq(co.dir, "m");
	ck_assert_int_eq(npos, 2); /* "pos" and, after --, "--flag" */
	k = parse(4, argv2, &co, ids, args, &npos);
	ck_assert_int_eq(k, 2);
	ck_assert_str_eq(args[0], "7");
	ck_assert_int_eq(ids[1], T_ALL); /* both spellings give one id */
	ck_assert_int_eq(co.verbose, 1);
	log_verbosity = 0;
	parse(2, argv3, &co, ids, args, &npos);
	ck_assert_int_eq(ids[0], CLI_ERROR);
	parse(2, argv4, &co, ids, args, &npos);
	ck_assert_int_eq(ids[0], CLI_ERROR);
}
END_TEST

Suite *run_suite(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, tx_mode_of_each_kind);
	tcase_add_test(tc, step_prepare_refuses_mixed);
	tcase_add_test(tc, directive_reader);
	tcase_add_test(tc, rows_down_reverts);
	tcase_add_test(tc, history_row_parameters);
	tcase_add_test(tc, cli_parser);
	suite_add_tcase(s, tc);
	return s;
}
