/* facts.c - what a live database adds to a plan: each touched table's size,
 * who holds a lock that a statement would wait for, long-running transactions.
 * Only reads: the catalog, pg_locks, pg_stat_activity, and the sizes (which
 * take ACCESS SHARE, under a short lock_timeout so a plan never queues). */
#include "plan/plan.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* "pid 123 (psql, user app, client 10.0.0.5, idle in transaction for 3m00s, transaction
 * open 5m12s)" from a row whose columns from `first` on are ACTIVITY_COLUMNS. */
static char *who(PGresult *res, int row, int first)
{
	struct strbuf sb = STRBUF_INIT;
	const char *app = PQgetvalue(res, row, first + 1), *user = PQgetvalue(res, row, first + 2);
	const char *state = PQgetvalue(res, row, first + 3);
	long age = strtol(PQgetvalue(res, row, first + 4), NULL, 10);

	strbuf_addf(&sb, "pid %s (%s, user %s", PQgetvalue(res, row, first), *app ? app : "no application name",
		    *user ? user : "?");
	if (*PQgetvalue(res, row, first + 6))
		strbuf_addf(&sb, ", client %s", PQgetvalue(res, row, first + 6));
	if (*state)
		strbuf_addf(&sb, ", %s", state);
	if (!strncmp(state, "idle in transaction", 19)) {
		strbuf_addstr(&sb, " for ");
		strbuf_add_age(&sb, strtol(PQgetvalue(res, row, first + 5), NULL, 10));
	}
	if (age >= 0) {
		strbuf_addstr(&sb, ", transaction open ");
		strbuf_add_age(&sb, age);
	}
	strbuf_addch(&sb, ')');
	return strbuf_detach(&sb, NULL);
}

#define ACTIVITY_COLUMNS \
	"a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), " \
	"coalesce(a.state, ''), coalesce(extract(epoch FROM now() - a.xact_start)::bigint, -1), " \
	"coalesce(extract(epoch FROM now() - a.state_change)::bigint, 0), " \
	"coalesce(host(a.client_addr), '') "

/* Sessions holding (or queued for) a lock on oid that conflicts with mode. */
static void lock_waits(struct db *db, const char *oid, enum lock_mode mode, const char *what,
		       struct strlist *out)
{
	const char *params[1] = { oid };
	PGresult *res = db_exec(db,
		"SELECT l.mode, l.granted, " ACTIVITY_COLUMNS
		"  FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
		" WHERE l.locktype = 'relation' AND l.relation = $1::oid "
		"   AND l.pid <> pg_backend_pid() "
		"   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
		" ORDER BY l.granted DESC, a.xact_start", 1, params);
	int i;

	for (i = 0; res && i < PQntuples(res); i++) {
		enum lock_mode held = plan_lock_from_pg(PQgetvalue(res, i, 0));
		int granted = PQgetvalue(res, i, 1)[0] == 't';
		char *w;

		if (!plan_lock_conflicts(held, mode))
			continue;
		w = who(res, i, 2);
		strlist_addf(out, "will wait: %s %s %s on %s right now; %s cannot be granted until it "
			     "is released, and meanwhile every new query on %s queues behind this statement",
			     w, granted ? "holds" : "is queued for", lock_mode_name(held), what,
			     lock_mode_name(mode), what);
		free(w);
	}
	PQclear(res);
}

/* pg_total_relation_size of oid, -1 when unknown. It takes ACCESS SHARE: the
 * caller has a short lock_timeout set, to give up rather than queue behind a lock. */
static int64_t relation_size(struct db *db, const char *oid)
{
	const char *p1[1] = { oid };
	PGresult *sz = PQexecParams(db->conn, "SELECT pg_total_relation_size($1::oid)", 1, NULL,
				    p1, NULL, NULL, 0);
	int64_t bytes = -1;

	if (PQresultStatus(sz) == PGRES_TUPLES_OK && PQntuples(sz) == 1 && !PQgetisnull(sz, 0, 0))
		bytes = strtoll(PQgetvalue(sz, 0, 0), NULL, 10);
	PQclear(sz);
	return bytes;
}

/* Size, rows and lock holders of one predicted effect. */
/* The table of an index the statement locks, as an effect of the statement, unless it
 * is one already (then at least as strong). st->effects may move: e is not used after. */
static void add_index_table(struct plan_stmt *st, enum lock_mode mode, const char *schema,
			    const char *table)
{
	struct plan_effect *t;
	size_t k;

	for (k = 0; k < st->neffects; k++) {
		t = &st->effects[k];
		if (!strcmp(t->kind, "table") && !strcmp(t->name, table) &&
		    (!t->schema || !strcmp(t->schema, schema))) {
			if (t->mode < mode)
				t->mode = mode;
			return;
		}
	}
	st->effects = xrealloc(st->effects, (st->neffects + 2) * sizeof(*st->effects));
	t = &st->effects[st->neffects++];
	memset(t, 0, sizeof(*t) * 2);
	t->schema = xstrdup(schema);
	t->name = xstrdup(table);
	t->kind = "table";
	t->mode = mode;
	t->rows = -1;
	t->bytes = -1;
}

