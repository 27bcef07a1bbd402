/* backup.c - pg_dump -Fc before a change (mode 0600, named after the database,
 * the time and the versions), pruning, and the point-in-time marker in the log */
#include "run/backup.h"
#include "run/events.h"
#include "pg/history.h"
#include "base/proc.h"
#include "run/session.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* --- names ----------------------------------------------------------------- */

char *backup_name_make(const char *label, const char *hash, int64_t epoch_ms, int64_t from, int64_t to)
{
	char stamp[32];
	struct tm tm;
	time_t secs = (time_t)(epoch_ms / 1000);

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	return xasprintf("%s%s%s-%s.%03dZ-%lld-to-%lld.dump", label, hash && *hash ? "-" : "",
			 hash ? hash : "", stamp, (int)(epoch_ms % 1000), (long long)from, (long long)to);
}

/* "-" and 10 lowercase hex digits right before end: the target's hash. */
static int hash_before(const char *begin, const char *end)
{
	const char *p;

	if (end - begin < 12 || end[-11] != '-')
		return 0;
	for (p = end - 10; p < end; p++)
		if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
			return 0;
	return 1;
}

/* The digits ending at end (exclusive), going back; start of them or NULL. */
static const char *digits_before(const char *begin, const char *end)
{
	const char *p = end;

	while (p > begin && isdigit((unsigned char)p[-1]))
		p--;
	return p < end && end - p <= 18 ? p : NULL;
}

int backup_name_parse(const char *fname, struct backup_name *out)
{
	size_t len = strlen(fname), i;
	const char *end, *to, *from, *stamp;

	memset(out, 0, sizeof(*out));
	if (len < 5 || strcmp(fname + len - 5, ".dump"))
		return -1;
	end = fname + len - 5;
	if (!(to = digits_before(fname, end)) || to - fname < 4 || strncmp(to - 4, "-to-", 4))
		return -1;
	if (!(from = digits_before(fname, to - 4)) || from - fname < 1 || from[-1] != '-')
		return -1;
	/* 20261121T143000.123Z */
	stamp = from - 1 - 20;
	if (stamp - fname < 2 || stamp[-1] != '-')
		return -1;
	for (i = 0; i < 20; i++) {
		char c = stamp[i];
		if (i == 8 ? c != 'T' : i == 15 ? c != '.' : i == 19 ? c != 'Z' : !isdigit((unsigned char)c))
			return -1;
	}
	memcpy(out->stamp, stamp, 20);
	out->stamp[20] = '\0';
	out->from = strtoll(from, NULL, 10);
	out->to = strtoll(to, NULL, 10);
	if (hash_before(fname, stamp - 1)) {
		memcpy(out->hash, stamp - 11, 10);
		out->database = xstrndup(fname, (size_t)(stamp - 12 - fname));
	} else {
		out->database = xstrndup(fname, (size_t)(stamp - 1 - fname));
	}
	return 0;
}

void backup_name_release(struct backup_name *n)
{
	free(n->database);
	n->database = NULL;
}

/* --- the directory ---------------------------------------------------------- */

const char *backup_dir(const struct config *cfg)
{
	return cfg->backup_dir && *cfg->backup_dir ? cfg->backup_dir : "backups";
}

const char *backup_program(const struct config *cfg, int restore)
{
	const char *p = restore ? cfg->pg_restore : cfg->pg_dump;

	return p && *p ? p : restore ? "pg_restore" : "pg_dump";
}

static int cmp_entry_newest_first(const void *a, const void *b)
{
	const struct backup_entry *x = a, *y = b;
	int c = strcmp(y->name.stamp, x->name.stamp);

	return c ? c : strcmp(y->file, x->file);
}

int backup_list(const char *dir, struct backup_entry **out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct backup_entry *e = NULL;
	size_t alloc = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d))) {
		struct backup_name bn;
		struct stat st;
		char *path;

		if (de->d_name[0] == '.' || backup_name_parse(de->d_name, &bn) < 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(path);
			backup_name_release(&bn);
			continue;
		}
		ALLOC_GROW(e, *n + 1, alloc);
		e[*n].path = path;
		e[*n].file = xstrdup(de->d_name);
		e[*n].name = bn;
		e[*n].size = (long long)st.st_size;
		e[*n].no_meta_why = NULL;
		e[*n].has_meta = backup_meta_read(path, &e[*n].meta, &e[*n].no_meta_why) == 0;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(e, *n, sizeof(*e), cmp_entry_newest_first);
	*out = e;
	return 0;
}

