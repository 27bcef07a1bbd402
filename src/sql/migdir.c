/* migdir.c - migrations kept one directory each
 *
 *   Prisma   prisma/migrations/20210101000000_init/migration.sql          (up only)
 *   Diesel   migrations/2019-02-26-002946_create_users/up.sql, down.sql   (metadata.toml:
 *            run_in_transaction = false runs both without a transaction)
 *
 * Each file is loaded as if it were named {version}_{name}.up.sql (or .down.sql) in the
 * migrations directory: the version is the directory name's digits (a Diesel date's
 * dashes dropped), the name the rest. Messages name the real file.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sql/migdir.h"
#include "base/util.h"

/* "2019-02-26-002946_create_users" -> "20190226002946_create_users"; NULL if not that shape. */
static char *logical_stem(const char *dname)
{
	char v[19];
	size_t n = 0;
	const char *p = dname;

	for (; *p && *p != '_'; p++) {
		if (*p == '-' && n && p[1] && isdigit((unsigned char)p[1]))
			continue;
		if (!isdigit((unsigned char)*p) || n >= sizeof(v) - 1)
			return NULL;
		v[n++] = *p;
	}
	if (!n || *p != '_' || !p[1])
		return NULL;
	v[n] = '\0';
	return xasprintf("%s%s", v, p);
}

/* Does dir/dname/metadata.toml say run_in_transaction = false? */
static int diesel_no_transaction(const char *dir, const char *dname)
{
	char *path = xasprintf("%s/%s/metadata.toml", dir, dname), *text, *p;
	int notx = 0;

	text = read_file(path, NULL); /* NULL when absent or not a regular file */
	for (p = text; p && (p = strstr(p, "run_in_transaction")); p++) {
		const char *q = p + strlen("run_in_transaction");

		q += strspn(q, " \t");
		if (*q != '=')
			continue;
		q++;
		q += strspn(q, " \t");
		if (!strncmp(q, "false", 5))
			notx = 1;
	}
	free(text);
	free(path);
	return notx;
}

/* Something other than a directory at path (a FIFO too: reading it says why it is refused)? */
static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

static int add(const char *dir, const char *dname, const char *stem, const char *file,
	       const char *suffix, struct migdir_file *f)
{
	char *path = xasprintf("%s/%s/%s", dir, dname, file);
	int ok = exists(path);

	free(path);
	if (!ok)
		return 0;
	f->rel = xasprintf("%s/%s", dname, file);
	f->logical = xasprintf("%s%s", stem, suffix);
	f->no_transaction = 0;
	return 1;
}

int migdir_files(const char *dir, const char *dname, struct migdir_file out[2])
{
	char *stem = logical_stem(dname);
	int n = 0, k;

	if (!stem)
		return 0;
	if (!(n = add(dir, dname, stem, "migration.sql", ".up.sql", &out[0]))) {
		n += add(dir, dname, stem, "up.sql", ".up.sql", &out[n]);
		n += add(dir, dname, stem, "down.sql", ".down.sql", &out[n]);
		if (n && diesel_no_transaction(dir, dname))
			for (k = 0; k < n; k++)
				out[k].no_transaction = 1;
	}
	free(stem);
	return n;
}

char *migdir_logical(const char *path, char **dir)
{
	static const char *const names[][2] = {
		{ "migration.sql", ".up.sql" }, { "up.sql", ".up.sql" }, { "down.sql", ".down.sql" },
	};
	const char *base = strrchr(path, '/'), *parent;
	char *stem, *logical = NULL;
	size_t k, plen;

	if (!base || base == path)
		return NULL;
	for (parent = base - 1; parent > path && parent[-1] != '/'; parent--)
		;
	plen = (size_t)(base - parent);
	for (k = 0; k < sizeof(names) / sizeof(*names); k++) {
		char *pname;

		if (strcmp(base + 1, names[k][0]))
			continue;
		pname = xstrndup(parent, plen);
		stem = logical_stem(pname);
		free(pname);
		if (stem)
			logical = xasprintf("%s%s", stem, names[k][1]);
		free(stem);
		break;
	}
	if (logical && dir)
		*dir = parent > path ? xstrndup(path, (size_t)(parent - path - 1)) : xstrdup(".");
	return logical;
}
