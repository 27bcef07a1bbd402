/* record.c - history rows for migrations recorded without running them */
#include "pg/record.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>

int record_rows(struct history *h, struct db *db, const char *run_id, const struct record_row *rows,
		size_t n, const char *how, const char *outcome, const char *note)
{
	char *ins = history_sql_insert(h);
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		const struct record_row *r = &rows[i];
		struct log_entry le = { 0 };
		char v[32];
		const char *p[7];

		snprintf(v, sizeof(v), "%lld", (long long)r->version);
		p[0] = v;
		p[1] = r->m ? r->m->name : r->name;
		p[2] = r->m ? r->m->checksum : ""; /* no file: shows as "missing" */
		p[3] = r->m ? r->m->down.sql : NULL;
		p[4] = os_user_name();
		p[5] = how;
		p[6] = r->dirty ? "dirty" : "applied";
		le.run_id = run_id;
		le.version = r->version;
		le.name = p[1];
		le.direction = how;
		le.outcome = r->dirty ? "dirty" : outcome;
		le.note = note;
		if (db_command(db, ins, 7, p) < 0 || history_log(h, db, &le) < 0)
			rc = -1;
	}
	free(ins);
	return rc;
}

int record_begin(struct db *db)
{
	return db_command(db, "BEGIN", 0, NULL);
}

void record_rollback(struct db *db)
{
	if (PQstatus(db->conn) == CONNECTION_OK && PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		PQclear(PQexec(db->conn, "ROLLBACK"));
}
