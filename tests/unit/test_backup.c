/* test_backup.c - backup file names, client program versions (no server) */
#include "unit.h"
#include "run/backup.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

START_TEST(names_round_trip)
{
	struct backup_name n;
	char *s = backup_name_make("app", 1795271400042LL, 20261101090000LL, 20261101105000LL);

	ck_assert_str_eq(s, "app-20261121T143000.042Z-20261101090000-to-20261101105000.dump");
	ck_assert_int_eq(backup_name_parse(s, &n), 0);
	ck_assert_str_eq(n.database, "app");
	ck_assert_str_eq(n.stamp, "20261121T143000.042Z");
	ck_assert(n.from == 20261101090000LL && n.to == 20261101105000LL);
	backup_name_release(&n);
	free(s);
}
END_TEST

START_TEST(database_names_are_made_safe)
{
	struct backup_name n;
	char *s = backup_name_make("../my db/x-1", 0, 0, 3);

	ck_assert_str_eq(s, "_._my_db_x-1-19700101T000000.000Z-0-to-3.dump");
	ck_assert(strchr(s, '/') == NULL);
	ck_assert_int_eq(backup_name_parse(s, &n), 0);
	ck_assert_str_eq(n.database, "_._my_db_x-1"); /* dashes in a name are fine */
	backup_name_release(&n);
	free(s);
}
END_TEST

START_TEST(names_that_are_not_backups)
{
	static const char *const bad[] = {
		"notes.txt", "app.dump", "app-20261121T143000.000Z-1-to-2.dump.partial",
		"app-20261121T143000.000-1-to-2.dump", "-20261121T143000.000Z-1-to-2.dump",
		"app-20261121T143000.000Z-x-to-2.dump", "app-20261121T143000.000Z-1-to-.dump",
		"app-2026112XT143000.000Z-1-to-2.dump", "app-20261121T143000.000Z-1-2.dump",
		"app-20261121T143000Z-1-to-2.dump", "app-20261121T143000,000Z-1-to-2.dump", ".dump", "",
	};
	size_t i;
	struct backup_name n;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(backup_name_parse(bad[i], &n) < 0, "%s parsed", bad[i]);
}
END_TEST

START_TEST(program_and_server_versions)
{
	char b[16];

	ck_assert_int_eq(pg_program_major("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n"), 150000);
	ck_assert_int_eq(pg_program_major("pg_dump (PostgreSQL) 9.6.24"), 90600);
	ck_assert_int_eq(pg_program_major("pg_restore (PostgreSQL) 17beta1"), 170000);
	ck_assert_int_eq(pg_program_major("no digits here"), -1);
	ck_assert_int_eq(pg_server_major(150004), 150000);
	ck_assert_int_eq(pg_server_major(90624), 90600);
	/* an older pg_dump than the server is refused, a newer one is fine */
	ck_assert(pg_program_major("pg_dump (PostgreSQL) 14.2") < pg_server_major(150004));
	ck_assert(pg_program_major("pg_dump (PostgreSQL) 16.1") >= pg_server_major(150004));
	ck_assert(pg_program_major("pg_dump (PostgreSQL) 9.6.2") < pg_server_major(100001));
	ck_assert_str_eq(pg_major_text(150000, b), "15");
	ck_assert_str_eq(pg_major_text(90600, b), "9.6");
}
END_TEST

START_TEST(listing_newest_first)
{
	char *dir = unit_tempdir();
	struct backup_entry *e;
	size_t n;

	unit_write(dir, "app-20260101T000000.000Z-0-to-1.dump", "x");
	unit_write(dir, "app-20260301T000000.000Z-2-to-3.dump", "xyz");
	unit_write(dir, "app-20260301T000000.001Z-3-to-4.dump", "xyzw");
	unit_write(dir, "app-20260201T000000.000Z-1-to-2.dump", "xy");
	unit_write(dir, "other-20260401T000000.000Z-0-to-1.dump", "x");
	unit_write(dir, "README", "x");
	ck_assert_int_eq(backup_list(dir, "app", &e, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(e[0].file, "app-20260301T000000.001Z-3-to-4.dump");
	ck_assert_int_eq(e[0].size, 4);
	ck_assert_str_eq(e[3].file, "app-20260101T000000.000Z-0-to-1.dump");
	backup_list_free(e, n);
	ck_assert_int_eq(backup_list(dir, NULL, &e, &n), 0);
	ck_assert_uint_eq(n, 5);
	backup_list_free(e, n);
	unit_rmtree(dir);
	free(dir);
	/* a directory that does not exist holds no backups */
	ck_assert_int_eq(backup_list("/nonexistent/backups", NULL, &e, &n), 0);
	ck_assert_uint_eq(n, 0);
	backup_list_free(e, n);
}
END_TEST

Suite *backup_suite(void)
{
	Suite *s = suite_create("backup");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, names_round_trip);
	tcase_add_test(tc, database_names_are_made_safe);
	tcase_add_test(tc, names_that_are_not_backups);
	tcase_add_test(tc, program_and_server_versions);
	tcase_add_test(tc, listing_newest_first);
	suite_add_tcase(s, tc);
	return s;
}
