/* main.c - the command table (git.c style) and global options */
#include "base/cli.h"
#include "cmd/commands.h"
#include "run/interrupt.h"
#include "base/util.h"


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a command needs set up (done by session_open, once, from this column). */
#define FILES SESSION_FILES
#define QUIET SESSION_QUIET_FILES
#define LOCK SESSION_LOCK             /* connect, take the runner lock, load history */
#define HISTORY SESSION_HISTORY       /* connect and load history, no lock */
#define CONNECT SESSION_CONNECT       /* connect and inspect the history table */

static const struct command {
	const char *name;
	cmd_fn fn;
	int needs;
	const char *summary;
} commands[] = {
	{ "init", cmd_init, 0, "write a commented migrate.yml and a migrations/ directory" },
	{ "new", cmd_new, 0, "create {timestamp}_{name}.up.sql and .down.sql" },
	{ "up", cmd_up, FILES | LOCK, "apply pending migrations" },
	{ "down", cmd_down, FILES | QUIET | LOCK, "revert applied migrations (one by default)" },
	{ "status", cmd_status, FILES | HISTORY, "show applied, pending, modified, missing and dirty versions" },
	{ "history", cmd_history, CONNECT, "show the audit log of every attempt" },
	{ "redo", cmd_redo, FILES | QUIET | LOCK, "revert the newest migration (or N) and apply it again" },
	{ "repair", cmd_repair, FILES | QUIET | LOCK, "settle a dirty version left by a failed run" },
	{ "baseline", cmd_baseline, FILES | QUIET | LOCK,
	  "record migrations up to VERSION as applied without running them" },
	{ "adopt", cmd_adopt, FILES | QUIET | LOCK | SESSION_FOREIGN_OK,
	  "import the history of golang-migrate or dbmate" },
	{ "backups", cmd_backups, 0, "list the backups taken before changes" },
	{ "restore", cmd_restore, LOCK, "restore a backup (the last resort)" },
	{ "lint", cmd_lint, 0, "check migrations for dangerous locks, rewrites and scans" },
	{ "plan", cmd_plan, FILES, "show what pending migrations will lock, rewrite and scan (dry run)" },
	{ "rehearse", cmd_rehearse, FILES | HISTORY,
	  "run pending migrations up, down and up on a scratch copy, observing locks" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: migrate [options] COMMAND [ARGS]\n\n"
		   "Zero-downtime PostgreSQL migrations: versioned up/down SQL files, lock-safe\n"
		   "apply with lock_timeout and retries, history in the database, and a linter.\n\n"
		   "Commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nCommon options (before or after the command):\n"
		   "  -c, --config FILE         configuration (default: migrate.yml when present)\n"
		   "  -d, --database-url URL    database (default: $DATABASE_URL, config, libpq's PG* variables)\n"
		   "      --dir DIR             migrations directory (default: migrations)\n"
		   "      --table NAME          history table (default: public.schema_migrations)\n"
		   "  -v, --verbose             more output, including server notices\n"
		   "  -q, --quiet               only errors\n"
		   "  -h, --help                help (\"migrate COMMAND --help\" for a command)\n"
		   "      --version             print the version\n\n"
		   "Exit codes:\n"
		   "  0  success (also: nothing to do)\n"
		   "  1  a migration failed, or lint found an error\n"
		   "  2  usage, configuration, file or parse error\n"
		   "  3  cannot connect, cannot take the runner lock, or lost the connection\n\n"
		   "Documentation: docs/ (usage.md, config.md, history.md, safety.md, exit-codes.md)\n");
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* For tests: the names of all commands, one per line. */
static int list_commands(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		printf("%s\n", commands[i].name);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct cli_option none[] = { CLI_END };
	struct app app;
	struct cli c;
	const struct command *cmd;
	int i, r;

	memset(&app, 0, sizeof(app));
	/* global options before the command name */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("migrate %s\n", MIGRATE_VERSION);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--list-commands"))
			return list_commands();
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EXIT_OK;
		}
		if (argv[i][0] != '-')
			break;
		/* options that take a value */
		if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config") || !strcmp(argv[i], "-d") ||
		    !strcmp(argv[i], "--database-url") || !strcmp(argv[i], "--dir") ||
		    !strcmp(argv[i], "--table"))
			i++;
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* parse what came before the command with the common options only */
	cli_init(&c, "", "", NULL, none, &app.opts, i, argv);
	r = cli_next(&c);
	cli_release(&c);
	if (r != CLI_DONE)
		return cli_exit_code(r);
	cmd = find_command(argv[i]);
	if (!cmd) {
		log_error("unknown command \"%s\"", argv[i]);
		log_hint("\"migrate --help\" lists the commands");
		return EXIT_USAGE;
	}
	app.setup = cmd->needs;
	r = cmd->fn(argc - i, argv + i, &app);
	if (interrupt_signal())
		r = interrupt_exit_code(); /* 130 or 143, whatever the command made of it */
	if (app.cfg_loaded)
		config_release(&app.cfg);
	return r;
}
