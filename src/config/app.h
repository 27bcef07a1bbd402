/* app.h - what a command runs with: the global options and the configuration
 * they select (migrate.yml, then DATABASE_URL, then the flags) */
#ifndef MIGRATE_CONFIG_APP_H
#define MIGRATE_CONFIG_APP_H

#include "base/cli.h"
#include "config/config.h"

/*
 * What a command needs set up before it runs (the "needs" column of the
 * command table in app/main.c; run/session.c does it).
 */
enum {
	SESSION_FILES = 1 << 0,   /* load the migrations directory */
	SESSION_CONNECT = 1 << 1, /* connect and inspect the history table */
	SESSION_LOCK = 1 << 2,    /* take the runner lock and load rows */
	SESSION_HISTORY = 1 << 3, /* load history rows without locking */
	SESSION_QUIET_FILES = 1 << 4, /* do not print file warnings */
	SESSION_FOREIGN_OK = 1 << 5,  /* another tool's table under our name is no error (adopt) */
};

struct app {
	struct common_opts opts;
	struct config cfg;
	int cfg_loaded;
	int setup;        /* SESSION_*: the command table's row for this command */
	int quiet_files;  /* a fleet worker: the parent already reported file warnings */
};

/* Load migrate.yml and apply environment and flags; prints errors. 0 or -1. */
int app_config(struct app *app);

#endif
