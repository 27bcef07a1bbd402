/* baseline.c - migrate baseline VERSION: adopt an existing database by recording
 * every migration up to VERSION as applied without running it */
#include "cmd/applyopts.h"
#include "cmd/commands.h"
#include "pg/record.h"
#include "run/runner.h"
#include "run/session.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>

static const struct cli_option baseline_options[] = {
	{ AO_WAIT, 0, "wait", "DURATION", "wait this long for another run's lock (default 60s)" },
	CLI_END
};

int cmd_baseline(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct session s;
	struct runner r;
	struct apply_overrides ov = APPLY_OVERRIDES_INIT;
	struct record_row *rows = NULL;
	int64_t version = -1;
	size_t i, n = 0;
	int rc, opt;

	cli_init(&c, "baseline", "VERSION", "Record every migration up to and including VERSION as applied,\n"
		 "without running it: for a database whose schema already holds them (built by\n"
		 "hand or by another tool). Later migrations stay pending. Logged.",
		 baseline_options, &app->opts, argc, argv);
	while ((opt = cli_next(&c)) > 0)
		if (apply_option(&ov, opt, c.arg) < 0) {
			opt = CLI_ERROR;
			break;
		}
	if (opt == CLI_DONE && c.npositional == 0) {
		log_error("which version? \"migrate baseline VERSION\"");
		opt = CLI_ERROR;
	}
	if (opt == CLI_DONE && (version = parse_version_arg("VERSION", c.positional[0])) < 0)
		opt = CLI_ERROR;
	rc = apply_options_done(&c, opt, 1, app, &ov);
	if (rc >= 0)
		return rc;
	rc = session_open(&s, app, 0);
	if (rc != EXIT_OK)
		goto done;
	if (!migration_set_find(&s.set, version)) {
		log_error("no migration with version %lld in \"%s\"", (long long)version, shown(s.cfg->dir));
		log_hint("baseline records the migrations up to one of your files' versions");
		rc = EXIT_USAGE;
		goto done;
	}
	rows = xcalloc(s.set.n + 1, sizeof(*rows));
	for (i = 0; i < s.set.n && s.set.items[i].version <= version; i++)
		if (!history_find(&s.h, s.set.items[i].version)) {
			rows[n].version = s.set.items[i].version;
			rows[n].m = &s.set.items[i];
			n++;
		}
	if (n == 0) {
		if (log_verbosity >= 0)
			printf("nothing to do: every migration up to %lld is already recorded\n",
			       (long long)version);
		goto done;
	}
	rc = session_ensure_history(&s);
	if (rc != EXIT_OK)
		goto done;
	runner_init(&r, &s.db, &s.h, &s.set, s.cfg);
	if (record_begin(&s.db) < 0 ||
	    record_rows(&s.h, &s.db, r.run_id, rows, n, "baseline", "baselined", NULL) < 0 ||
	    db_command(&s.db, "COMMIT", 0, NULL) < 0) {
		record_rollback(&s.db);
		rc = PQstatus(s.db.conn) == CONNECTION_OK ? EXIT_FAILED : EXIT_CONNECT;
		goto done;
	}
	rc = session_unlock(&s);
	if (log_verbosity >= 0) {
		for (i = 0; i < n; i++)
			printf("recorded %s %s as applied (not run)\n", shown(rows[i].m->version_str),
			       shown(rows[i].m->name));
		printf("%zu migration%s up to %lld recorded without running them\n", n,
		       n == 1 ? "" : "s", (long long)version);
	}
done:
	free(rows);
	session_close(&s);
	return rc;
}