void backup_list_free(struct backup_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(e[i].path);
		free(e[i].file);
		backup_name_release(&e[i].name);
		backup_meta_release(&e[i].meta);
	}
	free(e);
}

const char *human_size(long long bytes, char buf[32])
{
	if (bytes < 1024)
		snprintf(buf, 32, "%lld B", bytes);
	else if (bytes < 1024 * 1024)
		snprintf(buf, 32, "%.1f kB", bytes / 1024.0);
	else if (bytes < 1024LL * 1024 * 1024)
		snprintf(buf, 32, "%.1f MB", bytes / (1024.0 * 1024));
	else
		snprintf(buf, 32, "%.2f GB", bytes / (1024.0 * 1024 * 1024));
	return buf;
}

static int mkdir_p(const char *dir)
{
	char *p = xstrdup(dir), *q;
	int rc = 0;

	for (q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*q = '/';
	}
	if (rc == 0 && mkdir(p, 0700) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* Remove partial files that a killed run of ours left ("." name ".partial-" pid). */
static void remove_stale_partials(const char *dir, const char *db)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t ldb = strlen(db);

	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *tag = strstr(de->d_name, ".partial-");
		long pid;
		char *path;

		if (de->d_name[0] != '.' || strncmp(de->d_name + 1, db, ldb) ||
		    de->d_name[1 + ldb] != '-' || !tag)
			continue;
		pid = strtol(tag + 9, NULL, 10);
		if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (unlink(path) == 0)
			log_info("removed %s, left by a backup that did not finish", shown(path));
		free(path);
	}
	closedir(d);
}

/*
 * Keep the newest keep backups of src: only files whose sidecar records that
 * very target, and whose name carries its hash, are counted and removed
 * (never one without a sidecar, whatever its name says).
 */
static void prune(const char *dir, const struct backup_source *src, int keep)
{
	struct backup_entry *e;
	size_t n, i;
	int seen = 0;
	char hash[11];

	if (keep <= 0 || backup_list(dir, &e, &n) < 0)
		return;
	backup_source_hash(src, hash);
	for (i = 0; i < n; i++) {
		char *meta;

		if (!e[i].has_meta || !backup_source_same(&e[i].meta.src, src) ||
		    strcmp(e[i].name.hash, hash) || ++seen <= keep)
			continue;
		meta = backup_meta_path(e[i].path);
		if (unlink(e[i].path) == 0) {
			log_info("removed old backup %s (backup.keep: %d)", shown(e[i].path), keep);
			unlink(meta);
		} else {
			log_warning("could not remove old backup \"%s\": %s", shown(e[i].path),
				    strerror(errno));
		}
		free(meta);
	}
	backup_list_free(e, n);
}

/* --- programs ---------------------------------------------------------------- */

int pg_program_major(const char *text)
{
	const char *p = text;
	long a, b = 0;
	char *end;

	while (*p && !isdigit((unsigned char)*p))
		p++;
	if (!*p)
		return -1;
	a = strtol(p, &end, 10);
	if (*end == '.' && isdigit((unsigned char)end[1]))
		b = strtol(end + 1, NULL, 10);
	if (a <= 0 || a > 99)
		return -1;
	return a >= 10 ? (int)a * 10000 : (int)(a * 10000 + b * 100);
}

int pg_server_major(int v)
{
	return v >= 100000 ? v / 10000 * 10000 : v / 100 * 100;
}

const char *pg_major_text(int major, char buf[16])
{
	if (major >= 100000)
		snprintf(buf, 16, "%d", major / 10000);
	else
		snprintf(buf, 16, "%d.%d", major / 10000, major / 100 % 100);
	return buf;
}

