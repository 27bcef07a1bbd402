/* restore.c - migrate restore FILE: the backup's source checked against the
 * database (--into to override), then pg_restore --clean --if-exists in one
 * transaction with its dependents (run/restore_tx.c), the last resort, after a
 * confirmation */
#include "cmd/applyopts.h"
#include "run/backup.h"
#include "run/backup_scope.h"
#include "run/restore_tx.h"
#include "cmd/commands.h"
#include "run/steps.h"
#include "base/proc.h"
#include "run/runner.h"
#include "run/session.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { O_YES = 1, O_INTO };

static const struct cli_option restore_options[] = {
	{ O_YES, 'y', "yes", NULL, "do not ask for confirmation (required when not on a terminal)" },
	{ O_INTO, 0, "into", "DATABASE", "restore into DATABASE (the one connected to) although the "
	  "backup was taken of another, or its source is unknown" },
	BACKUP_CLI_OPTION,
	{ AO_WAIT, 0, "wait", "DURATION", "wait this long for another run's lock (default 60s)" },
	CLI_END
};

/* The user's relations but our audit log (never in a backup): "oid schema.name" per row. */
static PGresult *user_relations(struct session *s)
{
	char *logname = xasprintf("%s_log", s->h.table);
	const char *params[2] = { s->h.schema, logname };
	PGresult *res = db_exec(&s->db,
		"SELECT c.oid::text, format('%I.%I', n.nspname, c.relname) FROM pg_class c "
		"JOIN pg_namespace n ON n.oid = c.relnamespace "
		"WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN "
		"('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)' "
		"AND NOT (n.nspname = $1 AND c.relname = $2) ORDER BY 2", 2, params);

	free(logname);
	return res;
}

/*
 * pg_restore --clean only replaces what the backup holds: relations created
 * after it (same OID before and after) stay. Name them.
 */
static void report_survivors(struct session *s, PGresult *before)
{
	PGresult *after = user_relations(s);
	struct strbuf names = STRBUF_INIT;
	int i, k, n = 0;

	if (!after)
		goto done;
	for (i = 0; i < PQntuples(after); i++) {
		for (k = 0; k < PQntuples(before); k++)
			if (!strcmp(PQgetvalue(before, k, 0), PQgetvalue(after, i, 0)))
				break;
		if (k == PQntuples(before))
			continue; /* recreated by the restore */
		strbuf_addf(&names, "%s%s", n ? ", " : "", PQgetvalue(after, i, 1));
		n++;
	}
	if (n) {
		log_warning("%d relation%s not in the backup %s left as %s: %s", n, n == 1 ? " was" : "s were",
			    n == 1 ? "and is" : "and are", n == 1 ? "it is" : "they are", names.buf);
		log_hint("they were probably created after the backup was taken; drop them by hand if "
			 "\"migrate up\" is to create them again");
	}
done:
	PQclear(after);
	strbuf_release(&names);
}

/* On a terminal: the user types the database name. 1 when confirmed. */
static int confirm(const char *database, const char *file)
{
	char line[512];
	size_t len;

	fprintf(stderr, "restore database \"%s\" from \"%s\"?\n"
		"every object the backup holds goes back to its state when the backup was taken:\n"
		"changes made to them since are lost; this is the last resort (\"migrate down\"\n"
		"reverts migrations one by one)\n"
		"type the database name to confirm: ", shown(database), shown(file));
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	len = strlen(line);
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	return !strcmp(line, database);
}

/* pg_restore -l FILE: is it an archive pg_restore can read? Its list into list. */
static int check_archive(struct session *s, const char *program, const char *file,
			 struct strbuf *list)
{
	const char *argv[] = { program, "--list", file, NULL };
	struct proc p = { argv, NULL, -1, NULL, NULL };
	struct strbuf err = STRBUF_INIT;
	char *msg;
	int st = proc_run(&p, list, &err);

	if (st == 0) {
		strbuf_release(&err);
		return 0;
	}
	msg = db_scrub(&s->db, err.buf);
	strtok(msg, "\n");
	log_error("\"%s\" is not a backup pg_restore can read: %s", shown(file), *msg ? msg : "unknown error");
	free(msg);
	strbuf_release(&err);
	return -1;
}

