/* rules_down.c - what a down file does, seen as a whole
 *
 *   drops-nothing    DROP ... IF EXISTS of an object that no migration creates (a typo?)
 */
#include <string.h>

#include "lint/lint_int.h"
#include "base/util.h"

/* ---- the names every migration seen so far creates ---- */

static void note(struct linter *l, const char *name)
{
	if (name && *name && l->keep_created)
		strmap_put(&l->created, name, 1);
}

static void note_list(struct linter *l, PgQuery__Node *const *items, size_t n)
{
	note(l, pgnode_last_str(items, n));
}

static void note_rv(struct linter *l, const PgQuery__RangeVar *rv)
{
	if (rv)
		note(l, rv->relname);
}

/* One statement's creations (and renames: the new name). */
void lint_note_created(struct linter *l, const PgQuery__Node *n)
{
	if (!n)
		return;
	lint_note_fkeys(l, n);
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		note_rv(l, n->create_stmt->relation);
		break;
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		if (n->create_table_as_stmt->into)
			note_rv(l, n->create_table_as_stmt->into->rel);
		break;
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		note_rv(l, n->view_stmt->view);
		break;
	case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
		note_rv(l, n->create_seq_stmt->sequence);
		break;
	case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT:
		note_rv(l, n->composite_type_stmt->typevar);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		note(l, n->index_stmt->idxname);
		break;
	case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
		note_list(l, n->create_enum_stmt->type_name, n->create_enum_stmt->n_type_name);
		break;
	case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT:
		note_list(l, n->create_domain_stmt->domainname, n->create_domain_stmt->n_domainname);
		break;
	case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
		note_list(l, n->create_function_stmt->funcname, n->create_function_stmt->n_funcname);
		break;
	case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
		note(l, n->create_trig_stmt->trigname);
		break;
	case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
		note(l, n->create_schema_stmt->schemaname);
		break;
	case PG_QUERY__NODE__NODE_CREATE_EXTENSION_STMT:
		note(l, n->create_extension_stmt->extname);
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		note(l, n->rename_stmt->newname);
		break;
	default:
		break;
	}
}

/* ---- drops-nothing ---- */

void rules_down(struct lint_ctx *c)
{
	const PgQuery__Node *n = c->st->node;
	const PgQuery__DropStmt *d;
	size_t i, v;

	if (!c->revert_seq || !n || n->node_case != PG_QUERY__NODE__NODE_DROP_STMT)
		return;
	d = n->drop_stmt;
	if (!d->missing_ok)
		return;
	for (i = 0; i < d->n_objects; i++) {
		const char *name = lint_dropped_name(d->objects[i]);
		struct lint_emit e = { .rule = "drops-nothing", .where = { -1, -1 } };

		if (!name || strmap_get(&c->l->created, name, &v))
			continue;
		e.vars[0] = "name";
		e.vars[1] = ctx_ident(c, name);
		lint_report(c, &e, "drops nothing: no migration creates %s; a typo?", ctx_quote(c, name));
	}
}
