/* new.c - migrate new NAME: {UTC yyyymmddHHMMSS}_{name}.up.sql and .down.sql */
#include "cmd/commands.h"
#include "sql/migration.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int write_new_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	FILE *f;

	if (fd < 0) {
		log_error("could not create \"%s\": %s", path, strerror(errno));
		return -1;
	}
	f = fdopen(fd, "w");
	fputs(text, f);
	if (fclose(f) != 0) {
		log_error("could not write \"%s\": %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* "Add users table" -> "add_users_table"; NULL when nothing usable is left. */
static char *slug(const char *name)
{
	char *s = xmalloc(strlen(name) + 1), *o = s;
	const char *p;

	for (p = name; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (isalnum(ch))
			*o++ = (char)tolower(ch);
		else if (o > s && o[-1] != '_')
			*o++ = '_';
	}
	while (o > s && o[-1] == '_')
		o--;
	*o = '\0';
	if (!*s) {
		free(s);
		return NULL;
	}
	return s;
}

int cmd_new(int argc, char **argv, struct app *app)
{
	static const struct cli_option none[] = { CLI_END };
	struct cli c;
	struct migration_set set;
	char version[32], *name = NULL, *up = NULL, *down = NULL, *text = NULL;
	time_t t = time(NULL);
	struct tm tm;
	int rc, opt;

	cli_init(&c, "new", "NAME", "Create an up and a down file named after the current UTC time,\n"
		 "in the migrations directory.", none, &app->opts, argc, argv);
	opt = cli_next(&c);
	rc = cli_done(&c, opt, 1);
	if (rc < 0 && c.npositional != 1) {
		log_error("missing NAME");
		cli_usage(&c, 1);
		rc = EXIT_USAGE;
	}
	if (rc >= 0) {
		cli_release(&c);
		return rc;
	}
	name = slug(c.positional[0]);
	cli_release(&c);
	if (!name) {
		log_error("a migration name needs letters or digits");
		return EXIT_USAGE;
	}
	if (app_config(app) < 0) {
		rc = EXIT_USAGE;
		goto done;
	}
	if (migration_set_load(&set, app->cfg.dir, 1) < 0 && !set.n) {
		migration_set_release(&set);
		rc = EXIT_USAGE;
		goto done;
	}
	/* Two "new" in one second, or a clock behind the latest version: bump. */
	for (;;) {
		gmtime_r(&t, &tm);
		strftime(version, sizeof(version), "%Y%m%d%H%M%S", &tm);
		if (!migration_set_find(&set, parse_int64(version)))
			break;
		t++;
	}
	migration_set_release(&set);
	up = xasprintf("%s/%s_%s.up.sql", app->cfg.dir, version, name);
	down = xasprintf("%s/%s_%s.down.sql", app->cfg.dir, version, name);
	text = xasprintf("-- %s: %s (up)\n-- Runs in one transaction with lock_timeout; "
			 "\"migrate lint\" checks it.\n\n", version, name);
	if (write_new_file(up, text) < 0) {
		rc = EXIT_USAGE;
		goto done;
	}
	free(text);
	text = xasprintf("-- %s: %s (down): undo exactly what the up did.\n\n", version, name);
	if (write_new_file(down, text) < 0) {
		unlink(up);
		rc = EXIT_USAGE;
		goto done;
	}
	printf("%s\n%s\n", shown(up), shown(down));

	rc = EXIT_OK;
done:
	free(name);
	free(up);
	free(down);
	free(text);
	return rc;
}