/*
 * The backup's recorded source (its sidecar) must be the database connected
 * to, unless --into names that database. 0, or -1 (printed: exit 2).
 */
static int check_source(struct session *s, const char *file, const char *into, char **tables,
			char **schema)
{
	struct backup_meta meta;
	struct backup_source here;
	const char *why = NULL, *db = PQdb(s->db.conn);
	int has = backup_meta_read(file, &meta, &why) == 0, rc = 0;
	char *src = has ? backup_source_text(&meta.src) : NULL, *dst;

	backup_source_of(&here, s->db.conn, NULL);
	dst = backup_source_text(&here);
	if (into && strcmp(into, db)) {
		log_error("--into names database \"%s\", but the connection is to \"%s\": nothing "
			  "was restored", shown(into), shown(db));
		log_hint("--into must name the database being restored into (%s)", dst);
		rc = -1;
	} else if (!has && !into) {
		log_error("the source of backup \"%s\" is unknown: %s", shown(file), why);
		log_hint("if it is a backup of this database (%s), say so with --into %s", dst, db);
		rc = -1;
	} else if (has && !into && (strcmp(meta.src.host, here.host) || strcmp(meta.src.port, here.port) ||
				    strcmp(meta.src.database, here.database))) {
		log_error("backup \"%s\" was taken of %s, not of %s (the database connected to): "
			  "nothing was restored", shown(file), shown_text(src), shown_text(dst));
		log_hint("to put it into this database all the same: --into %s", db);
		rc = -1;
	} else if (into && (!has || strcmp(meta.src.database, db))) {
		log_info("restoring a backup of %s into %s (--into)", src ? src : "an unknown source", dst);
	}
	if (rc == 0 && has && meta.tables)
		*tables = xstrdup(meta.tables);
	if (rc == 0 && has && meta.src.schema)
		*schema = xstrdup(meta.src.schema);
	free(src);
	free(dst);
	backup_source_release(&here);
	if (has)
		backup_meta_release(&meta);
	return rc;
}

static void log_restore(struct session *s, const char *run_id, const char *file,
			const struct backup_mark *bm, const char *outcome, const char *message)
{
	struct log_entry le = { 0 };
	struct log_marker lm = { file, bm->wal_lsn, bm->server_time };

	le.run_id = run_id;
	le.versionless = 1;
	le.name = "restore";
	le.direction = "restore";
	le.outcome = outcome;
	le.message = message;
	history_log_marker(&s->h, &s->db, &le, &lm);
}

/* pg_restore and psql run and can handle the server; the archive is readable. EXIT_*. */
static int check_programs(struct session *s, const char *file, struct strbuf *list)
{
	char *psql = restore_psql_program(s->cfg);
	int rc = backup_check_program(&s->db, backup_program(s->cfg, 1));

	if (rc == EXIT_OK)
		rc = backup_check_program(&s->db, psql);
	free(psql);
	if (rc == EXIT_OK && check_archive(s, backup_program(s->cfg, 1), file, list) < 0)
		rc = EXIT_USAGE;
	return rc;
}

