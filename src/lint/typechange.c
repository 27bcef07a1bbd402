/* typechange.c - does ALTER COLUMN ... TYPE rewrite the table? As PostgreSQL decides it
 *
 * ATColumnChangeRequiresRewrite: no rewrite when the conversion is a binary-coercible
 * relabel (varchar/citext/text among themselves, cidr to inet, bit to varbit), or a
 * length coercion its support function proves a no-op (a larger or removed
 * typmod: varchar, varbit, numeric with the same scale, timestamp, timestamptz,
 * time, timetz, interval), or, from 12, timestamp <-> timestamptz while the session
 * TimeZone is UTC. A USING that is not the column itself (cast to the new type at
 * most) always rewrites. Each pair is checked against a real server in
 * tests/cmd/typechange.sh.
 */
#include <string.h>
#include <strings.h>

#include "lint/lint_int.h"
#include "base/util.h"

#define MAX_TIME_PRECISION 6

static int is_text_like(const char *t)
{
	return !strcmp(t, "text") || !strcmp(t, "varchar") || !strcmp(t, "citext");
}

static int same_type(const PgQuery__TypeName *a, const PgQuery__TypeName *b)
{
	return !strcmp(pgnode_type_name(a), pgnode_type_name(b)) &&
	       pgnode_type_mod(a, 0) == pgnode_type_mod(b, 0) &&
	       pgnode_type_mod(a, 1) == pgnode_type_mod(b, 1) &&
	       pgnode_type_is_array(a) == pgnode_type_is_array(b);
}

int lint_using_is_noop(const PgQuery__Node *u, const char *col, const PgQuery__TypeName *tn)
{
	/* USING col, or col cast to the new type itself: the same expression as no USING */
	while (u && u->node_case == PG_QUERY__NODE__NODE_TYPE_CAST) {
		if (!u->type_cast->type_name || !same_type(u->type_cast->type_name, tn))
			return 0;
		u = u->type_cast->arg;
	}
	if (u && u->node_case == PG_QUERY__NODE__NODE_COLUMN_REF) {
		const char *n = pgnode_last_str(u->column_ref->fields, u->column_ref->n_fields);

		return n && !strcmp(n, col);
	}
	return 0;
}

/* TemporalSimplify: a larger precision, the maximum, or none is a no-op. */
static int temporal_noop(int old_p, int new_p)
{
	return new_p < 0 || new_p == MAX_TIME_PRECISION || (old_p >= 0 && new_p >= old_p);
}

/* intervaltypmodleastfield: 0 SECOND, 1 MINUTE, 2 HOUR, 3 DAY, 4 MONTH, 5 YEAR. */
static int interval_least_field(int range)
{
	if (range < 0 || (range & (1 << 12)))
		return 0;
	if (range & (1 << 11))
		return 1;
	if (range & (1 << 10))
		return 2;
	if (range & (1 << 3))
		return 3;
	if (range & (1 << 1))
		return 4;
	return 5;
}

/* interval_support: the least field stays or goes down, the seconds' precision does not. */
static int interval_noop(int old_range, int old_p, int new_range, int new_p)
{
	int old_least = interval_least_field(old_range), new_least = interval_least_field(new_range);

	if (new_range < 0 && new_p < 0)
		return 1;
	if (new_least > old_least)
		return 0;
	return old_least > 0 || new_p < 0 || new_p >= MAX_TIME_PRECISION ||
	       (old_p >= 0 && new_p >= old_p);
}

static int is_utc(const char *z)
{
	static const char *const utc[] = {
		"utc", "etc/utc", "gmt", "etc/gmt", "utc0", "gmt0", "uct", "etc/uct", "universal",
		"etc/universal", "zulu", "etc/zulu", "greenwich", "etc/greenwich", "z", "0",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(utc); i++)
		if (!strcasecmp(z, utc[i]))
			return 1;
	return 0;
}

/* Note statement i of the section (before any is linted, its tree at hand): a SET TimeZone. */
void typechange_note(struct lint_ctx *c, size_t i)
{
	const PgQuery__Node *n = sql_script_stmt(c->script, i)->node;
	const PgQuery__VariableSetStmt *v;
	const char *val = NULL;
	int utc;

	if (!n || n->node_case != PG_QUERY__NODE__NODE_VARIABLE_SET_STMT)
		return;
	v = n->variable_set_stmt;
	if (!v->name || strcasecmp(v->name, "timezone"))
		return;
	if (v->kind != PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE || v->n_args != 1) {
		utc = -1; /* RESET, DEFAULT: the server's own setting, unknown here */
	} else {
		if (v->args[0]->node_case == PG_QUERY__NODE__NODE_A_CONST) {
			const PgQuery__AConst *k = v->args[0]->a_const;

			if (k->val_case == PG_QUERY__A__CONST__VAL_SVAL && k->sval)
				val = k->sval->sval;
			else if (k->val_case == PG_QUERY__A__CONST__VAL_IVAL)
				val = k->ival && k->ival->ival ? "1" : "0";
		}
		utc = val && is_utc(val);
	}
	ALLOC_GROW(c->tz, c->ntz + 1, c->atz);
	c->tz[c->ntz].stmt = i;
	c->tz[c->ntz].utc = utc;
	c->ntz++;
}

