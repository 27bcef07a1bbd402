/* observe.c - read pg_locks, pg_class.relfilenode and seq_scan counters around a
 * statement, and turn the differences into observed effects */
#include "trace/observe.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* --- readings --------------------------------------------------------------- */

static int cmp_rel(const void *a, const void *b)
{
	const struct obs_rel *x = a, *y = b;
	return x->oid < y->oid ? -1 : x->oid > y->oid;
}

int obs_catalog_take(struct db *db, struct obs_catalog *c)
{
	PGresult *res;
	int i;

	memset(c, 0, sizeof(*c));
	res = db_exec(db,
		"SELECT c.oid, c.relfilenode, coalesce(i.indrelid, d.refobjid, 0), c.relkind, n.nspname, "
		"       c.relname "
		"  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
		"  LEFT JOIN pg_index i ON i.indexrelid = c.oid "
		/* a sequence owned by a column (serial, identity, OWNED BY) goes with its table */
		"  LEFT JOIN pg_depend d ON c.relkind = 'S' AND d.classid = 'pg_class'::regclass "
		"       AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass "
		"       AND d.deptype IN ('a', 'i') "
		" WHERE c.relkind IN ('r', 'p', 'm', 'i', 'I', 'S', 'v', 'f') "
		"   AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
		"   AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)' "
		"UNION ALL "
		"SELECT t.oid, 0, 0, 'T', n.nspname, t.typname "
		"  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
		" WHERE t.typtype IN ('e', 'd', 'c', 'r', 'm') "
		"   AND (t.typrelid = 0 OR EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = t.typrelid "
		"                                  AND r.relkind = 'c')) "
		"   AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
		"   AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'", 0, NULL);
	if (!res)
		return -1;
	c->n = (size_t)PQntuples(res);
	c->v = xcalloc(c->n + 1, sizeof(*c->v));
	for (i = 0; i < PQntuples(res); i++) {
		struct obs_rel *r = &c->v[i];
		r->oid = (unsigned)strtoul(PQgetvalue(res, i, 0), NULL, 10);
		r->filenode = (unsigned)strtoul(PQgetvalue(res, i, 1), NULL, 10);
		r->table = (unsigned)strtoul(PQgetvalue(res, i, 2), NULL, 10);
		r->relkind = PQgetvalue(res, i, 3)[0];
		r->schema = xstrdup(PQgetvalue(res, i, 4));
		r->name = xstrdup(PQgetvalue(res, i, 5));
	}
	PQclear(res);
	qsort(c->v, c->n, sizeof(*c->v), cmp_rel);
	return 0;
}

int obs_catalog_sizes(struct db *db, struct obs_catalog *c)
{
	PGresult *res = db_exec(db, "SELECT c.oid FROM pg_class c "
				"JOIN pg_namespace n ON n.oid = c.relnamespace "
				"WHERE c.relkind IN ('r', 'm') AND n.nspname <> 'information_schema' "
				"AND n.nspname !~ '^pg_' AND pg_relation_size(c.oid) > 0", 0, NULL);
	int i;

	if (!res)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		unsigned oid = (unsigned)strtoul(PQgetvalue(res, i, 0), NULL, 10);
		size_t j;

		for (j = 0; j < c->n; j++)
			if (c->v[j].oid == oid)
				c->v[j].has_data = 1;
	}
	PQclear(res);
	return 0;
}

void obs_catalog_release(struct obs_catalog *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].schema);
		free(c->v[i].name);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* The relation (is_type 0) or type (1) with this oid. */
static const struct obs_rel *catalog_find(const struct obs_catalog *c, unsigned oid, int is_type)
{
	struct obs_rel key = { .oid = oid };
	const struct obs_rel *r = c->n ? bsearch(&key, c->v, c->n, sizeof(*c->v), cmp_rel) : NULL;

	if (r && (r->relkind == 'T') != !!is_type)
		return NULL;
	return r;
}

