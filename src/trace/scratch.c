/* scratch.c - create, fill and always drop a scratch database for rehearsals */
#include "trace/scratch.h"
#include "run/interrupt.h"
#include "base/proc.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- signals: run/interrupt.c --------------------------------------------------- */

void scratch_guard(void)
{
	interrupt_hold("the scratch database may be left behind (a later rehearse drops it)");
}

void scratch_watch(struct db *db)
{
	interrupt_watch(db->conn);
}

void scratch_unguard(void)
{
	interrupt_release();
}

int scratch_interrupted(void)
{
	return interrupt_signal();
}

/* --- connections -------------------------------------------------------------- */

/* Connect to dbname with every other parameter of like (host, port, user, password, ssl...). */
static int connect_like(struct db *out, const struct db *like, const char *dbname)
{
	PQconninfoOption *opts = PQconninfo(like->conn), *o;
	const char **keys, **vals;
	size_t n = 0, cnt = 0;

	memset(out, 0, sizeof(*out));
	for (o = opts; o && o->keyword; o++)
		cnt++;
	keys = xcalloc(cnt + 2, sizeof(*keys));
	vals = xcalloc(cnt + 2, sizeof(*vals));
	for (o = opts; o && o->keyword; o++) {
		if (!o->val || !*o->val || !strcmp(o->keyword, "dbname"))
			continue;
		keys[n] = o->keyword;
		vals[n++] = o->val;
	}
	keys[n] = "dbname";
	vals[n++] = dbname;
	out->verbose = like->verbose;
	out->password = like->password ? xstrdup(like->password) : NULL;
	out->conn = PQconnectdbParams(keys, vals, 0);
	free(keys);
	free(vals);
	PQconninfoFree(opts);
	out->display = xasprintf("database \"%s\" on %s%s%s%s", dbname,
				 PQhost(out->conn) && PQhost(out->conn)[0] == '/' ? "socket " : "",
				 PQhost(out->conn) ? PQhost(out->conn) : "?",
				 PQport(out->conn) && *PQport(out->conn) ? ":" : "",
				 PQport(out->conn) ? PQport(out->conn) : "");
	if (PQstatus(out->conn) != CONNECTION_OK) {
		char *m = db_scrub(out, PQerrorMessage(out->conn));
		strtok(m, "\n");
		log_error("could not connect to %s: %s", out->display, m);
		free(m);
		return -1;
	}
	db_watch_notices(out);
	out->server_version = PQserverVersion(out->conn);
	return 0;
}

int scratch_connect(struct scratch *s, struct db *out)
{
	return connect_like(out, &s->admin, s->name);
}