/* The session TimeZone an earlier statement of this section set: 1 UTC, 0 another, -1 not set. */
static int session_tz_utc(const struct lint_ctx *c)
{
	size_t i;

	for (i = c->ntz; i-- > 0;)
		if (c->tz[i].stmt < c->si)
			return c->tz[i].utc;
	return -1;
}

static enum change timestamp_zone(const struct lint_ctx *c, const struct sch_column *old,
				  int new_p, const char **why)
{
	int utc = session_tz_utc(c);

	if (c->pg < 12 || utc == 0)
		return CHANGE_REWRITE;
	if (!temporal_noop(old->mod0, new_p))
		return CHANGE_REWRITE;
	if (utc == 1)
		return CHANGE_SAFE;
	*why = "from PostgreSQL 12 this skips the table rewrite only when the session TimeZone "
	       "is UTC: say so in the migration (SET TimeZone = 'UTC';) and the linter knows";
	return CHANGE_MAYBE;
}

static enum change unknown_old(const struct lint_ctx *c, const char *nt, const char **why)
{
	if (is_text_like(nt) || !strcmp(nt, "varbit")) {
		*why = "its current type is not in the migrations linted: this is safe only when "
		       "it widens a varchar (or is text, varchar or citext to text, citext or "
		       "varchar); anything else rewrites the table";
		return CHANGE_MAYBE;
	}
	if (!strcmp(nt, "numeric")) {
		*why = "its current type is not in the migrations linted: this is safe only when "
		       "it raises the precision of a numeric with the same scale; anything else "
		       "rewrites the table";
		return CHANGE_MAYBE;
	}
	if (!strcmp(nt, "inet")) {
		*why = "its current type is not in the migrations linted: this is safe only from "
		       "cidr; anything else rewrites the table";
		return CHANGE_MAYBE;
	}
	if (!strcmp(nt, "timestamp") || !strcmp(nt, "timestamptz") || !strcmp(nt, "time") ||
	    !strcmp(nt, "timetz") || !strcmp(nt, "interval")) {
		*why = c->pg >= 12 && (!strcmp(nt, "timestamp") || !strcmp(nt, "timestamptz")) ?
		       "its current type is not in the migrations linted: this is safe only when it "
		       "raises or removes the precision of the same type, or (from 12, with the "
		       "session TimeZone UTC) swaps timestamp and timestamptz; anything else "
		       "rewrites the table" :
		       "its current type is not in the migrations linted: this is safe only when it "
		       "raises or removes the precision of the same type; anything else rewrites "
		       "the table";
		return CHANGE_MAYBE;
	}
	return CHANGE_REWRITE;
}

enum change lint_type_change(const struct lint_ctx *c, const struct sch_column *old,
			     const PgQuery__TypeName *tn, const char **why)
{
	const char *nt = pgnode_type_name(tn), *ot = old ? sch_id_str(c->schema, old->type) : NULL;
	int n0 = pgnode_type_mod(tn, 0), n1 = pgnode_type_mod(tn, 1);

	if (!ot || !*ot)
		return unknown_old(c, nt, why);
	if (old->is_array != pgnode_type_is_array(tn))
		return CHANGE_REWRITE;
	if (!strcmp(ot, nt) && old->mod0 == n0 && old->mod1 == n1)
		return CHANGE_SAFE;
	if (is_text_like(ot) && is_text_like(nt)) {
		if (strcmp(nt, "varchar") || n0 < 0)
			return CHANGE_SAFE;                 /* to text, citext, unbounded varchar */
		if (!strcmp(ot, "varchar") && old->mod0 >= 0 && n0 >= old->mod0)
			return CHANGE_SAFE;                 /* varchar(n) -> varchar(m >= n) */
		return CHANGE_REWRITE;                      /* a limit to check on every row */
	}
	if (!strcmp(ot, "numeric") && !strcmp(nt, "numeric")) {
		if (n0 < 0)
			return CHANGE_SAFE;                 /* to unconstrained numeric */
		if (old->mod0 >= 0 && n0 >= old->mod0 &&
		    (n1 < 0 ? 0 : n1) == (old->mod1 < 0 ? 0 : old->mod1))
			return CHANGE_SAFE;                 /* more precision, same scale */
		return CHANGE_REWRITE;
	}
	if ((!strcmp(ot, "varbit") || !strcmp(ot, "bit")) && !strcmp(nt, "varbit") &&
	    (n0 < 0 || (old->mod0 >= 0 && n0 >= old->mod0)))
		return CHANGE_SAFE;
	if (!strcmp(ot, "cidr") && !strcmp(nt, "inet"))
		return CHANGE_SAFE;
	if (!strcmp(ot, nt) && (!strcmp(nt, "timestamp") || !strcmp(nt, "timestamptz") ||
				!strcmp(nt, "time") || !strcmp(nt, "timetz")))
		return temporal_noop(old->mod0, n0) ? CHANGE_SAFE : CHANGE_REWRITE;
	if (!strcmp(ot, "interval") && !strcmp(nt, "interval"))
		return interval_noop(old->mod0, old->mod1, n0, n1) ? CHANGE_SAFE : CHANGE_REWRITE;
	if ((!strcmp(ot, "timestamp") && !strcmp(nt, "timestamptz")) ||
	    (!strcmp(ot, "timestamptz") && !strcmp(nt, "timestamp")))
		return timestamp_zone(c, old, n0, why);
	return CHANGE_REWRITE;
}
