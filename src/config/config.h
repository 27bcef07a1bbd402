/* config.h - migrate.yml (libyaml) + environment + flags -> struct config */
#ifndef MIGRATE_CONFIG_H
#define MIGRATE_CONFIG_H

#include <stddef.h>

enum { ON_FAILURE_STOP = 0, ON_FAILURE_ROLLBACK = 1 };

/* apply.blockers: what to do about a session that blocks a migration's lock */
enum { BLOCKERS_WAIT = 0, BLOCKERS_CANCEL_IDLE = 1, BLOCKERS_CANCEL_IDLE_ANY = 2 };

enum rule_level { RULE_DEFAULT = -1, RULE_OFF = 0, RULE_WARNING = 1, RULE_ERROR = 2 };

struct rule_setting {
	char *id;
	enum rule_level level;
	int line; /* in the config file */
};

struct custom_rule {
	char *id;
	char *pattern;  /* pcre2 pattern, matched against each statement's text */
	char *message;
	enum rule_level level;
	int line;
};

/* A value whose ${VAR} is unset: an error only when a command uses that value. */
struct config_pending {
	char *key;  /* "database.url", "targets.query", ... */
	char *var;  /* the variable */
	int line, col;
};

struct config {
	char *path;          /* config file loaded, NULL if none */
	char *database_url;  /* NULL: libpq defaults */
	const char *url_source; /* "--database-url", "DATABASE_URL", "config", "libpq defaults" */
	char *dir;           /* migrations directory */
	char *table;         /* history table, schema-qualified */
	int order_by_name;   /* migrations.order: name (sql/migration.h ORDER_NAME) */

	/* apply */
	long lock_timeout_ms;      /* 500 */
	long statement_timeout_ms; /* 0 = none */
	int retries;               /* 10 */
	long retry_delay_ms;       /* 200 */
	long retry_max_delay_ms;   /* 10000 */
	long wait_ms;              /* advisory lock wait, 60000 */
	int on_failure;            /* ON_FAILURE_STOP (default) or ON_FAILURE_ROLLBACK */
	int blockers;              /* apply.blockers: BLOCKERS_WAIT (default), ... */
	long blockers_idle_after_ms; /* apply.blockers_idle_after: 30s */
	long wait_quiet_ms;        /* apply.wait_quiet / --wait-quiet: 0 = do not wait */
	long batch_delay_ms;       /* apply.batch_delay / --batch-delay: pause between batches */
	int batch_rate;            /* apply.batch_rate / --batch-rate: rows per second at most, 0: no limit */

	/* backup (backup.c): pg_dump before up, down and redo change anything */
	int backup_enabled;        /* 1 */
	char *backup_dir;          /* NULL: "backups" */
	int backup_keep;           /* 10 newest kept per database; 0 keeps all */
	char *pg_dump, *pg_restore; /* NULL: found on PATH */
	const char *backup_skipped_by; /* "--no-backup" or "backup.enabled: false" when off */
	int backup_scope;          /* BACKUP_SCOPE_TABLES (default), _DATABASE or _NONE */

	/* lint */
	int lint_pg_version;       /* 0 = newest the parser knows */
	long long lint_small_table; /* bytes: below it a connected lock finding is a warning */
	size_t max_file_size;      /* migrations.max_file_size: 0 = the default, 256 MB */
	struct rule_setting *rules;
	size_t nrules, rules_alloc;
	char **exclude;
	size_t nexclude, exclude_alloc;
	struct custom_rule *custom;
	size_t ncustom, custom_alloc;

	/* runner lock, replicas, many targets (fleetconf.c) */
	int lock_table;            /* apply.lock: 0 advisory (default), 1 table */
	long lock_lease_ms;        /* apply.lock_lease: 5min */
	long max_replica_lag_ms;   /* apply.max_replica_lag: 0 = do not wait */
	char *search_path;         /* a schema target's search_path (never from the file) */
	struct targets_config *targets; /* the targets: section, NULL when absent */

	struct config_pending *pending; /* values not set for want of a variable */
	size_t npending, pending_alloc;
};

void config_init(struct config *c);
void config_release(struct config *c);

/*
 * Load path (explicit: must exist) or, when path is NULL, ./migrate.yml if
 * present. Errors are printed with file:line; returns 0 or -1.
 */
int config_load(struct config *c, const char *path);

/*
 * The values under prefix (a key, or "backup." for a section; NULL: all) are
 * usable: else print, at its file:line, each one that names an unset
 * variable, and return -1.
 */
int config_require(struct config *c, const char *prefix);
/* key was given another way (a flag, DATABASE_URL): its ${VAR} no longer matters. */
void config_forget(struct config *c, const char *key);
/* backup.scope: what the backup before a change holds (run/backup_scope.c) */
enum { BACKUP_SCOPE_TABLES = 0, BACKUP_SCOPE_DATABASE, BACKUP_SCOPE_NONE };

/* "stop" or "rollback" -> ON_FAILURE_*; -1 for anything else. */
int config_on_failure(const char *v);

/* "wait", "cancel-idle" or "cancel-idle-any" -> BLOCKERS_*; -1 for anything else. */
int config_blockers(const char *v);
/* BLOCKERS_* -> its name. */
const char *config_blockers_name(int b);

/* Level set for a rule in lint.rules, RULE_DEFAULT when not set. */
enum rule_level config_rule_level(const struct config *c, const char *id);

#endif
