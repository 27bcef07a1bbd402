/* cli.h - options declared once: parsing and --help come from one table */
#ifndef MIGRATE_CLI_H
#define MIGRATE_CLI_H

#include <stdio.h>


struct cli_option {
	int id;               /* returned by cli_next; > 0 */
	char short_name;      /* 0 when none */
	const char *long_name;
	const char *arg_name; /* NULL: takes no argument */
	const char *help;
};
#define CLI_END { 0, 0, NULL, NULL, NULL }

/* Options every command accepts (before or after the command name). */
struct common_opts {
	const char *config_path;
	const char *database_url;
	const char *dir;
	const char *table;
	int verbose;
	int quiet;
};

/* Parser state for one command line. */
struct cli {
	const char *cmd;           /* "up" */
	const char *synopsis;      /* "[--to VERSION]" */
	const char *description;   /* one paragraph */
	const struct cli_option *opts; /* command's own, CLI_END-terminated */
	struct common_opts *common;
	int argc;
	char **argv;
	int pos;                   /* next argv index */
	const char *arg;           /* argument of the option just returned */
	char **positional;         /* operands, in order */
	int npositional;
	int positional_alloc;
	int stop_opts;             /* after "--" */
};

enum { CLI_DONE = 0, CLI_HELP = -1, CLI_ERROR = -2 };

void cli_init(struct cli *c, const char *cmd, const char *synopsis, const char *description,
	      const struct cli_option *opts, struct common_opts *common, int argc, char **argv);
/*
 * Next command option: its id (> 0), CLI_DONE when all are read (operands
 * are in c->positional), CLI_HELP after printing the usage to stdout,
 * CLI_ERROR after printing a usage error to stderr.
 */
int cli_next(struct cli *c);
void cli_release(struct cli *c);
void cli_usage(const struct cli *c, int to_stderr);
/*
 * After the option loop (r: the last cli_next value, or CLI_ERROR after a bad
 * value): -1 to go on, or the exit code to return now. More than
 * max_positional operands is a usage error.
 */
int cli_done(struct cli *c, int r, int max_positional);
/* After the option loop of a command with --format text|json: opt, or CLI_ERROR (printed). */
int cli_check_format(int opt, const char *format);
/* Standard return for CLI_HELP/CLI_ERROR: 0 or EXIT_USAGE. */
int cli_exit_code(int r);

/* The --help lines of a table. */
void cli_print_options(FILE *f, const struct cli_option *o);
/* The options every command accepts (CLI_END-terminated). */
const struct cli_option *cli_common_options(void);

/*
 * What one command declares: its name, synopsis, description and options.
 * While cli_describe(doc) is on, cli_init fills doc and the first cli_next
 * returns CLI_HELP without printing: calling a command with no arguments
 * then reads its table (migrate --generate: man page, completion, docs test).
 */
struct cli_doc {
	const char *cmd, *synopsis, *description;
	const struct cli_option *opts;
};
void cli_describe(struct cli_doc *doc); /* NULL: off */

/*
 * "did you mean": the candidate nearest to word (a typo: a few letters off,
 * or a prefix of it), or NULL. cands is NULL-terminated.
 */
const char *cli_nearest(const char *word, const char *const *cands);


#endif