static void effect_facts(struct db *db, struct plan_stmt *st, struct plan_effect *e)
{
	char *qs = e->schema ? db_quote_ident(e->schema) : NULL, *qn = db_quote_ident(e->name);
	char *qualified = qs ? xasprintf("%s.%s", qs, qn) : xstrdup(qn);
	const char *params[1] = { qualified };
	PGresult *res;
	char *what;

	free(qs);
	free(qn);
	if (strcmp(e->kind, "table") && strcmp(e->kind, "index"))
		goto done;
	res = db_exec(db, "SELECT c.oid, c.reltuples, coalesce(i.indrelid, 0), "
		      "       coalesce(i.indrelid::regclass::text, ''), tn.nspname, t.relname "
		      "  FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid "
		      "  LEFT JOIN pg_class t ON t.oid = i.indrelid "
		      "  LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace "
		      " WHERE c.oid = to_regclass($1)", 1, params);
	if (!res || PQntuples(res) != 1) {
		PQclear(res);
		goto done;
	}
	e->found = 1;
	e->rows = strtod(PQgetvalue(res, 0, 1), NULL);
	if (*PQgetvalue(res, 0, 3)) {
		free(e->parent);
		e->parent = xstrdup(PQgetvalue(res, 0, 3));
	}
	e->bytes = relation_size(db, PQgetvalue(res, 0, 0));
	what = e->schema ? xasprintf("%s.%s", e->schema, e->name) : xstrdup(e->name);
	lock_waits(db, PQgetvalue(res, 0, 0), e->mode, what, &st->warnings);
	free(what);
	/* dropping or locking an index locks its table as strongly: said as an effect of
	 * its own (its size and lock holders are looked up when the loop reaches it) */
	if (strcmp(PQgetvalue(res, 0, 2), "0"))
		add_index_table(st, e->mode, PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5));
	PQclear(res);
done:
	free(qualified);
}

/* A batched statement: the row estimate of its table, for the batches to expect. */
static void batch_estimate(struct plan_stmt *st)
{
	size_t k;

	for (k = 0; st->batch && k < st->neffects; k++) {
		const struct plan_effect *e = &st->effects[k];

		if (e->found && !strcmp(e->kind, "table") && e->rows >= 0) {
			st->batch_rows = e->rows;
			return;
		}
	}
}

/* Statements that wait for every transaction older than themselves. */
static int waits_for_old_transactions(const struct plan_stmt *st)
{
	return st->no_tx && strstr(st->text, "CONCURRENTLY") != NULL;
}

int plan_facts_begin(struct plan_facts *f, struct plan *p, struct db *db, long long_running_ms)
{
	char ms[32];
	const char *params[1] = { ms };
	int r;

	memset(f, 0, sizeof(*f));
	f->db = db;
	if (db_command(db, "SET lock_timeout = '200ms'", 0, NULL) < 0)
		return -1;
	/* transactions open right now, oldest first */
	snprintf(ms, sizeof(ms), "%ld", long_running_ms);
	f->open_tx = db_exec(db, "SELECT " ACTIVITY_COLUMNS ", "
			     "       extract(epoch FROM now() - a.xact_start) * 1000 >= $1::bigint "
			     "  FROM pg_stat_activity a "
			     " WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
			     "   AND a.xact_start IS NOT NULL AND a.backend_type = 'client backend' "
			     " ORDER BY a.xact_start", 1, params);
	if (!f->open_tx)
		return -1;
	for (r = 0; r < PQntuples(f->open_tx); r++) {
		char *w;
		struct strbuf age = STRBUF_INIT;

		if (PQgetvalue(f->open_tx, r, 7)[0] != 't')
			continue;
		w = who(f->open_tx, r, 0);
		strbuf_add_age(&age, long_running_ms / 1000);
		strlist_addf(&p->warnings, "long-running transaction: %s, open for more than %s: any "
			     "lock it holds blocks the DDL below on those tables, and CONCURRENTLY "
			     "statements wait for it to end", w, age.buf);
		strbuf_release(&age);
		free(w);
	}
	p->sized = 1;
	return 0;
}

void plan_facts_migration(struct plan_facts *f, struct plan_migration *m)
{
	size_t j, k;

	for (j = 0; j < m->nstmts; j++) {
		struct plan_stmt *st = &m->stmts[j];
		char *w;

		for (k = 0; k < st->neffects; k++)
			effect_facts(f->db, st, &st->effects[k]);
		batch_estimate(st);
		if (!PQntuples(f->open_tx) || !waits_for_old_transactions(st))
			continue;
		w = who(f->open_tx, 0, 0);
		strlist_addf(&st->warnings, "will wait: %d transaction%s open right now (the oldest: "
			     "%s) must end before this statement can finish",
			     PQntuples(f->open_tx), PQntuples(f->open_tx) == 1 ? " is" : "s are", w);
		free(w);
	}
}

void plan_facts_end(struct plan_facts *f)
{
	PQclear(f->open_tx);
	f->open_tx = NULL;
	if (f->db)
		PQclear(PQexec(f->db->conn, "RESET lock_timeout"));
}

