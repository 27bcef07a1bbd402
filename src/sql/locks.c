/* locks.c - what a statement locks, rewrites and scans (per server version)
 *
 * Sources: the PostgreSQL manual (explicit-locking, sql-altertable,
 * sql-createindex, sql-reindex, ddl-partitioning), tablecmds.c's
 * AlterTableGetLockLevel, and the observations in LOCKS.md.
 */
#include <string.h>
#include <strings.h>

#include "sql/locks.h"
#include "sql/pgnode.h"

static const char *const mode_names[] = {
	[LOCK_NONE] = "none",
	[LOCK_ACCESS_SHARE] = "ACCESS SHARE",
	[LOCK_ROW_SHARE] = "ROW SHARE",
	[LOCK_ROW_EXCLUSIVE] = "ROW EXCLUSIVE",
	[LOCK_SHARE_UPDATE_EXCLUSIVE] = "SHARE UPDATE EXCLUSIVE",
	[LOCK_SHARE] = "SHARE",
	[LOCK_SHARE_ROW_EXCLUSIVE] = "SHARE ROW EXCLUSIVE",
	[LOCK_EXCLUSIVE] = "EXCLUSIVE",
	[LOCK_ACCESS_EXCLUSIVE] = "ACCESS EXCLUSIVE",
};

const char *lock_mode_name(enum lock_mode m)
{
	if ((unsigned)m > LOCK_ACCESS_EXCLUSIVE)
		return "unknown";
	return mode_names[m];
}

int lock_blocks_reads(enum lock_mode m)
{
	return m == LOCK_ACCESS_EXCLUSIVE;
}

int lock_blocks_writes(enum lock_mode m)
{
	return m >= LOCK_SHARE;
}

const char *lock_blocks_text(enum lock_mode m)
{
	if (lock_blocks_reads(m))
		return "reads, writes";
	if (lock_blocks_writes(m))
		return "writes";
	return "";
}

enum lock_mode lock_mode_from_number(int n)
{
	if (n < 1 || n > 8)
		return LOCK_ACCESS_EXCLUSIVE;
	return (enum lock_mode)n;
}

/* ---- volatility of expressions ---- */

/* Built-in functions by volatility (pg_proc.provolatile), the ones migrations use. */
static const char *const volatile_funcs[] = {
	"random", "random_normal", "setseed", "gen_random_uuid", "gen_random_bytes",
	"uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "uuidv4", "uuidv7",
	"uuid_generate_v7", "clock_timestamp", "timeofday", "nextval", "setval", "currval",
	"lastval", "txid_current", "txid_current_if_assigned", "pg_current_xact_id",
	"pg_current_xact_id_if_assigned", "gen_salt", "pg_sleep", "dblink",
	"pg_notify", "set_config", "lo_import", "lo_creat", "lo_create",
};

static const char *const stable_funcs[] = {
	"now", "transaction_timestamp", "statement_timestamp", "current_setting",
	"current_database", "current_schema", "current_schemas", "current_query",
	"pg_backend_pid", "inet_client_addr", "inet_client_port", "inet_server_addr",
	"inet_server_port", "version", "to_char", "to_timestamp", "to_date", "age",
	"date_trunc", "date_part", "extract", "concat", "concat_ws", "format",
	"to_json", "to_jsonb", "json_build_object", "jsonb_build_object",
	"json_build_array", "jsonb_build_array", "row_to_json", "array_to_json",
	"txid_current_snapshot", "pg_current_snapshot", "timezone", "make_timestamptz",
	"has_table_privilege", "has_schema_privilege", "pg_postmaster_start_time",
	"to_regclass", "to_regtype", "obj_description", "col_description",
	"array_to_string", "to_number", "quote_literal", "quote_nullable",
};

