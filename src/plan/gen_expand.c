/* gen_expand.c - the expand/contract sequence behind --change-type and --rename-column
 * (docs/recipes.md): a new column kept in sync, backfilled in batches, its indexes and
 * keys rebuilt, the swap, the contract. Needs the server: the column, its indexes, the
 * keys referencing it. */
#include "plan/gen.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

struct ct {
	const char *opt;      /* "--change-type" or "--rename-column" */
	int rename;           /* --rename-column: no renames; a two-way trigger */
	const char *oa, *na, *rawoa; /* the old and new column's names after the swap */
	char *table, *column, *rawnew, *rawold, *rawfn;
	char *t, *c, *cn, *co, *fn, *type, *why;
	struct gen_column col;
	const char *using;    /* --using EXPR, or NULL: by assignment */
	struct gen_identity id; /* col.identity: its sequence */
	struct gen_index *ix;
	struct gen_fk *fk;
	struct gen_con *con;  /* CHECK and FOREIGN KEY constraints of the table on the column */
	int nix, nfk, ncon;
	char *sortmem;        /* gen_sort_memory before each index build, or NULL */
};

/* name + "_new", within 63 bytes */
static char *tmp_name(const char *name)
{
	return xasprintf("%.59s_new", name);
}

/* cols (quoted, comma-separated) with from replaced by to */
static char *swap_col(const char *cols, const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	char *copy = xstrdup(cols), *save = NULL;

	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ')
			p++;
		if (sb.len)
			strbuf_addstr(&sb, ", ");
		strbuf_addstr(&sb, !strcmp(p, from) ? to : p);
	}
	free(copy);
	return strbuf_detach(&sb, NULL);
}

/* The new column's value from the old one's: in the trigger (row "NEW.") or on the
 * table (row ""); --using's expression evaluated on the row, named as the table. */
static char *new_value(const struct ct *x, const char *row)
{
	const char *dot = strrchr(x->t, '.');

	if (!x->using)
		return xasprintf("%s%s", row, x->c);
	if (!*row)
		return xasprintf("(%s)", x->using);
	return xasprintf("(SELECT %s FROM (SELECT NEW.*) AS %s)", x->using, dot ? dot + 1 : x->t);
}

/* The old column's value from the new one's (a down): by assignment, or with --using
 * an explicit cast back to the old type. */
static char *old_value(const struct ct *x, const char *col)
{
	return x->using ? xasprintf("%s::%s", col, x->col.type) : xstrdup(col);
}

static char *trigger_sql(const struct ct *x)
{
	if (x->rename)
		return xasprintf("CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
				 "  IF TG_OP = 'INSERT' THEN\n"
				 "    IF NEW.%s IS NULL THEN NEW.%s := NEW.%s; ELSE NEW.%s := NEW.%s; END IF;\n"
				 "  ELSIF NEW.%s IS DISTINCT FROM OLD.%s THEN\n    NEW.%s := NEW.%s;\n"
				 "  ELSE\n    NEW.%s := NEW.%s;\n  END IF;\n  RETURN NEW;\nEND\n$$;\n"
				 "CREATE TRIGGER %s BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION %s();\n",
				 x->fn, x->cn, x->cn, x->c, x->c, x->cn, x->cn, x->cn, x->c, x->cn, x->cn, x->c,
				 x->fn, x->t, x->fn);
	char *conv = new_value(x, "NEW."), *s;

	s = xasprintf("CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
		      "  NEW.%s := %s;\n  RETURN NEW;\nEND\n$$;\n"
		      "CREATE TRIGGER %s BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION %s();\n",
		      x->fn, x->cn, conv, x->fn, x->t, x->fn);
	free(conv);
	return s;
}

/* A referencing key's definition after the swap: with --rename-column, to the new name. */
static char *fk_def(const struct ct *x, int i)
{
	const char *def = x->fk[i].def, *ref = strstr(def, "REFERENCES "), *open, *close;
	char *inside, *cols, *s;

	if (!x->rename || !ref || !(open = strchr(ref, '(')) || !(close = strchr(open, ')')))
		return xstrdup(def);
	inside = xstrndup(open + 1, (size_t)(close - open - 1));
	cols = swap_col(inside, x->c, x->cn);
	s = xasprintf("%.*s(%s%s", (int)(open - def), def, cols, close);
	free(inside), free(cols);
	return s;
}