void print_child_stderr(const struct db *db, const struct strbuf *err)
{
	char *s = db_scrub(db, err->buf), *line, *save = NULL;
	int n = 0;

	for (line = strtok_r(s, "\n", &save); line && n < 30; line = strtok_r(NULL, "\n", &save), n++)
		log_detail("%s", line);
	free(s);
}

int backup_check_program(const struct db *db, const char *program)
{
	const char *argv[] = { program, "--version", NULL };
	struct proc p = { argv, NULL, -1, NULL, NULL };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	int st = proc_run(&p, &out, &err), major, smajor = pg_server_major(db->server_version);
	char a[16], b[16];

	if (st < 0) {
		log_error("could not run \"%s\": %s", program, strerror(errno));
		log_hint("install the PostgreSQL client programs (for example the Debian package "
			 "postgresql-client-%s) or name the program with backup.%s in migrate.yml",
			 pg_major_text(smajor, a), strstr(program, "psql") ? "pg_restore (psql is taken "
			 "from its directory)" : strstr(program, "restore") ? "pg_restore" : "pg_dump");
		goto fail;
	}
	if (st != 0 || (major = pg_program_major(out.buf)) < 0) {
		log_error("\"%s --version\" failed (exit status %d)", program, st);
		print_child_stderr(db, &err);
		goto fail;
	}
	if (major < smajor) {
		strbuf_rtrim(&out);
		log_error("%s is version %s, older than the server (%s): it cannot %s it",
			  program, pg_major_text(major, a), pg_major_text(smajor, b),
			  strstr(program, "pg_dump") ? "dump" : "restore to");
		log_detail("\"%s --version\" says: %s", program, out.buf);
		log_hint("install the client programs of PostgreSQL %s or newer and name them with "
			 "backup.pg_dump and backup.pg_restore in migrate.yml", b);
		goto fail;
	}
	strbuf_release(&out);
	strbuf_release(&err);
	return EXIT_OK;
fail:
	strbuf_release(&out);
	strbuf_release(&err);
	return EXIT_FAILED;
}

/* --- taking the backup --------------------------------------------------------- */

struct progress {
	int fd;
	int64_t start;
	int shown;
	const char *database;
};

/* On a terminal, after a second: how much has been written so far. */
static void show_progress(void *ud)
{
	struct progress *pr = ud;
	struct stat st;
	char sz[32];
	int64_t el = now_ms() - pr->start;

	if (el < 1000 || log_verbosity < 0 || !isatty(2) || fstat(pr->fd, &st) < 0)
		return;
	fprintf(stderr, "\rbacking up database \"%s\": %s written, %llds ", shown(pr->database),
		human_size((long long)st.st_size, sz), (long long)(el / 1000));
	fflush(stderr);
	pr->shown = 1;
}

/* Open a new file for the backup; *final gets its name. -1 (printed) on error. */
static int open_backup_file(const char *dir, const char *label, const char *hash, int64_t from,
			    int64_t to, char **final, char **partial)
{
	int fd, tries;

	for (tries = 0;; tries++) {
		struct timespec ts;
		char *name;

		clock_gettime(CLOCK_REALTIME, &ts);
		name = backup_name_make(label, hash, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
					from, to);
		*final = xasprintf("%s/%s", dir, name);
		*partial = xasprintf("%s/.%s.partial-%ld", dir, name, (long)getpid());
		free(name);
		if (access(*final, F_OK) < 0 || tries == 3)
			break;
		/* one backup a millisecond per name */
		free(*final);
		free(*partial);
		sleep_ms(2);
	}
	fd = open(*partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_error("could not create backup file \"%s\": %s", shown(*partial), strerror(errno));
		log_hint("backup.dir (\"%s\") must be a writable directory; --no-backup skips the "
			 "backup", dir);
		return -1;
	}
	return fd;
}

/* Sync, stat and close fd (always closed): 0, or -1 with the first failure's errno. */
static int finish_file(int fd, struct stat *st)
{
	int rc = fsync(fd) < 0 || fstat(fd, st) < 0 ? -1 : 0, e = errno;

	if (close(fd) < 0 && rc == 0)
		return -1;
	errno = e;
	return rc;
}

