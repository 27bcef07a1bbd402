/* blockers.h - the sessions that block a migration's lock: who they are
 * (pg_blocking_pids, read from a second connection), and apply.blockers, the
 * opt-in policy that terminates the idle-in-transaction ones */
#ifndef MIGRATE_BLOCKERS_H
#define MIGRATE_BLOCKERS_H

#include "config/config.h"
#include "pg/db.h"

#include <jansson.h>

struct blocker {
	int pid;
	int attempt;          /* the attempt (0: first) it blocked */
	char *user, *app, *client, *state;
	char *query;          /* its current query: one line, shortened, secrets scrubbed */
	long xact_age_s;      /* its transaction open for; -1: none */
	long state_age_ms;    /* in its state for */
	int superuser;
	int current;          /* blocking in the latest sample */
	int terminated;       /* by the policy */
	int logged;           /* its termination is in the audit log */
};

struct blockers {
	struct blocker *items;
	size_t n, alloc;
	char *json;           /* what blockers_json returned last */
};

void blockers_release(struct blockers *b);
/*
 * Who blocks backend pid right now, read over conn (another connection to the
 * same server), merged into b as blockers of this attempt. Returns how many
 * block it now, -1 when the query failed.
 */
int blockers_sample(struct blockers *b, PGconn *conn, int pid, int attempt, const struct db *db);
/*
 * After the fact (the lock timed out before a look): the sessions holding a
 * lock on one of tables (a JSON array of names) other than backend pid, as
 * blockers of this attempt. How many, -1 when the query failed.
 */
int blockers_holders(struct blockers *b, PGconn *conn, const char *tables, int pid, int attempt,
		     const struct db *db);
/*
 * apply.blockers: terminate each current blocker that has been idle in
 * transaction for at least apply.blockers_idle_after (a superuser's only with
 * cancel-idle-any); never an active one. Prints each; returns how many.
 */
int blockers_enforce(struct blockers *b, PGconn *conn, const struct config *cfg);
/* "pid 4242 (user app, application api, client 10.0.0.5, idle in transaction for 3m00s,
 * transaction open 3m02s): UPDATE ..." */
char *blocker_describe(const struct blocker *x);
/* Print the blockers of an attempt, under the retry line. */
void blockers_print(const struct blockers *b, int attempt);
/* One as a JSON object; those of attempt (-1: all) as a JSON array. */
json_t *blocker_to_json(const struct blocker *x);
json_t *blockers_to_json(const struct blockers *b, int attempt);
/* All of them as JSON text for the audit log (owned by b), NULL when none. */
const char *blockers_json(struct blockers *b);

#endif