static void expand_steps(struct gen_out *o, const struct ct *x)
{
	char *trig = trigger_sql(x), *name = xasprintf("expand_%s_%s", x->table, x->column), *conv;

	gen_add(o, name,
		xasprintf("-- %s\n-- The new column (nullable, no default: a catalog change, no rewrite), and a\n"
			  "-- trigger that keeps it equal to %s on every INSERT and UPDATE from now on.\n"
			  "ALTER TABLE %s ADD COLUMN %s %s;\n%s", x->why, x->column, x->t, x->cn, x->type, trig),
		xasprintf("DROP TRIGGER %s ON %s;\nDROP FUNCTION %s();\nALTER TABLE %s DROP COLUMN %s;\n",
			  x->fn, x->t, x->fn, x->t, x->cn));
	free(name);
	name = xasprintf("backfill_%s_%s", x->table, x->rawnew);
	conv = new_value(x, "");
	gen_add(o, name,
		xasprintf("-- %s\n-- The rows written before the trigger, in batches of 1000, each its own short\n"
			  "-- transaction (docs/batch.md).\n-- migrate:batch 1000\n"
			  "UPDATE %s SET %s = %s WHERE %s IS NULL AND %s IS NOT NULL;\n",
			  x->why, x->t, x->cn, conv, x->cn, x->c),
		xasprintf("-- The copied values stay until the previous migration's down drops %s.\n"
			  "SELECT 'nothing to undo' AS note;\n", x->rawnew));
	free(name);
	free(trig);
	free(conv);
}

static void index_steps(struct gen_out *o, const struct ct *x)
{
	for (int i = 0; i < x->nix; i++) {
		const struct gen_index *ix = &x->ix[i];
		char *tmp = tmp_name(ix->name), *q = gen_ident(tmp), *cols = swap_col(ix->cols, x->c, x->cn);
		char *name = xasprintf("index_%s", tmp), *create;

		/* an expression, a predicate, INCLUDE, another method: its own definition */
		create = ix->plain ? xasprintf("CREATE %sINDEX CONCURRENTLY IF NOT EXISTS %s ON %s (%s)",
					       ix->unique ? "UNIQUE " : "", q, x->t, cols)
				   : gen_index_def(ix, x->column, x->cn, tmp, 1);
		gen_add(o, name,
			xasprintf("-- %s\n-- %s rebuilt on %s, CONCURRENTLY: writes go on (no transaction).%s\n"
				  "%s%s;\n%s", x->why, ix->name, x->rawnew,
				  ix->conname ? "\n-- The swap makes it the constraint." : "",
				  x->sortmem ? x->sortmem : "", create, x->sortmem ? GEN_SORT_RESET : ""),
			xasprintf("DROP INDEX CONCURRENTLY IF EXISTS %s;\n", q));
		free(tmp), free(q), free(cols), free(name), free(create);
	}
}

/* The foreign keys that reference the column, then the table's keys on it: dropped (the swap
 * re-adds them on the new column, the down on the old one). */
static void drop_key_constraints(struct strbuf *sb, const struct ct *x)
{
	for (int i = 0; i < x->nfk; i++) {
		char *n = gen_ident(x->fk[i].name);
		strbuf_addf(sb, "ALTER TABLE %s DROP CONSTRAINT %s;\n", x->fk[i].table, n);
		free(n);
	}
	for (int i = 0; i < x->nix; i++)
		if (x->ix[i].conname) {
			char *n = gen_ident(x->ix[i].conname);
			strbuf_addf(sb, "ALTER TABLE %s DROP CONSTRAINT %s;\n", x->t, n);
			free(n);
		}
}

/* The swap's first statement: the strongest lock it needs, on every table it alters, at
 * once. Without it DROP TRIGGER takes SHARE ROW EXCLUSIVE and a later ALTER upgrades to
 * ACCESS EXCLUSIVE: an application transaction that read the table in between waits for
 * the first lock while the swap waits for it (a deadlock, or the whole lock_timeout
 * queued). A short lock_timeout: the application waits behind the queued lock at most
 * that long; a swap that does not get it is retried (apply.retries). */
