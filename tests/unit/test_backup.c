/* test_backup.c - backup file names, client program versions (no server) */
#include "unit.h"
#include "run/backup.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

START_TEST(names_round_trip)
{
	struct backup_name n;
	char *s = backup_name_make("app", "0123456789", 1795271400042LL, 20261101090000LL, 20261101105000LL);

	ck_assert_str_eq(s, "app-0123456789-20261121T143000.042Z-20261101090000-to-20261101105000.dump");
	ck_assert_int_eq(backup_name_parse(s, &n), 0);
	ck_assert_str_eq(n.database, "app");
	ck_assert_str_eq(n.hash, "0123456789");
	ck_assert_str_eq(n.stamp, "20261121T143000.042Z");
	ck_assert(n.from == 20261101090000LL && n.to == 20261101105000LL);
	backup_name_release(&n);
	free(s);
	/* a name from before the hash: still a backup, with no hash */
	ck_assert_int_eq(backup_name_parse("app-20261121T143000.042Z-1-to-2.dump", &n), 0);
	ck_assert_str_eq(n.database, "app");
	ck_assert_str_eq(n.hash, "");
	backup_name_release(&n);
}
END_TEST

/* Targets whose readable labels collide get different names; the label stays readable. */
START_TEST(colliding_labels_get_different_hashes)
{
	struct backup_source a = { "/tmp", "5432", "app", "tenant x" };
	struct backup_source b = { "/tmp", "5432", "app", "tenant_x" };
	struct backup_source c = { "/tmp", "5432", "app", "t\xc3\xa9nant" }; /* é: 2 bytes */
	struct backup_source d = { "/tmp", "5432", "app", "t\xc3\xa8nant" }; /* è */
	struct backup_source e = { "/tmp", "5433", "app", "tenant x" };
	char *la = backup_source_label(&a), *lb = backup_source_label(&b);
	char *lc = backup_source_label(&c), *ld = backup_source_label(&d);
	char ha[11], hb[11], hc[11], hd[11], he[11];

	ck_assert_str_eq(la, "app.tenant_x");
	ck_assert_str_eq(lb, "app.tenant_x");
	ck_assert_str_eq(lc, ld);
	backup_source_hash(&a, ha);
	backup_source_hash(&b, hb);
	backup_source_hash(&c, hc);
	backup_source_hash(&d, hd);
	backup_source_hash(&e, he);
	ck_assert_str_ne(ha, hb);
	ck_assert_str_ne(hc, hd);
	ck_assert_str_ne(ha, he);
	ck_assert_uint_eq(strlen(ha), 10);
	ck_assert(backup_source_same(&a, &a) && !backup_source_same(&a, &b) && !backup_source_same(&a, &e));
	free(la);
	free(lb);
	free(lc);
	free(ld);
}
END_TEST

START_TEST(database_names_are_made_safe)
{
	struct backup_name n;
	struct backup_source src = { "h", "1", "../my db/x-1", NULL };
	char *label = backup_source_label(&src);
	char *s = backup_name_make(label, "abcdef0123", 0, 0, 3);

	ck_assert_str_eq(s, "_._my_db_x-1-abcdef0123-19700101T000000.000Z-0-to-3.dump");
	ck_assert(strchr(s, '/') == NULL);
	ck_assert_int_eq(backup_name_parse(s, &n), 0);
	ck_assert_str_eq(n.database, "_._my_db_x-1"); /* dashes in a name are fine */
	free(label);
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
	unit_write(dir, "other-20260401T000000.000Z-0-to-1.dump.json", "{}");
	ck_assert_int_eq(backup_list(dir, &e, &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(e[0].file, "other-20260401T000000.000Z-0-to-1.dump");
	ck_assert(!e[0].has_meta); /* a sidecar without a source is no sidecar */
	ck_assert_str_eq(e[1].file, "app-20260301T000000.001Z-3-to-4.dump");
	ck_assert_int_eq(e[1].size, 4);
	ck_assert_str_eq(e[4].file, "app-20260101T000000.000Z-0-to-1.dump");
	backup_list_free(e, n);
	unit_rmtree(dir);
	free(dir);
	/* a directory that does not exist holds no backups */
	ck_assert_int_eq(backup_list("/nonexistent/backups", &e, &n), 0);
	ck_assert_uint_eq(n, 0);
	backup_list_free(e, n);
}
END_TEST

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

/* The sidecar: written atomically with mode 0600, read back whole. */
START_TEST(sidecar_round_trip)
{
	char *dir = unit_tempdir(), *dump = xasprintf("%s/app-0123456789-20260101T000000.000Z-0-to-1.dump", dir);
	char *side = backup_meta_path(dump);
	struct backup_meta m, r;
	const char *why = NULL;
	struct stat st;

	memset(&m, 0, sizeof(m));
	m.src = (struct backup_source){ "/tmp", "5432", "app", "tenant \"x\"" };
	m.server_version = "15.8";
	m.scope = "tables";
	m.tables = "public.a";
	m.taken_at = "2026-01-01 00:00:00+00";
	m.wal_lsn = "0/1A2B3C";
	m.run_id = "r1";
	ck_assert_int_eq(backup_meta_read(dump, &r, &why), -1);
	ck_assert(strstr(why, "no sidecar") != NULL);
	ck_assert_int_eq(backup_meta_write(dump, &m), 0);
	ck_assert_int_eq(stat(side, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(backup_meta_read(dump, &r, &why), 0);
	ck_assert(backup_source_same(&m.src, &r.src));
	ck_assert_str_eq(r.scope, "tables");
	ck_assert_str_eq(r.tables, "public.a");
	ck_assert_str_eq(r.wal_lsn, "0/1A2B3C");
	ck_assert_str_eq(r.run_id, "r1");
	backup_meta_release(&r);
	/* no partial file left beside it */
	ck_assert_int_eq(count_entries(dir), 1);
	unit_rmtree(dir);
	free(side);
	free(dump);
	free(dir);
}
END_TEST

Suite *backup_suite(void)
{
	Suite *s = suite_create("backup");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, names_round_trip);
	tcase_add_test(tc, database_names_are_made_safe);
	tcase_add_test(tc, colliding_labels_get_different_hashes);
	tcase_add_test(tc, sidecar_round_trip);
	tcase_add_test(tc, names_that_are_not_backups);
	tcase_add_test(tc, program_and_server_versions);
	tcase_add_test(tc, listing_newest_first);
	suite_add_tcase(s, tc);
	return s;
}
