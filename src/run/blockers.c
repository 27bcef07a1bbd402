/* blockers.c - name the sessions that block us, and terminate the idle ones
 * when apply.blockers says so */
#define _GNU_SOURCE /* strcasestr */
#include "run/blockers.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_MAX 120

void blockers_release(struct blockers *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->items[i].user);
		free(b->items[i].app);
		free(b->items[i].client);
		free(b->items[i].state);
		free(b->items[i].query);
	}
	free(b->items);
	free(b->json);
	memset(b, 0, sizeof(*b));
}

/* The literal after each PASSWORD keyword replaced by '***'. */
static void mask_password_literals(struct strbuf *sb)
{
	char *p = sb->buf, *q;

	while ((p = strcasestr(p, "password"))) {
		p += 8;
		q = p;
		while (*q == ' ')
			q++;
		if (*q != '\'')
			continue;
		p = q + 1;
		for (q = p; *q && *q != '\''; q++)
			*q = '*';
		p = q;
	}
}

/* One line, at most QUERY_MAX characters, our password and PASSWORD literals scrubbed. */
static char *short_query(const struct db *db, const char *query)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;
	char *scrubbed;

	for (p = query; *p; p++) {
		char c = isspace((unsigned char)*p) ? ' ' : *p;
		if (c == ' ' && (!sb.len || sb.buf[sb.len - 1] == ' '))
			continue;
		strbuf_addch(&sb, c);
	}
	mask_password_literals(&sb);
	scrubbed = db_scrub(db, sb.buf);
	strbuf_release(&sb);
	if (strlen(scrubbed) > QUERY_MAX) {
		size_t cut = QUERY_MAX;
		while (cut && ((unsigned char)scrubbed[cut] & 0xC0) == 0x80)
			cut--; /* not inside a UTF-8 character */
		strcpy(scrubbed + cut, "...");
	}
	return scrubbed;
}

static struct blocker *find_or_add(struct blockers *b, int pid, int attempt)
{
	size_t i;
	struct blocker *x;

	for (i = 0; i < b->n; i++)
		if (b->items[i].pid == pid && b->items[i].attempt == attempt)
			return &b->items[i];
	ALLOC_GROW(b->items, b->n + 1, b->alloc);
	x = &b->items[b->n++];
	memset(x, 0, sizeof(*x));
	x->pid = pid;
	x->attempt = attempt;
	return x;
}

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

#define BLOCKER_COLUMNS \
	"SELECT a.pid, coalesce(a.usename::text, ''), coalesce(a.application_name, ''), " \
	"       coalesce(host(a.client_addr), 'local'), coalesce(a.state, ''), " \
	"       coalesce(extract(epoch FROM now() - a.xact_start)::bigint, -1), " \
	"       coalesce((extract(epoch FROM now() - a.state_change) * 1000)::bigint, 0), " \
	"       coalesce(a.query, ''), coalesce(r.rolsuper, false) "

/* Merge the rows of res (BLOCKER_COLUMNS) into b as blockers of attempt. */
static int merge_rows(struct blockers *b, PGresult *res, int attempt, const struct db *db)
{
	size_t i;
	int r, n = PQntuples(res);

	for (i = 0; i < b->n; i++)
		b->items[i].current = 0;
	for (r = 0; r < n; r++) {
		struct blocker *x = find_or_add(b, atoi(PQgetvalue(res, r, 0)), attempt);

		set_str(&x->user, PQgetvalue(res, r, 1));
		set_str(&x->app, PQgetvalue(res, r, 2));
		set_str(&x->client, PQgetvalue(res, r, 3));
		set_str(&x->state, PQgetvalue(res, r, 4));
		x->xact_age_s = strtol(PQgetvalue(res, r, 5), NULL, 10);
		x->state_age_ms = strtol(PQgetvalue(res, r, 6), NULL, 10);
		free(x->query);
		x->query = short_query(db, PQgetvalue(res, r, 7));
		x->superuser = PQgetvalue(res, r, 8)[0] == 't';
		x->current = 1;
	}
	return n;
}

