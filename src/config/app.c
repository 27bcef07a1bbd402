/* app.c - the configuration a command runs with */
#include "config/app.h"
#include "base/secret.h"
#include "sql/migration.h"
#include "base/util.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

/* The password of the URL the command will use, and PGPASSWORD: scrubbed from all output
 * from the start (plan --offline, --dry-run and rehearse print SQL before any connection). */
static void remember_secrets(const char *url)
{
	PQconninfoOption *opts = url ? PQconninfoParse(url, NULL) : NULL, *o;

	for (o = opts; o && o->keyword; o++)
		if (!strcmp(o->keyword, "password"))
			secret_add(o->val);
	PQconninfoFree(opts);
	secret_add(getenv("PGPASSWORD"));
}

int app_config(struct app *app)
{
	struct config *cfg = &app->cfg;
	const char *env;

	if (app->cfg_loaded)
		return 0;
	config_init(cfg);
	app->cfg_loaded = 1;
	if (config_load(cfg, app->opts.config_path) < 0)
		return -1;
	if (cfg->database_url)
		cfg->url_source = "config";
	if ((env = getenv("DATABASE_URL")) && *env) {
		free(cfg->database_url);
		cfg->database_url = xstrdup(env);
		cfg->url_source = "DATABASE_URL";
		config_forget(cfg, "database.url");
	}
	if (app->opts.database_url) {
		free(cfg->database_url);
		cfg->database_url = xstrdup(app->opts.database_url);
		cfg->url_source = "--database-url";
		config_forget(cfg, "database.url");
	}
	if (app->opts.dir) {
		free(cfg->dir);
		cfg->dir = xstrdup(app->opts.dir);
		config_forget(cfg, "migrations.dir");
	}
	/* what every command reads; the rest is checked where it is used */
	if (config_require(cfg, "migrations.dir") < 0 || config_require(cfg, "lint.") < 0)
		return -1;
	if (!cfg->dir)
		cfg->dir = xstrdup("migrations");
	migration_set_order(cfg->order_by_name ? ORDER_NAME : ORDER_VERSION);
	if (app->opts.table) {
		free(cfg->table);
		cfg->table = xstrdup(app->opts.table);
		config_forget(cfg, "migrations.table");
	}
	if (!cfg->table)
		cfg->table = xstrdup("public.schema_migrations");
	remember_secrets(cfg->database_url);
	return 0;
}
