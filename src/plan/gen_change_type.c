/* gen_change_type.c - migrate new --change-type TABLE.COLUMN TYPE: a new column of
 * TYPE, swapped in under the old name (gen_expand.c; docs/recipes.md) */
#include "plan/gen.h"

int gen_change_type(struct gen_out *o, struct db *db, const char *spec, const char *type,
		    const char *using)
{
	return gen_expand_contract(o, db, "--change-type", spec, type, 0, using);
}