/*
 * pg_dump's selection: the tables (-t each) when tables is not NULL, else the
 * whole database but the audit log and the lock row, or a fleet's tenant
 * schema. argv gets pointers into args (owned there).
 */
static void dump_selection(struct session *s, const struct strlist *tables, struct strlist *args)
{
	char *qs = db_quote_ident(s->h.schema), *name, *ql;
	size_t i;

	if (tables) {
		for (i = 0; i < tables->n; i++) {
			strlist_add(args, "-t");
			strlist_add(args, tables->v[i]);
		}
		free(qs);
		return;
	}
	/* the audit log is not restored: it keeps the record of what came after */
	name = xasprintf("%s_log", s->h.table);
	ql = db_quote_ident(name);
	strlist_addf(args, "--exclude-table=%s.%s", qs, ql);
	free(ql);
	free(name);
	/* nor the runner's lock row (apply.lock: table): it belongs to this run */
	name = xasprintf("%s_lock", s->h.table);
	ql = db_quote_ident(name);
	strlist_addf(args, "--exclude-table=%s.%s", qs, ql);
	free(ql);
	free(name);
	/* a tenant schema of a fleet (up --all): that schema only, in a file of its own */
	if (s->cfg->search_path)
		strlist_addf(args, "--schema=%s", qs);
	free(qs);
}

/* Run pg_dump -Fc into fd (the selection of dump_selection); its exit status, *why on failure. */
static int run_pg_dump(struct session *s, const struct strlist *tables, int fd, const char *label,
		       char **why)
{
	const char *program = backup_program(s->cfg, 0);
	char *conninfo = db_child_conninfo(s->db.conn, NULL), lockwait[48];
	struct strlist args = { NULL, 0, 0 };
	struct strbuf err = STRBUF_INIT;
	struct progress pr = { fd, now_ms(), 0, label };
	struct proc p = { NULL, PQpass(s->db.conn), fd, show_progress, &pr };
	int status;

	snprintf(lockwait, sizeof(lockwait), "--lock-wait-timeout=%ld",
		 s->cfg->wait_ms > 0 ? s->cfg->wait_ms : 60000);
	strlist_add(&args, program);
	strlist_add(&args, "--format=custom");
	strlist_add(&args, "--no-password");
	strlist_add(&args, lockwait);
	strlist_add(&args, "--dbname");
	strlist_add(&args, conninfo);
	dump_selection(s, tables, &args);
	ALLOC_GROW(args.v, args.n + 1, args.alloc);
	args.v[args.n] = NULL; /* argv's end, not counted */
	p.argv = (const char *const *)args.v;
	status = proc_run(&p, NULL, &err);
	if (pr.shown)
		fprintf(stderr, "\r%60s\r", "");
	if (status != 0) {
		char *scrubbed = db_scrub(&s->db, err.buf), *nl = strchr(scrubbed, '\n');

		if (status < 0)
			log_error("could not run \"%s\": %s", program, strerror(errno));
		else
			log_error("%s failed (exit status %d)", program, status);
		print_child_stderr(&s->db, &err);
		if (nl)
			*nl = '\0';
		*why = xasprintf("%s failed (exit status %d)%s%s", program, status, *scrubbed ? ": " : "",
				 scrubbed);
		free(scrubbed);
	}
	free(conninfo);
	strlist_release(&args);
	strbuf_release(&err);
	return status;
}

/*
 * pg_dump -Fc of the database (or of tables) of src into the backup directory;
 * EXIT_*; *path set on success.
 */
