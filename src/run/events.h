/* events.h - the event stream (--events FILE|-): one JSON object a line for
 * machines watching a run; schema in docs/events.md */
#ifndef MIGRATE_EVENTS_H
#define MIGRATE_EVENTS_H

#include <jansson.h>
#include <stdint.h>

/* Open the stream: a file (truncated) or "-" (standard output; what the
 * commands print there goes to standard error instead). 0 or -1 (printed). */
int events_open(const char *path);
/* Whether a stream is open (skip building an event when not). */
int events_on(void);
/* Tag every event from now on with this target (a fleet worker's). */
void events_set_target(const char *name);
/* The run every event from now on belongs to (NULL: none). */
void events_set_run(const char *run_id);
/* Write one event of this type with the fields of obj (taken; may be NULL). */
void events_emit(const char *type, json_t *obj);

/* A run starts: command (up, down, redo), the database (redacted, as printed),
 * the newest applied version before and after it if all goes well. */
void events_run_start(const char *command, const char *run_id, const char *database,
		      int64_t from, int64_t to);
/* The run of command ends with exit code rc (nothing when no run started). */
void events_run_end(const char *command, int rc);

#endif
