/* commands.h - one src/cmd_*.c per command; the table lives in main.c */
#ifndef MIGRATE_COMMANDS_H
#define MIGRATE_COMMANDS_H

#include "config/app.h"

typedef int (*cmd_fn)(int argc, char **argv, struct app *app);

int cmd_init(int argc, char **argv, struct app *app);
int cmd_new(int argc, char **argv, struct app *app);
int cmd_up(int argc, char **argv, struct app *app);
int cmd_down(int argc, char **argv, struct app *app);
int cmd_status(int argc, char **argv, struct app *app);
int cmd_history(int argc, char **argv, struct app *app);
int cmd_repair(int argc, char **argv, struct app *app);
int cmd_redo(int argc, char **argv, struct app *app);
int cmd_backups(int argc, char **argv, struct app *app);
int cmd_restore(int argc, char **argv, struct app *app);
int cmd_baseline(int argc, char **argv, struct app *app);
int cmd_adopt(int argc, char **argv, struct app *app);
int cmd_lint(int argc, char **argv, struct app *app);
int cmd_plan(int argc, char **argv, struct app *app);
int cmd_rehearse(int argc, char **argv, struct app *app);

/*
 * migrate plan, and up/down --dry-run: argv as given to the command
 * (argv[0] "plan", "up" or "down").
 */
int plan_command(int argc, char **argv, struct app *app, int direction);
/* Is "--dry-run" among the options? (for cmd_up / cmd_down) */
int plan_is_dry_run(int argc, char **argv);

#endif
