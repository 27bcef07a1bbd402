/* scratch_data.c - rows for a scratch database: the history table's, and with
 * --with-data a sample of every table, consistent with its foreign keys */
#include "trace/scratch.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* COPY a query's rows from one database into a table of another. 0 or -1 (printed). */
static int copy_rows(struct db *from, struct db *to, const char *select, const char *into)
{
	char *out = xasprintf("COPY (%s) TO STDOUT", select);
	char *in = xasprintf("COPY %s FROM STDIN", into);
	PGresult *r1 = NULL, *r2 = NULL;
	char *buf;
	int n, rc = -1;

	r1 = PQexec(from->conn, out);
	if (PQresultStatus(r1) != PGRES_COPY_OUT) {
		db_print_result_error(from, r1);
		goto done;
	}
	r2 = PQexec(to->conn, in);
	if (PQresultStatus(r2) != PGRES_COPY_IN) {
		db_print_result_error(to, r2);
		while ((n = PQgetCopyData(from->conn, &buf, 0)) > 0)
			PQfreemem(buf);
		goto drain;
	}
	while ((n = PQgetCopyData(from->conn, &buf, 0)) > 0) {
		PQputCopyData(to->conn, buf, n);
		PQfreemem(buf);
	}
	PQputCopyEnd(to->conn, n == -1 ? NULL : "the source failed");
	PQclear(r2);
	r2 = PQgetResult(to->conn);
	rc = PQresultStatus(r2) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc < 0)
		db_print_result_error(to, r2);
	PQclear(r2);
	while ((r2 = PQgetResult(to->conn)))
		PQclear(r2);
drain:
	PQclear(r1);
	while ((r1 = PQgetResult(from->conn))) {
		if (PQresultStatus(r1) == PGRES_FATAL_ERROR) {
			db_print_result_error(from, r1);
			rc = -1;
		}
		PQclear(r1);
	}
done:
	PQclear(r1);
	PQclear(r2);
	free(out);
	free(in);
	return rc;
}

/* Delete sampled rows whose referenced row was not sampled, until none is left. */
static void delete_dangling(struct db *db)
{
	int round;

	for (round = 0; round < 20; round++) {
		PGresult *res = db_exec(db,
			"SELECT format('DELETE FROM %s c WHERE %s AND NOT EXISTS "
			"(SELECT 1 FROM %s p WHERE %s)', con.conrelid::regclass, "
			"string_agg(format('c.%I IS NOT NULL', ca.attname), ' AND '), "
			"con.confrelid::regclass, "
			"string_agg(format('p.%I = c.%I', pa.attname, ca.attname), ' AND ')) "
			"FROM pg_constraint con "
			"CROSS JOIN LATERAL unnest(con.conkey, con.confkey) AS k(ck, pk) "
			"JOIN pg_attribute ca ON ca.attrelid = con.conrelid AND ca.attnum = k.ck "
			"JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.pk "
			"WHERE con.contype = 'f' AND con.conparentid = 0 "
			"GROUP BY con.oid, con.conrelid, con.confrelid", 0, NULL);
		long deleted = 0;
		int i;

		if (!res)
			return;
		for (i = 0; i < PQntuples(res); i++) {
			PGresult *d = db_exec(db, PQgetvalue(res, i, 0), 0, NULL);
			if (d)
				deleted += strtol(PQcmdTuples(d), NULL, 10);
			PQclear(d);
		}
		PQclear(res);
		if (!deleted)
			return;
	}
}

static int copy_history(struct scratch *s, struct db *target, const struct history *h)
{
	char *select = xasprintf("SELECT * FROM %s", h->qtable);
	int rc = copy_rows(target, &s->db, select, h->qtable);

	free(select);
	return rc;
}

static void copy_sample(struct scratch *s, struct db *target, const struct history *h, long rows)
{
	const char *params[2] = { h->schema, h->table };
	PGresult *res;
	int i, replica;

	res = db_exec(target,
		"SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
		"       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) "
		"          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 "
		"           AND NOT a.attisdropped AND a.attgenerated = '') "
		"  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
		" WHERE c.relkind = 'r' AND c.relpersistence <> 't' "
		"   AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_' "
		"   AND NOT (n.nspname = $1::text AND c.relname::text IN ($2::text, $2::text || '_log')) "
		"   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
		"                   AND d.objid = c.oid AND d.deptype = 'e') "
		" ORDER BY 1", 2, params);
	if (!res)
		return;
	/* no triggers, no foreign key checks while loading a sample */
	{
		PGresult *r = PQexec(s->db.conn, "SET session_replication_role = replica");
		replica = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
	}
	if (!replica)
		log_warning("could not turn off triggers and foreign key checks while loading the "
			    "sample (needs superuser, or SET on session_replication_role): rows that "
			    "break a foreign key of the sample are not loaded");
	for (i = 0; i < PQntuples(res) && !scratch_interrupted(); i++) {
		const char *t = PQgetvalue(res, i, 0), *cols = PQgetvalue(res, i, 1);
		char *select, *into;

		if (PQgetisnull(res, i, 1))
			continue;
		select = xasprintf("SELECT %s FROM ONLY %s LIMIT %ld", cols, t, rows);
		into = xasprintf("%s (%s)", t, cols);
		db_command(target, "SAVEPOINT sample", 0, NULL);
		if (copy_rows(target, &s->db, select, into) < 0) {
			log_warning("could not copy rows of %s into the scratch database", t);
			db_command(target, "ROLLBACK TO SAVEPOINT sample", 0, NULL);
		}
		free(select);
		free(into);
	}
	PQclear(res);
	if (replica) {
		delete_dangling(&s->db);
		db_command(&s->db, "RESET session_replication_role", 0, NULL);
	}
	/* sequences carry on from where the target's are */
	res = db_exec(target, "SELECT format('%I.%I', schemaname, sequencename), last_value "
		      "FROM pg_sequences WHERE last_value IS NOT NULL "
		      "AND schemaname <> 'information_schema' AND schemaname !~ '^pg_'", 0, NULL);
	for (i = 0; res && i < PQntuples(res); i++) {
		const char *p[2] = { PQgetvalue(res, i, 0), PQgetvalue(res, i, 1) };
		db_command(&s->db, "SELECT setval($1::regclass, $2::bigint)", 2, p);
	}
	PQclear(res);
}

int scratch_copy_rows(struct scratch *s, struct db *target, const struct history *h, long rows)
{
	int rc = EXIT_OK;

	if (db_command(target, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL) < 0)
		return EXIT_FAILED;
	if (h->exists && copy_history(s, target, h) < 0) {
		log_error("could not copy the history of %s into the scratch database", h->display);
		rc = EXIT_FAILED;
	}
	if (rc == EXIT_OK && rows >= 0)
		copy_sample(s, target, h, rows);
	PQclear(PQexec(target->conn, "COMMIT"));
	return scratch_interrupted() ? EXIT_FAILED : rc;
}
