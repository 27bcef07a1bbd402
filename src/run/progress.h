/* progress.h - what a long statement is doing, from pg_stat_progress_*:
 * one line rewritten in place on a terminal, a plain line every 10 s
 * otherwise, nothing with -q; samples to the event stream */
#ifndef MIGRATE_PROGRESS_H
#define MIGRATE_PROGRESS_H

#include <libpq-fe.h>
#include <stdint.h>

struct progress {
	int show;            /* 0: not on screen (-q), 1: a terminal line, 2: plain lines */
	int shown;           /* a terminal line to clear */
	int64_t last_line;   /* when the last plain line was printed (ms since the start) */
	int64_t last_event;  /* and the last progress event */
	char *sql;           /* the progress views this server has */
};

void progress_init(struct progress *p, int server_version);
void progress_release(struct progress *p);
/*
 * Read the progress of backend pid over conn and show it: label names the
 * statement ("20261201 add_index.sql:3 CREATE INDEX"), elapsed_ms since it
 * started, waiting_for the blocker's pid when it waits for a lock (0: not).
 */
void progress_sample(struct progress *p, PGconn *conn, int pid, const char *label,
		     int64_t elapsed_ms, int waiting_for);
/* The statement ended: clear the terminal line. */
void progress_clear(struct progress *p);

#endif
