/* replica.c - hold back while streaming replicas lag: a migration that rewrites
 * or backfills produces WAL faster than a replica may replay it, and readers of
 * the replica then see stale data for longer and longer */
#include "run/replica.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLL_MS 250
#define REPEAT_MS 30000

/* Shown unless errors only are asked for (a fleet's workers run one level quieter). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity < -1)
		return;
	fflush(stdout);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void format_ms(long ms, char *buf, size_t len)
{
	if (ms % 1000)
		snprintf(buf, len, "%.1fs", ms / 1000.0);
	else
		snprintf(buf, len, "%lds", ms / 1000);
}

int replica_wait(struct db *db, long max_lag_ms)
{
	static int warned_privilege;
	int64_t start = now_ms(), last_said = 0;
	int waited = 0;
	char limit[32];

	if (max_lag_ms <= 0)
		return 0;
	format_ms(max_lag_ms, limit, sizeof(limit));
	for (;;) {
		PGresult *res = db_exec(db,
			"SELECT coalesce(nullif(application_name, ''), 'walreceiver'), "
			"       coalesce(client_addr::text, 'local socket'), "
			"       coalesce((extract(epoch FROM replay_lag) * 1000)::bigint, 0), "
			"       state IS NULL "
			"FROM pg_stat_replication ORDER BY replay_lag DESC NULLS LAST", 0, NULL);
		int i, worst = -1;
		long worst_ms = 0;

		if (!res)
			return -1;
		for (i = 0; i < PQntuples(res); i++) {
			long ms = strtol(PQgetvalue(res, i, 2), NULL, 10);

			if (PQgetvalue(res, i, 3)[0] == 't' && !warned_privilege) {
				log_warning("cannot see the replay lag of replica \"%s\": reading "
					    "pg_stat_replication needs the pg_monitor role",
					    PQgetvalue(res, i, 0));
				warned_privilege = 1;
			}
			if (ms > max_lag_ms && ms > worst_ms) {
				worst = i;
				worst_ms = ms;
			}
		}
		if (worst < 0) {
			PQclear(res);
			if (waited)
				say("replicas caught up (replay lag within %s) after %.1fs", limit,
				    (now_ms() - start) / 1000.0);
			return 0;
		}
		if (!waited || now_ms() - last_said >= REPEAT_MS) {
			char lag[32];

			format_ms(worst_ms, lag, sizeof(lag));
			say("waiting: replica \"%s\" (%s) replays %s behind, more than "
			    "apply.max_replica_lag (%s)", PQgetvalue(res, worst, 0),
			    PQgetvalue(res, worst, 1), lag, limit);
			last_said = now_ms();
		}
		waited = 1;
		PQclear(res);
		sleep_ms(POLL_MS);
	}
}
