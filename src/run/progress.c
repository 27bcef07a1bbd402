/* progress.c - pg_stat_progress_create_index (CONCURRENTLY too), _cluster
 * (rewrites, VACUUM FULL, CLUSTER), _analyze and _copy of our backend */
#include "run/progress.h"
#include "run/events.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define PLAIN_EVERY_MS 10000
#define EVENT_EVERY_MS 1000

/* command, phase, percent (NULL when unknown) of backend $1 */
static const struct view {
	int since; /* server_version_num */
	const char *sql;
} views[] = {
	{ 120000, "SELECT command, phase, CASE WHEN blocks_total > 0 THEN 100.0 * blocks_done / "
		  "blocks_total WHEN tuples_total > 0 THEN 100.0 * tuples_done / tuples_total END "
		  "FROM pg_stat_progress_create_index WHERE pid = $1::int" },
	{ 120000, "SELECT command, phase, CASE WHEN heap_blks_total > 0 THEN 100.0 * "
		  "heap_blks_scanned / heap_blks_total END FROM pg_stat_progress_cluster "
		  "WHERE pid = $1::int" },
	{ 130000, "SELECT 'ANALYZE', phase, CASE WHEN sample_blks_total > 0 THEN 100.0 * "
		  "sample_blks_scanned / sample_blks_total END FROM pg_stat_progress_analyze "
		  "WHERE pid = $1::int" },
	{ 140000, "SELECT command, type, CASE WHEN bytes_total > 0 THEN 100.0 * bytes_processed / "
		  "bytes_total END FROM pg_stat_progress_copy WHERE pid = $1::int" },
};

void progress_init(struct progress *p, int server_version)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->show = log_verbosity < 0 ? 0 : isatty(STDERR_FILENO) ? 1 : 2;
	for (i = 0; i < ARRAY_SIZE(views); i++) {
		if (server_version < views[i].since)
			continue;
		if (sb.len)
			strbuf_addstr(&sb, " UNION ALL ");
		strbuf_addstr(&sb, views[i].sql);
	}
	p->sql = sb.len ? strbuf_detach(&sb, NULL) : NULL;
	strbuf_release(&sb);
}

void progress_release(struct progress *p)
{
	free(p->sql);
	memset(p, 0, sizeof(*p));
}

void progress_clear(struct progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->shown = 0;
	}
	p->last_line = p->last_event = 0;
}

/* Phase and percent of pid into phase (empty: no view reports it); percent -1: unknown. */
static void read_view(struct progress *p, PGconn *conn, int pid, struct strbuf *phase,
		      double *percent)
{
	char spid[16];
	const char *params[1] = { spid };
	PGresult *res;

	*percent = -1;
	if (!p->sql)
		return;
	snprintf(spid, sizeof(spid), "%d", pid);
	res = PQexecParams(conn, p->sql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0) {
		strbuf_addf(phase, "%s: %s", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		if (!PQgetisnull(res, 0, 2))
			*percent = strtod(PQgetvalue(res, 0, 2), NULL);
	}
	PQclear(res);
}

static void emit(const char *label, int64_t elapsed_ms, const char *phase, double percent,
		 int waiting_for)
{
	json_t *o = json_object();

	json_object_set_new(o, "statement", json_string(label));
	json_object_set_new(o, "elapsed_ms", json_integer(elapsed_ms));
	json_object_set_new(o, "phase", *phase ? json_string(phase) : json_null());
	json_object_set_new(o, "percent", percent >= 0 ? json_real((double)(int)(percent * 10) / 10)
						       : json_null());
	json_object_set_new(o, "waiting_for_pid", waiting_for ? json_integer(waiting_for) : json_null());
	events_emit("progress", o);
}

void progress_sample(struct progress *p, PGconn *conn, int pid, const char *label,
		     int64_t elapsed_ms, int waiting_for)
{
	struct strbuf phase = STRBUF_INIT, line = STRBUF_INIT;
	double percent;

	if (!p->show && !events_on())
		return;
	read_view(p, conn, pid, &phase, &percent);
	if (events_on() && elapsed_ms - p->last_event >= EVENT_EVERY_MS) {
		emit(label, elapsed_ms, phase.buf, percent, waiting_for);
		p->last_event = elapsed_ms;
	}
	strbuf_addf(&line, "  %s: %.1fs", label, (double)elapsed_ms / 1000);
	if (waiting_for)
		strbuf_addf(&line, ", waiting for a lock held by pid %d", waiting_for);
	else if (phase.len)
		strbuf_addf(&line, ", %s", phase.buf);
	if (percent >= 0 && !waiting_for)
		strbuf_addf(&line, " %.1f%%", percent);
	if (p->show == 1) {
		struct winsize ws;
		/* one screen line, or \r would not take it back */
		size_t width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10 ? ws.ws_col : 80;
		if (line.len >= width) {
			size_t cut = width - 1;
			while (cut && ((unsigned char)line.buf[cut] & 0xC0) == 0x80)
				cut--;
			line.buf[cut] = '\0';
		}
		fprintf(stderr, "\r\033[K%s", line.buf);
		fflush(stderr);
		p->shown = 1;
	} else if (p->show == 2 && elapsed_ms - p->last_line >= PLAIN_EVERY_MS) {
		fprintf(stderr, "%s\n", line.buf);
		p->last_line = elapsed_ms;
	}
	strbuf_release(&phase);
	strbuf_release(&line);
}
