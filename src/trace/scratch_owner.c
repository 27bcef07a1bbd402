/* scratch_owner.c - who owns a scratch database, and dropping those whose owner is gone
 *
 * A scratch database is named migrate_rehearse_<host>_<pid>_<start>_<random>: <host>
 * hashes this host's identity (host name, machine id, pid namespace), <pid> and <start>
 * (the process's start time in clock ticks since boot) name the rehearse that made it.
 * Its COMMENT holds the identity itself and the boot id. A later rehearse drops one only
 * when all of these hold: the name has that exact form, the comment is migrate's, the
 * identity is this host's, the owner is gone (another boot, no such pid, or a pid started
 * at another time) and no session is connected to it. A rehearse killed with kill -9
 * leaves its database behind; this is how it goes away. */
#include "trace/scratch.h"
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COMMENT_TAG "migrate rehearse scratch database; "

/* This host and process, read once. */
struct owner {
	char identity[512]; /* "host NAME machine ID pidns NS" */
	char boot[64];
	unsigned hash;
	long pid;
	unsigned long long start;
};

/* The first line of a small file, trimmed; "" when it cannot be read. */
static void first_line(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");

	out[0] = 0;
	if (!f)
		return;
	if (!fgets(out, (int)size, f))
		out[0] = 0;
	fclose(f);
	out[strcspn(out, "\r\n")] = 0;
}

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot; 0 when
 * there is no such process (or no /proc: then 0 for everyone, and only the pid counts). */
static unsigned long long start_time(long pid, int *exists)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f) {
		/* no /proc at all: kill(pid, 0) still says whether it exists */
		*exists = access("/proc/self/stat", R_OK) == 0 ? 0 : (kill((pid_t)pid, 0) == 0 || errno == EPERM);
		return 0;
	}
	*exists = 1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	/* the command name (field 2) may hold spaces and parentheses: count after the last ')' */
	p = strrchr(buf, ')');
	for (field = 2; p && *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (p && field == 22)
		v = strtoull(p, NULL, 10);
	return v;
}

static const struct owner *self(void)
{
	static struct owner o;
	static int done;
	char host[256], machine[128], ns[128];
	ssize_t n;
	int exists;
	const unsigned char *c;

	if (done)
		return &o;
	done = 1;
	if (gethostname(host, sizeof(host)) < 0)
		host[0] = 0;
	host[sizeof(host) - 1] = 0;
	first_line("/etc/machine-id", machine, sizeof(machine));
	if (!machine[0])
		first_line("/var/lib/dbus/machine-id", machine, sizeof(machine));
	/* two containers on one kernel share the boot id, not the pid namespace */
	n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);
	ns[n > 0 ? n : 0] = 0;
	snprintf(o.identity, sizeof(o.identity), "host %s machine %s pidns %s", host,
		 machine[0] ? machine : "-", ns[0] ? ns : "-");
	first_line("/proc/sys/kernel/random/boot_id", o.boot, sizeof(o.boot));
	o.hash = 2166136261u; /* FNV-1a */
	for (c = (const unsigned char *)o.identity; *c; c++)
		o.hash = (o.hash ^ *c) * 16777619u;
	o.pid = (long)getpid();
	o.start = start_time(o.pid, &exists);
	return &o;
}

char *scratch_owner_name(const unsigned char rnd[4])
{
	const struct owner *o = self();

	return xasprintf("migrate_rehearse_%08x_%ld_%llu_%02x%02x%02x%02x", o->hash, o->pid, o->start,
			 rnd[0], rnd[1], rnd[2], rnd[3]);
}

char *scratch_owner_comment(void)
{
	const struct owner *o = self();

	return xasprintf(COMMENT_TAG "%s; boot %s", o->identity, o->boot[0] ? o->boot : "-");
}

/* Is the process pid, started at start (0: unknown), gone? NULL if not, else how. */
static const char *process_gone(long pid, unsigned long long start)
{
	int exists;
	unsigned long long now_start = start_time(pid, &exists);

	if (!exists)
		return "its process is gone";
	if (start && now_start != start)
		return "its process is gone (its pid is another process's now)";
	return NULL;
}

/*
 * Is the database of this name and comment one whose owner is gone? NULL when not
 * (or not ours to judge), else why it is an orphan (static text).
 */