static const struct obs_rel *catalog_find_name(const struct obs_catalog *c, const char *schema,
					       const char *name, char relkind)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].relkind == relkind && !strcmp(c->v[i].name, name) &&
		    !strcmp(c->v[i].schema, schema))
			return &c->v[i];
	return NULL;
}

int obs_locks_read(struct db *db, int pid, struct obs_locks *l)
{
	char pidbuf[32];
	const char *params[1] = { pidbuf };
	PGresult *res;
	int i;

	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	res = db_exec(db,
		"SELECT coalesce(relation, objid), mode, granted, locktype <> 'relation' "
		"  FROM pg_locks "
		" WHERE pid = CASE WHEN $1::int = 0 THEN pg_backend_pid() ELSE $1::int END "
		"   AND (locktype = 'relation' AND relation IS NOT NULL "
		"        OR locktype = 'object' AND classid = 'pg_type'::regclass "
		"        OR NOT granted)", 1, params);
	if (!res)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		int granted = PQgetvalue(res, i, 2)[0] == 't';
		struct obs_lock k;
		size_t j;

		if (!granted)
			l->waited = 1;
		if (PQgetisnull(res, i, 0))
			continue;
		k.oid = (unsigned)strtoul(PQgetvalue(res, i, 0), NULL, 10);
		k.mode = plan_lock_from_pg(PQgetvalue(res, i, 1));
		k.is_type = PQgetvalue(res, i, 3)[0] == 't';
		k.granted = granted;
		for (j = 0; j < l->n; j++)
			if (l->v[j].oid == k.oid && l->v[j].mode == k.mode && l->v[j].is_type == k.is_type)
				break;
		if (j < l->n) {
			l->v[j].granted |= k.granted;
			continue;
		}
		ALLOC_GROW(l->v, l->n + 1, l->alloc);
		l->v[l->n++] = k;
	}
	PQclear(res);
	return 0;
}

void obs_locks_release(struct obs_locks *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int holds(const struct obs_locks *l, unsigned oid, enum lock_mode mode, int is_type)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].oid == oid && l->v[i].mode == mode && l->v[i].is_type == is_type &&
		    l->v[i].granted)
			return 1;
	return 0;
}

int obs_scans_read(struct db *db, int in_tx, struct obs_scans *s)
{
	PGresult *res;
	int i;

	memset(s, 0, sizeof(*s));
	if (in_tx) {
		res = db_exec(db, "SELECT relid, seq_scan FROM pg_stat_xact_user_tables", 0, NULL);
	} else {
		/* this backend's counters reach the shared statistics when it goes idle;
		 * make that happen now, then read them in a new transaction */
		if (db->server_version < 150000)
			return -1;
		if (db_command(db, "SELECT pg_stat_force_next_flush()", 0, NULL) < 0)
			return -1;
		res = db_exec(db, "SELECT s.relid, s.seq_scan + coalesce(x.seq_scan, 0) "
			      "FROM pg_stat_user_tables s "
			      "LEFT JOIN pg_stat_xact_user_tables x ON x.relid = s.relid", 0, NULL);
	}
	if (!res)
		return -1;
	s->n = (size_t)PQntuples(res);
	s->oid = xcalloc(s->n + 1, sizeof(*s->oid));
	s->count = xcalloc(s->n + 1, sizeof(*s->count));
	for (i = 0; i < PQntuples(res); i++) {
		s->oid[i] = (unsigned)strtoul(PQgetvalue(res, i, 0), NULL, 10);
		s->count[i] = strtol(PQgetvalue(res, i, 1), NULL, 10);
	}
	PQclear(res);
	return 0;
}

void obs_scans_release(struct obs_scans *s)
{
	free(s->oid);
	free(s->count);
	memset(s, 0, sizeof(*s));
}

static long scans_of(const struct obs_scans *s, unsigned oid)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->oid[i] == oid)
			return s->count[i];
	return 0;
}

void obs_reading_release(struct obs_reading *r)
{
	obs_catalog_release(&r->cat);
	obs_locks_release(&r->locks);
	obs_scans_release(&r->scans);
	r->have_scans = 0;
}

