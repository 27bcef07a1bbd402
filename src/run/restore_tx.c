/* restore_tx.c - pg_restore's SQL run by psql in one transaction, the
 * dependents of the replaced relations dropped and recreated around it (see
 * restore_tx.h) */
#include "run/restore_tx.h"
#include "run/backup.h"
#include "base/proc.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *restore_psql_program(const struct config *cfg)
{
	const char *pr = backup_program(cfg, 1), *slash = strrchr(pr, '/');

	return slash ? xasprintf("%.*s/psql", (int)(slash - pr), pr) : xstrdup("psql");
}

/*
 * The relations the archive replaces: its list has a line "ID; OID OID TABLE
 * schema name owner" (or VIEW, MATERIALIZED VIEW, FOREIGN TABLE) for each;
 * the schema and name, unquoted, are matched against the catalog. A name the
 * match misses (an owner name with a space) only makes the restore fail whole:
 * pg_restore cannot drop what still has dependents.
 */
static const char rep_cte[] =
	"WITH RECURSIVE entry AS ("
	"  SELECT regexp_replace(e, '^(TABLE|VIEW|MATERIALIZED VIEW|FOREIGN TABLE) ', '') AS name FROM ("
	"    SELECT regexp_replace(regexp_replace(l, '^[0-9]+; [0-9]+ [0-9]+ ', ''), ' [^ ]*$', '') AS e"
	"    FROM regexp_split_to_table($1, E'\\n') l WHERE l ~ '^[0-9]+; [0-9]+ [0-9]+ ') x"
	"  WHERE e ~ '^(TABLE|VIEW|MATERIALIZED VIEW|FOREIGN TABLE) '"
	"  AND e !~ '^(TABLE DATA|MATERIALIZED VIEW DATA) '"
	"), rep AS ("
	"  SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	"  JOIN entry ON entry.name = n.nspname || ' ' || c.relname"
	"  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')"
	/* what depends on them from outside the archive: views, recursively */
	"), dep(oid, depth) AS ("
	"  SELECT w.ev_class, 1 FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid"
	"  WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass"
	"  AND d.refobjid IN (SELECT oid FROM rep) AND w.ev_class <> d.refobjid"
	"  UNION ALL"
	"  SELECT w.ev_class, dep.depth + 1 FROM dep JOIN pg_depend d ON d.refobjid = dep.oid"
	"  AND d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass"
	"  JOIN pg_rewrite w ON w.oid = d.objid WHERE w.ev_class <> dep.oid"
	") ";

/*
 * One row per dependent: kind, name, drop, create (NULL: not recreated, the
 * archive's table replaces it), in drop order (deepest views first).
 */
static const char deps_sql[] =
	"SELECT kind, name, drop_sql, create_sql FROM ("
	" SELECT CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END AS kind,"
	"  format('%I.%I', n.nspname, c.relname) AS name, max(dep.depth) AS depth,"
	"  format('DROP %s %I.%I;', k.word, n.nspname, c.relname) AS drop_sql,"
	"  format('CREATE %s %I.%I%s AS %s%s;', k.word, n.nspname, c.relname,"
	"   CASE WHEN c.reloptions IS NOT NULL THEN ' WITH (' || array_to_string(c.reloptions, ', ') || ')' ELSE '' END,"
	"   rtrim(pg_get_viewdef(c.oid), E'; \\n'),"
	"   CASE WHEN c.relkind = 'm' AND NOT c.relispopulated THEN ' WITH NO DATA' ELSE '' END)"
	"  || CASE WHEN c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)"
	"   THEN format(E'\\nALTER %s %I.%I OWNER TO %I;', k.word, n.nspname, c.relname,"
	"    pg_get_userbyid(c.relowner)) ELSE '' END"
	"  || coalesce((SELECT string_agg(format(E'\\nGRANT %s ON %I.%I TO %s%s;', a.privilege_type,"
	"    n.nspname, c.relname, CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,"
	"    CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END), '')"
	"   FROM aclexplode(c.relacl) a WHERE a.grantee <> c.relowner), '')"
	"  || CASE WHEN obj_description(c.oid, 'pg_class') IS NOT NULL THEN format(E'\\nCOMMENT ON %s %I.%I IS %L;',"
	"   k.word, n.nspname, c.relname, obj_description(c.oid, 'pg_class')) ELSE '' END"
	"  || coalesce((SELECT string_agg(E'\\n' || pg_get_indexdef(i.indexrelid) || ';', '')"
	"   FROM pg_index i WHERE i.indrelid = c.oid), '')"
	"  || coalesce((SELECT string_agg(E'\\n' || pg_get_triggerdef(t.oid) || ';', '')"
	"   FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal), '')"
	"  || coalesce((SELECT string_agg(E'\\n' || pg_get_ruledef(r.oid), '')"
	"   FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN'), '') AS create_sql"
	" FROM dep JOIN pg_class c ON c.oid = dep.oid JOIN pg_namespace n ON n.oid = c.relnamespace,"
	"  LATERAL (SELECT CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END) k(word)"
	" WHERE dep.oid NOT IN (SELECT oid FROM rep)"
	" GROUP BY c.oid, n.nspname, k.word"
	" UNION ALL"
	" SELECT 'foreign key', format('%I on %I.%I', con.conname, n.nspname, t.relname), 0,"
	"  format('ALTER TABLE %I.%I DROP CONSTRAINT %I;', n.nspname, t.relname, con.conname),"
	"  CASE WHEN con.conrelid IN (SELECT oid FROM rep) THEN NULL"
	"   ELSE format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s;', n.nspname, t.relname, con.conname,"
	"    pg_get_constraintdef(con.oid)) END"
	" FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid"
	"  JOIN pg_namespace n ON n.oid = t.relnamespace"
	" WHERE con.contype = 'f' AND con.conparentid = 0 AND con.confrelid IN (SELECT oid FROM rep)"
	") x ORDER BY depth DESC, name";

