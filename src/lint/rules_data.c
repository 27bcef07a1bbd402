/* rules_data.c - data changes in migrations
 *
 *   unbatched-backfill   UPDATE or DELETE of every row in one statement
 */
#include "lint/lint_int.h"

static void whole_table(struct lint_ctx *c, const char *verb, const PgQuery__RangeVar *rv,
			const PgQuery__Node *where)
{
	if (!rv || ctx_is_new(c, rv) || (where && !pgnode_is_const_true(where)))
		return;
	{
		struct lint_emit e = {
			.rule = "unbatched-backfill",
			.where = { -1, -1 },
			.lock = { LOCK_ROW_EXCLUSIVE, 0, 1, rv->relname },
			.vars = { "table", ctx_relname(c, rv), "statement", ctx_text(c, span_stmt(c)) },
		};

		lint_report(c, &e, "%s of every row of %s in one statement: each row stays locked "
			    "until commit (concurrent updates of it wait), and the table bloats",
			    verb, ctx_quote(c, rv->relname));
	}
}

void rules_data(struct lint_ctx *c)
{
	const PgQuery__Node *n = c->st->node;

	if (c->st->batch)
		return; /* -- migrate:batch N: run in batches (docs/batch.md) */
	if (n->node_case == PG_QUERY__NODE__NODE_UPDATE_STMT)
		whole_table(c, "UPDATE", n->update_stmt->relation, n->update_stmt->where_clause);
	else if (n->node_case == PG_QUERY__NODE__NODE_DELETE_STMT)
		whole_table(c, "DELETE", n->delete_stmt->relation, n->delete_stmt->where_clause);
}