static const char *const immutable_funcs[] = {
	"lower", "upper", "initcap", "length", "char_length", "character_length",
	"octet_length", "bit_length", "abs", "round", "trunc", "floor", "ceil",
	"ceiling", "sign", "sqrt", "power", "pow", "mod", "div", "exp", "ln", "log",
	"md5", "sha224", "sha256", "sha384", "sha512", "substr", "substring",
	"replace", "translate", "btrim", "ltrim", "rtrim", "trim", "lpad", "rpad",
	"left", "right", "reverse", "repeat", "split_part", "strpos", "position",
	"regexp_replace", "regexp_match", "starts_with", "chr", "ascii", "encode",
	"decode", "array_length", "array_upper", "array_lower", "cardinality",
	"array_append", "array_prepend", "array_cat", "array_remove", "array_fill",
	"make_date", "make_time", "make_interval", "make_timestamp", "uuid_nil",
	"uuid_ns_dns", "uuid_ns_url", "uuid_ns_oid", "uuid_ns_x500",
	"uuid_generate_v3", "uuid_generate_v5", "int2", "int4", "int8", "float4",
	"float8", "numeric", "text", "bool", "varchar", "bpchar", "date", "interval",
	"jsonb_typeof", "json_typeof", "jsonb_strip_nulls", "jsonb_set",
	"jsonb_insert", "jsonb_extract_path", "jsonb_extract_path_text",
	"to_tsvector", "setweight", "hashtext", "inet", "cidr", "host", "masklen",
	"numrange", "int4range", "int8range", "daterange", "tsrange", "tstzrange",
	"point", "box", "circle", "lseg", "path", "polygon", "isfinite",
	"pg_catalog.now", "array_position", "array_positions", "date_bin", "json_object",
	"jsonb_object", "justify_days", "justify_hours", "justify_interval", "num_nonnulls",
	"num_nulls", "quote_ident", "regexp_split_to_array", "string_to_array", "to_hex",
};

static int in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(name, list[i]))
			return 1;
	return 0;
}

struct vol_walk {
	volatility_lookup_fn lookup;
	void *ud;
	enum volatility v;
	int where;
};

static void vol_raise(struct vol_walk *w, enum volatility v, int loc)
{
	if (v > w->v) {
		w->v = v;
		w->where = loc;
	}
}

static enum volatility func_volatility(const PgQuery__FuncCall *f, struct vol_walk *w)
{
	const char *name = pgnode_last_str(f->funcname, f->n_funcname);
	const char *schema = pgnode_qualifier(f->funcname, f->n_funcname);
	int known;

	if (!name)
		return VOL_UNKNOWN;
	if (w->lookup) {
		known = w->lookup(w->ud, schema, name);
		if (known >= 0)
			return (enum volatility)known;
	}
	if (schema && strcmp(schema, "pg_catalog") != 0 && strcmp(schema, "public") != 0)
		return VOL_UNKNOWN;
	if (in_list(name, volatile_funcs, sizeof(volatile_funcs) / sizeof(*volatile_funcs)))
		return VOL_VOLATILE;
	if (in_list(name, stable_funcs, sizeof(stable_funcs) / sizeof(*stable_funcs)))
		return VOL_STABLE;
	if (in_list(name, immutable_funcs, sizeof(immutable_funcs) / sizeof(*immutable_funcs)))
		return VOL_IMMUTABLE;
	return VOL_UNKNOWN;
}

static int vol_visit(const ProtobufCMessage *m, void *ud)
{
	struct vol_walk *w = ud;

	if (PGNODE_IS(m, func_call)) {
		const PgQuery__FuncCall *f = (const PgQuery__FuncCall *)m;

		vol_raise(w, func_volatility(f, w), f->location);
	} else if (PGNODE_IS(m, sqlvalue_function)) {
		vol_raise(w, VOL_STABLE, ((const PgQuery__SQLValueFunction *)m)->location);
	} else if (PGNODE_IS(m, sub_link)) {
		vol_raise(w, VOL_UNKNOWN, ((const PgQuery__SubLink *)m)->location);
	}
	return w->v == VOL_VOLATILE ? PGNODE_STOP : PGNODE_CONTINUE;
}