static int take_dump(struct session *s, const struct backup_source *src, int64_t from, int64_t to,
		     const struct strlist *tables, char **path, char **why)
{
	int rc_file;
	const struct config *cfg = s->cfg;
	const char *dir = backup_dir(cfg), *program = backup_program(cfg, 0);
	char *label = backup_source_label(src), *final = NULL, *partial = NULL, hash[11], sz[32];
	struct stat st;
	int fd = -1, rc = EXIT_FAILED;
	int64_t t0 = now_ms();

	if (backup_check_program(&s->db, program) != EXIT_OK) {
		*why = xasprintf("%s unusable", program);
		goto done;
	}
	if (mkdir_p(dir) < 0) {
		log_error("could not create backup directory \"%s\": %s", shown(dir), strerror(errno));
		log_hint("set backup.dir in migrate.yml to a writable directory; --no-backup skips "
			 "the backup");
		*why = xasprintf("backup directory not writable");
		goto done;
	}
	backup_source_hash(src, hash);
	/* by label: those of older names too (a partial whose writer is alive is never touched) */
	remove_stale_partials(dir, label);
	if ((fd = open_backup_file(dir, label, hash, from, to, &final, &partial)) < 0) {
		*why = xasprintf("backup file not writable");
		goto done;
	}
	if (run_pg_dump(s, tables, fd, label, why) != 0)
		goto done;
	rc_file = finish_file(fd, &st);
	fd = -1;
	if (rc_file < 0) {
		log_error("could not write backup file \"%s\": %s", shown(partial), strerror(errno));
		*why = xasprintf("backup file not written");
		goto done;
	}
	if (rename(partial, final) < 0) {
		log_error("could not rename \"%s\" to \"%s\": %s", shown(partial), shown(final), strerror(errno));
		*why = xasprintf("backup file not renamed");
		goto done;
	}
	{
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	if (log_verbosity >= 0)
		printf("backup: %s (%s, %lld ms%s%s)\n", shown(final), human_size((long long)st.st_size, sz),
		       (long long)(now_ms() - t0), tables ? "; tables: " : "",
		       tables ? shown_text(backup_tables_text(tables)) : "");
	fflush(stdout);
	*path = final;
	final = NULL;
	rc = EXIT_OK;
done:
	if (fd >= 0)
		close(fd);
	if (rc != EXIT_OK && partial)
		unlink(partial);
	free(final);
	free(partial);
	free(label);
	return rc;
}

static int lost_or_failed(struct session *s)
{
	if (PQstatus(s->db.conn) == CONNECTION_OK)
		return EXIT_FAILED;
	log_error("lost the connection to the server before the first migration: none of them ran");
	return EXIT_CONNECT;
}

/* The backup event: the file (null when skipped, and why) and the recovery point. */
static void backup_event(const struct backup_mark *m, const char *skipped_by)
{
	json_t *o;

	if (!events_on())
		return;
	o = json_object();
	json_object_set_new(o, "path", m->path ? json_string_or_null(m->path) : json_null());
	json_object_set_new(o, "skipped_by", !m->path && skipped_by ? json_string(skipped_by)
								     : json_null());
	json_object_set_new(o, "wal_lsn", json_string(m->wal_lsn));
	json_object_set_new(o, "server_time", json_string(m->server_time));
	events_emit("backup", o);
}

const char *backup_tables_text(const struct strlist *tables)
{
	static __thread char buf[512];
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < tables->n; i++) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? ", " : "", tables->v[i]);

		if (w < 0 || (size_t)w >= sizeof(buf) - len) {
			snprintf(buf + (len < sizeof(buf) - 16 ? len : sizeof(buf) - 16), 16, "%s...",
				 i ? ", " : "");
			break;
		}
		len += (size_t)w;
	}
	return buf;
}

int backup_before_change(struct session *s, const char *run_id, const char *what, int64_t from,
			 int64_t to, struct backup_mark *m)
{
	return backup_before_tables(s, run_id, what, from, to, NULL, m);
}

/*
 * Write the sidecar of the backup just taken (m->path), then prune the
 * target's older backups. -1 (printed, the backup file removed) when the
 * sidecar cannot be written: a backup without its source is not kept.
 */
