/* db.c - libpq connection, execution and error reporting; passwords never printed */
#include "pg/db.h"
#include "sql/migration.h"
#include "base/secret.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *redact_conninfo(const char *conninfo)
{
	PQconninfoOption *opts, *o;
	struct strbuf sb = STRBUF_INIT;
	const char *pw = NULL;
	char *err = NULL;

	if (!conninfo)
		return xstrdup("(libpq defaults)");
	opts = PQconninfoParse(conninfo, &err);
	if (!opts) {
		PQfreemem(err);
		/* unparsable: show nothing that could hold a secret */
		return xstrdup("(unparsable connection string)");
	}
	for (o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val && *o->val)
			pw = o->val;
	secret_add(pw);
	if (!pw) {
		PQconninfoFree(opts);
		return xstrdup(conninfo);
	}
	/* Replace every occurrence of the password (raw or as written in the text). */
	{
		const char *p = conninfo, *hit;
		size_t lp = strlen(pw);

		while ((hit = strstr(p, pw))) {
			strbuf_add(&sb, p, (size_t)(hit - p));
			strbuf_addstr(&sb, "***");
			p = hit + lp;
		}
		strbuf_addstr(&sb, p);
	}
	PQconninfoFree(opts);
	/* A percent-encoded password in a URL does not match the decoded value:
	 * fall back to cutting the userinfo's password out. */
	if (!strncmp(sb.buf, "postgres", 8) && strstr(sb.buf, "://")) {
		char *s = strstr(sb.buf, "://") + 3, *q = strchr(s, '?'), *at = NULL, *p, *colon;

		/* the last "@" before the query: an unencoded "@" in the password is cut too */
		for (p = s; *p && p != q; p++)
			if (*p == '@')
				at = p;
		if (at && (colon = memchr(s, ':', (size_t)(at - s))) &&
		    strncmp(colon + 1, "***@", 4)) {
			struct strbuf out = STRBUF_INIT;
			strbuf_add(&out, sb.buf, (size_t)(colon + 1 - sb.buf));
			strbuf_addstr(&out, "***");
			strbuf_addstr(&out, at);
			strbuf_release(&sb);
			return strbuf_detach(&out, NULL);
		}
	}
	return strbuf_detach(&sb, NULL);
}

char *db_scrub(const struct db *db, const char *msg)
{
	if (db && db->password)
		secret_add(db->password); /* one filter scrubs every output from now on */
	return secret_scrub(msg);
}

static void notice_processor(void *arg, const char *message)
{
	const struct db *db = arg;
	char *m;

	if (db->verbose <= 0)
		return;
	m = db_scrub(db, message);
	fprintf(stderr, "server: %s", m);
	free(m);
}

void db_watch_notices(struct db *db)
{
	PQsetNoticeProcessor(db->conn, notice_processor, db);
}

static char *url_password(const char *url)
{
	PQconninfoOption *opts, *o;
	char *err = NULL, *pw = NULL;

	if (!url)
		return NULL;
	opts = PQconninfoParse(url, &err);
	if (!opts) {
		PQfreemem(err);
		return NULL;
	}
	for (o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val && *o->val)
			pw = xstrdup(o->val);
	PQconninfoFree(opts);
	return pw;
}

static const char *xport(const char *port)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), ":%s", port);
	return buf;
}

/*
 * A connection string libpq cannot parse is a configuration error. Its message
 * may quote a piece of the string (a password among them): only a bad keyword
 * is named.
 */
static int check_conninfo(const char *url)
{
	char *err = NULL;
	PQconninfoOption *opts;
	const char *auth = url ? strstr(url, "://") : NULL, *at;

	/* "postgresql://u:p@ss@host": libpq takes "ss@host" for the host, and its messages
	 * would print that piece of the password */
	if (auth && !strncmp(url, "postgres", 8) && (at = strchr(auth, '@')) &&
	    strchr(at + 1, '@') && (!strchr(auth, '?') || strchr(at + 1, '@') < strchr(auth, '?'))) {
		log_error("invalid connection string: more than one \"@\" before the host");
		log_hint("percent-encode an \"@\" in the user name or the password as %%40");
		return -2;
	}
	opts = url ? PQconninfoParse(url, &err) : NULL;

	if (!url || opts) {
		PQconninfoFree(opts);
		return 0;
	}
	if (err && !strncmp(err, "invalid connection option \"", 27)) {
		char *nl = strchr(err, '\n');
		if (nl)
			*nl = '\0';
		log_error("invalid connection string: %s", err);
	} else {
		log_error("invalid connection string: libpq cannot parse it");
	}
	PQfreemem(err);
	return -2;
}

