/* rules_tx.c - rules about transactions: what runs inside one, and what it holds
 *
 *   concurrently-in-transaction    CONCURRENTLY/VACUUM... where it cannot run
 *   uncommitted-transaction        BEGIN without COMMIT
 *   enum-add-value-in-transaction  ALTER TYPE ... ADD VALUE in a transaction before 12
 *   new-enum-value-used            a value used in the transaction that added it
 *   slow-statement-after-lock      a backfill or scan while a dangerous lock is held
 *   multiple-alter-table           several ALTERs of one table that each scan or rewrite it
 */
#include <stdlib.h>
#include <string.h>

#include "lint/lint_int.h"
#include "base/util.h"

void tx_state_release(struct tx_state *tx)
{
	size_t i;

	for (i = 0; i < tx->nlocks; i++)
		free(tx->locks[i].table);
	free(tx->locks);
	strmap_release(&tx->lock_by_table);
	for (i = 0; i < tx->ncons; i++) {
		free(tx->cons[i].table);
		free(tx->cons[i].name);
	}
	free(tx->cons);
	strmap_release(&tx->cons_by_key);
	for (i = 0; i < tx->nenums; i++) {
		free(tx->enums[i].type);
		free(tx->enums[i].value);
	}
	free(tx->enums);
	memset(tx, 0, sizeof(*tx));
	tx->first_danger = -1;
}

void tx_state_reset(struct tx_state *tx, int id)
{
	tx_state_release(tx);
	tx->id = id;
}

static const char *notx_name(const PgQuery__Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		return "CREATE INDEX CONCURRENTLY";
	case PG_QUERY__NODE__NODE_DROP_STMT:
		return "DROP INDEX CONCURRENTLY";
	case PG_QUERY__NODE__NODE_REINDEX_STMT: {
		size_t i;

		for (i = 0; i < n->reindex_stmt->n_params; i++)
			if (n->reindex_stmt->params[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM &&
			    !strcmp(n->reindex_stmt->params[i]->def_elem->defname, "concurrently"))
				return "REINDEX CONCURRENTLY";
		return n->reindex_stmt->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SYSTEM ?
		       "REINDEX SYSTEM" : "REINDEX DATABASE";
	}
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		return "DETACH PARTITION CONCURRENTLY";
	case PG_QUERY__NODE__NODE_VACUUM_STMT:
		return "VACUUM";
	default:
		return sql_stmt_kind(n);
	}
}

static void concurrently_in_tx(struct lint_ctx *c)
{
	struct lint_emit e = { .rule = "concurrently-in-transaction", .where = { -1, -1 } };
	const char *what = notx_name(c->st->node);
	struct span kw = span_keyword(c, PG_QUERY__TOKEN__CONCURRENTLY, -1);

	if (kw.start != c->st->offset)
		e.where = kw;
	e.lock = ctx_stmt_lock(c, NULL);
	if (c->mode == TX_MIXED) {
		struct sql_stmt_pos o = sql_script_pos(c->script, (size_t)c->mixed_tx_stmt);

		e.vars[0] = "statement";
		e.vars[1] = ctx_text(c, span_stmt(c));
		lint_report(c, &e,
			    "%s cannot run inside a transaction block, and this migration runs in one: "
			    "it also has statements that need a transaction (line %d)",
			    what, o.line);
	} else {
		int line = c->st->line;
		size_t i;

		for (i = c->si; i-- > 0;) {
			struct sql_stmt_pos b = sql_script_pos(c->script, i);

			if (b.flags & STMT_TX_CONTROL) {
				line = b.line;
				break;
			}
		}
		e.vars[0] = "statement";
		e.vars[1] = ctx_text(c, span_stmt(c));
		lint_report(c, &e, "%s cannot run inside a transaction block (BEGIN at line %d)", what,
			    line);
	}
}

static int is_add_value(const PgQuery__Node *n)
{
	return n->node_case == PG_QUERY__NODE__NODE_ALTER_ENUM_STMT &&
	       (!n->alter_enum_stmt->old_val || !*n->alter_enum_stmt->old_val);
}

struct enum_use {
	const struct tx_state *tx;
	int loc;
	const char *value;
};

static int find_enum_use(const ProtobufCMessage *m, void *ud)
{
	struct enum_use *u = ud;
	const PgQuery__AConst *k;
	size_t i;

	if (!PGNODE_IS(m, a__const))
		return PGNODE_CONTINUE;
	k = (const PgQuery__AConst *)m;
	if (k->val_case != PG_QUERY__A__CONST__VAL_SVAL || !k->sval)
		return PGNODE_CONTINUE;
	for (i = 0; i < u->tx->nenums; i++)
		if (!strcmp(u->tx->enums[i].value, k->sval->sval)) {
			u->loc = k->location;
			u->value = u->tx->enums[i].value;
			return PGNODE_STOP;
		}
	return PGNODE_CONTINUE;
}

