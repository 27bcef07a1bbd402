/* app.h - what a command runs with: the global options and the configuration
 * they select (migrate.yml, then DATABASE_URL, then the flags) */
#ifndef MIGRATE_CONFIG_APP_H
#define MIGRATE_CONFIG_APP_H

#include "base/cli.h"
#include "config/config.h"

struct app {
	struct common_opts opts;
	struct config cfg;
	int cfg_loaded;
	int quiet_files;  /* a fleet worker: the parent already reported file warnings */
};

/* Load migrate.yml and apply environment and flags; prints errors. 0 or -1. */
int app_config(struct app *app);

#endif