static int sample(struct blockers *b, PGconn *conn, const char *sql, const char *arg, int attempt,
		  const struct db *db)
{
	const char *params[1] = { arg };
	PGresult *res = PQexecParams(conn, sql, 1, NULL, params, NULL, NULL, 0);
	int n = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		n = merge_rows(b, res, attempt, db);
	PQclear(res);
	return n;
}

/*
 * pg_blocking_pids holds ProcArrayLock and every lock-table partition lock while it
 * looks, so every commit and most lock requests of the server wait for it: asked four
 * times a second through a long statement that waits for nothing (a CREATE INDEX
 * CONCURRENTLY building, a VALIDATE scanning), it only made the application wait. It
 * is asked only while the statement waits for a heavyweight lock.
 */
int blockers_sample(struct blockers *b, PGconn *conn, int pid, int attempt, const struct db *db)
{
	char spid[16];

	snprintf(spid, sizeof(spid), "%d", pid);
	return sample(b, conn, BLOCKER_COLUMNS
		"  FROM unnest(CASE WHEN EXISTS (SELECT 1 FROM pg_stat_activity w "
		"   WHERE w.pid = $1::int AND w.wait_event_type = 'Lock') "
		"   THEN pg_blocking_pids($1::int) END) AS b(pid) "
		"  JOIN pg_stat_activity a ON a.pid = b.pid "
		"  LEFT JOIN pg_roles r ON r.oid = a.usesysid ORDER BY a.xact_start", spid, attempt, db);
}

int blockers_holders(struct blockers *b, PGconn *conn, const char *tables, int pid, int attempt,
		     const struct db *db)
{
	char *sql = xasprintf(BLOCKER_COLUMNS
		"  FROM pg_stat_activity a LEFT JOIN pg_roles r ON r.oid = a.usesysid "
		" WHERE a.pid NOT IN (pg_backend_pid(), %d) AND a.pid IN (SELECT l.pid FROM pg_locks l "
		"   WHERE l.locktype = 'relation' AND l.granted AND l.relation IN "
		"   (SELECT to_regclass(t) FROM json_array_elements_text($1::json) t)) "
		" ORDER BY a.xact_start", pid);
	int n = sample(b, conn, sql, tables, attempt, db);

	free(sql);
	return n;
}

static int is_idle_in_tx(const struct blocker *x)
{
	return !strncmp(x->state, "idle in transaction", 19);
}

/* Terminate x if it is still idle in transaction for long enough: 1 when it was. */
static int terminate(PGconn *conn, const struct blocker *x, long idle_after_ms)
{
	char spid[16], sms[32];
	const char *params[2] = { spid, sms };
	PGresult *res;
	int ok;

	snprintf(spid, sizeof(spid), "%d", x->pid);
	snprintf(sms, sizeof(sms), "%ld", idle_after_ms);
	/* checked again in the same statement: it may have become active since the sample */
	res = PQexecParams(conn, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
			   " WHERE pid = $1::int AND state LIKE 'idle in transaction%' "
			   "   AND now() - state_change >= $2::bigint * interval '1 ms'", 2, NULL,
			   params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	     PQgetvalue(res, 0, 0)[0] == 't';
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		log_warning("could not terminate pid %d: %s", x->pid, PQresultErrorField(res,
			    PG_DIAG_MESSAGE_PRIMARY) ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : "");
	PQclear(res);
	return ok;
}

int blockers_enforce(struct blockers *b, PGconn *conn, const struct config *cfg)
{
	size_t i;
	int n = 0;

	if (cfg->blockers == BLOCKERS_WAIT)
		return 0;
	for (i = 0; i < b->n; i++) {
		struct blocker *x = &b->items[i];
		char *d;

		if (!x->current || x->terminated || !is_idle_in_tx(x) ||
		    x->state_age_ms < cfg->blockers_idle_after_ms ||
		    (x->superuser && cfg->blockers != BLOCKERS_CANCEL_IDLE_ANY))
			continue;
		if (!terminate(conn, x, cfg->blockers_idle_after_ms))
			continue;
		x->terminated = 1;
		n++;
		d = blocker_describe(x);
		log_info("  terminated %s (apply.blockers: %s)", d, config_blockers_name(cfg->blockers));
		free(d);
	}
	return n;
}

char *blocker_describe(const struct blocker *x)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "pid %d (user %s%s, application %s, client %s, %s", x->pid,
		    *x->user ? x->user : "?", x->superuser ? " (superuser)" : "",
		    *x->app ? x->app : "(none)", x->client, *x->state ? x->state : "unknown state");
	if (is_idle_in_tx(x)) {
		strbuf_addstr(&sb, " for ");
		strbuf_add_age(&sb, x->state_age_ms / 1000);
	}
	if (x->xact_age_s >= 0) {
		strbuf_addstr(&sb, ", transaction open ");
		strbuf_add_age(&sb, x->xact_age_s);
	}
	strbuf_addch(&sb, ')');
	if (*x->query)
		strbuf_addf(&sb, ": %s", x->query);
	return strbuf_detach(&sb, NULL);
}