static void swap_lock(struct strbuf *u, const struct ct *x)
{
	/* the tables of the keys that reference the column, and those the column's own keys
	 * reference: dropping a foreign key locks both of its tables */
	const char **names = xcalloc((size_t)(x->nfk + x->ncon) + 2, sizeof(*names));
	int n = 0;

	names[n++] = x->t;
	for (int i = 0; i < x->nfk + x->ncon; i++) {
		const char *name = i < x->nfk ? x->fk[i].table : x->con[i - x->nfk].reftable;
		int seen = !name;

		for (int j = 0; j < n && !seen; j++)
			seen = strcmp(names[j], name) == 0;
		if (!seen)
			names[n++] = name;
	}
	strbuf_addstr(u, "-- migrate:lock-timeout 50ms\n"
		      "-- migrate:allow lock-table the swap's statements need it anyway: taken at once, "
		      "not upgraded half way\nLOCK TABLE ");
	for (int j = 0; j < n; j++)
		strbuf_addf(u, "%s%s", j ? ", " : "", names[j]);
	strbuf_addstr(u, " IN ACCESS EXCLUSIVE MODE;\n");
	free(names);
}

static void swap_up(struct strbuf *u, const struct ct *x, const char *seq)
{
	strbuf_addf(u, "-- %s\n-- The swap, in one short transaction under lock_timeout: the new column takes\n"
		    "-- the name, the default, the sequence and the constraints; the old one stays as %s\n"
		    "-- (nullable, unsynced) until the contract migration drops it.\n", x->why, x->rawold);
	if (x->nfk)
		strbuf_addf(u, "-- Foreign keys referencing %s.%s are dropped and added again NOT VALID on the\n"
			    "-- new column (validated by the next migrations). Their own columns keep their type:\n"
			    "-- change them with migrate new --change-type on each referencing table.\n",
			    x->table, x->column);
	swap_lock(u, x);
	strbuf_addf(u, "DROP TRIGGER %s ON %s;\nDROP FUNCTION %s();\n", x->fn, x->t, x->fn);
	drop_key_constraints(u, x);
	if (x->col.dflt)
		strbuf_addf(u, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;\n", x->t, x->c);
	if (x->col.identity) /* before DROP NOT NULL: an identity column must stay NOT NULL */
		gen_identity_move(u, x->t, &x->id, x->c, x->cn);
	if (x->col.not_null)
		strbuf_addf(u, "-- migrate:allow drop-not-null the old column: nothing reads it after the swap\n"
			    "ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;\n", x->t, x->c);
	if (!x->rename)
		strbuf_addf(u, "-- migrate:allow rename-column the swap: the name keeps working, on the new column\n"
			    "ALTER TABLE %s RENAME COLUMN %s TO %s;\n"
			    "-- migrate:allow rename-column the swap: the name keeps working, on the new column\n"
			    "ALTER TABLE %s RENAME COLUMN %s TO %s;\n", x->t, x->c, x->co, x->t, x->cn, x->c);
	gen_con_swap_up(u, x->t, x->con, x->ncon);
	if (x->col.dflt)
		strbuf_addf(u, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n", x->t, x->na, x->col.dflt);
	if (seq)
		strbuf_addf(u, "ALTER SEQUENCE %s OWNED BY %s.%s;\n", seq, x->t, x->na);
	for (int i = 0; i < x->nix; i++)
		if (x->ix[i].conname) {
			char *n = gen_ident(x->ix[i].conname), *tmp = tmp_name(x->ix[i].name), *q = gen_ident(tmp);
			strbuf_addf(u, "-- migrate:allow slow-statement-after-lock the column is NOT NULL (validated before): "
				    "no scan\nALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s;\n", x->t, n,
				    x->ix[i].primary ? "PRIMARY KEY" : "UNIQUE", q);
			free(n), free(tmp), free(q);
		}
	for (int i = 0; i < x->nfk; i++) {
		char *n = gen_ident(x->fk[i].name);
		char *def = fk_def(x, i);
		strbuf_addf(u, "ALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID;\n", x->fk[i].table, n, def);
		free(n), free(def);
	}
}

static void swap_down(struct strbuf *d, const struct ct *x, const char *seq)
{
	char *trig = trigger_sql(x), *back;

	strbuf_addstr(d, "-- Back to both columns, the old one with the name, the constraints and the trigger.\n"
		      "-- A down is rare: it rebuilds the old constraints under lock (allowed below).\n");
	drop_key_constraints(d, x);
	gen_con_swap_down(d, x->t, x->con, x->ncon, 0);
	if (seq)
		strbuf_addf(d, "ALTER SEQUENCE %s OWNED BY %s.%s;\n", seq, x->t, x->oa);
	if (x->col.dflt)
		strbuf_addf(d, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;\n", x->t, x->na);
	if (!x->rename)
		strbuf_addf(d, "ALTER TABLE %s RENAME COLUMN %s TO %s;\n"
			    "ALTER TABLE %s RENAME COLUMN %s TO %s;\n", x->t, x->c, x->cn, x->t, x->co, x->c);
	if (x->col.dflt)
		strbuf_addf(d, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n", x->t, x->c, x->col.dflt);
	back = old_value(x, x->cn);
	strbuf_addf(d, "-- migrate:allow slow-statement-after-lock a down: the rows written since the swap\n"
		    "UPDATE %s SET %s = %s WHERE %s IS NULL;\n", x->t, x->c, back, x->c);
	free(back);
	if (x->col.not_null)
		strbuf_addf(d, "-- migrate:allow set-not-null a down restoring the old column\n"
			    "-- migrate:allow slow-statement-after-lock a down restoring the old column\n"
			    "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;\n", x->t, x->c);
	if (x->col.identity)
		gen_identity_move(d, x->t, &x->id, x->cn, x->c);
	gen_con_swap_down(d, x->t, x->con, x->ncon, 1);
	for (int i = 0; i < x->nix; i++)
		if (x->ix[i].conname) {
			char *n = gen_ident(x->ix[i].conname), *tmp = tmp_name(x->ix[i].name), *q = gen_ident(tmp);
			char *cols = swap_col(x->ix[i].cols, x->c, x->cn);
			strbuf_addf(d, "-- migrate:allow add-unique-constraint a down restoring the old key\n"
				    "-- migrate:allow slow-statement-after-lock a down restoring the old key\n"
				    "ALTER TABLE %s ADD CONSTRAINT %s %s (%s);\n"
				    "-- migrate:allow create-index-non-concurrently a down restoring the new column's index\n"
				    "-- migrate:allow slow-statement-after-lock a down restoring the new column's index\n"
				    "CREATE UNIQUE INDEX %s ON %s (%s);\n", x->t, n,
				    x->ix[i].primary ? "PRIMARY KEY" : "UNIQUE", x->ix[i].cols, q, x->t, cols);
			free(n), free(tmp), free(q), free(cols);
		}
	for (int i = 0; i < x->nfk; i++) {
		char *n = gen_ident(x->fk[i].name);
		strbuf_addf(d, "-- migrate:allow add-foreign-key a down restoring the validated key\n"
			    "-- migrate:allow slow-statement-after-lock a down restoring the validated key\n"
			    "ALTER TABLE %s ADD CONSTRAINT %s %s;\n", x->fk[i].table, n, x->fk[i].def);
		free(n);
	}
	strbuf_addstr(d, trig);
	free(trig);
}

static void fk_validate_steps(struct gen_out *o, const struct ct *x)
{
	for (int i = 0; i < x->nfk; i++) {
		char *n = gen_ident(x->fk[i].name), *name = xasprintf("validate_%s", x->fk[i].name);
		char *def = fk_def(x, i);

		gen_add(o, name,
			xasprintf("-- %s\n-- VALIDATE under SHARE UPDATE EXCLUSIVE: reads and writes go on.\n"
				  "ALTER TABLE %s VALIDATE CONSTRAINT %s;\n", x->why, x->fk[i].table, n),
			xasprintf("ALTER TABLE %s DROP CONSTRAINT %s;\nALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID;\n",
				  x->fk[i].table, n, x->fk[i].table, n, def));
		free(n), free(name), free(def);
	}
}

/* The index renames of the contract (up: rebuilt -> original name) and their undoing. */
static void index_renames(struct strbuf *u, struct strbuf *d, const struct ct *x)
{
	for (int i = 0; i < x->nix; i++) {
		char *tmp, *q, *orig;

		if (x->ix[i].conname)
			continue;
		tmp = tmp_name(x->ix[i].name), q = gen_ident(tmp), orig = gen_ident(x->ix[i].name);
		strbuf_addf(u, "ALTER INDEX %s RENAME TO %s;\n", q, orig);
		strbuf_addf(d, "ALTER INDEX %s RENAME TO %s;\n", orig, q);
		free(tmp), free(q), free(orig);
	}
}

/* The old column goes with its indexes; the rebuilt indexes take their names. */
static void contract_step(struct gen_out *o, const struct ct *x)
{
	struct strbuf u = STRBUF_INIT, d = STRBUF_INIT;
	char *name = xasprintf("contract_%s_%s", x->table, x->column), *back;

	strbuf_addf(&u, "-- %s\n-- The contract: the old column goes, with its indexes (a catalog change under a\n"
		    "-- brief lock); the indexes rebuilt on the new column take their names.\n"
		    "-- Run it once nothing reads %s.\n"
		    "-- migrate:allow drop-column nothing reads the old column since the swap\n"
		    "ALTER TABLE %s DROP COLUMN %s;\n", x->why, x->rawoa, x->t, x->oa);
	strbuf_addstr(&d, "-- An emergency path: the old column again, copied and indexed while the table is\n"
		      "-- locked (allowed below: a down is rare; the up never does this).\n");
	index_renames(&u, &d, x);
	back = old_value(x, x->na);
	strbuf_addf(&d, "ALTER TABLE %s ADD COLUMN %s %s;\n"
		    "-- migrate:allow unbatched-backfill a down restoring the dropped column\n"
		    "-- migrate:allow slow-statement-after-lock a down restoring the dropped column\n"
		    "UPDATE %s SET %s = %s;\n", x->t, x->oa, x->col.type, x->t, x->oa, back);
	free(back);
	for (int i = 0; i < x->nix; i++) {
		char *orig, *cols, *create;

		if (x->ix[i].conname)
			continue;
		orig = gen_ident(x->ix[i].name), cols = swap_col(x->ix[i].cols, x->c, x->oa);
		create = x->ix[i].plain ? xasprintf("CREATE %sINDEX %s ON %s (%s)", x->ix[i].unique ?
						    "UNIQUE " : "", orig, x->t, cols)
					: gen_index_def(&x->ix[i], x->column, x->oa, x->ix[i].name, 0);
		strbuf_addf(&d, "-- migrate:allow create-index-non-concurrently a down restoring the dropped column\n"
			    "-- migrate:allow slow-statement-after-lock a down restoring the dropped column\n"
			    "%s;\n", create);
		free(orig), free(cols), free(create);
	}
	gen_add(o, name, strbuf_detach(&u, NULL), strbuf_detach(&d, NULL));
	free(name);
}

/* The sequence the column owns (serial), or NULL. */
static char *owned_sequence(struct db *db, const char *table, const char *column)
{
	const char *params[2] = { table, column };
	PGresult *r = db_exec(db, "SELECT pg_get_serial_sequence($1, $2)", 2, params);
	char *s = NULL;

	if (r && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		s = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return s;
}

/* What the generator cannot carry over: refused, with what to do. */
static int refuse(const struct ct *x)
{
	for (int i = 0; i < x->nix; i++) {
		char *def = x->ix[i].plain ? NULL : gen_index_def(&x->ix[i], x->column, x->cn, "x", 1);

		if (!x->ix[i].plain && (x->ix[i].conname || x->ix[i].excl || !def)) {
			log_error("%s: index %s on %s backs a constraint and is not a plain btree on columns "
				  "(an exclusion constraint, or a key with INCLUDE): not generated", x->opt,
				  x->ix[i].name, x->table);
			log_hint("drop it first and add it again on the new column after the sequence "
				 "(docs/recipes.md)");
			free(def);
			return -1;
		}
		free(def);
	}
	return 0;
}

static int read_table(struct db *db, struct ct *x)
{
	if (gen_read_column(db, x->table, x->column, &x->col) < 0 ||
	    gen_read_constraints(db, x->opt, x->table, x->column, &x->con, &x->ncon) < 0)
		return -1;
	if (x->col.identity &&
	    gen_read_identity(db, x->table, x->column, x->col.identity, &x->id) < 0)
		return -1;
	if (gen_read_indexes(db, x->table, x->column, &x->ix, &x->nix) < 0 ||
	    gen_read_referencing(db, x->table, x->column, &x->fk, &x->nfk) < 0)
		return -1;
	x->sortmem = x->nix ? gen_sort_memory(db, x->table) : NULL;
	return refuse(x);
}

static void ct_release(struct ct *x)
{
	free(x->table), free(x->column), free(x->rawnew), free(x->rawold), free(x->rawfn);
	free(x->t), free(x->c), free(x->cn), free(x->co), free(x->fn), free(x->why), free(x->sortmem);
	gen_column_release(&x->col);
	gen_indexes_release(x->ix, x->nix);
	gen_fks_release(x->fk, x->nfk);
	gen_identity_release(&x->id);
	gen_cons_release(x->con, x->ncon);
}

int gen_expand_contract(struct gen_out *o, struct db *db, const char *opt, const char *spec, const char *arg,
			int rename, const char *using)
{
	struct ct x = { .opt = opt, .rename = rename, .using = using };
	struct strbuf u = STRBUF_INIT, d = STRBUF_INIT;
	char *seq, *name;

	if (gen_split(spec, opt, &x.table, &x.column) < 0)
		return -1;
	if (!db) {
		log_error("%s needs a database connection (--database-url, DATABASE_URL or the config) to read "
			  "%s's definition: the column, its indexes and constraints, the keys referencing it",
			  opt, x.table);
		ct_release(&x);
		return -1;
	}
	x.rawnew = rename ? xstrdup(arg) : xasprintf("%.59s_new", x.column);
	x.rawold = xasprintf("%.59s_old", x.column);
	x.rawfn = gen_name(x.table, x.column, "sync");
	x.t = gen_table_ident(x.table), x.c = gen_ident(x.column), x.cn = gen_ident(x.rawnew);
	x.co = gen_ident(x.rawold), x.fn = gen_ident(x.rawfn);
	x.oa = rename ? x.c : x.co, x.na = rename ? x.cn : x.c, x.rawoa = rename ? x.column : x.rawold;
	x.why = xasprintf("migrate new %s %s %s%s%s", opt, spec, arg, using ? " --using " : "",
			  using ? using : "");
	gen_flatten(x.why);
	if ((!rename && !using && gen_check_cast(db, x.table, x.column, arg) < 0) ||
	    read_table(db, &x) < 0) {
		ct_release(&x);
		return -1;
	}
	x.type = rename ? x.col.type : (char *)arg;
	/* an identity's sequence moves with the identity, not by OWNED BY */
	seq = x.col.identity ? NULL : owned_sequence(db, x.table, x.column);
	expand_steps(o, &x);
	if (x.col.not_null)
		gen_not_null_steps(o, x.table, x.rawnew, x.why);
	index_steps(o, &x);
	if (gen_con_steps(o, x.t, x.column, x.cn, x.why, x.con, x.ncon) < 0) {
		free(seq);
		x.type = NULL;
		ct_release(&x);
		return -1;
	}
	swap_up(&u, &x, seq);
	swap_down(&d, &x, seq);
	name = xasprintf("%s_%s_%s", rename ? "switch" : "swap", x.table, x.column);
	gen_add(o, name, strbuf_detach(&u, NULL), strbuf_detach(&d, NULL));
	free(name);
	fk_validate_steps(o, &x);
	contract_step(o, &x);
	free(seq);
	x.type = NULL;
	ct_release(&x);
	return 0;
}
