/* fuzz_loader.c - libFuzzer target: the migrations directory loader (file names,
 * up/down pairs, dbmate sections, directives) and how each migration would run.
 * The input holds up to 4 files, separated by NUL bytes: a name line, then the text. */
#include "sql/migration.h"
#include "sql/step.h"
#include "base/util.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char dir[64];

static void clear_dir(void);

static void cleanup(void)
{
	clear_dir();
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/migrate-fuzz-loader.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	return 0;
}

static void clear_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		abort();
	while ((de = readdir(d))) {
		char *p;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
}

/* One "name\ntext" part: written as a file (the name made safe for a directory entry). */
static void write_part(const char *part, size_t len)
{
	const char *nl = memchr(part, '\n', len);
	size_t nlen = nl ? (size_t)(nl - part) : len, i;
	char name[80], *path;
	FILE *f;

	if (nlen == 0 || nlen >= sizeof(name))
		return;
	for (i = 0; i < nlen; i++)
		name[i] = part[i] == '/' || part[i] == '\0' ? '_' : part[i];
	name[nlen] = '\0';
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return;
	path = xasprintf("%s/%s", dir, name);
	f = fopen(path, "wb");
	free(path);
	if (!f)
		return;
	if (nl)
		fwrite(nl + 1, 1, len - nlen - 1, f);
	fclose(f);
}

static void prepare(const struct section *sec)
{
	struct step st;

	if (!sec->sql)
		return;
	memset(&st, 0, sizeof(st));
	step_prepare(&st, sec->sql, sec->path, sec->line_base, &sec->dir);
	step_release(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct migration_set set;
	size_t i;
	int parts = 0;

	log_verbosity = -1;
	clear_dir();
	while (p < end && parts < 4) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t len = z ? (size_t)(z - p) : (size_t)(end - p);

		write_part(p, len);
		parts++;
		p += len + 1;
	}
	if (migration_set_load(&set, dir, 0) == 0)
		for (i = 0; i < set.n; i++) {
			prepare(&set.items[i].up);
			prepare(&set.items[i].down);
		}
	migration_set_release(&set);
	return 0;
}