/* The indexes of the replaced tables now: name, table, definition. */
static const char indexes_sql[] =
	"SELECT format('%I.%I', n.nspname, ic.relname), format('%I.%I', tn.nspname, tc.relname),"
	" pg_get_indexdef(i.indexrelid) FROM pg_index i"
	" JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace"
	" JOIN pg_class tc ON tc.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace"
	" WHERE i.indrelid IN (SELECT oid FROM rep) ORDER BY 1";

/* Run one of the queries above with search_path '' (names come out qualified). */
static PGresult *catalog_query(struct db *db, const char *body, const char *list)
{
	char *sql = xasprintf("%s%s", rep_cte, body);
	PGresult *b = db_exec(db, "BEGIN", 0, NULL), *sp, *res = NULL;

	sp = b ? db_exec(db, "SELECT pg_catalog.set_config('search_path', '', true)", 0, NULL) : NULL;
	if (sp)
		res = db_exec(db, sql, 1, &list);
	if (b)
		PQclear(db_exec(db, res ? "COMMIT" : "ROLLBACK", 0, NULL));
	PQclear(b);
	PQclear(sp);
	free(sql);
	return res;
}

static int write_all(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t w = write(fd, s, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The prelude (drops) and the epilogue (creates) of the script, from deps. */
static void build_script(PGresult *deps, struct strbuf *pre, struct strbuf *post)
{
	int i, n = PQntuples(deps);

	strbuf_addstr(pre, "SELECT pg_catalog.set_config('search_path', '', false);\n");
	strbuf_addstr(post, "\nSELECT pg_catalog.set_config('search_path', '', false);\n");
	for (i = 0; i < n; i++)
		strbuf_addf(pre, "%s\n", PQgetvalue(deps, i, 2));
	/* recreated in the reverse order: foreign keys, then views, shallowest first */
	for (i = n - 1; i >= 0; i--) {
		if (PQgetisnull(deps, i, 3))
			continue;
		/* psql prints it: on failure the last one names what could not be recreated */
		strbuf_addf(post, "\\echo 'migrate: recreating %s %s'\n%s\n", PQgetvalue(deps, i, 0),
			    PQgetvalue(deps, i, 1), PQgetvalue(deps, i, 3));
	}
}

/* The last "migrate: recreating ..." line psql printed, or NULL. */
static const char *last_recreating(const char *out)
{
	const char *p = out, *last = NULL;

	while ((p = strstr(p, "migrate: recreating "))) {
		last = p + strlen("migrate: recreating ");
		p++;
	}
	return last;
}

/*
 * The script file: created in dir, unlinked at once (nothing is left behind
 * when migrate is killed), read by psql through /dev/fd. -1 (printed).
 */
static int script_file(const char *dir)
{
	char *path = xasprintf("%s/.restore-%ld.sql", dir, (long)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);

	if (fd < 0)
		log_error("could not create \"%s\" for the restore's SQL: %s", shown(path),
			  strerror(errno));
	else
		unlink(path);
	free(path);
	return fd;
}

/* pg_restore -f - FILE appended to fd. EXIT_*. */
static int write_restore_sql(struct db *db, const struct config *cfg, const char *file, int fd)
{
	const char *program = backup_program(cfg, 1);
	const char *argv[] = { program, "--clean", "--if-exists", "--file=-", file, NULL };
	struct proc p = { argv, NULL, fd, NULL, NULL };
	struct strbuf err = STRBUF_INIT;
	int st = proc_run(&p, NULL, &err);

	if (st != 0) {
		log_error("%s failed (exit status %d): nothing was restored", program, st);
		print_child_stderr(db, &err);
	}
	strbuf_release(&err);
	return st == 0 ? EXIT_OK : EXIT_FAILED;
}

/* psql --single-transaction on the script in fd. EXIT_*. */
static int run_script(struct db *db, const struct config *cfg, int fd)
{
	char *psql = restore_psql_program(cfg), *conninfo = db_child_conninfo(db->conn, NULL);
	char *script = xasprintf("/dev/fd/%d", fd);
	const char *argv[] = { psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1",
			       "--single-transaction", "--dbname", conninfo, "--file", script, NULL };
	struct proc p = { argv, PQpass(db->conn), -1, NULL, NULL };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	int st = proc_run(&p, &out, &err), rc = EXIT_OK;

	if (st != 0) {
		const char *what = last_recreating(out.buf);

		if (st < 0)
			log_error("could not run \"%s\": %s", psql, strerror(errno));
		else if (what)
			log_error("could not recreate what depends on the restored tables: %.*s; "
				  "nothing was restored (it runs in one transaction)",
				  (int)strcspn(what, "\n"), what);
		else
			log_error("the restore failed (%s exit status %d): nothing was restored (it runs "
				  "in one transaction)", psql, st);
		print_child_stderr(db, &err);
		rc = PQstatus(db->conn) == CONNECTION_OK ? EXIT_FAILED : EXIT_CONNECT;
	}
	strbuf_release(&out);
	strbuf_release(&err);
	free(script);
	free(conninfo);
	free(psql);
	return rc;
}

/* The indexes of restored tables that are gone: the backup did not hold them. */
static void report_lost_indexes(struct db *db, PGresult *before)
{
	int i, n = 0;

	for (i = 0; i < PQntuples(before); i++) {
		const char *name = PQgetvalue(before, i, 0);
		PGresult *r = db_exec(db, "SELECT to_regclass($1) IS NULL", 1, &name);

		if (r && !strcmp(PQgetvalue(r, 0, 0), "t")) {
			log_warning("index %s on %s was not in the backup: the restored table has no such "
				    "index now", name, PQgetvalue(before, i, 1));
			log_detail("it was: %s", PQgetvalue(before, i, 2));
			n++;
		}
		PQclear(r);
	}
	if (n)
		log_hint("\"migrate up\" creates %s again if a pending migration does; or create %s "
			 "by hand (CONCURRENTLY)", n == 1 ? "it" : "them", n == 1 ? "it" : "them");
}

int restore_tx_run(struct db *db, const struct config *cfg, const char *file, const char *list)
{
	PGresult *deps = catalog_query(db, deps_sql, list), *idx = NULL;
	struct strbuf pre = STRBUF_INIT, post = STRBUF_INIT;
	int fd = -1, rc = EXIT_FAILED, i, nre = 0;

	if (!deps || !(idx = catalog_query(db, indexes_sql, list)))
		goto done;
	build_script(deps, &pre, &post);
	for (i = 0; i < PQntuples(deps); i++)
		if (!PQgetisnull(deps, i, 3)) {
			log_info("%s %s depends on a restored relation: dropped before and recreated "
				 "after, in the same transaction", PQgetvalue(deps, i, 0),
				 shown(PQgetvalue(deps, i, 1)));
			nre++;
		}
	if ((fd = script_file(backup_dir(cfg))) < 0)
		goto done;
	if (write_all(fd, pre.buf) < 0) {
		log_error("could not write the restore's SQL: %s", strerror(errno));
		goto done;
	}
	if ((rc = write_restore_sql(db, cfg, file, fd)) != EXIT_OK)
		goto done;
	rc = EXIT_FAILED;
	if (write_all(fd, post.buf) < 0) {
		log_error("could not write the restore's SQL: %s", strerror(errno));
		goto done;
	}
	log_info("restoring with %s --clean --if-exists, run by psql --single-transaction%s",
		 backup_program(cfg, 1), nre ? " with the dependents recreated" : "");
	if ((rc = run_script(db, cfg, fd)) == EXIT_OK)
		report_lost_indexes(db, idx);
done:
	if (!deps || (deps && !idx))
		rc = PQstatus(db->conn) == CONNECTION_OK ? EXIT_FAILED : EXIT_CONNECT;
	if (fd >= 0)
		close(fd);
	PQclear(deps);
	PQclear(idx);
	strbuf_release(&pre);
	strbuf_release(&post);
	return rc;
}
