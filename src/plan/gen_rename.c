/* gen_rename.c - migrate new --rename-column TABLE.OLD NEW: a column named NEW kept
 * equal to OLD both ways until the application uses NEW, then OLD dropped
 * (gen_expand.c; docs/recipes.md explains why not a view) */
#include "plan/gen.h"
#include "base/util.h"

#include <string.h>

int gen_rename_column(struct gen_out *o, struct db *db, const char *spec, const char *newname)
{
	if (gen_check_text("--rename-column", newname) < 0)
		return -1;
	if (!*newname || strchr(newname, '"') || strlen(newname) > 63) {
		log_error("--rename-column: \"%s\" is not a usable column name", newname);
		return -1;
	}
	return gen_expand_contract(o, db, "--rename-column", spec, newname, 1, NULL);
}
