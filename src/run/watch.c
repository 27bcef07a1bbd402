/* watch.c - the wait for a statement's result, with a look from a second
 * connection a few times a second once it takes longer than a moment */
#include "run/watch.h"
#include "run/events.h"
#include "run/quiet.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICK_MS 250        /* at most 4 looks a second */
#define FIRST_LOOK_MS 100  /* at the latest */
#define PROGRESS_AFTER_MS 1000

void watch_init(struct watch *w, struct db *db, const struct config *cfg, struct history *h,
		const char *run_id, const struct step *s, int direction)
{
	memset(w, 0, sizeof(*w));
	w->db = db;
	w->cfg = cfg;
	w->h = h;
	w->run_id = run_id;
	w->step = s;
	w->direction = direction > 0 ? "up" : "down";
	w->stmt = -1;
	/* through a pooler our server process is not known until watch_pooled says how to find it */
	w->obs_failed = db->proxied;
	w->pid = PQbackendPID(db->conn);
	progress_init(&w->p, db->server_version);
}

void watch_pooled(struct watch *w, const char *tag)
{
	w->tag = tag;
	w->pid = 0;
	w->obs_failed = 0;
}

/* Through a pooler: the server process running our transaction right now, 0 when
 * none does (between transactions). */
static int pooled_pid(struct watch *w)
{
	const char *params[1] = { w->tag };
	PGresult *res = PQexecParams(w->obs, "SELECT pid FROM pg_stat_activity "
				     " WHERE application_name = $1 AND pid <> pg_backend_pid() "
				     " ORDER BY xact_start LIMIT 1", 1, NULL, params, NULL, NULL, 0);
	int pid = 0;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		pid = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return pid;
}

void watch_release(struct watch *w)
{
	if (w->obs)
		PQfinish(w->obs);
	blockers_release(&w->b);
	progress_release(&w->p);
	memset(w, 0, sizeof(*w));
}

char *watch_stmt_label(const struct step *s, int stmt)
{
	const struct sql_stmt *st;
	const char *base;

	if (stmt < 0 || (size_t)stmt >= s->script.n)
		return xasprintf("%s %s", shown(s->version_str), shown(s->name));
	st = &s->script.stmts[stmt];
	base = strrchr(s->path, '/');
	return xasprintf("%s:%d %s", shown(base ? base + 1 : s->path), st->line, sql_stmt_kind(st->node));

}

static json_t *stmt_json(const struct watch *w, int stmt)
{
	json_t *o = json_object();
	const struct sql_stmt *st = stmt >= 0 && (size_t)stmt < w->step->script.n
				    ? &w->step->script.stmts[stmt] : NULL;

	json_object_set_new(o, "version", json_integer(w->step->version));
	json_object_set_new(o, "file", json_string_or_null(w->step->path));
	json_object_set_new(o, "line", st ? json_integer(st->line) : json_null());
	json_object_set_new(o, "statement", json_string(st ? sql_stmt_kind(st->node) : ""));
	return o;
}

/* Early enough to name a blocker before lock_timeout fires: a quarter of it
 * while the second connection is still to be opened, half once it is open. */
static long first_look_ms(const struct watch *w)
{
	long lt = w->step->dir.lock_timeout_ms >= 0 ? w->step->dir.lock_timeout_ms
						    : w->cfg->lock_timeout_ms;
	long at = lt > 0 ? lt / (w->obs ? 2 : 4) : FIRST_LOOK_MS;

	return at < FIRST_LOOK_MS ? at : FIRST_LOOK_MS;
}

void watch_stmt_begin(struct watch *w, int stmt)
{
	w->stmt = stmt;
	w->t0 = now_ms();
	w->next_tick = w->t0 + first_look_ms(w);
	w->blocked = w->lock_sent = 0;
	if (events_on() && stmt >= 0)
		events_emit("statement_start", stmt_json(w, stmt));
}

static void lock_acquired(struct watch *w)
{
	json_t *o;

	if (!w->blocked || w->lock_sent)
		return;
	w->lock_sent = 1;
	if (!events_on())
		return;
	o = stmt_json(w, w->stmt);
	json_object_set_new(o, "scope", json_string("statement"));
	json_object_set_new(o, "waited_ms", json_integer(now_ms() - w->t0));
	events_emit("lock_acquired", o);
}

void watch_stmt_end(struct watch *w, int ok)
{
	progress_clear(&w->p);
	if (w->stmt < 0)
		return;
	if (ok)
		lock_acquired(w);
	if (events_on()) {
		json_t *o = stmt_json(w, w->stmt);
		json_object_set_new(o, "duration_ms", json_integer(now_ms() - w->t0));
		json_object_set_new(o, "ok", json_boolean(ok));
		events_emit("statement_end", o);
	}
	w->stmt = -1;
}

/* The audit row and the event of a blocker the policy terminated. */
static void log_terminated(struct watch *w, struct blocker *x)
{
	struct db side = *w->db;
	json_t *one = json_array();
	char *desc = blocker_describe(x), *js, *note;
	struct log_entry le = {
		.run_id = w->run_id, .version = w->step->version, .name = w->step->name,
		.direction = "blockers", .outcome = "terminated", .retries = w->attempt,
	};

	json_array_append_new(one, blocker_to_json(x));
	js = json_dumps(one, JSON_COMPACT | JSON_PRESERVE_ORDER);
	note = xasprintf("apply.blockers: %s", config_blockers_name(w->cfg->blockers));
	le.message = desc;
	le.blockers = js;
	le.note = note;
	side.conn = w->obs; /* the runner's connection is busy waiting */
	history_log(w->h, &side, &le);
	x->logged = 1;
	if (events_on()) {
		json_t *e = stmt_json(w, w->stmt);
		json_object_set_new(e, "blocker", json_string(desc));
		json_object_set_new(e, "pid", json_integer(x->pid));
		json_object_set_new(e, "policy", json_string(config_blockers_name(w->cfg->blockers)));
		events_emit("blocker_terminated", e);
	}
	json_decref(one);
	free(js);
	free(desc);
	free(note);
}