static void enum_rules(struct lint_ctx *c)
{
	const PgQuery__Node *n = c->st->node;
	struct tx_state *tx = &c->tx;

	if (is_add_value(n)) {
		const PgQuery__AlterEnumStmt *a = n->alter_enum_stmt;
		const char *type = pgnode_last_str(a->type_name, a->n_type_name);

		if (ctx_in_tx(c) && c->pg < 12) {
			struct lint_emit e = { .rule = "enum-add-value-in-transaction",
					       .where = span_keyword(c, PG_QUERY__TOKEN__VALUE_P, -1),
					       .lock = { LOCK_EXCLUSIVE, 0, 0, type },
					       .vars = { "type", ctx_ident(c, type), "value", a->new_val } };

			lint_report(c, &e, "ALTER TYPE %s ADD VALUE cannot run inside a transaction "
				    "block before PostgreSQL 12", ctx_quote(c, type));
		}
		if (ctx_in_tx(c)) {
			struct added_enum_value *v;

			ALLOC_GROW(tx->enums, tx->nenums + 1, tx->aenums);
			v = &tx->enums[tx->nenums++];
			v->type = xstrdup(type ? type : "");
			v->value = xstrdup(a->new_val ? a->new_val : "");
			v->line = c->st->line;
		}
		return;
	}
	if (tx->nenums && ctx_in_tx(c)) {
		struct enum_use u = { tx, -1, NULL };

		pgnode_walk(&n->base, find_enum_use, &u);
		if (u.value) {
			struct lint_emit e = { .rule = "new-enum-value-used",
					       .where = span_expr(c, u.loc),
					       .vars = { "value", u.value } };

			lint_report(c, &e, "'%s' was added to an enum in this transaction; PostgreSQL "
				    "refuses to use it before that transaction commits (SQLSTATE 55P04)",
				    u.value);
		}
	}
}

void rules_tx(struct lint_ctx *c)
{
	if ((c->st->flags & STMT_NO_TX) && ctx_in_tx(c))
		concurrently_in_tx(c);
	enum_rules(c);
}

/* ---- after the statement's own rules ---- */

static struct held_lock *held(struct tx_state *tx, const char *table)
{
	size_t i;

	if (!strmap_get(&tx->lock_by_table, table, &i))
		return NULL;
	return &tx->locks[i];
}

static struct held_lock *hold(struct tx_state *tx, const char *table, enum lock_mode mode,
			      int si, int line)
{
	struct held_lock *h = held(tx, table);

	if (h) {
		if (mode > h->mode) {
			h->mode = mode;
			h->stmt = si;
			h->line = line;
		}
		return h;
	}
	ALLOC_GROW(tx->locks, tx->nlocks + 1, tx->alocks);
	h = &tx->locks[tx->nlocks];
	memset(h, 0, sizeof(*h));
	h->table = xstrdup(table);
	h->mode = mode;
	h->stmt = si;
	h->line = line;
	strmap_put(&tx->lock_by_table, table, tx->nlocks);
	return &tx->locks[tx->nlocks++];
}

static int is_existing(const struct lint_ctx *c, const char *table)
{
	const struct sch_table *t = schema_table(c->schema, NULL, table);

	return !(t && ctx_seq_is_new(c, t->seq));
}

struct select_read {
	const struct lint_ctx *c;
	const char *table;
};

static int find_read_table(const ProtobufCMessage *m, void *ud)
{
	struct select_read *r = ud;
	const PgQuery__RangeVar *rv;

	if (!PGNODE_IS(m, range_var))
		return PGNODE_CONTINUE;
	rv = (const PgQuery__RangeVar *)m;
	if (rv->relname && is_existing(r->c, rv->relname)) {
		r->table = rv->relname;
		return PGNODE_STOP;
	}
	return PGNODE_CONTINUE;
}

/* The first existing table a plain SELECT reads (FROM, JOIN, subqueries), or NULL. */
static const char *select_reads(const struct lint_ctx *c, const PgQuery__SelectStmt *s)
{
	struct select_read r = { c, NULL };
	size_t i;

	for (i = 0; i < s->n_from_clause && !r.table; i++)
		pgnode_walk(&s->from_clause[i]->base, find_read_table, &r);
	if (!r.table && s->larg)
		r.table = select_reads(c, s->larg);
	if (!r.table && s->rarg)
		r.table = select_reads(c, s->rarg);
	return r.table;
}

