/* commands.h - one src/cmd_*.c per command; the table lives in main.c */
#ifndef MIGRATE_COMMANDS_H
#define MIGRATE_COMMANDS_H

#include "base/cli.h"

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

#endif