/* The second connection: 1 when open. */
static int open_second(struct watch *w)
{
	char app[64];

	if (w->obs || w->obs_failed)
		return w->obs != NULL;
	if (w->tag)
		snprintf(app, sizeof(app), "migrate (watching %s)", w->tag);
	else
		snprintf(app, sizeof(app), "migrate (watching pid %d)", w->pid);
	w->obs = db_connect_beside(w->db, app);
	w->obs_failed = !w->obs;
	if (!w->obs)
		log_debug("no second connection: blockers and progress will not be shown");
	return w->obs != NULL;
}

/* One look from the second connection. */
static void tick(struct watch *w)
{
	int64_t elapsed = now_ms() - w->t0;
	int n, waiting_for = 0;
	size_t i;

	if (!open_second(w))
		return;
	if (w->tag && (w->pid = pooled_pid(w)) == 0)
		return;
	n = blockers_sample(&w->b, w->obs, w->pid, w->attempt, w->db);
	if (n > 0) {
		w->blocked = 1;
		if (w->cfg->blockers != BLOCKERS_WAIT)
			progress_clear(&w->p); /* a termination prints a line */
		if (blockers_enforce(&w->b, w->obs, w->cfg) > 0)
			for (i = 0; i < w->b.n; i++)
				if (w->b.items[i].terminated && !w->b.items[i].logged)
					log_terminated(w, &w->b.items[i]);
		for (i = 0; i < w->b.n && !waiting_for; i++)
			if (w->b.items[i].current && !w->b.items[i].terminated)
				waiting_for = w->b.items[i].pid;
	} else if (n == 0) {
		lock_acquired(w);
	}
	if (elapsed >= PROGRESS_AFTER_MS) {
		char *label = watch_stmt_label(w->step, w->stmt);
		progress_sample(&w->p, w->obs, w->pid, label, elapsed, waiting_for);
		free(label);
	}
}

void watch_wait(struct watch *w)
{
	PGconn *c = w->db->conn;

	while (PQisBusy(c)) {
		struct pollfd pfd = { PQsocket(c), POLLIN, 0 };
		int64_t now = now_ms();
		long timeout = w->next_tick > now ? (long)(w->next_tick - now) : 0;

		if (pfd.fd < 0)
			return;
		if (poll(&pfd, 1, (int)timeout) < 0 && errno != EINTR)
			return;
		if (pfd.revents && !PQconsumeInput(c))
			return; /* the connection broke: PQgetResult says so */
		if (PQisBusy(c) && now_ms() >= w->next_tick) {
			tick(w);
			w->next_tick = now_ms() + TICK_MS;
		}
	}
}

/* The attempt timed out before a look named anyone: those holding a lock on its tables. */
static void after_the_fact(struct watch *w, int stmt)
{
	size_t i;
	char *tables;

	for (i = 0; i < w->b.n; i++)
		if (w->b.items[i].attempt == w->attempt)
			return;
	if (!open_second(w) || !(tables = quiet_lock_tables(w->db, w->step, stmt)))
		return;
	blockers_holders(&w->b, w->obs, tables, w->pid, w->attempt, w->db);
	free(tables);
}

void watch_retry(struct watch *w, int stmt, int retry, int of, long delay_ms)
{
	after_the_fact(w, stmt);
	blockers_print(&w->b, w->attempt);
	if (events_on()) {
		json_t *o = stmt_json(w, stmt);
		json_object_set_new(o, "retry", json_integer(retry));
		json_object_set_new(o, "of", json_integer(of));
		json_object_set_new(o, "delay_ms", json_integer(delay_ms));
		json_object_set_new(o, "blockers", blockers_to_json(&w->b, w->attempt));
		events_emit("retry", o);
	}
	w->attempt++;
}

void watch_print_blockers(struct watch *w, int stmt)
{
	after_the_fact(w, stmt);
	blockers_print(&w->b, w->attempt);
}

const char *watch_blockers_json(struct watch *w)
{
	return blockers_json(&w->b);
}

void watch_outcome(struct watch *w, int ok, int retries, int64_t duration_ms,
		   const char *sqlstate, const char *message, int line, int col)
{
	json_t *o;

	if (!events_on())
		return;
	o = json_object();
	json_object_set_new(o, "version", json_integer(w->step->version));
	json_object_set_new(o, "name", json_string_or_null(w->step->name));
	json_object_set_new(o, "direction", json_string(w->direction));
	json_object_set_new(o, "tx_mode", json_string(tx_mode_name(w->step->mode)));
	json_object_set_new(o, "duration_ms", json_integer(duration_ms));
	json_object_set_new(o, "retries", json_integer(retries));
	if (!ok) {
		json_object_set_new(o, "sqlstate", sqlstate ? json_string(sqlstate) : json_null());
		json_object_set_new(o, "message", message ? json_string(message) : json_null());
		json_object_set_new(o, "file", json_string_or_null(w->step->path));
		json_object_set_new(o, "line", line ? json_integer(line) : json_null());
		json_object_set_new(o, "col", col ? json_integer(col) : json_null());
		json_object_set_new(o, "rolled_back", json_boolean(w->step->mode == TX_WRAPPED));
	}
	json_object_set_new(o, "blockers", blockers_to_json(&w->b, -1));
	events_emit(!ok ? "failed" : w->direction[0] == 'u' ? "applied" : "reverted", o);
}
