/* targets.h - the targets of a fleet run: the main database, tenant schemas,
 * tenant databases (migrate.yml "targets:"), resolved and selected */
#ifndef MIGRATE_TARGETS_H
#define MIGRATE_TARGETS_H

#include "config/app.h"
#include "config/fleetconf.h"

#include <stddef.h>

enum target_kind { TARGET_MAIN, TARGET_SCHEMA, TARGET_DATABASE };

struct target {
	enum target_kind kind;
	char *name;        /* "main", the schema, the database; kind-qualified on a clash */
	char *url;         /* connection string; NULL: libpq defaults */
	char *dir;         /* migrations directory */
	char *table;       /* history table, schema-qualified */
	char *search_path; /* schema targets: "<schema>", public */
};

struct target_list {
	struct target *items;
	size_t n, alloc;
};

const char *target_kind_name(enum target_kind k);

/*
 * Every target of migrate.yml (running the queries), in order: the main
 * database, the schemas, the databases. EXIT_OK, or the exit code after
 * printing why.
 */
int targets_resolve(struct app *app, struct target_list *out, int empty_is_error);
/*
 * Keep the targets named in names (a name, or kind:name) or matching one of
 * the glob patterns; both empty keeps all. An unknown name is an error (EXIT_USAGE).
 */
int targets_select(struct target_list *tl, char **names, size_t nnames, char **patterns,
		   size_t npatterns);
void target_list_release(struct target_list *tl);

/* conninfo of url (NULL: libpq defaults) with its database replaced by dbname. */
char *conninfo_with_dbname(const char *url, const char *dbname);

#endif
