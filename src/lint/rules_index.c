/* rules_index.c - building, dropping and rebuilding indexes on existing tables
 *
 *   create-index-non-concurrently  CREATE INDEX without CONCURRENTLY (blocks writes)
 *   drop-index-non-concurrently    DROP INDEX without CONCURRENTLY (blocks reads and writes)
 *   reindex-non-concurrently       REINDEX without CONCURRENTLY
 */
#include <string.h>

#include "lint/lint_int.h"
#include "base/strbuf.h"
#include "base/util.h"

/* The statement's text with " CONCURRENTLY" inserted after the token that ends at kw_end. */
static const char *with_concurrently(struct lint_ctx *c, int kw_end)
{
	struct span a = { c->st->offset, kw_end }, b = { kw_end, c->st->offset + c->st->len };

	if (kw_end <= c->st->offset)
		return ctx_text(c, span_stmt(c));
	return ctx_printf(c, "%s CONCURRENTLY %s", ctx_text(c, a), ctx_text(c, b));
}

static void create_index(struct lint_ctx *c, const PgQuery__IndexStmt *x)
{
	const struct sch_table *t;
	struct span kw;

	if (x->concurrent || !x->relation || ctx_is_new(c, x->relation))
		return;
	t = ctx_table(c, x->relation);
	kw = span_keyword(c, PG_QUERY__TOKEN__INDEX, -1);
	{
		struct lint_emit e = {
			.rule = "create-index-non-concurrently",
			.where = { c->st->offset, kw.end },
			.lock = { LOCK_SHARE, 0, 1, x->relation->relname },
			.vars = { "table", ctx_relname(c, x->relation),
				  "index", x->idxname && *x->idxname ? ctx_ident(c, x->idxname) : "",
				  "statement", with_concurrently(c, kw.end) },
		};

		if (t && t->partitioned)
			lint_report(c, &e, "CREATE INDEX on partitioned table %s holds SHARE on every "
				    "partition while it builds: writes wait (and CONCURRENTLY is not "
				    "supported on the parent: build it on each partition)",
				    ctx_quote(c, x->relation->relname));
		else
			lint_report(c, &e, "CREATE %sINDEX without CONCURRENTLY holds SHARE on %s for the "
				    "whole build: writes wait (reads continue)", x->unique ? "UNIQUE " : "",
				    ctx_quote(c, x->relation->relname));
	}
}

static void drop_index(struct lint_ctx *c, const PgQuery__DropStmt *d)
{
	size_t i;

	if (d->concurrent || d->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_INDEX)
		return;
	for (i = 0; i < d->n_objects; i++) {
		const PgQuery__Node *o = d->objects[i];
		const struct sch_index *ix;
		const struct sch_table *t = NULL;
		const char *name, *schema;
		struct span kw;

		if (o->node_case != PG_QUERY__NODE__NODE_LIST)
			continue;
		name = pgnode_last_str(o->list->items, o->list->n_items);
		schema = pgnode_qualifier(o->list->items, o->list->n_items);
		ix = schema_index(c->schema, schema, name);
		if (ix)
			t = schema_table(c->schema, NULL, ix->table);
		if ((ix && ctx_seq_is_new(c, ix->seq)) || (t && ctx_seq_is_new(c, t->seq)))
			continue;
		kw = span_keyword(c, PG_QUERY__TOKEN__INDEX, -1);
		{
			struct lint_emit e = {
				.rule = "drop-index-non-concurrently",
				.where = { c->st->offset, kw.end },
				.lock = { LOCK_ACCESS_EXCLUSIVE, 0, 0, ix ? ix->table : NULL },
				.vars = { "index", schema ? ctx_printf(c, "%s.%s", ctx_ident(c, schema),
								      ctx_ident(c, name)) : ctx_ident(c, name),
					  "table", ix ? ctx_ident(c, ix->table) : NULL },
			};

			lint_report(c, &e, "DROP INDEX %s without CONCURRENTLY takes ACCESS EXCLUSIVE on "
				    "%s: reads and writes wait", ctx_quote(c, name),
				    ix ? ctx_quote(c, ix->table) : "its table");
		}
		return; /* one finding per statement */
	}
}

static int has_concurrently(const PgQuery__ReindexStmt *r)
{
	size_t i;

	for (i = 0; i < r->n_params; i++)
		if (r->params[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM &&
		    !strcmp(r->params[i]->def_elem->defname, "concurrently"))
			return 1;
	return 0;
}

static void reindex(struct lint_ctx *c, const PgQuery__ReindexStmt *r)
{
	const char *what = "its table", *name = r->relation ? r->relation->relname : r->name;
	const struct sch_index *ix = NULL;
	const char *table = NULL;

	if (has_concurrently(r))
		return;
	switch (r->kind) {
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX:
		ix = r->relation ? schema_index(c->schema, NULL, r->relation->relname) : NULL;
		if (ix && ctx_seq_is_new(c, ix->seq))
			return;
		if (ix) {
			const struct sch_table *t = schema_table(c->schema, NULL, ix->table);

			if (t && ctx_seq_is_new(c, t->seq))
				return;
			table = ix->table;
			what = ctx_quote(c, ix->table);
		}
		break;
	case PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_TABLE:
		if (r->relation && ctx_is_new(c, r->relation))
			return;
		table = name;
		what = ctx_quote(c, name);
		break;
	default:
		what = "every table it covers";
		break;
	}
	{
		static const int kinds[] = { PG_QUERY__TOKEN__INDEX, PG_QUERY__TOKEN__TABLE,
					     PG_QUERY__TOKEN__SCHEMA, PG_QUERY__TOKEN__DATABASE };
		struct lint_emit e = {
			.rule = "reindex-non-concurrently",
			.where = { -1, -1 },
			.lock = { LOCK_SHARE, 0, 1, table },
			.vars = { "name", name ? ctx_ident(c, name) : "" },
		};
		size_t k;

		for (k = 0; k < ARRAY_SIZE(kinds); k++) {
			struct span kw = span_keyword(c, kinds[k], -1);

			if (kw.start != c->st->offset || kw.end != c->st->offset + c->st->len) {
				e.vars[2] = "statement";
				e.vars[3] = with_concurrently(c, kw.end);
				break;
			}
		}

		if (r->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SYSTEM) {
			/* no CONCURRENTLY form: nothing to rewrite it to */
			e.vars[2] = "statement";
			e.vars[3] = "-- REINDEX SYSTEM has no CONCURRENTLY form: run it in a maintenance "
				    "window, not in a migration";
			lint_report(c, &e, "REINDEX SYSTEM locks the system catalogs that every query reads, "
				    "and cannot run CONCURRENTLY");
		} else if (c->pg < 12)
			lint_report(c, &e, "REINDEX holds SHARE on %s (writes wait) and ACCESS EXCLUSIVE on "
				    "the index (queries that use it wait); REINDEX CONCURRENTLY needs "
				    "PostgreSQL 12: build a new index CONCURRENTLY and swap", what);
		else
			lint_report(c, &e, "REINDEX without CONCURRENTLY holds SHARE on %s (writes wait) and "
				    "ACCESS EXCLUSIVE on the index (queries that use it wait)", what);
	}
}

void rules_index(struct lint_ctx *c)
{
	const PgQuery__Node *n = c->st->node;

	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		create_index(c, n->index_stmt);
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		drop_index(c, n->drop_stmt);
		break;
	case PG_QUERY__NODE__NODE_REINDEX_STMT:
		reindex(c, n->reindex_stmt);
		break;
	default:
		break;
	}
}
