/* runlock.c - the runner lock. "advisory": pg_try_advisory_lock, held by the
 * session (what a transaction pooler such as PgBouncer in transaction mode
 * breaks). "table": a row in <history>_lock with an owner and a lease that
 * expires, taken and renewed by single autocommit statements, so it holds
 * through transaction pooling. */
#include "run/runlock.h"
#include "run/guard.h"
#include "run/events.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POOL_PROBES 3

/*
 * A proxy sits in between when the server's port is not the one we connected
 * to (PgBouncer forwards "SHOW VERSION" to the server, so that does not tell).
 * It pools transactions when another client, while we are idle, is handed our
 * very server process. Other clients of the pooler may take it first, so the
 * probe is repeated; only the advisory lock needs the answer.
 */
static int detect_pooler(struct session *s)
{
	PGresult *res = db_exec(&s->db, "SELECT current_setting('port'), pg_backend_pid()", 0, NULL);
	char *pid, *port;
	int i;

	if (!res)
		return -1;
	s->proxied = strcmp(PQgetvalue(res, 0, 0), PQport(s->db.conn)) != 0;
	s->db.proxied = s->proxied;
	port = xstrdup(PQgetvalue(res, 0, 0));
	pid = xstrdup(PQgetvalue(res, 0, 1));
	PQclear(res);
	for (i = 0; s->proxied && !s->cfg->lock_table && !s->pooled && i < POOL_PROBES; i++) {
		struct db probe;

		if (db_connect(&probe, s->cfg->database_url, 0) == 0) {
			res = db_exec(&probe, "SELECT pg_backend_pid()", 0, NULL);
			s->pooled = res && !strcmp(PQgetvalue(res, 0, 0), pid);
			PQclear(res);
		}
		db_close(&probe);
	}
	if (s->proxied)
		log_debug("connected through a proxy: the server's port is %s, not %s%s", port,
			  PQport(s->db.conn), s->pooled ? "; it pools transactions" : "");
	free(port);
	free(pid);
	return 0;
}

static int take_advisory(struct session *s)
{
	int r;

	s->lock_key = db_lock_key(s->h.display);
	r = db_advisory_lock(&s->db, s->lock_key, s->cfg->wait_ms, s->h.display);
	if (r == 0) {
		log_error("another migrate run holds the lock on %s; gave up after %lds",
			  s->h.display, s->cfg->wait_ms / 1000);
		log_hint("wait for it to finish, or raise --wait");
	}
	return r;
}

/* --- lock: table ---------------------------------------------------------- */

static char *lock_table_name(const struct history *h)
{
	char *qs = db_quote_ident(h->schema), *t = xasprintf("%s_lock", h->table);
	char *qt = db_quote_ident(t), *q = xasprintf("%s.%s", qs, qt);

	free(qs);
	free(t);
	free(qt);
	return q;
}

static int create_lock_table(struct session *s, const char *qlock)
{
	char *qs = db_quote_ident(s->h.schema);
	char *sql = xasprintf("SET client_min_messages = warning; "
			      "CREATE SCHEMA IF NOT EXISTS %s; CREATE TABLE IF NOT EXISTS %s ("
			      " name text PRIMARY KEY, owner text NOT NULL,"
			      " acquired_at timestamptz NOT NULL, expires_at timestamptz NOT NULL); "
			      "RESET client_min_messages",
			      qs, qlock);
	const char *p[1] = { qlock };
	PGresult *exists = db_exec(&s->db, "SELECT to_regclass($1) IS NOT NULL", 1, p);
	int attempt, rc = -1;

	if (exists && PQgetvalue(exists, 0, 0)[0] == 't')
		rc = 0;
	PQclear(exists);
	for (attempt = 0; attempt < 3 && rc < 0; attempt++) {
		PGresult *res = PQexec(s->db.conn, sql);
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (PQresultStatus(res) == PGRES_COMMAND_OK)
			rc = 0;
		else if (attempt < 2 && state && (!strcmp(state, "23505") || !strcmp(state, "42P07")))
			sleep_ms(50); /* another runner created it at the same moment */
		else
			db_print_result_error(&s->db, res);
		PQclear(res);
	}
	free(qs);
	free(sql);
	return rc;
}

