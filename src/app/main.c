/* main.c - the command table (git.c style) and global options */
#include "app/cmdline.h"
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

static const struct cmd_entry commands[] = {
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
	  "import the history of golang-migrate, dbmate or goose" },
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
	fprintf(f, "\nCommon options (before or after the command; \"migrate COMMAND --help\" for a "
		   "command's):\n");
	cli_print_options(f, cli_common_options());
	fprintf(f, "      --version                print the version\n\n"
		   "Exit codes:\n"
		   "  0  success (also: nothing to do)\n"
		   "  1  a migration failed, or lint found an error\n"
		   "  2  usage, configuration, file or parse error\n"
		   "  3  cannot connect, cannot take the runner lock, or lost the connection\n\n");
	cmdline_doc_pages(f);
}

static const struct cmd_entry *find_command(const char *name)
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
	struct app app;
	const struct cmd_entry *cmd;
	const char *unknown, *owner;
	char **cargv;
	int i, r, at;

	memset(&app, 0, sizeof(app));
	/* options may come before the command name: skip them (and their values) to find it */
	at = cmdline_find_command(argc, argv, commands, ARRAY_SIZE(commands), &unknown, &owner);
	for (i = 1; i < (at < 0 ? argc : at); i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("migrate %s\n", MIGRATE_VERSION);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--list-commands"))
			return list_commands();
		if (!strcmp(argv[i], "--generate"))
			return i + 1 < argc ? cmdline_generate(argv[i + 1], commands, ARRAY_SIZE(commands))
					    : EXIT_USAGE;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EXIT_OK;
		}
	}
	if (at < 0) {
		if (unknown && owner)
			log_error("option \"%s\" needs a command: it is one of \"migrate %s\"'s", unknown,
				  owner);
		else if (unknown)
			log_error("unknown option \"%s\"", unknown);
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = find_command(argv[at]);
	if (!cmd) {
		cmdline_unknown_command(argv[at], commands, ARRAY_SIZE(commands));
		return EXIT_USAGE;
	}
	app.setup = cmd->needs;
	/* the command parses every option, those given before its name too */
	cargv = cmdline_reorder(argc, argv, at);
	r = cmd->fn(argc - 1, cargv, &app);
	free(cargv);
	/* an option given before the command's name that belongs to other commands */
	if (r == EXIT_USAGE && unknown && owner) {
		char *who = cmdline_option_owners(unknown, commands, ARRAY_SIZE(commands), cmd->name);

		if (who)
			log_hint("\"%s\" is an option of %s, not of \"migrate %s\"", unknown, who,
				 cmd->name);
		free(who);
	}
	if (interrupt_signal())
		r = interrupt_exit_code(); /* 130 or 143, whatever the command made of it */
	if (app.cfg_loaded)
		config_release(&app.cfg);
	return r;
}
