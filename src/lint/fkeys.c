/* fkeys.c - the foreign keys the migrations create, and the tables they reference
 *
 * Dropping a foreign key (ALTER TABLE ... DROP CONSTRAINT, or DROP TABLE of the
 * table that holds it) takes ACCESS EXCLUSIVE on the referenced table as well:
 * PostgreSQL removes the constraint's triggers there. The statement does not
 * name that table; the migrations that created the key do. plan asks here.
 */
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"
#include "base/strbuf.h"
#include "base/strlist.h"
#include "base/util.h"

static void add_fk(struct linter *l, const char *table, const char *name, const char *ref)
{
	struct lint_fk *k;

	if (!table || !name || !ref)
		return;
	ALLOC_GROW(l->fks, l->nfks + 1, l->afks);
	k = &l->fks[l->nfks++];
	k->table = xstrdup(table);
	k->name = xstrdup(name);
	k->ref = xstrdup(ref);
}

/* PostgreSQL's name for an unnamed key: table_col1_col2_fkey (not truncated here). */
static char *auto_name(const char *table, PgQuery__Node *const *cols, size_t n, const char *col)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_addstr(&sb, table);
	for (i = 0; i < n; i++) {
		const char *c = pgnode_str(cols[i]);

		strbuf_addf(&sb, "_%s", c ? c : "");
	}
	if (col)
		strbuf_addf(&sb, "_%s", col);
	strbuf_addstr(&sb, "_fkey");
	return strbuf_detach(&sb, NULL);
}

/* A FOREIGN KEY constraint of table (col: the column it is declared on, or NULL). */
static void note_constraint(struct linter *l, const char *table, const PgQuery__Node *n,
			    const char *col)
{
	const PgQuery__Constraint *k;
	char *name;

	if (!n || n->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
		return;
	k = n->constraint;
	if (k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN || !k->pktable)
		return;
	name = k->conname && *k->conname ? xstrdup(k->conname) :
	       auto_name(table, k->fk_attrs, k->n_fk_attrs, col);
	add_fk(l, table, name, k->pktable->relname);
	free(name);
}

static void note_column(struct linter *l, const char *table, const PgQuery__Node *n)
{
	const PgQuery__ColumnDef *d;
	size_t i;

	if (!n || n->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF)
		return;
	d = n->column_def;
	for (i = 0; i < d->n_constraints; i++)
		note_constraint(l, table, d->constraints[i], d->colname);
}

void lint_note_fkeys(struct linter *l, const PgQuery__Node *n)
{
	size_t i;

	if (!n)
		return;
	if (n->node_case == PG_QUERY__NODE__NODE_CREATE_STMT && n->create_stmt->relation) {
		const char *t = n->create_stmt->relation->relname;

		for (i = 0; i < n->create_stmt->n_table_elts; i++) {
			note_column(l, t, n->create_stmt->table_elts[i]);
			note_constraint(l, t, n->create_stmt->table_elts[i], NULL);
		}
	} else if (n->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT &&
		   n->alter_table_stmt->relation) {
		const char *t = n->alter_table_stmt->relation->relname;

		for (i = 0; i < n->alter_table_stmt->n_cmds; i++) {
			const PgQuery__Node *c = n->alter_table_stmt->cmds[i];

			if (c->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
				continue;
			note_column(l, t, c->alter_table_cmd->def);
			note_constraint(l, t, c->alter_table_cmd->def, NULL);
		}
	}
}

const char *linter_fk_references(const struct linter *l, const char *table, const char *constraint)
{
	size_t i;

	for (i = l->nfks; table && constraint && i-- > 0;)
		if (!strcmp(l->fks[i].table, table) && !strcmp(l->fks[i].name, constraint))
			return l->fks[i].ref;
	return NULL;
}

void linter_fk_tables(const struct linter *l, const char *table, struct strlist *out)
{
	size_t i;

	for (i = 0; table && i < l->nfks; i++)
		if (!strcmp(l->fks[i].table, table) && strcmp(l->fks[i].ref, table))
			strlist_add(out, l->fks[i].ref);
}

void lint_fkeys_release(struct linter *l)
{
	size_t i;

	for (i = 0; i < l->nfks; i++) {
		free(l->fks[i].table);
		free(l->fks[i].name);
		free(l->fks[i].ref);
	}
	free(l->fks);
}