int plan_db_facts(struct plan *p, struct db *db, long long_running_ms)
{
	struct plan_facts f;
	size_t i;

	if (plan_facts_begin(&f, p, db, long_running_ms) < 0) {
		plan_facts_end(&f);
		return -1;
	}
	for (i = 0; i < p->n; i++)
		plan_facts_migration(&f, &p->items[i]);
	plan_facts_end(&f);
	return 0;
}

int plan_rel_facts(void *arg, const char *schema, const char *name, struct lint_rel_facts *out)
{
	struct db *db = arg;
	char *qs = schema ? db_quote_ident(schema) : NULL, *qn = db_quote_ident(name);
	char *qualified = qs ? xasprintf("%s.%s", qs, qn) : xstrdup(qn);
	const char *params[1] = { qualified };
	PGresult *res, *was;

	free(qs);
	free(qn);
	memset(out, 0, sizeof(*out));
	/* an index stands for its table: the lock and the work are the table's. The size
	 * from the statistics (no lock: pages of the table, its indexes and TOAST as the
	 * last VACUUM or ANALYZE counted them) when there are any */
	res = db_exec(db, "SELECT t.oid, t.reltuples, "
		      "       (SELECT sum(r.relpages) FROM pg_class r WHERE r.oid = t.oid OR r.oid = t.reltoastrelid "
		      "           OR r.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = t.oid)) "
		      "       * current_setting('block_size')::bigint "
		      "  FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid "
		      "  JOIN pg_class t ON t.oid = coalesce(i.indrelid, c.oid) "
		      " WHERE c.oid = to_regclass($1)", 1, params);
	free(qualified);
	if (!res)
		return -1;
	if ((out->exists = PQntuples(res) == 1)) {
		out->rows = strtod(PQgetvalue(res, 0, 1), NULL);
		out->bytes = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	}
	if (out->exists && out->rows < 0) {
		/* never vacuumed nor analyzed: measure, giving up after 200ms rather than queue */
		was = db_exec(db, "SELECT current_setting('lock_timeout'), "
			      "       set_config('lock_timeout', '200ms', false)", 0, NULL);
		out->bytes = was ? relation_size(db, PQgetvalue(res, 0, 0)) : -1;
		if (was) {
			const char *p1[1] = { PQgetvalue(was, 0, 0) };

			PQclear(db_exec(db, "SELECT set_config('lock_timeout', $1, false)", 1, p1));
		}
		PQclear(was);
	}
	PQclear(res);
	return 0;
}

int plan_object_exists(void *arg, const char *kind, const char *name)
{
	static const struct {
		const char *kind, *sql;
	} q[] = {
#define NOT_SYSTEM(ns) " AND " ns " NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN " \
		       "('pg_catalog', 'information_schema'))"
		{ "function", "SELECT 1 FROM pg_proc WHERE proname = $1" NOT_SYSTEM("pronamespace") },
		{ "procedure", "SELECT 1 FROM pg_proc WHERE proname = $1" NOT_SYSTEM("pronamespace") },
		{ "routine", "SELECT 1 FROM pg_proc WHERE proname = $1" NOT_SYSTEM("pronamespace") },
		{ "type", "SELECT 1 FROM pg_type WHERE typname = $1" NOT_SYSTEM("typnamespace") },
		{ "domain", "SELECT 1 FROM pg_type WHERE typname = $1" NOT_SYSTEM("typnamespace") },
		{ "schema", "SELECT 1 FROM pg_namespace WHERE nspname = $1" },
		{ "extension", "SELECT 1 FROM pg_extension WHERE extname = $1" },
		{ "sequence", "SELECT 1 FROM pg_class WHERE relname = $1" NOT_SYSTEM("relnamespace") },
		{ "view", "SELECT 1 FROM pg_class WHERE relname = $1" NOT_SYSTEM("relnamespace") },
		{ "materialized view", "SELECT 1 FROM pg_class WHERE relname = $1" NOT_SYSTEM("relnamespace") },
#undef NOT_SYSTEM
	};
	const char *params[1] = { name };
	PGresult *res;
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(q); i++)
		if (!strcmp(q[i].kind, kind))
			break;
	if (i == ARRAY_SIZE(q) || !(res = db_exec(arg, q[i].sql, 1, params)))
		return -1;
	rc = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

int plan_column_type(void *arg, const char *schema, const char *table, const char *column,
		     char **type)
{
	char *qs = schema ? db_quote_ident(schema) : NULL, *qn = db_quote_ident(table);
	char *qt = qs ? xasprintf("%s.%s", qs, qn) : xstrdup(qn);
	const char *params[2] = { qt, column };
	PGresult *res = db_exec(arg, "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
				" WHERE a.attrelid = to_regclass($1) AND a.attname = $2 "
				"   AND a.attnum > 0 AND NOT a.attisdropped", 2, params);
	int rc = -1;

	free(qs);
	free(qn);
	free(qt);
	if (res && PQntuples(res) == 1) {
		*type = xstrdup(PQgetvalue(res, 0, 0));
		rc = 0;
	}
	PQclear(res);
	return rc;
}