static int restore(struct session *s, const char *file, int yes, const char *into)
{
	struct backup_name bn;
	struct backup_mark bm = { NULL, NULL, NULL };
	struct strbuf list = STRBUF_INIT;
	struct runner r;
	PGresult *before = NULL;
	char *msg = NULL, *tables = NULL, *schema = NULL;
	int rc;

	if ((rc = check_programs(s, file, &list)) != EXIT_OK)
		goto done;
	rc = EXIT_USAGE;
	if (check_source(s, file, into, &tables, &schema) < 0)
		goto done;
	rc = EXIT_FAILED;
	if (!yes && !confirm(PQdb(s->db.conn), file)) {
		log_error("not confirmed: nothing was restored");
		goto done;
	}
	if (!(before = user_relations(s)))
		goto done;
	if (!tables)
		tables = backup_scope_of_file(s, file);
	runner_init(&r, &s->db, &s->h, &s->set, s->cfg);
	/*
	 * the state being replaced is backed up too: a restore can be undone; it
	 * prunes nothing (backup.keep), as the file being restored may be the oldest
	 */
	s->cfg->backup_keep = 0;
	rc = backup_before_change(s, r.run_id, "restore", steps_latest(&s->h),
				  backup_name_parse(strrchr(file, '/') ? strrchr(file, '/') + 1 : file,
						    &bn) == 0 ? bn.from : 0, &bm);
	backup_name_release(&bn);
	if (rc != EXIT_OK)
		goto done;
	rc = restore_tx_run(&s->db, s->cfg, file, list.buf);
	if (rc != EXIT_OK) {
		if (PQstatus(s->db.conn) == CONNECTION_OK)
			log_restore(s, r.run_id, file, &bm, "failed", "restore failed: nothing restored");
		goto done;
	}
	/* the history table came back from the backup */
	if (history_inspect(&s->h, &s->db) < 0 || history_load(&s->h, &s->db) < 0 ||
	    session_ensure_history(s) != EXIT_OK) {
		rc = EXIT_FAILED;
		goto done;
	}
	/* a fleet tenant's backup brings back that schema's history, not the main one */
	msg = schema ? xasprintf("tenant schema \"%s\", its history with it", schema)
		     : xasprintf("history back at version %lld", (long long)steps_latest(&s->h));
	log_restore(s, r.run_id, file, &bm, "restored", msg);
	if (log_verbosity >= 0 && tables)
		printf("restored tables %s of database \"%s\" from %s: %s\n", shown_text(tables),
		       shown(PQdb(s->db.conn)), shown(file), msg);
	else if (log_verbosity >= 0)
		printf("restored database \"%s\" from %s: %s\n", shown(PQdb(s->db.conn)), shown(file), msg);

	/* a backup of some tables says nothing of the others */
	if (!tables)
		report_survivors(s, before);
	rc = session_unlock(s);
done:
	PQclear(before);
	free(tables);
	free(schema);
	free(msg);
	strbuf_release(&list);
	backup_mark_release(&bm);
	return rc;
}

int cmd_restore(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct session s;
	struct apply_overrides ov = APPLY_OVERRIDES_INIT;
	struct stat st;
	int yes = 0, rc, opt;
	char *file = NULL, *into = NULL;

	cli_init(&c, "restore", "FILE", "Restore a backup taken by migrate (\"migrate backups\" lists them)\n"
		 "with pg_restore --clean --if-exists in one transaction: the objects it holds go\n"
		 "back to their state when it was taken, history included; the audit log is kept.\n"
		 "Foreign keys and views added since on its tables are dropped and recreated.\n"
		 "Refuses a backup of another database (its sidecar says) unless --into names this one.\n"
		 "The last resort: asks for confirmation on a terminal, needs --yes elsewhere.\n"
		 "The current state is backed up first.", restore_options, &app->opts, argc, argv);
	while ((opt = cli_next(&c)) > 0) {
		if (apply_option(&ov, opt, c.arg) < 0) {
			opt = CLI_ERROR;
			break;
		}
		if (opt == O_YES)
			yes = 1;
		if (opt == O_INTO) {
			free(into);
			into = xstrdup(c.arg);
		}
	}
	if (opt == CLI_DONE && c.npositional == 0) {
		log_error("which backup? \"migrate restore FILE\" (\"migrate backups\" lists them)");
		opt = CLI_ERROR;
	}
	if (opt == CLI_DONE)
		file = xstrdup(c.positional[0]);
	rc = cli_done(&c, opt, 1);
	cli_release(&c);
	if (rc >= 0) {
		free(file);
		free(into);
		return rc;
	}
	memset(&st, 0, sizeof(st));
	errno = 0;
	if (stat(file, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_error("could not open backup \"%s\": %s", shown(file), S_ISDIR(st.st_mode) ?
			  "it is a directory" : errno ? strerror(errno) : "not a regular file");
		free(file);
		free(into);
		return EXIT_USAGE;
	}
	if (!yes && !isatty(0)) {
		log_error("restoring replaces the database's objects: pass --yes to confirm "
			  "(there is no terminal to ask on)");
		free(file);
		free(into);
		return EXIT_USAGE;
	}
	if (apply_config(app, &ov) < 0) {
		free(file);
		free(into);
		return EXIT_USAGE;
	}
	rc = session_open(&s, app, 0);
	if (rc == EXIT_OK)
		rc = restore(&s, file, yes, into);
	session_close(&s);
	free(file);
	free(into);
	return rc;
}
