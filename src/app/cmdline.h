/* cmdline.h - the command line before the command: where the command is, global
 * options given after it or command options given before it, "did you mean",
 * and the outputs generated from the option tables (man page, completion) */
#ifndef MIGRATE_CMDLINE_H
#define MIGRATE_CMDLINE_H

#include "base/cli.h"
#include "cmd/commands.h"

#include <stddef.h>

struct cmd_entry {
	const char *name;
	cmd_fn fn;
	int needs;            /* SESSION_*: what session_open sets up for it */
	const char *summary;
};

/* Every command's declared options (each command called in describe mode). */
void cmdline_describe(const struct cmd_entry *cmds, size_t n, struct cli_doc *docs);
/*
 * The index in argv of the command name: options before it are skipped with
 * their values (an option takes a value when it does in the common table or
 * in any command's). -1 when there is none; *unknown: the first option that
 * is no common one (NULL: none), *unknown_owner: a command that declares it
 * (NULL: none does).
 */
int cmdline_find_command(int argc, char **argv, const struct cmd_entry *cmds, size_t n,
			 const char **unknown, const char **unknown_owner);
/* The commands whose option arg is ("\"migrate up\", \"migrate down\""), or NULL when none
 * or when not_of is one of them. Free it. */
char *cmdline_option_owners(const char *arg, const struct cmd_entry *cmds, size_t n,
			    const char *not_of);
/* argv for the command: its name first, then what came before it, then the rest. */
char **cmdline_reorder(int argc, char **argv, int at);
/* "unknown command" with a "did you mean" hint. */
void cmdline_unknown_command(const char *name, const struct cmd_entry *cmds, size_t n);
/* migrate --generate WHAT (man, bash, zsh, options): to stdout; EXIT_*. */
int cmdline_generate(const char *what, const struct cmd_entry *cmds, size_t n);
/* The installed documentation pages, one a line, for --help. */
void cmdline_doc_pages(FILE *f);

#endif
