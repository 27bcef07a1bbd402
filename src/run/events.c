/* events.c - --events: JSON lines, one write per event so that the workers of
 * a fleet, which share the descriptor, never interleave inside a line */
#include "run/events.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int events_fd = -1;
static const char *events_target;
static char events_run[40];

int events_open(const char *path)
{
	if (events_fd >= 0)
		close(events_fd);
	if (!strcmp(path, "-")) {
		/* the stream owns standard output; human output moves to standard error */
		fflush(stdout);
		events_fd = dup(STDOUT_FILENO);
		if (events_fd >= 0)
			dup2(STDERR_FILENO, STDOUT_FILENO);
	} else {
		events_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	}
	if (events_fd < 0) {
		log_error("cannot open the event stream \"%s\": %s", path, strerror(errno));
		return -1;
	}
	fcntl(events_fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

int events_on(void)
{
	return events_fd >= 0;
}

void events_set_target(const char *name)
{
	events_target = name;
}

void events_set_run(const char *run_id)
{
	snprintf(events_run, sizeof(events_run), "%s", run_id ? run_id : "");
}

/* 2026-12-02T16:01:21.123Z */
static void iso_now(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	size_t n;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03dZ", (int)(tv.tv_usec / 1000));
}

void events_emit(const char *type, json_t *obj)
{
	json_t *ev;
	char ts[40], *line;
	size_t len, off = 0;
	ssize_t w;

	if (events_fd < 0) {
		json_decref(obj);
		return;
	}
	iso_now(ts, sizeof(ts));
	ev = json_object();
	json_object_set_new(ev, "event", json_string(type));
	json_object_set_new(ev, "time", json_string(ts));
	/* each line stands alone (a consumer may keep some): each says its format */
	json_object_set_new(ev, "format_version", json_string(JSON_FORMAT_VERSION));
	if (events_target)
		json_object_set_new(ev, "target", json_string(events_target));
	if (*events_run)
		json_object_set_new(ev, "run_id", json_string(events_run));
	if (obj)
		json_object_update(ev, obj);
	json_decref(obj);
	line = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(ev);
	if (!line)
		return;
	len = strlen(line);
	line[len++] = '\n'; /* over the terminating NUL: one write, one line */
	while (off < len && ((w = write(events_fd, line + off, len - off)) > 0 || errno == EINTR))
		if (w > 0)
			off += (size_t)w;
	free(line);
}

void events_run_start(const char *command, const char *run_id, const char *database,
		      int64_t from, int64_t to)
{
	json_t *o;

	events_set_run(run_id);
	if (events_fd < 0)
		return;
	o = json_object();
	json_object_set_new(o, "command", json_string(command));
	json_object_set_new(o, "database", json_string(database ? database : ""));
	json_object_set_new(o, "from_version", json_integer(from));
	json_object_set_new(o, "to_version", json_integer(to));
	events_emit("run_start", o);
}

void events_run_end(const char *command, int rc)
{
	json_t *o;

	if (events_fd >= 0 && *events_run) {
		o = json_object();
		json_object_set_new(o, "command", json_string(command));
		json_object_set_new(o, "exit_code", json_integer(rc));
		json_object_set_new(o, "ok", json_boolean(rc == 0));
		events_emit("run_end", o);
	}
	events_set_run(NULL);
}