#define PRINT_MAX 3

/* The index of the blocker of attempt with the oldest transaction not yet printed, or -1. */
static int next_oldest(const struct blockers *b, int attempt, const char *printed)
{
	size_t i;
	int best = -1;

	for (i = 0; i < b->n; i++)
		if (b->items[i].attempt == attempt && !printed[i] &&
		    (best < 0 || b->items[i].xact_age_s > b->items[best].xact_age_s))
			best = (int)i;
	return best;
}

void blockers_print(const struct blockers *b, int attempt)
{
	char *printed = xcalloc(b->n + 1, 1), *d;
	int k, n = 0, more = 0;

	while ((k = next_oldest(b, attempt, printed)) >= 0) {
		printed[k] = 1;
		if (n++ >= PRINT_MAX) {
			more++;
			continue;
		}
		d = blocker_describe(&b->items[k]);
		log_info("    blocked by %s%s", d, b->items[k].terminated ? " [terminated]" : "");
		free(d);
	}
	if (more)
		log_info("    and %d more session%s with younger transactions (all in the audit log)", more,
			 more == 1 ? "" : "s");
	if (!n)
		log_info("    (no blocker seen: it let go before it could be named)");
	free(printed);
}

json_t *blocker_to_json(const struct blocker *x)
{
	json_t *o = json_object();

	json_object_set_new(o, "pid", json_integer(x->pid));
	json_object_set_new(o, "attempt", json_integer(x->attempt + 1));
	json_object_set_new(o, "user", json_string(x->user));
	json_object_set_new(o, "superuser", json_boolean(x->superuser));
	json_object_set_new(o, "application_name", json_string(x->app));
	json_object_set_new(o, "client_addr", json_string(x->client));
	json_object_set_new(o, "state", json_string(x->state));
	json_object_set_new(o, "state_age_ms", json_integer(x->state_age_ms));
	json_object_set_new(o, "xact_age_s", x->xact_age_s >= 0 ? json_integer(x->xact_age_s)
									: json_null());
	json_object_set_new(o, "query", json_string(x->query));
	json_object_set_new(o, "terminated", json_boolean(x->terminated));
	return o;
}

json_t *blockers_to_json(const struct blockers *b, int attempt)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < b->n; i++)
		if (attempt < 0 || b->items[i].attempt == attempt)
			json_array_append_new(arr, blocker_to_json(&b->items[i]));
	return arr;
}

const char *blockers_json(struct blockers *b)
{
	json_t *arr;

	free(b->json);
	b->json = NULL;
	if (!b->n)
		return NULL;
	arr = blockers_to_json(b, -1);
	b->json = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(arr);
	return b->json;
}