static int record_backup(struct session *s, const struct backup_source *src, const char *run_id,
			 const struct strlist *tables, const struct backup_mark *m)
{
	const char *sv = PQparameterStatus(s->db.conn, "server_version");
	struct backup_meta meta;
	int rc;

	memset(&meta, 0, sizeof(meta));
	meta.src = *src;
	meta.server_version = (char *)(sv ? sv : "");
	meta.scope = (char *)(tables ? "tables" : src->schema ? "schema" : "database");
	meta.tables = tables ? (char *)backup_tables_text(tables) : NULL;
	meta.taken_at = m->server_time;
	meta.wal_lsn = m->wal_lsn;
	meta.run_id = (char *)run_id;
	rc = backup_meta_write(m->path, &meta);
	if (rc < 0) {
		log_error("could not write the sidecar of backup \"%s\": %s", m->path, strerror(errno));
		unlink(m->path);
		return -1;
	}
	prune(backup_dir(s->cfg), src, s->cfg->backup_keep);
	return 0;
}

int backup_before_tables(struct session *s, const char *run_id, const char *what, int64_t from,
			 int64_t to, const struct strlist *tables, struct backup_mark *m)
{
	struct backup_source src;
	struct log_entry le = { 0 };
	struct log_marker lm = { NULL, NULL, NULL };
	char *why = NULL, *msg = NULL;
	PGresult *res;
	int rc;

	memset(m, 0, sizeof(*m));
	events_run_start(what, run_id, s->db.display, from, to);
	/* the history tables first, so that the backup holds them (a restore resets history) */
	if (session_ensure_history(s) != EXIT_OK)
		return lost_or_failed(s);
	le.run_id = run_id;
	le.versionless = 1;
	le.name = what;
	le.direction = "backup";
	/* "; tables: ..." marks a backup of some tables (restore reads it) */
	msg = xasprintf("from version %lld to %lld%s%s", (long long)from, (long long)to,
			tables ? BACKUP_TABLES_MARK : "", tables ? backup_tables_text(tables) : "");
	le.message = msg;
	/* a tenant schema of a fleet (up --all): that schema only, in a file of its own */
	backup_source_of(&src, s->db.conn, s->cfg->search_path ? s->h.schema : NULL);
	if (s->cfg->backup_enabled) {
		rc = take_dump(s, &src, from, to, tables, &m->path, &why);
		if (rc != EXIT_OK) {
			log_error("stopped before any change: the backup failed");
			if (PQstatus(s->db.conn) == CONNECTION_OK) {
				le.outcome = "failed";
				le.message = why;
				history_log_marker(&s->h, &s->db, &le, &lm);
			}
			free(why);
			free(msg);
			backup_source_release(&src);
			return lost_or_failed(s);
		}
	} else {
		le.note = s->cfg->backup_skipped_by ? s->cfg->backup_skipped_by : "backup.enabled: false";
		if (log_verbosity >= 0)
			printf("backup: skipped (%s)\n", le.note);
	}
	/* the exact point before the first change, for point-in-time recovery */
	res = db_exec(&s->db, "SELECT pg_current_wal_lsn()::text, clock_timestamp()::text", 0, NULL);
	if (!res) {
		free(msg);
		backup_source_release(&src);
		return lost_or_failed(s);
	}
	m->wal_lsn = xstrdup(PQgetvalue(res, 0, 0));
	m->server_time = xstrdup(PQgetvalue(res, 0, 1));
	PQclear(res);
	if (m->path && record_backup(s, &src, run_id, tables, m) < 0) {
		log_error("stopped before any change: the backup failed");
		le.outcome = "failed";
		le.message = "backup sidecar not written";
		history_log_marker(&s->h, &s->db, &le, &lm);
		free(m->path);
		m->path = NULL;
		free(msg);
		backup_source_release(&src);
		return lost_or_failed(s);
	}
	backup_source_release(&src);
	lm.backup_path = m->path;
	lm.wal_lsn = m->wal_lsn;
	lm.server_time = m->server_time;
	le.outcome = m->path ? "taken" : "skipped";
	rc = history_log_marker(&s->h, &s->db, &le, &lm) < 0 ? lost_or_failed(s) : EXIT_OK;
	if (rc == EXIT_OK)
		log_debug("recovery point: WAL %s at %s", m->wal_lsn, m->server_time);
	backup_event(m, le.note);
	free(msg);
	return rc;
}

void backup_mark_release(struct backup_mark *m)
{
	free(m->path);
	free(m->wal_lsn);
	free(m->server_time);
	memset(m, 0, sizeof(*m));
}