/* --- effects ------------------------------------------------------------------ */

/* Predicted and observed kinds name the same class of object (index, type, table-like). */
static int same_class(const char *predicted, const char *observed)
{
	int pi = !strcmp(predicted, "index"), pt = !strcmp(predicted, "type");
	int oi = !strcmp(observed, "index"), ot = !strcmp(observed, "type");

	return pi == oi && pt == ot;
}

static const char *relkind_name(char k)
{
	switch (k) {
	case 'r': case 'p': return "table";
	case 'v': return "view";
	case 'm': return "materialized view";
	case 'i': case 'I': return "index";
	case 'S': return "sequence";
	case 'f': return "foreign table";
	case 'T': return "type";
	default: return "relation";
	}
}

static struct plan_effect *seen_for(struct plan_stmt *st, const struct obs_rel *r,
				    const struct obs_catalog *cat, const struct obs_catalog *start)
{
	const char *kind = relkind_name(r->relkind);
	struct plan_effect *e;
	size_t i;

	for (i = 0; i < st->nseen; i++)
		if (st->seen[i].kind == kind && !strcmp(st->seen[i].name, r->name) &&
		    !strcmp(st->seen[i].schema, r->schema))
			return &st->seen[i];
	st->seen = xrealloc(st->seen, (st->nseen + 1) * sizeof(*st->seen));
	e = &st->seen[st->nseen++];
	memset(e, 0, sizeof(*e));
	e->schema = xstrdup(r->schema);
	e->name = xstrdup(r->name);
	e->kind = kind;
	e->rows = -1;
	e->bytes = -1;
	e->found = 1;
	e->created = !catalog_find_name(start, r->schema, r->name, r->relkind);
	if (r->table) {
		const struct obs_rel *t = catalog_find(cat, r->table, 0);
		if (t)
			e->parent = xasprintf("%s.%s", t->schema, t->name);
	}
	return e;
}

static int kind_rank(const char *k)
{
	return !strcmp(k, "table") ? 0 : !strcmp(k, "index") ? 2 : !strcmp(k, "type") ? 3 : 1;
}

static int cmp_effect(const void *a, const void *b)
{
	const struct plan_effect *x = a, *y = b;
	int c = kind_rank(x->kind) - kind_rank(y->kind);

	if (!c)
		c = strcmp(x->schema, y->schema);
	return c ? c : strcmp(x->name, y->name);
}

/* The object of the predicted effect's kind and name in c, or NULL. */
static const struct obs_rel *predicted_object(const struct obs_catalog *c, const struct plan_effect *p)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		const struct obs_rel *r = &c->v[i];

		if (strcmp(r->name, p->name) || (p->schema && strcmp(r->schema, p->schema)))
			continue;
		if (same_class(p->kind, relkind_name(r->relkind)))
			return r;
	}
	return NULL;
}