/* Is this statement a backfill or a scan of an existing table? Its description, or NULL.
 * *select: a plain SELECT (it blocks nothing by itself: only an ACCESS EXCLUSIVE held
 * meanwhile makes it a danger). */
static const char *slow_statement(struct lint_ctx *c, const char **table, int *select)
{
	const PgQuery__Node *n = c->st->node;
	struct lock_effect e[16];
	size_t k, i;

	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_SELECT_STMT:
		if (n->select_stmt->into_clause || !(*table = select_reads(c, n->select_stmt)))
			return NULL;
		*select = 1;
		return "a SELECT";
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		if (n->update_stmt->relation && is_existing(c, n->update_stmt->relation->relname)) {
			*table = n->update_stmt->relation->relname;
			return "UPDATE";
		}
		return NULL;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		if (n->delete_stmt->relation && is_existing(c, n->delete_stmt->relation->relname)) {
			*table = n->delete_stmt->relation->relname;
			return "DELETE";
		}
		return NULL;
	case PG_QUERY__NODE__NODE_INSERT_STMT: {
		const PgQuery__Node *sel = n->insert_stmt->select_stmt;

		if (sel && sel->node_case == PG_QUERY__NODE__NODE_SELECT_STMT &&
		    sel->select_stmt->n_from_clause && n->insert_stmt->relation) {
			*table = n->insert_stmt->relation->relname;
			return "INSERT ... SELECT";
		}
		return NULL;
	}
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT: {
		const PgQuery__AlterTableStmt *a = n->alter_table_stmt;
		int cost = 0;

		if (!a->relation || !is_existing(c, a->relation->relname))
			return NULL;
		for (i = 0; i < a->n_cmds; i++) {
			int k2;

			if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
				continue;
			k2 = lint_alter_cost(c, a, a->cmds[i]->alter_table_cmd);
			if (k2 == 3)
				return NULL; /* uncertain: change-column-type says so already */
			if (k2 > cost)
				cost = k2;
		}
		if (!cost)
			return NULL;
		*table = a->relation->relname;
		return cost == 2 ? "a rewrite" : "a full scan";
	}
	default:
		break;
	}
	k = locks_for_stmt(n, c->pg, e, ARRAY_SIZE(e));
	if (k > ARRAY_SIZE(e))
		k = ARRAY_SIZE(e);
	for (i = 0; i < k; i++)
		if (e[i].target == LOCK_ON_TABLE && (e[i].rewrite || e[i].scan) &&
		    is_existing(c, e[i].name)) {
			*table = e[i].name;
			return e[i].rewrite ? "a rewrite" : "a full scan";
		}
	return NULL;
}

/* An ACCESS EXCLUSIVE lock the transaction holds: on table when same_ok and held, else
 * the first one on another table; NULL if none. */
static const struct held_lock *held_access_exclusive(struct tx_state *tx, const char *table,
						     int same_ok)
{
	const struct held_lock *h = held(tx, table);
	size_t i;

	if (same_ok && h && h->mode == LOCK_ACCESS_EXCLUSIVE)
		return h;
	for (i = 0; i < tx->nlocks; i++)
		if (tx->locks[i].mode == LOCK_ACCESS_EXCLUSIVE && strcmp(tx->locks[i].table, table))
			return &tx->locks[i];
	return NULL;
}

static void check_slow(struct lint_ctx *c)
{
	struct tx_state *tx = &c->tx;
	const struct held_lock *h;
	const char *what, *table = NULL;
	int select = 0;

	if (tx->first_danger < 0)
		return;
	what = slow_statement(c, &table, &select);
	if (!what)
		return;
	/* the lock on the same table says most; else the first one taken */
	h = held(tx, table);
	if (!h || !lock_blocks_writes(h->mode))
		h = &tx->locks[tx->first_danger];
	if (select || c->stmt_errors) {
		/* a SELECT, or a statement already reported for what it does to its own
		 * table: what matters is an ACCESS EXCLUSIVE held on another one meanwhile */
		if (!(h = held_access_exclusive(tx, table, !c->stmt_errors)))
			return;
	}
	{
		struct lint_emit e = {
			.rule = "slow-statement-after-lock",
			.where = { -1, -1 },
			.lock = { h->mode, 0, 0, h->table },
			.vars = { "table", ctx_ident(c, h->table), "line", ctx_printf(c, "%d", h->line) },
		};

		if (!strcmp(h->table, table))
			lint_report(c, &e, "%s of %s runs while this transaction holds %s on it "
				    "(taken at line %d): %s wait until commit",
				    what, ctx_quote(c, table), lock_mode_name(h->mode), h->line,
				    lock_blocks_reads(h->mode) ? "reads and writes" : "writes");
		else
			lint_report(c, &e, "%s of %s runs while this transaction holds %s on %s "
				    "(taken at line %d): %s of %s wait until commit",
				    what, ctx_quote(c, table), lock_mode_name(h->mode), ctx_quote(c, h->table),
				    h->line, lock_blocks_reads(h->mode) ? "reads and writes" : "writes",
				    ctx_quote(c, h->table));
	}
}

