/* test_db.c - redaction, identifier quoting, lock keys, history table names (no server) */
#include "unit.h"
#include "pg/db.h"
#include "pg/history.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

static void expect_redacted(const char *in, const char *out)
{
	char *r = redact_conninfo(in);
	ck_assert_msg(!strcmp(r, out), "redact(%s) = %s, want %s", in, r, out);
	free(r);
}

START_TEST(redaction)
{
	expect_redacted("postgresql://app:s3cret@db:5432/app", "postgresql://app:***@db:5432/app");
	expect_redacted("postgres://app:p%40ss@db/app?sslmode=require", "postgres://app:***@db/app?sslmode=require");
	expect_redacted("host=db user=app password=s3cret dbname=app", "host=db user=app password=*** dbname=app");
	expect_redacted("host=db password='with space' dbname=app", "host=db password='***' dbname=app");
	expect_redacted("postgresql://app@db/app", "postgresql://app@db/app");
	expect_redacted("postgresql://db/app?password=s3cret", "postgresql://db/app?password=***");
	expect_redacted(NULL, "(libpq defaults)");
}
END_TEST

START_TEST(scrub)
{
	struct db db;
	char *s;

	memset(&db, 0, sizeof(db));
	db.password = xstrdup("hunter2");
	s = db_scrub(&db, "FATAL: password hunter2 rejected; hunter2!");
	ck_assert_str_eq(s, "FATAL: password *** rejected; ***!");
	free(s);
	free(db.password);
}
END_TEST

START_TEST(quoting_and_keys)
{
	char *q = db_quote_ident("we\"ird");
	ck_assert_str_eq(q, "\"we\"\"ird\"");
	free(q);
	ck_assert(db_lock_key("public.schema_migrations") == db_lock_key("public.schema_migrations"));
	ck_assert(db_lock_key("public.schema_migrations") != db_lock_key("tenant_1.schema_migrations"));
}
END_TEST

START_TEST(history_names)
{
	struct history h;

	ck_assert_int_eq(history_init(&h, "public.schema_migrations"), 0);
	ck_assert_str_eq(h.qtable, "\"public\".\"schema_migrations\"");
	ck_assert_str_eq(h.qlog, "\"public\".\"schema_migrations_log\"");
	history_release(&h);
	ck_assert_int_eq(history_init(&h, "Migrations"), 0);
	ck_assert_str_eq(h.qtable, "\"public\".\"migrations\"");
	history_release(&h);
	ck_assert_int_eq(history_init(&h, "\"My Schema\".\"T.x\""), 0);
	ck_assert_str_eq(h.schema, "My Schema");
	ck_assert_str_eq(h.table, "T.x");
	history_release(&h);
}
END_TEST

static void bad_name(void *arg)
{
	struct history h;
	ck_assert_int_eq(history_init(&h, arg), -1);
}

START_TEST(history_bad_names)
{
	static const char *const bad[] = { "", "a.b.c", "x; DROP TABLE y", "\"open", "a." };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char *err = unit_capture_stderr(bad_name, (void *)bad[i]);
		ck_assert_msg(strstr(err, "invalid history table name"), "%s: %s", bad[i], err);
		free(err);
	}
}
END_TEST

Suite *db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("offline");

	tcase_add_test(tc, redaction);
	tcase_add_test(tc, scrub);
	tcase_add_test(tc, quoting_and_keys);
	tcase_add_test(tc, history_names);
	tcase_add_test(tc, history_bad_names);
	suite_add_tcase(s, tc);
	return s;
}