int db_connect(struct db *db, const char *url, int verbose)
{
	const char *keys[4], *vals[4];
	int n = 0;
	char *msg;

	memset(db, 0, sizeof(*db));
	if (check_conninfo(url) < 0)
		return -2;
	db->verbose = verbose;
	db->display = redact_conninfo(url);
	db->password = url_password(url);
	if (!db->password && getenv("PGPASSWORD"))
		db->password = xstrdup(getenv("PGPASSWORD"));
	secret_add(db->password);
	if (!getenv("PGCONNECT_TIMEOUT")) {
		keys[n] = "connect_timeout";
		vals[n++] = "10";
	}
	keys[n] = "fallback_application_name";
	vals[n++] = "migrate";
	if (url) {
		keys[n] = "dbname";
		vals[n++] = url;
	}
	keys[n] = NULL;
	vals[n] = NULL;
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
		if (db->conn && PQpass(db->conn) && *PQpass(db->conn) && !db->password)
			db->password = xstrdup(PQpass(db->conn));
		msg = db_scrub(db, db->conn ? PQerrorMessage(db->conn) : "out of memory");
		{
			size_t l = strlen(msg);
			while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
				msg[--l] = '\0';
		}
		log_error("could not connect to %s: %s", shown_text(db->display), msg);
		free(msg);
		return -1;
	}
	if (PQpass(db->conn) && *PQpass(db->conn) && !db->password)
		db->password = xstrdup(PQpass(db->conn));
	/* what we are really connected to, whatever set it (URL, PG* variables, service) */
	free(db->display);
	db->display = xasprintf("database \"%s\" on %s%s%s as %s", PQdb(db->conn),
				PQhost(db->conn)[0] == '/' ? "socket " : "",
				PQhost(db->conn), *PQport(db->conn) ? xport(PQport(db->conn)) : "",
				PQuser(db->conn));
	db_watch_notices(db);
	db->server_version = PQserverVersion(db->conn);
	return 0;
}

void db_close(struct db *db)
{
	if (db->conn)
		PQfinish(db->conn);
	free(db->display);
	free(db->password);
	memset(db, 0, sizeof(*db));
}

void db_move(struct db *dst, struct db *src)
{
	*dst = *src;
	memset(src, 0, sizeof(*src));
	if (dst->conn)
		PQsetNoticeProcessor(dst->conn, notice_processor, dst); /* it points at its struct */
}

static void print_field(const struct db *db, const PGresult *res, int field,
			void (*out)(const char *, ...))
{
	const char *v = PQresultErrorField(res, field);
	char *s;

	if (!v)
		return;
	s = db_scrub(db, v);
	out("%s", s);
	free(s);
}

void db_print_result_error(const struct db *db, const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char *m;

	if (!primary) {
		m = db_scrub(db, res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
		strtok(m, "\n");
		log_error("%s", m);
		free(m);
		return;
	}
	m = db_scrub(db, primary);
	if (state)
		log_error("%s (SQLSTATE %s)", m, state);
	else
		log_error("%s", m);
	free(m);
	print_field(db, res, PG_DIAG_MESSAGE_DETAIL, log_detail);
	print_field(db, res, PG_DIAG_MESSAGE_HINT, log_hint);
}

PGresult *db_exec(struct db *db, const char *sql, int nparams, const char *const *params)
{
	/* without parameters the simple protocol, which allows several statements */
	PGresult *res = nparams ? PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0)
				: PQexec(db->conn, sql);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	db_print_result_error(db, res);
	PQclear(res);
	return NULL;
}

int db_command(struct db *db, const char *sql, int nparams, const char *const *params)
{
	PGresult *res = db_exec(db, sql, nparams, params);

	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

char *db_quote_ident(const char *ident)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	strbuf_addch(&sb, '"');
	for (p = ident; *p; p++) {
		if (*p == '"')
			strbuf_addch(&sb, '"');
		strbuf_addch(&sb, *p);
	}
	strbuf_addch(&sb, '"');
	return strbuf_detach(&sb, NULL);
}

int64_t db_lock_key(const char *name)
{
	char hex[65], buf[17];
	char *s = xasprintf("migrate:%s", name);

	sha256_hex(s, strlen(s), hex);
	free(s);
	memcpy(buf, hex, 16);
	buf[16] = '\0';
	return (int64_t)strtoull(buf, NULL, 16);
}

static int try_lock(struct db *db, const char *key)
{
	const char *params[1] = { key };
	PGresult *res = db_exec(db, "SELECT pg_try_advisory_lock($1::bigint)", 1, params);
	int got;

	if (!res)
		return -1;
	got = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return got;
}

