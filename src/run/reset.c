/* reset.c - the session back to how it began, between migrations */
#include "run/reset.h"
#include "base/strbuf.h"

#include <stdlib.h>
#include <string.h>

int run_reset_session(struct db *db, const char *search_path, long lock_ms, long stmt_ms)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	strbuf_addstr(&sb, RESET_SESSION_AUTH "; " RESET_SESSION_ROLE "; " RESET_SESSION_ALL);
	if (search_path) {
		char *lit = PQescapeLiteral(db->conn, search_path, strlen(search_path));

		if (!lit) {
			strbuf_release(&sb);
			return -1;
		}
		strbuf_addf(&sb, "; SELECT set_config('search_path', %s, false)", lit);
		PQfreemem(lit);
	}
	if (lock_ms >= 0)
		strbuf_addf(&sb, "; SET lock_timeout = '%ldms'", lock_ms);
	if (stmt_ms >= 0)
		strbuf_addf(&sb, "; SET statement_timeout = '%ldms'", stmt_ms);
	rc = db_command(db, sb.buf, 0, NULL);
	strbuf_release(&sb);
	return rc;
}