/* Run a PostgreSQL client program on conn's server; its errors are printed (scrubbed). */
static int run_client(const struct db *db, const char *const *argv, const char *out_path)
{
	struct strbuf err = STRBUF_INIT;
	const char *pw = db->password ? db->password : PQpass(db->conn);
	int fd = -1, rc, saved;
	struct proc p = { argv, pw, -1, NULL, NULL };

	if (out_path && (fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		log_error("could not create \"%s\": %s", out_path, strerror(errno));
		return -1;
	}
	p.stdout_fd = fd;
	rc = proc_run(&p, NULL, &err);
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		log_error("could not run %s: %s", argv[0], strerror(saved));
		log_hint("install the PostgreSQL client programs, or put the directory that "
			 "\"pg_config --bindir\" prints first in PATH");
	} else if (rc != 0) {
		char *m = db_scrub(db, err.buf), *line, *save = NULL;

		if (interrupt_signal())
			log_error("%s was interrupted", argv[0]);
		else
			log_error("%s failed (%s %d)", argv[0], rc > 128 ? "signal" : "exit status",
				  rc > 128 ? rc - 128 : rc);
		for (line = strtok_r(m, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			log_detail("%s", line);
		free(m);
	}
	strbuf_release(&err);
	return rc;
}

/* --- create and drop ------------------------------------------------------------- */

static char *new_name(void)
{
	unsigned char r[4];

	if (RAND_bytes(r, sizeof(r)) != 1)
		memset(r, 0, sizeof(r));
	return scratch_owner_name(r);
}

/*
 * Say who made it (scratch_owner.c), so that a later rehearse can tell an orphan; and
 * (PostgreSQL 14+) have the server end a statement of ours soon after we are gone, so
 * that a kill -9 does not leave a session connected to it for the rest of a statement.
 */
static void mark_owner(struct scratch *s, const char *quoted)
{
	char *c = scratch_owner_comment();
	char *lit = PQescapeLiteral(s->admin.conn, c, strlen(c));
	char *sql = xasprintf("COMMENT ON DATABASE %s IS %s", quoted, lit ? lit : "NULL");
	PGresult *res = PQexec(s->admin.conn, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		log_debug("could not comment the scratch database: %s", PQresultErrorMessage(res));
	PQclear(res);
	free(sql);
	if (s->admin.server_version >= 140000) {
		sql = xasprintf("ALTER DATABASE %s SET client_connection_check_interval = '1s'", quoted);
		PQclear(PQexec(s->admin.conn, sql));
		free(sql);
	}
	PQfreemem(lit);
	free(c);
}

int scratch_create(struct scratch *s, struct db *target, const char *url, int verbose)
{
	PGresult *res;
	char *q, *sql;
	int rc;

	memset(s, 0, sizeof(*s));
	if (url ? db_connect(&s->admin, url, verbose) < 0
		: connect_like(&s->admin, target, PQdb(target->conn)) < 0) {
		db_close(&s->admin);
		return EXIT_CONNECT;
	}
	scratch_watch(&s->admin);
	scratch_drop_orphans(&s->admin);
	s->name = new_name();
	q = db_quote_ident(s->name);
	/* the target's encoding and locale, so text behaves the same */
	res = db_exec(target, "SELECT pg_encoding_to_char(encoding), datcollate, datctype "
		      "FROM pg_database WHERE datname = current_database()", 0, NULL);
	if (res && PQntuples(res) == 1) {
		char *enc = PQescapeLiteral(s->admin.conn, PQgetvalue(res, 0, 0), strlen(PQgetvalue(res, 0, 0)));
		char *col = PQescapeLiteral(s->admin.conn, PQgetvalue(res, 0, 1), strlen(PQgetvalue(res, 0, 1)));
		char *ct = PQescapeLiteral(s->admin.conn, PQgetvalue(res, 0, 2), strlen(PQgetvalue(res, 0, 2)));
		sql = xasprintf("CREATE DATABASE %s TEMPLATE template0 ENCODING %s LC_COLLATE %s LC_CTYPE %s",
				q, enc, col, ct);
		PQfreemem(enc);
		PQfreemem(col);
		PQfreemem(ct);
	} else {
		sql = xasprintf("CREATE DATABASE %s TEMPLATE template0", q);
	}
	PQclear(res);
	res = PQexec(s->admin.conn, sql);
	free(sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && !interrupt_signal()) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		/* another server may not know the target's locale: its defaults will do */
		if (state && (!strcmp(state, "22023") || !strcmp(state, "42809") || !strcmp(state, "0A000"))) {
			PQclear(res);
			sql = xasprintf("CREATE DATABASE %s TEMPLATE template0", q);
			res = PQexec(s->admin.conn, sql);
			free(sql);
		}
	}
	if (PQresultStatus(res) == PGRES_COMMAND_OK)
		mark_owner(s, q);
	free(q);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_error("could not create the scratch database \"%s\" on %s", s->name, s->admin.display);
		db_print_result_error(&s->admin, res);
		log_hint("the user needs the CREATEDB privilege there; or give --scratch-url for a "
			 "server where it has it");
		PQclear(res);
		db_close(&s->admin);
		free(s->name);
		s->name = NULL;
		return EXIT_FAILED;
	}
	PQclear(res);
	s->created = 1;
	rc = connect_like(&s->db, &s->admin, s->name);
	if (rc < 0) {
		scratch_drop(s);
		return EXIT_CONNECT;
	}
	scratch_watch(&s->db);
	return EXIT_OK;
}

void scratch_drop(struct scratch *s)
{
	char *q, *sql;
	const char *params[1];
	PGresult *res;

	db_close(&s->db);
	if (s->created) {
		if (PQstatus(s->admin.conn) != CONNECTION_OK)
			PQreset(s->admin.conn);
		/* a query cancelled by Ctrl-C may still be finishing */
		if (PQtransactionStatus(s->admin.conn) == PQTRANS_INERROR ||
		    PQtransactionStatus(s->admin.conn) == PQTRANS_INTRANS)
			PQclear(PQexec(s->admin.conn, "ROLLBACK"));
		q = db_quote_ident(s->name);
		params[0] = s->name;
		if (s->admin.server_version >= 130000) {
			sql = xasprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", q);
		} else {
			PQclear(PQexecParams(s->admin.conn, "SELECT pg_terminate_backend(pid) FROM "
					     "pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
					     1, NULL, params, NULL, NULL, 0));
			sql = xasprintf("DROP DATABASE IF EXISTS %s", q);
		}
		res = PQexec(s->admin.conn, sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_error("could not drop the scratch database \"%s\"", s->name);
			db_print_result_error(&s->admin, res);
			log_hint("drop it by hand: DROP DATABASE %s", q);
		} else {
			log_debug("dropped the scratch database \"%s\"", s->name);
		}
		PQclear(res);
		free(sql);
		free(q);
		s->created = 0;
	}
	db_close(&s->admin);
	free(s->name);
	s->name = NULL;
}

/* --- schema and rows --------------------------------------------------------------- */

int scratch_load_schema(struct scratch *s, struct db *target)
{
	const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *dir, *file = NULL, *from = NULL, *to = NULL;
	int rc = EXIT_FAILED;

	scratch_drop_orphan_dirs(tmp);
	dir = scratch_owner_tmpdir(tmp);

	if (!mkdtemp(dir)) {
		log_error("could not create a temporary directory \"%s\": %s", dir, strerror(errno));
		free(dir);
		return EXIT_FAILED;
	}
	file = xasprintf("%s/schema.sql", dir);
	from = db_child_conninfo(target->conn, PQdb(target->conn));
	{
		const char *argv[] = { "pg_dump", "--schema-only", "--no-owner", "--no-privileges",
				 "--no-subscriptions", "--no-publications", "--no-tablespaces",
				 "--no-security-labels", "-d", from, NULL };
		if (run_client(target, argv, file) != 0)
			goto done;
	}
	if (interrupt_signal())
		goto done;
	to = db_child_conninfo(s->admin.conn, s->name);
	{
		const char *argv[] = { "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
				 "-f", file, "-d", to, NULL };
		if (run_client(&s->admin, argv, NULL) != 0)
			goto done;
	}
	rc = interrupt_signal() ? EXIT_FAILED : EXIT_OK;
done:
	unlink(file);
	rmdir(dir);
	free(file);
	free(dir);
	free(from);
	free(to);
	return rc;
}