enum volatility expr_volatility(const PgQuery__Node *expr, volatility_lookup_fn lookup,
				void *ud, int *where)
{
	struct vol_walk w = { lookup, ud, VOL_IMMUTABLE, -1 };

	if (expr)
		pgnode_walk(&expr->base, vol_visit, &w);
	if (where)
		*where = w.where;
	return w.v;
}

/* ---- columns ---- */

static int is_serial_type(const PgQuery__TypeName *t)
{
	static const char *const serials[] = {
		"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial",
	};
	const char *n = pgnode_type_name(t);

	return !pgnode_type_schema(t) && !pgnode_type_is_array(t) &&
	       in_list(n, serials, sizeof(serials) / sizeof(*serials));
}

static int is_null_const(const PgQuery__Node *n)
{
	while (n && n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST)
		n = n->type_cast->arg;
	return n && n->node_case == PG_QUERY__NODE__NODE_A_CONST && n->a_const->isnull;
}

int locks_column_rewrites(const PgQuery__ColumnDef *col, int pg_version,
			  volatility_lookup_fn lookup, void *ud)
{
	size_t i;

	if (!col)
		return 0;
	if (is_serial_type(col->type_name))
		return 1;
	if (col->identity && *col->identity)
		return 1;
	if (col->raw_default && !is_null_const(col->raw_default) &&
	    (pg_version < 11 || expr_volatility(col->raw_default, lookup, ud, NULL) >= VOL_UNKNOWN))
		return 1;
	for (i = 0; i < col->n_constraints; i++) {
		const PgQuery__Node *n = col->constraints[i];
		const PgQuery__Constraint *c;

		if (n->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		c = n->constraint;
		switch (c->contype) {
		case PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY:
		case PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED:
			return 1;
		case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
			if (c->raw_expr && !is_null_const(c->raw_expr) &&
			    (pg_version < 11 ||
			     expr_volatility(c->raw_expr, lookup, ud, NULL) >= VOL_UNKNOWN))
				return 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Does ADD COLUMN with this definition read the whole table (without rewriting)? */
static int column_scans(const PgQuery__ColumnDef *col)
{
	int has_default = col->raw_default != NULL, not_null = col->is_not_null;
	size_t i;

	for (i = 0; i < col->n_constraints; i++) {
		const PgQuery__Node *n = col->constraints[i];

		if (n->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		switch (n->constraint->contype) {
		case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
		case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
		case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
		case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
			return 1;
		case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL:
			not_null = 1;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
			has_default = !is_null_const(n->constraint->raw_expr);
			break;
		default:
			break;
		}
	}
	return not_null && !has_default;
}

/* Lock level of ALTER TABLE SET (...) / RESET (...): tablecmds.c AlterTableGetRelOptionsLockLevel. */
static enum lock_mode reloptions_lock(const PgQuery__Node *def)
{
	static const char *const sue_opts[] = {
		"fillfactor", "autovacuum_enabled", "toast_tuple_target", "parallel_workers",
		"vacuum_index_cleanup", "vacuum_truncate", "log_autovacuum_min_duration",
		"user_catalog_table",
	};
	size_t i;

	if (!def || def->node_case != PG_QUERY__NODE__NODE_LIST)
		return LOCK_ACCESS_EXCLUSIVE;
	for (i = 0; i < def->list->n_items; i++) {
		const PgQuery__Node *n = def->list->items[i];
		const char *name;

		if (n->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
			return LOCK_ACCESS_EXCLUSIVE;
		name = n->def_elem->defname;
		if (!strncmp(name, "autovacuum_", 11) ||
		    (n->def_elem->defnamespace && !strcmp(n->def_elem->defnamespace, "toast") &&
		     !strncmp(name, "autovacuum_", 11)))
			continue;
		if (!in_list(name, sue_opts, sizeof(sue_opts) / sizeof(*sue_opts)))
			return LOCK_ACCESS_EXCLUSIVE;
	}
	return LOCK_SHARE_UPDATE_EXCLUSIVE;
}

static void constraint_effect(const PgQuery__Constraint *c, struct lock_effect *e)
{
	switch (c->contype) {
	case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
		e->mode = LOCK_ACCESS_EXCLUSIVE;
		e->scan = !c->skip_validation;
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
		e->mode = LOCK_SHARE_ROW_EXCLUSIVE;
		e->scan = !c->skip_validation;
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
		e->mode = LOCK_ACCESS_EXCLUSIVE;
		/* USING INDEX on a primary key still checks NOT NULL (a scan if nullable) */
		e->scan = 1;
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
		e->mode = LOCK_ACCESS_EXCLUSIVE;
		e->scan = !(c->indexname && *c->indexname);
		break;
	case PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION:
		e->mode = LOCK_ACCESS_EXCLUSIVE;
		e->scan = 1;
		break;
	default:
		e->mode = LOCK_ACCESS_EXCLUSIVE;
		break;
	}
}

void locks_for_alter_cmd(const PgQuery__AlterTableCmd *cmd, int pg_version,
			 struct lock_effect *e)
{
	memset(e, 0, sizeof(*e));
	e->location = -1;
	e->mode = LOCK_ACCESS_EXCLUSIVE;
	switch (cmd->subtype) {
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumnRecurse:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumnToView:
		if (cmd->def && cmd->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
			e->rewrite = locks_column_rewrites(cmd->def->column_def, pg_version, NULL, NULL);
			e->scan = e->rewrite || column_scans(cmd->def->column_def);
		}
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_CheckNotNull:
		e->scan = 1;
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetStatistics:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetOptions:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ResetOptions:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ClusterOn:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DropCluster:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartitionFinalize:
		e->mode = LOCK_SHARE_UPDATE_EXCLUSIVE;
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraintRecurse:
		if (cmd->def && cmd->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			constraint_effect(cmd->def->constraint, e);
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraintRecurse:
		e->mode = LOCK_SHARE_UPDATE_EXCLUSIVE;
		e->scan = 1;
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
		/* the general case; binary-coercible changes are refined by the caller */
		e->rewrite = 1;
		e->scan = 1;
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetLogged:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetUnLogged:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetAccessMethod:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetTableSpace:
		e->rewrite = 1;
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_SetRelOptions:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ResetRelOptions:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_ReplaceRelOptions:
		e->mode = reloptions_lock(cmd->def);
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrig:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableAlwaysTrig:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableReplicaTrig:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrig:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrigAll:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrigAll:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrigUser:
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrigUser:
		e->mode = LOCK_SHARE_ROW_EXCLUSIVE;
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition:
		e->mode = pg_version >= 12 ? LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_ACCESS_EXCLUSIVE;
		break;
	case PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition:
		if (cmd->def && cmd->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD &&
		    cmd->def->partition_cmd->concurrent && pg_version >= 14)
			e->mode = LOCK_SHARE_UPDATE_EXCLUSIVE;
		break;
	default:
		/* everything else (DROP COLUMN, SET/DROP DEFAULT, DROP NOT NULL,
		 * SET STORAGE, REPLICA IDENTITY, OWNER, identity...) is a brief AEL */
		break;
	}
}

/* ---- statements ---- */

struct acc {
	struct lock_effect *out;
	size_t max, n;
};

static void add(struct acc *a, const char *schema, const char *name, enum lock_target target,
		enum lock_mode mode, int rewrite, int scan, int location)
{
	size_t i, stored = a->n < a->max ? a->n : a->max;

	if (schema && !*schema)
		schema = NULL;
	if (!name)
		return;
	for (i = 0; i < stored; i++) {
		struct lock_effect *e = &a->out[i];

		if (e->target == target && !strcmp(e->name, name) &&
		    ((!e->schema && !schema) || (e->schema && schema && !strcmp(e->schema, schema)))) {
			if (mode > e->mode)
				e->mode = mode;
			e->rewrite |= rewrite;
			e->scan |= scan;
			return;
		}
	}
	if (a->n < a->max) {
		struct lock_effect *e = &a->out[a->n];

		e->schema = schema;
		e->name = name;
		e->target = target;
		e->mode = mode;
		e->rewrite = rewrite;
		e->scan = scan;
		e->location = location;
	}
	a->n++;
}

static void add_rv(struct acc *a, const PgQuery__RangeVar *rv, enum lock_target target,
		   enum lock_mode mode, int rewrite, int scan)
{
	if (rv)
		add(a, rv->schemaname, rv->relname, target, mode, rewrite, scan, rv->location);
}

static void add_fk_refs(struct acc *a, const PgQuery__Constraint *c, int is_new)
{
	if (c->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN && c->pktable)
		add_rv(a, c->pktable, LOCK_ON_TABLE, LOCK_SHARE_ROW_EXCLUSIVE, 0,
		       !is_new && !c->skip_validation);
}

static void column_fk_refs(struct acc *a, const PgQuery__ColumnDef *col, int is_new)
{
	size_t i;

	for (i = 0; i < col->n_constraints; i++)
		if (col->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			add_fk_refs(a, col->constraints[i]->constraint, is_new);
}

static void alter_table(struct acc *a, const PgQuery__AlterTableStmt *s, int v)
{
	enum lock_target target = s->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX ?
		LOCK_ON_INDEX : LOCK_ON_TABLE;
	size_t i;

	for (i = 0; i < s->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c;
		struct lock_effect e;

		if (s->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		c = s->cmds[i]->alter_table_cmd;
		locks_for_alter_cmd(c, v, &e);
		add_rv(a, s->relation, target, e.mode, e.rewrite, e.scan);
		if (!c->def)
			continue;
		if (c->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			add_fk_refs(a, c->def->constraint, 0);
		else if (c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF &&
			 c->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType)
			column_fk_refs(a, c->def->column_def, 0);
		else if (c->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD) {
			const PgQuery__PartitionCmd *p = c->def->partition_cmd;

			if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition)
				add_rv(a, p->name, LOCK_ON_TABLE, LOCK_ACCESS_EXCLUSIVE, 0, 1);
			else if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition)
				add_rv(a, p->name, LOCK_ON_TABLE,
				       p->concurrent && v >= 14 ? LOCK_SHARE_UPDATE_EXCLUSIVE :
				       LOCK_ACCESS_EXCLUSIVE, 0, 0);
		}
	}
}

static void create_table(struct acc *a, const PgQuery__CreateStmt *s)
{
	size_t i;

	add_rv(a, s->relation, LOCK_ON_TABLE, LOCK_ACCESS_EXCLUSIVE, 0, 0);
	for (i = 0; i < s->n_table_elts; i++) {
		const PgQuery__Node *n = s->table_elts[i];

		if (n->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			column_fk_refs(a, n->column_def, 1);
		else if (n->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			add_fk_refs(a, n->constraint, 1);
	}
	for (i = 0; i < s->n_constraints; i++)
		if (s->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			add_fk_refs(a, s->constraints[i]->constraint, 1);
	/* PARTITION OF takes ACCESS EXCLUSIVE on the parent; INHERITS a SHARE UPDATE EXCLUSIVE */
	for (i = 0; i < s->n_inh_relations; i++)
		if (s->inh_relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
			add_rv(a, s->inh_relations[i]->range_var, LOCK_ON_TABLE,
			       s->partbound ? LOCK_ACCESS_EXCLUSIVE : LOCK_SHARE_UPDATE_EXCLUSIVE, 0, 0);
}

static void add_name_list(struct acc *a, const PgQuery__Node *obj, enum lock_target target,
			  enum lock_mode mode, int rewrite)
{
	const PgQuery__List *l;

	if (!obj || obj->node_case != PG_QUERY__NODE__NODE_LIST)
		return;
	l = obj->list;
	add(a, pgnode_qualifier(l->items, l->n_items), pgnode_last_str(l->items, l->n_items),
	    target, mode, rewrite, 0, -1);
}

static void drop(struct acc *a, const PgQuery__DropStmt *s)
{
	size_t i;

	for (i = 0; i < s->n_objects; i++) {
		const PgQuery__Node *o = s->objects[i];

		switch (s->remove_type) {
		case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
		case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
		case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
		case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE:
		case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
			add_name_list(a, o, LOCK_ON_TABLE, LOCK_ACCESS_EXCLUSIVE, 0);
			break;
		case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX:
			add_name_list(a, o, LOCK_ON_INDEX,
				      s->concurrent ? LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_ACCESS_EXCLUSIVE, 0);
			break;
		case PG_QUERY__OBJECT_TYPE__OBJECT_TRIGGER:
		case PG_QUERY__OBJECT_TYPE__OBJECT_RULE:
		case PG_QUERY__OBJECT_TYPE__OBJECT_POLICY:
			/* [schema.]table.name: the table is everything but the last item */
			if (o->node_case == PG_QUERY__NODE__NODE_LIST && o->list->n_items >= 2)
				add(a, pgnode_qualifier(o->list->items, o->list->n_items - 1),
				    pgnode_last_str(o->list->items, o->list->n_items - 1),
				    LOCK_ON_TABLE, LOCK_ACCESS_EXCLUSIVE, 0, 0, -1);
			break;
		default:
			break;
		}
	}
}

static void rename_stmt_locks(struct acc *a, const PgQuery__RenameStmt *s, int v)
{
	switch (s->rename_type) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX:
		add_rv(a, s->relation, LOCK_ON_INDEX,
		       v >= 12 ? LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_ACCESS_EXCLUSIVE, 0, 0);
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN:
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT:
	case PG_QUERY__OBJECT_TYPE__OBJECT_TRIGGER:
	case PG_QUERY__OBJECT_TYPE__OBJECT_RULE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_POLICY:
		add_rv(a, s->relation, LOCK_ON_TABLE, LOCK_ACCESS_EXCLUSIVE, 0, 0);
		break;
	default:
		break;
	}
}

static int has_option(PgQuery__Node *const *opts, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const PgQuery__DefElem *d;

		if (opts[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
			continue;
		d = opts[i]->def_elem;
		if (!strcasecmp(d->defname, name)) {
			/* (FULL false) turns it off */
			if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_BOOLEAN)
				return d->arg->boolean->boolval;
			if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_STRING)
				return strcasecmp(d->arg->string->sval, "false") &&
				       strcasecmp(d->arg->string->sval, "off");
			if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_INTEGER)
				return d->arg->integer->ival != 0;
			return 1;
		}
	}
	return 0;
}

static void vacuum(struct acc *a, const PgQuery__VacuumStmt *s)
{
	int full = s->is_vacuumcmd && has_option(s->options, s->n_options, "full");
	size_t i;

	for (i = 0; i < s->n_rels; i++)
		if (s->rels[i]->node_case == PG_QUERY__NODE__NODE_VACUUM_RELATION)
			add_rv(a, s->rels[i]->vacuum_relation->relation, LOCK_ON_TABLE,
			       full ? LOCK_ACCESS_EXCLUSIVE : LOCK_SHARE_UPDATE_EXCLUSIVE, full, 1);
}

static void reindex(struct acc *a, const PgQuery__ReindexStmt *s, int v)
{
	int conc = v >= 12 && has_option(s->params, s->n_params, "concurrently");

	if (s->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX)
		add_rv(a, s->relation, LOCK_ON_INDEX,
		       conc ? LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_ACCESS_EXCLUSIVE, 1, 1);
	else if (s->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_TABLE)
		add_rv(a, s->relation, LOCK_ON_TABLE,
		       conc ? LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_SHARE, 0, 1);
}

static void dml(struct acc *a, const PgQuery__RangeVar *rv, const PgQuery__Node *where, int has_where_field)
{
	add_rv(a, rv, LOCK_ON_TABLE, LOCK_ROW_EXCLUSIVE, 0,
	       has_where_field && (!where || pgnode_is_const_true(where)));
}

static void alter_domain(struct acc *a, const PgQuery__AlterDomainStmt *s)
{
	const char *name = pgnode_last_str(s->type_name, s->n_type_name);
	const char *schema = pgnode_qualifier(s->type_name, s->n_type_name);

	if (!s->subtype)
		return;
	if (s->subtype[0] == 'C' && s->def && s->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
		add(a, schema, name, LOCK_ON_DOMAIN_USERS, LOCK_SHARE, 0,
		    !s->def->constraint->skip_validation, -1);
	else if (s->subtype[0] == 'N' || s->subtype[0] == 'V')
		add(a, schema, name, LOCK_ON_DOMAIN_USERS, LOCK_SHARE, 0, 1, -1);
}

/* COMMENT ON a relation or a column takes SHARE UPDATE EXCLUSIVE on it; on a
 * constraint, trigger, rule or policy only ACCESS SHARE on its table
 * (get_object_address; observed by migrate rehearse on PostgreSQL 15). */
static void comment(struct acc *a, const PgQuery__CommentStmt *s)
{
	const PgQuery__Node *o = s->object;
	const PgQuery__List *l;

	if (!o || o->node_case != PG_QUERY__NODE__NODE_LIST)
		return;
	l = o->list;
	switch (s->objtype) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
		add_name_list(a, o, LOCK_ON_TABLE, LOCK_SHARE_UPDATE_EXCLUSIVE, 0);
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX:
		add_name_list(a, o, LOCK_ON_INDEX, LOCK_SHARE_UPDATE_EXCLUSIVE, 0);
		break;
	case PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN:
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT:
	case PG_QUERY__OBJECT_TYPE__OBJECT_TRIGGER:
	case PG_QUERY__OBJECT_TYPE__OBJECT_RULE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_POLICY:
		/* [schema.]table.name: the table is everything but the last item */
		if (l->n_items >= 2)
			add(a, pgnode_qualifier(l->items, l->n_items - 1),
			    pgnode_last_str(l->items, l->n_items - 1), LOCK_ON_TABLE,
			    s->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN ?
			    LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_ACCESS_SHARE, 0, 0, -1);
		break;
	default:
		break;
	}
}

size_t locks_for_stmt(const PgQuery__Node *stmt, int v, struct lock_effect *out, size_t max)
{
	struct acc a = { out, max, 0 };
	size_t i;

	if (!stmt)
		return 0;
	switch (stmt->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		alter_table(&a, stmt->alter_table_stmt, v);
		break;
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		create_table(&a, stmt->create_stmt);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		add_rv(&a, stmt->index_stmt->relation, LOCK_ON_TABLE,
		       stmt->index_stmt->concurrent ? LOCK_SHARE_UPDATE_EXCLUSIVE : LOCK_SHARE, 0, 1);
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		drop(&a, stmt->drop_stmt);
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		rename_stmt_locks(&a, stmt->rename_stmt, v);
		break;
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		for (i = 0; i < stmt->truncate_stmt->n_relations; i++)
			if (stmt->truncate_stmt->relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
				add_rv(&a, stmt->truncate_stmt->relations[i]->range_var, LOCK_ON_TABLE,
				       LOCK_ACCESS_EXCLUSIVE, 1, 0);
		break;
	case PG_QUERY__NODE__NODE_VACUUM_STMT:
		vacuum(&a, stmt->vacuum_stmt);
		break;
	case PG_QUERY__NODE__NODE_CLUSTER_STMT:
		add_rv(&a, stmt->cluster_stmt->relation, LOCK_ON_TABLE, LOCK_ACCESS_EXCLUSIVE, 1, 1);
		break;
	case PG_QUERY__NODE__NODE_REINDEX_STMT:
		reindex(&a, stmt->reindex_stmt, v);
		break;
	case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT:
		add_rv(&a, stmt->refresh_mat_view_stmt->relation, LOCK_ON_TABLE,
		       stmt->refresh_mat_view_stmt->concurrent ? LOCK_EXCLUSIVE : LOCK_ACCESS_EXCLUSIVE,
		       !stmt->refresh_mat_view_stmt->concurrent, 1);
		break;
	case PG_QUERY__NODE__NODE_LOCK_STMT:
		for (i = 0; i < stmt->lock_stmt->n_relations; i++)
			if (stmt->lock_stmt->relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
				add_rv(&a, stmt->lock_stmt->relations[i]->range_var, LOCK_ON_TABLE,
				       lock_mode_from_number(stmt->lock_stmt->mode), 0, 0);
		break;
	case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
		add_rv(&a, stmt->create_trig_stmt->relation, LOCK_ON_TABLE,
		       LOCK_SHARE_ROW_EXCLUSIVE, 0, 0);
		break;
	case PG_QUERY__NODE__NODE_ALTER_ENUM_STMT: {
		const PgQuery__AlterEnumStmt *s = stmt->alter_enum_stmt;

		add(&a, pgnode_qualifier(s->type_name, s->n_type_name),
		    pgnode_last_str(s->type_name, s->n_type_name), LOCK_ON_TYPE, LOCK_EXCLUSIVE, 0, 0, -1);
		break;
	}
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		dml(&a, stmt->update_stmt->relation, stmt->update_stmt->where_clause, 1);
		break;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		dml(&a, stmt->delete_stmt->relation, stmt->delete_stmt->where_clause, 1);
		break;
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		dml(&a, stmt->insert_stmt->relation, NULL, 0);
		break;
	case PG_QUERY__NODE__NODE_MERGE_STMT:
		dml(&a, stmt->merge_stmt->relation, NULL, 0);
		break;
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		add_rv(&a, stmt->view_stmt->view, LOCK_ON_TABLE, LOCK_ACCESS_EXCLUSIVE, 0, 0);
		break;
	case PG_QUERY__NODE__NODE_ALTER_DOMAIN_STMT:
		alter_domain(&a, stmt->alter_domain_stmt);
		break;
	case PG_QUERY__NODE__NODE_ALTER_OBJECT_SCHEMA_STMT:
		add_rv(&a, stmt->alter_object_schema_stmt->relation, LOCK_ON_TABLE,
		       LOCK_ACCESS_EXCLUSIVE, 0, 0);
		break;
	case PG_QUERY__NODE__NODE_CREATE_POLICY_STMT:
		add_rv(&a, stmt->create_policy_stmt->table, LOCK_ON_TABLE, LOCK_ACCESS_EXCLUSIVE, 0, 0);
		break;
	case PG_QUERY__NODE__NODE_ALTER_POLICY_STMT:
		add_rv(&a, stmt->alter_policy_stmt->table, LOCK_ON_TABLE, LOCK_ACCESS_EXCLUSIVE, 0, 0);
		break;
	case PG_QUERY__NODE__NODE_COMMENT_STMT:
		comment(&a, stmt->comment_stmt);
		break;
	case PG_QUERY__NODE__NODE_DROPDB_STMT:
		add(&a, NULL, stmt->dropdb_stmt->dbname, LOCK_ON_DATABASE, LOCK_ACCESS_EXCLUSIVE, 0, 0, -1);
		break;
	default:
		break;
	}
	return a.n;
}
