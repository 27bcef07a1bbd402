/* init.c - migrate init: a commented migrate.yml and a migrations/ directory */
#include "cmd/commands.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char config_template[] =
	"# migrate.yml - configuration for migrate (docs/config.md)\n"
	"# Values may use ${VAR} or ${VAR:-default} from the environment.\n"
	"\n"
	"database:\n"
	"  # Precedence: --database-url, then $DATABASE_URL, then this, then libpq's\n"
	"  # PGHOST/PGDATABASE/... variables, .pgpass and service files.\n"
	"  # Keep passwords out of this file: use ${VAR}, PGPASSWORD or ~/.pgpass.\n"
	"  # Unset (the default), libpq decides: PGDATABASE, PGSERVICE, ... apply.\n"
	"  # url: postgresql://deploy@db.internal:5432/app?sslmode=require\n"
	"\n"
	"migrations:\n"
	"  dir: %s\n"
	"  table: public.schema_migrations   # history; its audit log is <table>_log\n"
	"\n"
	"apply:\n"
	"  lock_timeout: 500ms       # the application never waits on us longer than this\n"
	"  statement_timeout: 0      # 0: none\n"
	"  retries: 10               # lock timeouts retried with backoff and jitter\n"
	"  retry_delay: 200ms        # first delay, doubling ...\n"
	"  retry_max_delay: 10s      # ... up to this\n"
	"  wait: 60s                 # wait this long for another migrate run\n"
	"  on_failure: stop          # rollback: revert what a failed run applied\n"
	"\n"
	"backup:                     # pg_dump -Fc before each run that changes something\n"
	"  scope: tables             # the tables the run changes; database: all of it; none\n"
	"  enabled: true             # --no-backup skips it once (logged)\n"
	"  dir: backups              # files are mode 0600; keep this directory private\n"
	"  keep: 10                  # newest kept per database; 0 keeps all\n"
	"  # pg_dump: /usr/lib/postgresql/16/bin/pg_dump   # the server's major version or newer\n"
	"\n"
	"lint:\n"
	"  # pg_version: 15          # the oldest server you deploy to\n"
	"  # rules:\n"
	"  #   prefer-text: off\n"
	"  # exclude: [prefer-bigint]\n";

enum { O_FORCE = 1 };

/* backups/ (backup.dir's default) in ./.gitignore, once: dumps of the data stay out of git. */
static void ignore_backups(void)
{
	static const char *const same[] = { "backups", "backups/", "/backups", "/backups/" };
	char line[512];
	int has = 0, ends_nl = 1;
	size_t i, len;
	FILE *f = fopen(".gitignore", "r");

	while (f && fgets(line, sizeof(line), f)) {
		len = strlen(line);
		ends_nl = len && line[len - 1] == '\n';
		line[strcspn(line, "\r\n")] = '\0';
		for (i = 0; i < ARRAY_SIZE(same); i++)
			has |= !strcmp(line, same[i]);
	}
	if (f)
		fclose(f);
	if (has)
		return;
	if (!(f = fopen(".gitignore", "a"))) {
		log_warning("could not add backups/ to .gitignore: %s", strerror(errno));
		return;
	}
	fprintf(f, "%s# migrate: backups before each change hold your data\nbackups/\n", ends_nl ? "" : "\n");
	if (fclose(f) == 0)
		printf("added backups/ to .gitignore\n");
}

static const struct cli_option init_options[] = {
	{ O_FORCE, 'f', "force", NULL, "overwrite an existing migrate.yml" },
	CLI_END
};

int cmd_init(int argc, char **argv, struct app *app)
{
	struct cli c;
	const char *path, *dir;
	int rc, opt, force = 0, fd;
	FILE *f;

	cli_init(&c, "init", "", "Write a commented migrate.yml (or the --config file) and create the\n"
		 "migrations directory.", init_options, &app->opts, argc, argv);
	while ((opt = cli_next(&c)) > 0)
		if (opt == O_FORCE)
			force = 1;
	rc = cli_done(&c, opt, 0);
	cli_release(&c);
	if (rc >= 0)
		return rc;
	path = app->opts.config_path ? app->opts.config_path : "migrate.yml";
	dir = app->opts.dir ? app->opts.dir : "migrations";
	if (strchr(dir, '\n') || strchr(dir, ':') || strchr(dir, '#')) {
		log_error("unsupported migrations directory name \"%s\"", dir);
		return EXIT_USAGE;
	}
	fd = open(path, O_WRONLY | O_CREAT | (force ? O_TRUNC : O_EXCL), 0644);
	if (fd < 0) {
		log_error("could not create \"%s\": %s", path, strerror(errno));
		if (errno == EEXIST)
			log_hint("it is already there; use --force to overwrite it");
		return EXIT_USAGE;
	}
	f = fdopen(fd, "w");
	fprintf(f, config_template, dir);
	if (fclose(f) != 0) {
		log_error("could not write \"%s\": %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		log_error("could not create directory \"%s\": %s", dir, strerror(errno));
		return EXIT_USAGE;
	}
	printf("wrote %s\ncreated %s/\n", path, dir);
	ignore_backups();
	printf("next: migrate new create_first_table\n");
	return EXIT_OK;
}
