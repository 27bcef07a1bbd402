/* catalog.h - the rules' own descriptions (rules/RULE.yaml, embedded): for the
 * linter and for whatever prints findings or documentation */
#ifndef MIGRATE_LINT_CATALOG_H
#define MIGRATE_LINT_CATALOG_H

#include "lint/lint.h"

#include <stddef.h>

struct rule_info {
	char *id;
	enum lint_severity severity;
	char *summary, *why, *lock, *blocks, *rewrite, *scan;
	char *safe_alternative, *versions, *example_bad, *example_good;
};

/* The built-in rule, or NULL. The catalog is parsed once, on first use. */
const struct rule_info *catalog_find(const char *id);
size_t catalog_count(void);
const struct rule_info *catalog_at(size_t i);

#endif
