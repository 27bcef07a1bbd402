/* quiet.c - wait for a quiet moment before a strong lock */
#include "run/quiet.h"
#include "sql/locks.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#define POLL_MS 200

char *quiet_lock_tables(const struct db *db, const struct step *s, int stmt)
{
	json_t *arr = json_array();
	struct lock_effect eff[16];
	size_t i, k, n;
	char *out = NULL;

	for (i = 0; i < s->script.n; i++) {
		if (!s->script.stmts[i].node || (stmt >= 0 && (size_t)stmt != i))
			continue;
		n = locks_for_stmt(s->script.stmts[i].node, db->server_version / 10000, eff, 16);
		for (k = 0; k < n && k < 16; k++) {
			char *qn, *qs, *full;

			if ((eff[k].target != LOCK_ON_TABLE && eff[k].target != LOCK_ON_INDEX) ||
			    !lock_blocks_writes(eff[k].mode) || !eff[k].name)
				continue;
			qn = db_quote_ident(eff[k].name);
			qs = eff[k].schema ? db_quote_ident(eff[k].schema) : NULL;
			full = qs ? xasprintf("%s.%s", qs, qn) : xstrdup(qn);
			json_array_append_new(arr, json_string(full));
			free(full);
			free(qs);
			free(qn);
		}
	}
	if (json_array_size(arr))
		out = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return out;
}

/* The oldest such transaction: 1 (described into who), 0 none, -1 error. */
static int oldest_holder(struct db *db, const char *tables, long older_ms, char *who, size_t len)
{
	char ms[32];
	const char *params[2] = { tables, ms };
	PGresult *res;
	int n;

	snprintf(ms, sizeof(ms), "%ld", older_ms);
	res = db_exec(db,
		"SELECT a.pid, coalesce(nullif(a.application_name, ''), 'no application name'), "
		"       coalesce(a.state, ''), extract(epoch FROM now() - a.xact_start)::bigint "
		"  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
		" WHERE l.locktype = 'relation' AND a.pid <> pg_backend_pid() "
		"   AND l.relation IN (SELECT to_regclass(t) FROM json_array_elements_text($1::json) t) "
		"   AND now() - a.xact_start >= $2::bigint * interval '1 ms' "
		" ORDER BY a.xact_start LIMIT 1", 2, params);
	if (!res)
		return -1;
	n = PQntuples(res);
	if (n)
		snprintf(who, len, "pid %s (%s, %s, transaction open %ss)", PQgetvalue(res, 0, 0),
			 PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
	PQclear(res);
	return n > 0;
}

void quiet_wait(struct db *db, const struct config *cfg, const struct step *s)
{
	char *tables, who[512];
	int64_t t0 = now_ms();
	int r, said = 0;

	if (cfg->wait_quiet_ms <= 0 || db->proxied || !(tables = quiet_lock_tables(db, s, -1)))
		return;
	while ((r = oldest_holder(db, tables, cfg->wait_quiet_ms, who, sizeof(who))) > 0) {
		if (now_ms() - t0 >= cfg->wait_ms) {
			log_warning("%s: no quiet moment within apply.wait (%lds): %s still holds a lock; "
				    "going ahead under lock_timeout", s->version_str, cfg->wait_ms / 1000, who);
			break;
		}
		if (!said++)
			log_info("  %s: waiting for a quiet moment (--wait-quiet %ldms): %s holds a lock "
				 "on a table it locks", s->version_str, cfg->wait_quiet_ms, who);
		sleep_ms(POLL_MS);
	}
	if (r == 0 && said)
		log_info("  %s: quiet after %lld ms", shown(s->version_str), (long long)(now_ms() - t0));
	free(tables);
}