/* The relation this statement creates (it is new and empty), or NULL. */
static const char *created_relation(const PgQuery__Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		return n->create_stmt->relation ? n->create_stmt->relation->relname : NULL;
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		return n->create_table_as_stmt->into && n->create_table_as_stmt->into->rel ?
		       n->create_table_as_stmt->into->rel->relname : NULL;
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		return n->view_stmt->view && !n->view_stmt->replace ? n->view_stmt->view->relname : NULL;
	default:
		return NULL;
	}
}

/* The most an ALTER TABLE costs on its table: 0 catalog only, else a scan or a rewrite. */
static int alter_cost(struct lint_ctx *c, const PgQuery__AlterTableStmt *a)
{
	int most = 0, k;
	size_t i;

	for (i = 0; i < a->n_cmds; i++)
		if (a->cmds[i]->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_CMD &&
		    (k = lint_alter_cost(c, a, a->cmds[i]->alter_table_cmd)) > most)
			most = k;
	return most;
}

/*
 * multiple-alter-table: in one transaction the lock is taken once anyway (it is
 * held until commit), so separate ALTERs cost something only when two of them
 * each scan or rewrite the table: one ALTER TABLE would make one pass.
 */
static void multiple_alter(struct lint_ctx *c, const PgQuery__AlterTableStmt *a,
			   struct held_lock *h, const struct lock_effect *le)
{
	struct lint_emit w = {
		.rule = "multiple-alter-table",
		.where = { -1, -1 },
		.lock = { LOCK_ACCESS_EXCLUSIVE, le->rewrite, le->scan, h->table },
	};

	if (!alter_cost(c, a))
		return;
	if (!h->ael_alters++) {
		h->first_alter_line = c->st->line;
		return;
	}
	if (h->warned_multi)
		return;
	h->warned_multi = 1;
	w.vars[0] = "table";
	w.vars[1] = ctx_relname(c, a->relation);
	lint_report(c, &w, "another ALTER TABLE %s in this transaction that scans or rewrites it "
		    "(the first at line %d): combine them into one ALTER TABLE so the table is "
		    "scanned or rewritten once", ctx_quote(c, h->table), h->first_alter_line);
}

static void record_locks(struct lint_ctx *c)
{
	const PgQuery__Node *n = c->st->node;
	struct tx_state *tx = &c->tx;
	struct lock_effect e[16];
	const char *created = created_relation(n);
	size_t k, i;

	k = locks_for_stmt(n, c->pg, e, ARRAY_SIZE(e));
	if (k > ARRAY_SIZE(e))
		k = ARRAY_SIZE(e);
	for (i = 0; i < k; i++) {
		struct held_lock *h;

		if (e[i].target != LOCK_ON_TABLE || !lock_blocks_writes(e[i].mode) ||
		    !is_existing(c, e[i].name) || (created && !strcmp(created, e[i].name)))
			continue;
		h = hold(tx, e[i].name, e[i].mode, (int)c->si, c->st->line);
		if (tx->first_danger < 0)
			tx->first_danger = (int)(h - tx->locks);
		if (n->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT &&
		    e[i].mode == LOCK_ACCESS_EXCLUSIVE && n->alter_table_stmt->relation &&
		    !strcmp(e[i].name, n->alter_table_stmt->relation->relname))
			multiple_alter(c, n->alter_table_stmt, h, &e[i]);
	}
}

void rules_tx_after(struct lint_ctx *c)
{
	if (!ctx_in_tx(c))
		return;
	check_slow(c);
	record_locks(c);
}

void rules_tx_end(struct lint_ctx *c)
{
	struct sql_stmt_pos b;

	if (c->st || c->mode != TX_SELF || c->open_begin_stmt < 0)
		return;
	b = sql_script_pos(c->script, (size_t)c->open_begin_stmt);
	{
		struct lint_emit e = { .rule = "uncommitted-transaction",
				       .where = { b.offset, b.offset + b.len } };

		lint_report(c, &e, "BEGIN at line %d has no COMMIT: the migration would end with "
			    "its transaction open (the runner rolls it back)", b.line);
	}
}
