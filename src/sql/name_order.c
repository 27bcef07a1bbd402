/* name_order.c - by name (migrations.order: name), the version numbers a
 * database's history gave: a file that sorts between applied ones later (two
 * branches that both wrote 0059_...) must not shift the others */
#include "sql/name_order.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

static int cmp_version(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;

	return x->version < y->version ? -1 : x->version > y->version;
}

void migration_set_number_by_history(struct migration_set *set, char *const *names,
				     const int64_t *versions, size_t n)
{
	int64_t next = 0;
	size_t i, k;

	if (migration_order() != ORDER_NAME || !set->n)
		return;
	for (k = 0; k < n; k++)
		if (versions[k] > next)
			next = versions[k];
	/* the set is in name order here: the pending ones follow the history's newest, in it */
	for (i = 0; i < set->n; i++) {
		struct migration *m = &set->items[i];

		for (k = 0; k < n && (!names[k] || strcmp(names[k], m->version_str)); k++)
			;
		m->version = k < n ? versions[k] : ++next;
	}
	qsort(set->items, set->n, sizeof(*set->items), cmp_version);
}
