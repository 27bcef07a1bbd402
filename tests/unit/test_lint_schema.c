/* test_lint_schema.c - the linter's schema model: a savepoint and its rollback
 * leave the model exactly as it was, and a down linted "isolated" leaves the
 * linter's model, and what later ups see, unchanged */
#include "unit.h"
#include "test_lint_util.h"
#include "lint/lint_int.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static void apply(struct schema *s, const char *sql, int seq)
{
	struct sql_script sc;
	size_t i;

	ck_assert_int_eq(sql_script_parse(&sc, sql, "test.sql", 1), 0);
	for (i = 0; i < sc.n; i++)
		schema_apply(s, sc.stmts[i].node, seq);
	sql_script_release(&sc);
}

static const char *str(const char *s)
{
	return s ? s : "(null)";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A map's live entries, sorted: "key=value ...". */
static void dump_map(struct strbuf *sb, const char *what, const struct strmap *m)
{
	char **v = xcalloc(m->cap + 1, sizeof(*v));
	size_t i, n = 0, pos = 0, value;
	const char *key;

	while (strmap_next(m, &pos, &key, &value))
		v[n++] = xasprintf("%s=%zu", key, value);
	qsort(v, n, sizeof(*v), cmp_str);
	strbuf_addf(sb, "%s:", what);
	for (i = 0; i < n; i++) {
		strbuf_addf(sb, " %s", v[i]);
		free(v[i]);
	}
	strbuf_addch(sb, '\n');
	free(v);
}

/* Everything the model holds, dead entries included, as text (caller frees). */
static char *dump(const struct schema *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, k;

	for (i = 0; i < s->ntables; i++) {
		const struct sch_table *t = &s->tables[i];

		strbuf_addf(&sb, "table %zu %s.%s kind=%d seq=%d partitioned=%d partkey=%s "
			    "renamed_from=%s@%d dead=%d\n", i, str(t->schema), t->name, (int)t->kind,
			    t->seq, t->partitioned, str(t->partkey), str(t->renamed_from),
			    t->renamed_seq, t->dead);
		for (k = 0; k < t->ncols; k++) {
			const struct sch_column *c = &t->cols[k];

			strbuf_addf(&sb, "  column %s %s(%d,%d)%s not_null=%d seq=%d renamed_from=%s@%d\n",
				    sch_id_str(s, c->name), str(sch_id_str(s, c->type)), c->mod0, c->mod1,
				    c->is_array ? "[]" : "", c->not_null, c->seq,
				    str(sch_id_str(s, c->renamed_from)), c->renamed_seq);
		}
		for (k = 0; k < t->nchecks; k++)
			strbuf_addf(&sb, "  check %s notnull=%s cols=%s valid=%d\n", str(t->checks[k].name),
				    str(t->checks[k].notnull), str(t->checks[k].cols), t->checks[k].valid);
	}
	for (i = 0; i < s->nindexes; i++)
		strbuf_addf(&sb, "index %zu %s on %s seq=%d cols=%s dead=%d\n", i, s->indexes[i].name,
			    s->indexes[i].table, s->indexes[i].seq, str(s->indexes[i].cols),
			    s->indexes[i].dead);
	for (i = 0; i < s->nfuncs; i++)
		strbuf_addf(&sb, "function %s volatility=%d seq=%d\n", s->funcs[i].name,
			    s->funcs[i].value, s->funcs[i].seq);
	for (i = 0; i < s->ndomains; i++)
		strbuf_addf(&sb, "domain %s check=%d seq=%d\n", s->domains[i].name,
			    s->domains[i].value, s->domains[i].seq);
	dump_map(&sb, "tmap", &s->tmap);
	dump_map(&sb, "imap", &s->imap);
	dump_map(&sb, "fmap", &s->fmap);
	dump_map(&sb, "dmap", &s->dmap);
	return strbuf_detach(&sb, NULL);
}

/* The first line where two dumps differ, for a failure message (Check's are short). */
static const char *first_difference(const char *want, const char *got)
{
	static char buf[512];
	const char *w = want, *g = got;
	size_t line = 1;

	for (; *want && *want == *got; want++, got++)
		if (*want == '\n') {
			line++;
			w = want + 1;
			g = got + 1;
		}
	snprintf(buf, sizeof(buf), "line %zu: want \"%.*s\", got \"%.*s\"", line,
		 (int)strcspn(w, "\n"), w, (int)strcspn(g, "\n"), g);
	return buf;
}

#define ck_assert_model_eq(got, want) \
	ck_assert_msg(!strcmp((got), (want)), "model differs at %s", first_difference((want), (got)))

/* ---- the model the downs below change ---- */

static const char *const ups[] = {
	"CREATE TABLE users (id bigint PRIMARY KEY, email varchar(100) NOT NULL, name text,\n"
	"  tags text[], CONSTRAINT users_email_check CHECK (email IS NOT NULL AND id > 0));\n"
	"CREATE INDEX users_name_idx ON users (name);\n"
	"CREATE UNIQUE INDEX users_lower_email ON users (lower(email));\n",

	"CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint,\n"
	"  total numeric(10,2) CHECK (total > 0));\n"
	"CREATE INDEX orders_user_idx ON orders (user_id, id);\n"
	"ALTER TABLE orders ADD CONSTRAINT orders_total_nn CHECK (total IS NOT NULL) NOT VALID;\n",

	"CREATE TABLE app.events (at timestamptz NOT NULL, kind text) PARTITION BY RANGE (at);\n"
	"ALTER TABLE users RENAME COLUMN name TO full_name;\n"
	"ALTER TABLE legacy ADD COLUMN note text;\n"
	"ALTER TABLE old_one RENAME COLUMN a TO b;\n"
	"CREATE TABLE short_lived (id int);\nDROP TABLE short_lived;\n",

	"CREATE FUNCTION f_stable() RETURNS int LANGUAGE sql STABLE AS 'select 1';\n"
	"CREATE FUNCTION f_immutable() RETURNS int LANGUAGE sql IMMUTABLE AS 'select 1';\n"
	"CREATE DOMAIN email_d AS text;\n"
	"CREATE DOMAIN positive AS int CHECK (VALUE > 0);\n"
	"CREATE VIEW active_users AS SELECT * FROM users;\n"
	"CREATE MATERIALIZED VIEW order_totals AS SELECT 1 AS x;\n"
	"CREATE TABLE renamed_away (id int);\nALTER TABLE renamed_away RENAME TO renamed_here;\n"
	"CREATE INDEX renamed_here_idx ON renamed_here (id);\n",
};

/* Downs that change, in place, what the ups made, and add to it. */
static const char *const downs[] = {
	/* drops: a table with its indexes, a column, a constraint, an index, a view */
	"DROP INDEX users_name_idx;\n"
	"DROP TABLE users;\n"
	"ALTER TABLE orders DROP COLUMN user_id;\n"
	"ALTER TABLE orders DROP CONSTRAINT orders_total_check;\n"
	"DROP VIEW active_users;\n"
	"DROP MATERIALIZED VIEW order_totals;\n"
	"DROP TABLE app.events, legacy;\n",

	/* alters: types, NOT NULL both ways, constraints added, validated, columns added */
	"ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,4), ALTER COLUMN total SET NOT NULL,\n"
	"  ALTER COLUMN id DROP NOT NULL, ADD COLUMN extra text NOT NULL DEFAULT '',\n"
	"  VALIDATE CONSTRAINT orders_total_nn, ADD CONSTRAINT orders_x CHECK (extra <> '') NOT VALID;\n"
	"ALTER TABLE users ALTER COLUMN email TYPE text, ALTER COLUMN email DROP NOT NULL,\n"
	"  ADD COLUMN id text, ADD PRIMARY KEY (full_name);\n"
	"ALTER TABLE legacy ADD CONSTRAINT legacy_pk PRIMARY KEY USING INDEX orders_user_idx;\n"
	"ALTER TABLE orders ALTER COLUMN extra DROP NOT NULL;\n"
	"ALTER DOMAIN email_d ADD CONSTRAINT email_d_check CHECK (VALUE <> '');\n",

	/* renames: tables (their indexes follow), columns, constraints, indexes */
	"ALTER TABLE orders RENAME CONSTRAINT orders_total_nn TO orders_total_present;\n"
	"ALTER TABLE orders RENAME COLUMN total TO amount;\n"
	"ALTER TABLE orders RENAME TO purchases;\n"
	"ALTER INDEX orders_user_idx RENAME TO purchases_user_idx;\n"
	"ALTER TABLE users RENAME COLUMN full_name TO name;\n"
	"ALTER TABLE users RENAME TO people;\n"
	"ALTER TABLE renamed_here RENAME TO renamed_away;\n"
	"ALTER TABLE legacy RENAME COLUMN unknown_col TO known_col;\n"
	"ALTER TABLE app.events RENAME COLUMN at TO happened_at;\n",

	/* re-creations and replacements under names the model knows, and new objects */
	"DROP TABLE users;\n"
	"CREATE TABLE users (id int);\n"
	"CREATE TABLE orders AS SELECT 1 AS x;\n"
	"CREATE MATERIALIZED VIEW active_users AS SELECT 2 AS y;\n"
	"CREATE TABLE IF NOT EXISTS legacy (other int);\n"
	"CREATE INDEX users_lower_email ON orders (x);\n"
	"CREATE INDEX IF NOT EXISTS orders_user_idx ON orders (x);\n"
	"CREATE OR REPLACE FUNCTION f_stable() RETURNS int LANGUAGE sql VOLATILE AS 'select 1';\n"
	"CREATE FUNCTION f_new() RETURNS int LANGUAGE sql IMMUTABLE AS 'select 1';\n"
	"CREATE DOMAIN email_d AS text CHECK (VALUE <> '');\n"
	"CREATE DOMAIN brand_new AS int;\n"
	"ALTER TABLE not_seen_before ADD COLUMN x int;\n"
	"ALTER TABLE not_seen_either RENAME COLUMN a TO b;\n"
	"CREATE VIEW v_new AS SELECT 1;\n"
	"CREATE TABLE short_lived (id int, n int CHECK (n IS NOT NULL));\n",

	/* the same objects changed again and again in one down */
	"ALTER TABLE orders ADD COLUMN a int;\nALTER TABLE orders ADD COLUMN b int;\n"
	"ALTER TABLE orders RENAME COLUMN a TO c;\nALTER TABLE orders DROP COLUMN c;\n"
	"ALTER TABLE orders RENAME TO o2;\nALTER TABLE o2 RENAME TO o3;\nDROP TABLE o3;\n"
	"CREATE TABLE orders (id int);\nALTER TABLE orders RENAME TO o4;\n"
	"ALTER INDEX renamed_here_idx RENAME TO x1;\nALTER INDEX x1 RENAME TO x2;\nDROP INDEX x2;\n"
	"CREATE OR REPLACE FUNCTION f_immutable() RETURNS int LANGUAGE sql STABLE AS 'select 1';\n"
	"CREATE OR REPLACE FUNCTION f_immutable() RETURNS int LANGUAGE sql VOLATILE AS 'select 1';\n"
	"ALTER DOMAIN positive DROP NOT NULL;\nALTER DOMAIN email_d SET NOT NULL;\n"
	"CREATE DOMAIN email_d AS text;\n",
};

#define NUPS (sizeof(ups) / sizeof(*ups))
#define NDOWNS (sizeof(downs) / sizeof(*downs))

static void build(struct schema *s)
{
	size_t i;

	schema_init(s);
	for (i = 0; i < NUPS; i++)
		apply(s, ups[i], (int)i + 1);
}

/* ---- the model ---- */

START_TEST(rollback_restores_the_model)
{
	struct schema s, fresh;
	char *before, *after, *changed, *again;

	build(&s);
	before = dump(&s);
	schema_savepoint(&s);
	apply(&s, downs[_i], 100);
	changed = dump(&s);
	/* the down did change the model (else this test would prove nothing) */
	ck_assert(strcmp(changed, before));
	schema_rollback(&s);
	ck_assert_ptr_null(s.undo);
	after = dump(&s);
	ck_assert_model_eq(after, before);
	/* and it behaves as the model did: the same down changes it the same way */
	apply(&s, downs[_i], 100);
	again = dump(&s);
	ck_assert_model_eq(again, changed);
	/* as does a model built afresh from the same ups */
	build(&fresh);
	free(again);
	again = dump(&fresh);
	ck_assert_model_eq(again, before);
	schema_release(&fresh);
	schema_release(&s);
	free(before);
	free(after);
	free(changed);
	free(again);
}
END_TEST

/* Downs one after the other, each rolled back: the model stays as it was. */
START_TEST(many_rollbacks_in_a_row)
{
	struct schema s;
	char *before, *after;
	size_t round, i;

	build(&s);
	before = dump(&s);
	for (round = 0; round < 50; round++)
		for (i = 0; i < NDOWNS; i++) {
			schema_savepoint(&s);
			apply(&s, downs[i], (int)(100 + round));
			schema_rollback(&s);
		}
	after = dump(&s);
	ck_assert_model_eq(after, before);
	/* tombstones of keys deleted and put back do not grow the maps without end */
	ck_assert_uint_le(s.tmap.cap, 64);
	ck_assert_uint_le(s.imap.cap, 64);
	schema_release(&s);
	free(before);
	free(after);
}
END_TEST

/* Released with a savepoint open: nothing leaks (the sanitizer build checks). */
START_TEST(release_with_a_savepoint_open)
{
	struct schema s;

	build(&s);
	schema_savepoint(&s);
	apply(&s, downs[0], 100);
	apply(&s, downs[3], 101);
	schema_release(&s);
	ck_assert_ptr_null(s.undo);
	ck_assert_uint_eq(s.ntables, 0);
}
END_TEST

START_TEST(strmap_delete_and_put_back)
{
	struct strmap m = STRMAP_INIT;
	char key[16];
	size_t i, v;

	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		strmap_put(&m, key, i);
	}
	for (i = 0; i < 100000; i++) {
		strmap_del(&m, "k3");
		ck_assert(!strmap_get(&m, "k3", NULL));
		strmap_put(&m, "k3", i);
	}
	ck_assert_uint_le(m.cap, 32);
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		ck_assert(strmap_get(&m, key, &v));
		ck_assert_uint_eq(v, i == 3 ? 99999 : i);
	}
	/* and it still grows when the keys are live */
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "n%zu", i);
		strmap_put(&m, key, i);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "n%zu", i);
		ck_assert(strmap_get(&m, key, &v));
		ck_assert_uint_eq(v, i);
	}
	strmap_release(&m);
}
END_TEST