static char *make_owner(void)
{
	unsigned char rnd[4] = { 0, 0, 0, 0 };
	char host[256] = "";

	RAND_bytes(rnd, sizeof(rnd));
	if (gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "unknown");
	host[sizeof(host) - 1] = '\0';
	return xasprintf("%s@%s pid %d (%02x%02x%02x%02x)", os_user_name(), host, (int)getpid(),
			 rnd[0], rnd[1], rnd[2], rnd[3]);
}

/* 1 taken, 0 held by another (its description in *holder), -1 error. */
static int try_table_lock(struct session *s, const char *qlock, char **holder)
{
	char lease[32];
	const char *p[3] = { s->h.display, s->lock_owner, lease };
	char *sql = xasprintf(
		"WITH old AS (SELECT owner, expires_at FROM %s WHERE name = $1) "
		"INSERT INTO %s AS l (name, owner, acquired_at, expires_at) "
		"VALUES ($1, $2, now(), now() + $3::bigint * interval '1 millisecond') "
		"ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, "
		"  acquired_at = excluded.acquired_at, expires_at = excluded.expires_at "
		"  WHERE l.expires_at < now() OR l.owner = excluded.owner "
		"RETURNING (SELECT owner || ' (lease expired ' || "
		"  to_char(now() - expires_at, 'HH24:MI:SS') || ' ago)' FROM old "
		"  WHERE old.owner <> $2 AND old.expires_at < now())", qlock, qlock);
	PGresult *res;
	int r;

	snprintf(lease, sizeof(lease), "%ld", s->cfg->lock_lease_ms);
	res = db_exec(&s->db, sql, 3, p);
	free(sql);
	if (!res)
		return -1;
	r = PQntuples(res) == 1;
	if (r && !PQgetisnull(res, 0, 0))
		log_warning("took over the lock on %s from %s", s->h.display, PQgetvalue(res, 0, 0));
	PQclear(res);
	if (r)
		return 1;
	sql = xasprintf("SELECT owner, greatest(ceil(extract(epoch FROM expires_at - now())), 0)::bigint "
			"FROM %s WHERE name = $1", qlock);
	res = db_exec(&s->db, sql, 1, p);
	free(sql);
	if (res && PQntuples(res) == 1)
		*holder = xasprintf("%s, lease ends in %ss", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	else
		*holder = xstrdup("another runner");
	PQclear(res);
	return 0;
}

static int take_table(struct session *s)
{
	char *qlock = lock_table_name(&s->h), *holder = NULL;
	int64_t deadline = now_ms() + s->cfg->wait_ms;
	long delay = 50;
	int r;

	s->lock_owner = make_owner();
	if (create_lock_table(s, qlock) < 0) {
		free(qlock);
		return -1;
	}
	for (;;) {
		free(holder);
		holder = NULL;
		r = try_table_lock(s, qlock, &holder);
		if (r != 0)
			break;
		if (delay == 50)
			log_info("waiting up to %lds for the lock on %s held by %s", s->cfg->wait_ms / 1000,
				 s->h.display, holder);
		if (now_ms() >= deadline) {
			log_error("another migrate run holds the lock on %s (%s); gave up after %lds",
				  s->h.display, holder, s->cfg->wait_ms / 1000);
			log_hint("wait for it to finish, or raise --wait; a runner that died holds "
				 "the lock until its lease (apply.lock_lease) ends");
			break;
		}
		sleep_ms(delay);
		if (delay < 500)
			delay *= 2;
	}
	free(holder);
	free(qlock);
	return r;
}

int runlock_take(struct session *s)
{
	int r;

	if (detect_pooler(s) < 0)
		return EXIT_CONNECT;
	if (s->pooled && !s->cfg->lock_table) {
		log_error("cannot hold the runner lock through a transaction pooler: %s hands each "
			  "transaction to whichever server connection is free", s->db.display);
		log_detail("a session advisory lock (apply.lock: advisory) would be taken by one "
			   "server connection and released by chance (PgBouncer in transaction mode "
			   "does this)");
		log_hint("set \"apply.lock: table\" in migrate.yml: a lock row with a lease works "
			 "through transaction pooling (docs/multi-tenant.md)");
		return EXIT_CONNECT;
	}
	r = s->cfg->lock_table ? take_table(s) : take_advisory(s);
	if (r <= 0)
		return EXIT_CONNECT;
	s->locked = 1;
	if (events_on()) {
		json_t *o = json_object();
		json_object_set_new(o, "scope", json_string("runner"));
		json_object_set_new(o, "lock", json_string(s->cfg->lock_table ? "table" : "advisory"));
		events_emit("lock_acquired", o);
	}
	return EXIT_OK;
}

int runlock_renew(struct session *s)
{
	char lease[32];
	const char *p[3] = { s->h.display, s->lock_owner, lease };
	char *qlock, *sql;
	PGresult *res;
	int held;

	if (!s->locked || !s->cfg->lock_table)
		return EXIT_OK;
	snprintf(lease, sizeof(lease), "%ld", s->cfg->lock_lease_ms);
	qlock = lock_table_name(&s->h);
	sql = xasprintf("UPDATE %s SET expires_at = now() + $3::bigint * interval '1 millisecond' "
			"WHERE name = $1 AND owner = $2", qlock);
	res = db_exec(&s->db, sql, 3, p);
	free(sql);
	free(qlock);
	if (!res)
		return EXIT_CONNECT;
	held = !strcmp(PQcmdTuples(res), "1");
	PQclear(res);
	if (!held) {
		s->locked = 0;
		log_error("lost the lock on %s: its lease ended and another runner took it",
			  s->h.display);
		log_hint("raise apply.lock_lease above the time of the longest migration");
		return EXIT_CONNECT;
	}
	return EXIT_OK;
}

int runlock_release(struct session *s)
{
	const char *p[2] = { s->h.display, s->lock_owner };
	char *qlock, *sql;
	int r = 0;

	if (s->locked && PQstatus(s->db.conn) != CONNECTION_OK) {
		r = -1;
	} else if (s->locked && !s->cfg->lock_table) {
		r = db_advisory_unlock(&s->db, s->lock_key) < 0 ? -1 : 0;
	} else if (s->locked) {
		qlock = lock_table_name(&s->h);
		sql = xasprintf("DELETE FROM %s WHERE name = $1 AND owner = $2", qlock);
		r = db_command(&s->db, sql, 2, p) < 0 ? -1 : 0;
		free(sql);
		free(qlock);
	}
	s->locked = 0;
	free(s->lock_owner);
	s->lock_owner = NULL;
	return r;
}

int runlock_pooled(const struct session *s)
{
	/* with lock: table, a proxy is taken for a transaction pooler */
	return s->pooled || (s->proxied && s->cfg->lock_table);
}

int runlock_check_steps(const struct session *s, const struct step *steps, size_t n)
{
	size_t i;
	int rc = guard_steps(&s->h, s->cfg->search_path, steps, n);

	if (rc != EXIT_OK)
		return rc;
	if (!runlock_pooled(s))
		return EXIT_OK;
	for (i = 0; i < n; i++) {
		if (steps[i].mode == TX_WRAPPED || steps[i].noop)
			continue;
		log_error_at(steps[i].path, 0, 0, "runs without a transaction (%s), which is not safe "
			     "through a transaction pooler such as PgBouncer",
			     tx_mode_name(steps[i].mode));
		rc = EXIT_USAGE;
	}
	if (rc != EXIT_OK) {
		log_detail("its lock_timeout, statement_timeout and a tenant schema's search_path are "
			   "session settings, which a transaction pooler does not keep from one "
			   "statement to the next");
		log_hint("apply it over a direct connection to the server (--database-url), then "
			 "go on through the pooler");
	}
	return rc;
}