char *db_advisory_holder(struct db *db, const char *key)
{
	const char *params[1] = { key };
	PGresult *res = db_exec(db,
		"SELECT l.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), "
		"       coalesce(extract(epoch FROM now() - a.backend_start)::int, 0) "
		"FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
		"WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
		"      (SELECT oid FROM pg_database WHERE datname = current_database()) "
		"  AND l.classid = (($1::bigint >> 32) & 4294967295)::oid "
		"  AND l.objid = ($1::bigint & 4294967295)::oid AND l.objsubid = 1 LIMIT 1",
		1, params);
	char *s;

	if (!res || PQntuples(res) == 0) {
		PQclear(res);
		return NULL;
	}
	s = xasprintf("pid %s (%s, user %s, connected %ss ago)", PQgetvalue(res, 0, 0),
		      *PQgetvalue(res, 0, 1) ? PQgetvalue(res, 0, 1) : "unknown application",
		      PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
	PQclear(res);
	return s;
}

/* Who holds the lock: "pid 1234 (migrate, user app)". */
static char *lock_holder(struct db *db, const char *key)
{
	char *s = db_advisory_holder(db, key);

	return s ? s : xstrdup("another session");
}

int db_advisory_lock(struct db *db, int64_t key, long wait_ms, const char *what)
{
	char keybuf[32];
	int64_t deadline = now_ms() + wait_ms;
	int r, told = 0;
	long delay = 50;

	snprintf(keybuf, sizeof(keybuf), "%lld", (long long)key);
	for (;;) {
		r = try_lock(db, keybuf);
		if (r != 0)
			return r;
		if (!told) {
			char *holder = lock_holder(db, keybuf);
			log_info("waiting up to %lds for the lock on %s held by %s", wait_ms / 1000, what,
				 holder);
			free(holder);
			told = 1;
		}
		if (now_ms() >= deadline)
			return 0;
		sleep_ms(delay);
		if (delay < 500)
			delay *= 2;
	}
}

int db_advisory_unlock(struct db *db, int64_t key)
{
	char keybuf[32];
	const char *params[1] = { keybuf };

	snprintf(keybuf, sizeof(keybuf), "%lld", (long long)key);
	return db_command(db, "SELECT pg_advisory_unlock($1::bigint)", 1, params);
}

static void add_conninfo_value(struct strbuf *sb, const char *key, const char *val)
{
	const char *p;

	if (sb->len)
		strbuf_addch(sb, ' ');
	strbuf_addf(sb, "%s='", key);
	for (p = val; *p; p++) {
		if (*p == '\'' || *p == '\\')
			strbuf_addch(sb, '\\');
		strbuf_addch(sb, *p);
	}
	strbuf_addch(sb, '\'');
}

char *db_child_conninfo(PGconn *conn, const char *dbname)
{
	PQconninfoOption *opts = PQconninfo(conn), *o;
	struct strbuf sb = STRBUF_INIT;
	int host_list = 0;

	for (o = opts; o && o->keyword; o++)
		if (!strcmp(o->keyword, "host") && o->val && strchr(o->val, ','))
			host_list = 1;
	/* the server we are connected to, even when the URL listed several */
	add_conninfo_value(&sb, "host", PQhost(conn));
	add_conninfo_value(&sb, "port", PQport(conn));
	for (o = opts; o && o->keyword; o++) {
		/* dispchar '*': a secret (password, sslpassword), never on an argument vector */
		if (!o->val || !*o->val || (o->dispchar && o->dispchar[0] == '*') ||
		    !strcmp(o->keyword, "host") || !strcmp(o->keyword, "port") ||
		    !strcmp(o->keyword, "fallback_application_name") ||
		    (host_list && !strcmp(o->keyword, "hostaddr")) ||
		    !strcmp(o->keyword, "target_session_attrs") ||
		    (dbname && !strcmp(o->keyword, "dbname")))
			continue;
		add_conninfo_value(&sb, o->keyword, o->val);
	}
	if (dbname)
		add_conninfo_value(&sb, "dbname", dbname);
	PQconninfoFree(opts);
	return strbuf_detach(&sb, NULL);
}

PGconn *db_connect_beside(const struct db *db, const char *application_name)
{
	PQconninfoOption *opts = PQconninfo(db->conn), *o;
	const char *keys[64], *vals[64];
	int n = 0;
	PGconn *c;

	/* the server this one reached, with its password: no prompt, no other host */
	keys[n] = "host";
	vals[n++] = PQhost(db->conn);
	keys[n] = "port";
	vals[n++] = PQport(db->conn);
	for (o = opts; o && o->keyword && n < 60; o++) {
		if (!o->val || !*o->val || !strcmp(o->keyword, "host") || !strcmp(o->keyword, "port") ||
		    !strcmp(o->keyword, "hostaddr") || !strcmp(o->keyword, "application_name") ||
		    !strcmp(o->keyword, "target_session_attrs"))
			continue;
		keys[n] = o->keyword;
		vals[n++] = o->val;
	}
	keys[n] = "application_name";
	vals[n++] = application_name;
	keys[n] = NULL;
	vals[n] = NULL;
	c = PQconnectdbParams(keys, vals, 0);
	PQconninfoFree(opts);
	if (c && PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return NULL;
	}
	return c;
}