static const char *orphan_reason(const char *name, const char *comment)
{
	const struct owner *o = self();
	unsigned hash;
	long pid;
	unsigned long long start;
	char rnd[9], tail;
	const char *boot;
	size_t idlen = strlen(o->identity);

	if (sscanf(name, "migrate_rehearse_%8x_%ld_%llu_%8[0-9a-f]%c", &hash, &pid, &start, rnd, &tail) != 4 ||
	    strlen(rnd) != 8 || hash != o->hash || pid <= 0)
		return NULL;
	/* the comment proves migrate made it, and on this host (the hash alone could collide) */
	if (!comment || strncmp(comment, COMMENT_TAG, strlen(COMMENT_TAG)))
		return NULL;
	comment += strlen(COMMENT_TAG);
	if (strncmp(comment, o->identity, idlen) || strncmp(comment + idlen, "; boot ", 7))
		return NULL;
	boot = comment + idlen + 7;
	if (strcmp(boot, "-") && o->boot[0] && strcmp(boot, o->boot))
		return "the host was restarted since";
	return process_gone(pid, start);
}

/* Drop one orphan; a session that connected meanwhile makes DROP DATABASE fail: left. */
static void drop_orphan(struct db *admin, const char *name, const char *why)
{
	char *q = db_quote_ident(name), *sql = xasprintf("DROP DATABASE IF EXISTS %s", q);
	PGresult *res = PQexec(admin->conn, sql);

	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		log_info("dropped the scratch database \"%s\" that an earlier rehearse left behind "
			 "(%s)", name, why);
	} else {
		char *m = db_scrub(admin, PQresultErrorMessage(res));

		m[strcspn(m, "\n")] = 0;
		log_warning("could not drop the scratch database \"%s\" that an earlier rehearse left "
			    "behind: %s", name, m);
		free(m);
	}
	PQclear(res);
	free(sql);
	free(q);
}

void scratch_drop_orphans(struct db *admin)
{
	PGresult *res = PQexec(admin->conn,
		"SELECT d.datname, shobj_description(d.oid, 'pg_database'), "
		"EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datid = d.oid) "
		"FROM pg_database d WHERE d.datname ~ '^migrate_rehearse_[0-9a-f]{8}_[0-9]+_[0-9]+_[0-9a-f]{8}$' "
		"ORDER BY 1");
	int i;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_debug("could not look for scratch databases left behind: %s", PQresultErrorMessage(res));
		PQclear(res);
		return;
	}
	for (i = 0; i < PQntuples(res); i++) {
		const char *name = PQgetvalue(res, i, 0);
		const char *why = orphan_reason(name, PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1));

		if (!why)
			continue;
		if (!strcmp(PQgetvalue(res, i, 2), "t")) {
			log_info("the scratch database \"%s\" was left behind by an earlier rehearse (%s), but "
				 "a session is connected to it: left for a later rehearse", name, why);
			continue;
		}
		drop_orphan(admin, name, why);
	}
	PQclear(res);
}

/* --- the temporary directory of the schema dump ----------------------------------- */

char *scratch_owner_tmpdir(const char *tmp)
{
	const struct owner *o = self();

	return xasprintf("%s/migrate-rehearse.%ld.%llu.XXXXXX", tmp, o->pid, o->start);
}

/* Does the directory fd hold nothing but schema.sql? Anything else is not ours to remove. */
static int only_dump(int fd)
{
	int dup_fd = dup(fd), ok = 1;
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return 0;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "schema.sql"))
			ok = 0;
	closedir(d);
	return ok;
}

/* A directory of ours (this user's, not a link) whose rehearse is gone: its dump and it. */
static void remove_orphan_dir(int dfd, const char *tmp, const char *name)
{
	long pid;
	unsigned long long start;
	char rnd[7], tail;
	struct stat st;
	const char *why;
	int fd;

	if (sscanf(name, "migrate-rehearse.%ld.%llu.%6[A-Za-z0-9]%c", &pid, &start, rnd, &tail) != 3 ||
	    strlen(rnd) != 6 || pid <= 0 || !(why = process_gone(pid, start)))
		return;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (only_dump(fd))
		unlinkat(fd, "schema.sql", 0);
	close(fd);
	if (unlinkat(dfd, name, AT_REMOVEDIR) == 0)
		log_info("removed the temporary directory \"%s/%s\" that an earlier rehearse left behind "
			 "(%s)", tmp, name, why);
}

void scratch_drop_orphan_dirs(const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "migrate-rehearse.", 17))
			remove_orphan_dir(dirfd(d), tmp, e->d_name);
	closedir(d);
}