/* ---- the linter ---- */

static struct section sec(const char *path, const char *sql)
{
	struct section s = { (char *)path, (char *)sql, 1, { 0, -1, -1 } };

	return s;
}

/* What a later up sees: its findings with the downs linted isolated in between,
 * and with no downs at all, are the same. */
START_TEST(isolated_downs_leave_the_linter_model)
{
	struct lint_options lo = { .cfg = NULL };
	struct linter *with = linter_new(&lo), *without = linter_new(&lo);
	struct lint_result r, r_with, r_without;
	const char *next = "CREATE INDEX more_idx ON orders (total);\n"
			   "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
			   "ALTER TABLE orders ALTER COLUMN total SET NOT NULL;\n"
			   "ALTER TABLE renamed_here ADD COLUMN n int NOT NULL DEFAULT f_stable();\n"
			   "ALTER TABLE app.events ALTER COLUMN kind TYPE varchar(10);\n"
			   "ALTER TABLE users RENAME COLUMN full_name TO name;\n"
			   "ALTER TABLE users ADD COLUMN e email_d;\n"
			   "DROP INDEX orders_user_idx;\n";
	struct section s;
	char *before, *after, *found;
	size_t i;

	ck_assert_ptr_nonnull(with);
	ck_assert_ptr_nonnull(without);
	lint_result_init(&r);
	for (i = 0; i < NUPS; i++) {
		s = sec("1_up.up.sql", ups[i]);
		lint_section(with, &s, &r);
		lint_section(without, &s, &r);
	}
	before = dump(&with->schema);
	for (i = 0; i < NDOWNS; i++) {
		size_t had = r.n;

		s = sec("1_up.down.sql", downs[i]);
		lint_section_isolated(with, &s, &r);
		ck_assert_uint_gt(r.n, had); /* it was linted */
		after = dump(&with->schema);
		ck_assert_model_eq(after, before);
		free(after);
	}
	/* the same through the job pipeline (as `migrate lint DIR` does) */
	{
		struct section ds[NDOWNS];
		struct lint_job jobs[NDOWNS];

		for (i = 0; i < NDOWNS; i++) {
			ds[i] = sec("1_up.down.sql", downs[i]);
			jobs[i].sec = &ds[i];
			jobs[i].kind = LINT_JOB_ISOLATED;
		}
		lint_jobs(with, jobs, NDOWNS, &r);
		after = dump(&with->schema);
		ck_assert_model_eq(after, before);
		free(after);
	}
	lint_result_release(&r);
	lint_result_init(&r_with);
	lint_result_init(&r_without);
	s = sec("2_next.up.sql", next);
	lint_section(with, &s, &r_with);
	lint_section(without, &s, &r_without);
	ck_assert_uint_gt(r_with.n, 3);
	found = xstrdup(lt_dump(&r_with));
	ck_assert_msg(!strcmp(found, lt_dump(&r_without)), "findings differ:\n%.400s\n--\n%.400s",
		      found, lt_dump(&r_without));
	free(found);
	lint_result_release(&r_with);
	lint_result_release(&r_without);
	linter_free(with);
	linter_free(without);
	free(before);
}
END_TEST

Suite *lint_schema_suite(void)
{
	Suite *s = suite_create("lint schema");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, rollback_restores_the_model, 0, (int)NDOWNS);
	tcase_add_test(tc, many_rollbacks_in_a_row);
	tcase_add_test(tc, release_with_a_savepoint_open);
	tcase_add_test(tc, strmap_delete_and_put_back);
	tcase_add_test(tc, isolated_downs_leave_the_linter_model);
	suite_add_tcase(s, tc);
	return s;
}
