/* reset.h - each migration starts from the session as it began: no SET ROLE,
 * search_path or other setting of an earlier migration; without DISCARD ALL,
 * which a transaction pooler refuses and which would drop the runner's
 * prepared statements */
#ifndef MIGRATE_RESET_H
#define MIGRATE_RESET_H

#include "pg/db.h"

/* Each one statement, for a pipeline (no multi-statement query there). */
#define RESET_SESSION_AUTH "RESET SESSION AUTHORIZATION"
#define RESET_SESSION_ROLE "RESET ROLE"
#define RESET_SESSION_ALL "RESET ALL"

/*
 * In one round trip: the user, the role and every setting back to the
 * session's start (a role or setting of the connection options or ALTER
 * ROLE/DATABASE SET is where they come back to), then
 * search_path when not NULL and the lock and statement timeouts when >= 0,
 * for the session. 0, or -1 with the error printed.
 */
int run_reset_session(struct db *db, const char *search_path, long lock_ms, long stmt_ms);

#endif
