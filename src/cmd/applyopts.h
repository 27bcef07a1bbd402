/* applyopts.h - options shared by commands that change the database (up, down, repair) */
#ifndef MIGRATE_APPLYOPTS_H
#define MIGRATE_APPLYOPTS_H

#include "config/app.h"

#include <stdint.h>

enum { AO_LOCK_TIMEOUT = 100, AO_STATEMENT_TIMEOUT, AO_RETRIES, AO_WAIT, AO_NO_BACKUP,
       AO_ON_FAILURE, AO_BLOCKERS, AO_WAIT_QUIET, AO_EVENTS,
       AO_BATCH_DELAY, AO_BATCH_RATE };

#define APPLY_CLI_OPTIONS \
	{ AO_LOCK_TIMEOUT, 0, "lock-timeout", "DURATION", "lock_timeout per migration (default 500ms)" }, \
	{ AO_STATEMENT_TIMEOUT, 0, "statement-timeout", "DURATION", "statement_timeout (default: none)" }, \
	{ AO_RETRIES, 0, "retries", "N", "retries after a lock timeout (default 10)" }, \
	{ AO_WAIT, 0, "wait", "DURATION", "wait this long for another run's lock (default 60s)" }, \
	{ AO_BLOCKERS, 0, "blockers", "POLICY", \
	  "sessions blocking a lock: wait (default), cancel-idle, cancel-idle-any" }, \
	{ AO_WAIT_QUIET, 0, "wait-quiet", "DURATION", \
	  "before a strong lock, wait until no transaction older than this holds one on the table" }, \
	{ AO_EVENTS, 0, "events", "FILE", "write the run's events as JSON lines to FILE (- for stdout)" }, \
	{ AO_BATCH_DELAY, 0, "batch-delay", "DURATION", \
	  "pause between the batches of a batched statement (-- migrate:batch N)" }, \
	{ AO_BATCH_RATE, 0, "batch-rate", "ROWS_PER_SEC", \
	  "at most this many rows per second in batched statements (default: no limit)" }

/* Commands that take a backup first (up, down, redo, restore). */
#define BACKUP_CLI_OPTION \
	{ AO_NO_BACKUP, 0, "no-backup", NULL, "skip the pg_dump backup before the first change (logged)" }
#define ON_FAILURE_CLI_OPTION \
	{ AO_ON_FAILURE, 0, "on-failure", "MODE", \
	  "when a migration fails: stop (default), or rollback what this run applied" }

struct apply_overrides {
	long lock_timeout_ms, statement_timeout_ms, wait_ms;
	int retries;
	int no_backup;
	int on_failure;
	int blockers;
	long wait_quiet_ms;
	const char *events;   /* --events FILE, NULL: none */
	long batch_delay_ms;
	long batch_rate;
};
#define APPLY_OVERRIDES_INIT { -1, -1, -1, -1, 0, -1, -1, -1, NULL, -1, -1 }

/* 1 when id is one of APPLY_CLI_OPTIONS (handled), 0 if not, -1 bad value (printed). */
int apply_option(struct apply_overrides *ov, int id, const char *arg);
/* Load the config and apply the overrides to it; 0 or -1. */
int apply_config(struct app *app, const struct apply_overrides *ov);
/*
 * The end of the option loop of a command that changes the database:
 * cli_done and cli_release, then the config with the overrides applied.
 * -1 to go on, or the exit code to return now.
 */
int apply_options_done(struct cli *c, int opt, int max_positional, struct app *app,
		       const struct apply_overrides *ov);
/* A version argument; -1 (printed) when invalid. */
int64_t parse_version_arg(const char *opt, const char *arg);
/* --steps N: a positive number; -1 (printed) when invalid. */
int parse_steps_arg(const char *arg);

#endif
