/* rules.c - every rule family on one statement, in order (top level and PL/pgSQL bodies) */
#include "lint/lint_int.h"

void lint_stmt_rules(struct lint_ctx *c, int tx_effects)
{
	rules_tx(c);
	rules_column(c);
	rules_constraint(c);
	rules_index(c);
	rules_table(c);
	rules_objects(c);
	rules_data(c);
	rules_style(c);
	rules_down(c);
	rules_custom(c, c->l->custom);
	if (tx_effects)
		rules_tx_after(c);
}