void observe_statement(struct plan_stmt *st, const struct obs_reading *before,
		       const struct obs_reading *after, const struct obs_catalog *start)
{
	size_t i, j;

	for (i = 0; i < st->neffects; i++) {
		const struct obs_rel *r = predicted_object(&before->cat, &st->effects[i]), *s0;

		st->effects[i].existed = r != NULL;
		st->effects[i].dropped = r && !catalog_find(&after->cat, r->oid, r->relkind == 'T');
		/* an index's table: a lock on it is the index's (DROP INDEX locks both) */
		if (r && r->table && !st->effects[i].parent) {
			const struct obs_rel *t = catalog_find(&before->cat, r->table, 0);

			if (t)
				st->effects[i].parent = xasprintf("%s.%s", t->schema, t->name);
		}
		s0 = r ? catalog_find(start, r->oid, r->relkind == 'T') : NULL;
		st->effects[i].had_data = s0 && s0->has_data;
	}

	for (i = 0; i < after->locks.n; i++) {
		const struct obs_lock *l = &after->locks.v[i];
		const struct obs_rel *r = catalog_find(&before->cat, l->oid, l->is_type);
		struct plan_effect *e;

		if (!r)
			continue; /* created by this statement, or transient */
		e = seen_for(st, r, &before->cat, start);
		if (l->granted)
			e->held |= 1u << l->mode;
		if (!holds(&before->locks, l->oid, l->mode, l->is_type) && l->mode > e->mode)
			e->mode = l->mode;
	}
	for (i = 0; i < before->cat.n; i++) {
		const struct obs_rel *r = &before->cat.v[i], *a;

		if (r->relkind == 'r' || r->relkind == 'm') {
			a = catalog_find(&after->cat, r->oid, 0);
			if (a && a->filenode && r->filenode && a->filenode != r->filenode)
				seen_for(st, r, &before->cat, start)->rewrite = 1;
			if (before->have_scans && after->have_scans &&
			    scans_of(&after->scans, r->oid) > scans_of(&before->scans, r->oid))
				seen_for(st, r, &before->cat, start)->scan = 1;
		} else if (r->relkind == 'i' && r->filenode) {
			/* an index kept across an ALTER gets a new OID but keeps its storage */
			a = catalog_find_name(&after->cat, r->schema, r->name, 'i');
			if (!a)
				continue;
			for (j = 0; j < before->cat.n; j++)
				if (before->cat.v[j].filenode == a->filenode)
					break;
			if (j == before->cat.n) {
				seen_for(st, r, &before->cat, start)->rewrite = 1;
				strlist_addf(&st->rebuilt, "%s.%s", r->schema, r->name);
			}
		}
	}
	st->rehearsed = 1;
	if (st->nseen)
		qsort(st->seen, st->nseen, sizeof(*st->seen), cmp_effect);
}

/* --- prediction vs observation -------------------------------------------------- */

static struct plan_effect *match_seen(struct plan_stmt *st, const struct plan_effect *p)
{
	size_t i;

	for (i = 0; i < st->nseen; i++) {
		struct plan_effect *o = &st->seen[i];
		if (!strcmp(o->name, p->name) && (!p->schema || !strcmp(o->schema, p->schema)) &&
		    same_class(p->kind, o->kind))
			return o;
	}
	return NULL;
}

static int matched_by_prediction(const struct plan_stmt *st, const struct plan_effect *o)
{
	size_t i;

	for (i = 0; i < st->neffects; i++) {
		const struct plan_effect *p = &st->effects[i];
		if (!strcmp(o->name, p->name) && (!p->schema || !strcmp(o->schema, p->schema)) &&
		    same_class(p->kind, o->kind))
			return 1;
	}
	return 0;
}

/* The strongest mode the statement took on o's table (for an index's lock). */
static enum lock_mode parent_mode(const struct plan_stmt *st, const struct plan_effect *o)
{
	size_t i;
	enum lock_mode m = LOCK_NONE;

	if (!o->parent)
		return 0;
	for (i = 0; i < st->nseen; i++) {
		const struct plan_effect *t = &st->seen[i];
		char *q = xasprintf("%s.%s", t->schema, t->name);
		if (!strcmp(q, o->parent) && !strcmp(t->kind, "table") && plan_effect_held(t) > m)
			m = plan_effect_held(t);
		free(q);
	}
	return m;
}

/* Is o a table whose index the prediction names, with a mode at least o's? */
static int covered_by_predicted_index(const struct plan_stmt *st, const struct plan_effect *o)
{
	size_t i, j;

	if (strcmp(o->kind, "table"))
		return 0;
	for (i = 0; i < st->nseen; i++) {
		const struct plan_effect *ix = &st->seen[i];
		char *q;
		int hit;

		if (strcmp(ix->kind, "index") || !ix->parent)
			continue;
		q = xasprintf("%s.%s", o->schema, o->name);
		hit = !strcmp(q, ix->parent);
		free(q);
		if (!hit)
			continue;
		for (j = 0; j < st->neffects; j++)
			if (!strcmp(st->effects[j].kind, "index") && !strcmp(st->effects[j].name, ix->name) &&
			    st->effects[j].mode >= o->mode)
				return 1;
	}
	/* an index the statement drops is gone from what was seen: the prediction's own parent */
	for (i = 0; i < st->neffects; i++) {
		const struct plan_effect *p = &st->effects[i];
		char *q;
		int hit;

		if (strcmp(p->kind, "index") || !p->parent || p->mode < o->mode)
			continue;
		q = xasprintf("%s.%s", o->schema, o->name);
		hit = !strcmp(q, p->parent);
		free(q);
		if (hit)
			return 1;
	}
	return 0;
}

