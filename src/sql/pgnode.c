/* pgnode.c - small helpers over libpg_query's protobuf parse tree */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include "sql/pgnode.h"

static int walk(const ProtobufCMessage *m, pgnode_visit_fn fn, void *ud)
{
	const ProtobufCMessageDescriptor *d;
	unsigned i;
	int r;

	if (!m)
		return 0;
	r = fn(m, ud);
	if (r == PGNODE_STOP)
		return 1;
	if (r == PGNODE_SKIP)
		return 0;
	d = m->descriptor;
	if (d == &pg_query__node__descriptor) {
		/* a Node is one of some 250 kinds: go to the one it holds (the fields' loop
		 * would look at every kind, and most of a tree is Nodes) */
		const PgQuery__Node *n = (const PgQuery__Node *)m;
		const ProtobufCFieldDescriptor *f;

		if (n->node_case == PG_QUERY__NODE__NODE__NOT_SET)
			return 0;
		f = protobuf_c_message_descriptor_get_field(d, (unsigned)n->node_case);
		if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE)
			return 0;
		return walk(*(const ProtobufCMessage *const *)((const char *)m + f->offset), fn, ud);
	}
	for (i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m;

		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);

			if (which != f->id)
				continue;
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *)(base + f->offset);
			size_t k;

			for (k = 0; k < n; k++)
				if (walk(items[k], fn, ud))
					return 1;
		} else {
			const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)(base + f->offset);

			if (walk(sub, fn, ud))
				return 1;
		}
	}
	return 0;
}

int pgnode_walk(const ProtobufCMessage *m, pgnode_visit_fn fn, void *ud)
{
	return walk(m, fn, ud);
}

/* Where each message type keeps its location (found once per type and walk). */
#define SHIFT_CACHE 512

struct shift {
	int delta;
	const ProtobufCMessageDescriptor *desc[SHIFT_CACHE];
	int off[SHIFT_CACHE]; /* byte offset of "location", -1 none */
};

static int location_offset(struct shift *sh, const ProtobufCMessageDescriptor *d)
{
	size_t h = ((uintptr_t)d >> 4) % SHIFT_CACHE, k;
	unsigned i;
	int off = -1;

	for (k = h; sh->desc[k]; k = (k + 1) % SHIFT_CACHE)
		if (sh->desc[k] == d)
			return sh->off[k];
	for (i = 0; i < d->n_fields; i++)
		if (d->fields[i].type == PROTOBUF_C_TYPE_INT32 &&
		    d->fields[i].label != PROTOBUF_C_LABEL_REPEATED && !strcmp(d->fields[i].name, "location"))
			off = (int)d->fields[i].offset;
	sh->desc[k] = d; /* libpg_query has about 250 message types: never full */
	sh->off[k] = off;
	return off;
}

static int shift(const ProtobufCMessage *m, void *ud)
{
	struct shift *sh = ud;
	int off = location_offset(sh, m->descriptor);

	if (off >= 0) {
		int32_t *loc = (int32_t *)((char *)m + off);

		if (*loc >= 0)
			*loc += sh->delta;
	}
	return PGNODE_CONTINUE;
}

void pgnode_shift_locations(ProtobufCMessage *m, int delta)
{
	struct shift *sh;

	if (!delta || !m)
		return;
	sh = calloc(1, sizeof(*sh));
	if (!sh)
		abort();
	sh->delta = delta;
	pgnode_walk(m, shift, sh);
	free(sh);
}

const char *pgnode_str(const PgQuery__Node *n)
{
	if (n && n->node_case == PG_QUERY__NODE__NODE_STRING && n->string)
		return n->string->sval;
	return NULL;
}

const char *pgnode_last_str(PgQuery__Node *const *items, size_t n)
{
	return n ? pgnode_str(items[n - 1]) : NULL;
}

const char *pgnode_qualifier(PgQuery__Node *const *items, size_t n)
{
	return n >= 2 ? pgnode_str(items[n - 2]) : NULL;
}

const char *pgnode_type_name(const PgQuery__TypeName *t)
{
	const char *s;

	if (!t)
		return "";
	s = pgnode_last_str(t->names, t->n_names);
	return s ? s : "";
}

const char *pgnode_type_schema(const PgQuery__TypeName *t)
{
	return t ? pgnode_qualifier(t->names, t->n_names) : NULL;
}

int pgnode_type_mod(const PgQuery__TypeName *t, size_t i)
{
	const PgQuery__Node *n;

	if (!t || i >= t->n_typmods)
		return -1;
	n = t->typmods[i];
	if (n->node_case == PG_QUERY__NODE__NODE_A_CONST && n->a_const &&
	    n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL && n->a_const->ival)
		return n->a_const->ival->ival;
	if (n->node_case == PG_QUERY__NODE__NODE_INTEGER && n->integer)
		return n->integer->ival;
	return -1;
}

int pgnode_type_is_array(const PgQuery__TypeName *t)
{
	return t && t->n_array_bounds > 0;
}

static int const_value(const PgQuery__Node *n, long *v)
{
	const PgQuery__AConst *c;

	if (!n || n->node_case != PG_QUERY__NODE__NODE_A_CONST)
		return 0;
	c = n->a_const;
	if (c->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
		*v = c->ival ? c->ival->ival : 0;
		return 1;
	}
	if (c->val_case == PG_QUERY__A__CONST__VAL_BOOLVAL) {
		*v = c->boolval && c->boolval->boolval;
		return 1;
	}
	if (c->val_case == PG_QUERY__A__CONST__VAL_SVAL && c->sval) {
		const char *s = c->sval->sval;

		if (!strcmp(s, "t") || !strcmp(s, "true")) {
			*v = 1;
			return 1;
		}
	}
	return 0;
}

int pgnode_is_const_true(const PgQuery__Node *n)
{
	long v, w;

	if (!n)
		return 0;
	if (n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST && n->type_cast)
		return pgnode_is_const_true(n->type_cast->arg);
	if (const_value(n, &v))
		return n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL ? 0 : v != 0;
	if (n->node_case == PG_QUERY__NODE__NODE_A_EXPR && n->a_expr &&
	    n->a_expr->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP) {
		const char *op = pgnode_last_str(n->a_expr->name, n->a_expr->n_name);

		if (op && !strcmp(op, "=") && const_value(n->a_expr->lexpr, &v) &&
		    const_value(n->a_expr->rexpr, &w))
			return v == w;
	}
	return 0;
}

struct loc_search {
	int loc;
};

static int find_location(const ProtobufCMessage *m, void *ud)
{
	struct loc_search *ls = ud;
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "location");

	if (f && f->type == PROTOBUF_C_TYPE_INT32) {
		int32_t v = *(const int32_t *)((const char *)m + f->offset);

		if (v >= 0) {
			ls->loc = v;
			return PGNODE_STOP;
		}
	}
	return PGNODE_CONTINUE;
}

int pgnode_location(const ProtobufCMessage *m)
{
	struct loc_search ls = { -1 };

	pgnode_walk(m, find_location, &ls);
	return ls.loc;
}
