/* history.c - migrate history: the audit log, one row per attempt */
#include "cmd/commands.h"
#include "run/session.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_FORMAT = 1, O_LIMIT };

static const struct cli_option history_options[] = {
	{ O_FORMAT, 0, "format", "FORMAT", "text (default) or json" },
	{ O_LIMIT, 'n', "limit", "N", "only the N most recent entries" },
	CLI_END
};

static const char *const columns[] = {
	"id", "run_id", "version", "name", "direction", "started_at", "finished_at",
	"outcome", "sqlstate", "message", "retries", "db_user", "os_user", "note",
	"backup_path", "wal_lsn", "server_time", "blockers",
};

/* " blocked by pid 4242 (api, idle in transaction) [terminated]" for each blocker of a row. */
static void print_blockers(const char *js)
{
	json_t *arr = json_loads(js, 0, NULL), *b;
	size_t i;

	json_array_foreach(arr, i, b) {
		const char *app = json_string_value(json_object_get(b, "application_name"));
		printf("%s pid %lld (%s, %s)%s", i ? "," : "; blocked by",
		       (long long)json_integer_value(json_object_get(b, "pid")),
		       app && *app ? shown_text(app) : "no application name",
		       json_string_value(json_object_get(b, "state")),
		       json_is_true(json_object_get(b, "terminated")) ? " [terminated]" : "");
	}
	json_decref(arr);
}

/* A backup row: what was backed up, where to, and the recovery point. */
static void print_marker(PGresult *res, int i)
{
	printf(" %s", shown_text(PQgetvalue(res, i, 9)));
	if (!PQgetisnull(res, i, 14))
		printf(": %s", shown(PQgetvalue(res, i, 14)));
	if (!PQgetisnull(res, i, 15))
		printf("; recovery point: WAL %s at %s", PQgetvalue(res, i, 15), PQgetvalue(res, i, 16));
}

/* The entries as JSON. */
static void print_json(PGresult *res)
{
	json_t *root = json_object(), *arr = json_array();
	int i;

	for (i = 0; i < PQntuples(res); i++) {
		json_t *o = json_object();
		size_t k;
		for (k = 0; k < ARRAY_SIZE(columns); k++) {
			json_t *v;
			if (PQgetisnull(res, i, (int)k))
				v = json_null();
			else if (!strcmp(columns[k], "blockers"))
				v = json_loads(PQgetvalue(res, i, (int)k), 0, NULL);
			else if (!strcmp(columns[k], "version")) /* versions are strings */
				v = json_version_or_null(strtoll(PQgetvalue(res, i, (int)k), NULL, 10));
			else if (!strcmp(columns[k], "id") || !strcmp(columns[k], "retries"))
				v = json_integer(strtoll(PQgetvalue(res, i, (int)k), NULL, 10));
			else
				v = json_string_or_null(PQgetvalue(res, i, (int)k));
			json_object_set_new(o, columns[k], v);
		}
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "entries", arr);
	json_print_release(root, stdout);
}

/* The entries as a table. */
static void print_text(PGresult *res)
{
	int i;

	printf("%-24s %-16s %-8s %-9s %-7s %-12s %s\n", "STARTED (UTC)", "VERSION", "DIR",
	       "OUTCOME", "RETRIES", "BY", "NAME / DETAIL");
	for (i = 0; i < PQntuples(res); i++) {
		printf("%-24s %-16s %-8s %-9s %-7s %-12s %s", PQgetvalue(res, i, 5),
		       PQgetvalue(res, i, 2), PQgetvalue(res, i, 4), PQgetvalue(res, i, 7),
		       PQgetvalue(res, i, 10), shown(PQgetvalue(res, i, 11)), shown(PQgetvalue(res, i, 3)));
		if (!strcmp(PQgetvalue(res, i, 4), "backup") ||
		    !strcmp(PQgetvalue(res, i, 4), "restore"))
			print_marker(res, i);
		else if (!PQgetisnull(res, i, 8))
			printf(" [%s] %s", PQgetvalue(res, i, 8), shown_text(PQgetvalue(res, i, 9)));
		else if (!PQgetisnull(res, i, 9))
			printf(" %s", shown_text(PQgetvalue(res, i, 9)));
		if (!PQgetisnull(res, i, 17))
			print_blockers(PQgetvalue(res, i, 17));
		if (!PQgetisnull(res, i, 13))
			printf(" (%s)", shown_text(PQgetvalue(res, i, 13)));

		printf("\n");
	}
	if (PQntuples(res) == 0)
		printf("(no entries)\n");
}

int cmd_history(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct session s;
	const char *format = "text";
	int64_t limit = 0;
	int rc, opt;
	PGresult *res = NULL;
	char *sql = NULL, lim[32];
	const char *params[1] = { lim };

	cli_init(&c, "history", "", "Show the audit log: every attempt to apply or revert, with its\n"
		 "outcome, SQLSTATE and message on failure, lock-timeout retries and who ran it.",
		 history_options, &app->opts, argc, argv);
	while ((opt = cli_next(&c)) > 0) {
		if (opt == O_FORMAT)
			format = c.arg;
		else if (opt == O_LIMIT && (limit = parse_int64(c.arg)) < 1) {
			log_error("invalid --limit \"%s\"", c.arg);
			opt = CLI_ERROR;
			break;
		}
	}
	opt = cli_check_format(opt, format);
	rc = cli_done(&c, opt, 0);
	cli_release(&c);
	if (rc >= 0)
		return rc;
	rc = session_open(&s, app, 0);
	if (rc != EXIT_OK)
		goto done;
	if (!s.h.exists) {
		if (!strcmp(format, "json"))
			printf("{\"entries\": []}\n");
		else
			printf("no history yet: %s does not exist\n", shown_text(s.h.display));
		goto done;
	}
	snprintf(lim, sizeof(lim), "%lld", (long long)(limit ? limit : INT64_MAX));
	sql = xasprintf("SELECT * FROM (SELECT id, run_id, version, name, direction, "
			"to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
			"to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
			"outcome, sqlstate, message, retries, db_user, os_user, note, %s "
			"FROM %s ORDER BY id DESC LIMIT $1) t ORDER BY id",
			/* a log table from before these columns: a read-only command adds nothing */
			s.h.log_current ? "backup_path, wal_lsn::text, to_char(server_time AT TIME ZONE "
					  "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), blockers::text"
					: "NULL, NULL, NULL, NULL",
			s.h.qlog);
	res = db_exec(&s.db, sql, 1, params);
	if (!res) {
		rc = EXIT_FAILED;
		goto done;
	}
	if (!strcmp(format, "json"))
		print_json(res);
	else
		print_text(res);
done:
	PQclear(res);
	free(sql);
	session_close(&s);
	return rc;
}