/* An index or owned sequence locked no more strongly than its table goes with the table
 * (a rebuilt index is locked because it is rebuilt: st->rebuilt). */
static int goes_with_table(const struct plan_stmt *st, const struct plan_effect *o)
{
	if (!strcmp(o->kind, "index"))
		return o->rewrite || o->mode <= parent_mode(st, o);
	return !strcmp(o->kind, "sequence") && o->parent && o->mode <= parent_mode(st, o);
}

/*
 * What the plan did not predict is a finding on the statement (rule not-in-plan): an
 * error when the observed lock blocks writes (SHARE and stronger) or the table was
 * rewritten, else a warning. Rehearse then calls the migration failed, never clean.
 */
static void not_in_plan(struct plan_stmt *st, enum lock_mode mode, int rewrite, const char *diff)
{
	struct plan_finding *x;

	st->findings = xrealloc(st->findings, (st->nfindings + 1) * sizeof(*st->findings));
	x = &st->findings[st->nfindings++];
	memset(x, 0, sizeof(*x));
	x->rule = xstrdup("not-in-plan");
	x->severity = mode >= LOCK_SHARE || rewrite ? 2 : 1;
	x->line = st->line;
	x->col = st->col;
	x->message = xasprintf("observed on the rehearsal, not in the plan: %s", diff);
}

/* Record a difference; a lock or rewrite the plan missed is also a finding. */
static void differs(struct plan_stmt *st, enum lock_mode missed, int rewrite, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void differs(struct plan_stmt *st, enum lock_mode missed, int rewrite, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strlist_add(&st->diffs, sb.buf);
	if (missed > LOCK_NONE || rewrite)
		not_in_plan(st, missed, rewrite, sb.buf);
	strbuf_release(&sb);
}

/* DROP INDEX CONCURRENTLY takes ACCESS EXCLUSIVE on the index in its last step, when the
 * index is dead and nobody's queries use it: predicted as SHARE UPDATE EXCLUSIVE. */
static int concurrent_drop_end(const struct plan_effect *p, const struct plan_effect *o)
{
	return p->dropped && !strcmp(p->kind, "index") && p->mode == LOCK_SHARE_UPDATE_EXCLUSIVE &&
	       o->mode == LOCK_ACCESS_EXCLUSIVE;
}

void observe_compare(struct plan_stmt *st)
{
	size_t i;
	int anything = st->nseen > 0;

	if (st->polled && !anything) {
		if (st->neffects)
			strlist_add(&st->notes, "no lock seen from the second connection: the statement "
				    "was too quick to observe");
		return;
	}
	for (i = 0; i < st->neffects; i++) {
		const struct plan_effect *p = &st->effects[i];
		struct plan_effect *o = match_seen(st, p);
		const char *what = p->name;

		if (!o) {
			/* polling samples pg_locks: a lock it did not see may have been held
			 * between two samples, so only a wrapped statement proves absence */
			if (p->mode > LOCK_NONE && p->existed && st->polled)
				strlist_addf(&st->notes, "%s %s: predicted %s, not seen from the "
					     "second connection (it samples pg_locks)", p->kind, what,
					     lock_mode_name(p->mode));
			else if (p->mode > LOCK_NONE && p->existed)
				strlist_addf(&st->diffs, "%s %s: predicted %s, no lock observed", p->kind,
					     what, lock_mode_name(p->mode));
			continue;
		}
		if (concurrent_drop_end(p, o))
			strlist_addf(&st->notes, "index %s: ACCESS EXCLUSIVE at the end of DROP INDEX "
				     "CONCURRENTLY, once no transaction could use it (as PostgreSQL "
				     "documents: reads and writes of the table go on)", what);
		else if (p->mode && !(o->held & (1u << p->mode)) && !(st->polled && o->mode == p->mode))
			differs(st, o->mode > p->mode ? o->mode : LOCK_NONE, 0,
				"%s %s: predicted %s, observed %s", p->kind, what,
				lock_mode_name(p->mode), lock_mode_name(o->mode));
		else if (o->mode > p->mode)
			differs(st, o->mode, 0, "%s %s: predicted %s, observed the stronger %s", p->kind,
				what, lock_mode_name(p->mode), lock_mode_name(o->mode));
		if (p->rewrite != o->rewrite && strcmp(o->kind, "index"))
			differs(st, LOCK_NONE, o->rewrite, "%s %s: predicted %s, observed %s", p->kind,
				what, p->rewrite ? "a rewrite" : "no rewrite",
				o->rewrite ? "a rewrite" : "no rewrite");
		/* a rewrite reads the whole table; whether DML reads it all is the planner's
		 * choice; an empty table may not be read at all */
		if (p->scan != o->scan && !(o->scan && p->rewrite) && !st->dml &&
		    (o->scan || (!st->polled && p->had_data)))
			strlist_addf(&st->diffs, "%s %s: predicted %s, observed %s", p->kind, what,
				     p->scan ? "a full scan" : "no full scan",
				     o->scan ? "a full scan" : "no full scan");
	}
	for (i = 0; i < st->nseen; i++) {
		const struct plan_effect *o = &st->seen[i];

		/* nobody else can see what the migration created before it commits */
		if (matched_by_prediction(st, o) || o->created)
			continue;
		/* an index or owned sequence locked no more strongly than its table goes
		 * with the table; a rebuilt index is locked because it is rebuilt */
		if (goes_with_table(st, o))
			continue;
		/* DROP INDEX names the index; its table is locked as strongly */
		if (covered_by_predicted_index(st, o))
			continue;
		if (o->mode >= LOCK_SHARE_UPDATE_EXCLUSIVE)
			differs(st, o->mode, o->rewrite && strcmp(o->kind, "index"),
				"%s %s.%s: not predicted, observed %s%s", o->kind, o->schema, o->name,
				lock_mode_name(o->mode), o->rewrite && strcmp(o->kind, "index") ?
				" and a rewrite" : "");
		else if (o->rewrite && strcmp(o->kind, "index"))
			differs(st, LOCK_NONE, 1, "%s %s.%s: not predicted, observed a rewrite", o->kind,
				o->schema, o->name);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void observe_prune(struct plan_stmt *st)
{
	char *keep = xcalloc(st->nseen + 1, 1);
	size_t i, k = 0;

	/* decide for all first: parent_mode reads the other entries */
	for (i = 0; i < st->nseen; i++) {
		const struct plan_effect *o = &st->seen[i];

		keep[i] = o->mode || o->rewrite || o->scan ||
			  (matched_by_prediction(st, o) &&
			   plan_effect_held(o) >= LOCK_SHARE_UPDATE_EXCLUSIVE);
		/* an index locked no more strongly than its table goes with the table */
		if (keep[i] && !strcmp(o->kind, "index") && goes_with_table(st, o))
			keep[i] = 0;
	}
	for (i = 0; i < st->nseen; i++) {
		if (keep[i]) {
			st->seen[k++] = st->seen[i];
			continue;
		}
		free(st->seen[i].schema);
		free(st->seen[i].name);
		free(st->seen[i].parent);
	}
	st->nseen = k;
	free(keep);
	if (st->rebuilt.n > 1)
		qsort(st->rebuilt.v, st->rebuilt.n, sizeof(*st->rebuilt.v), cmp_str);
}
