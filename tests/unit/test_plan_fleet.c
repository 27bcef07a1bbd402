/* test_plan_fleet.c - plan --all without a server: which targets' plans are the
 * same, how a long list of names is cut, and the report built from what the
 * workers printed */
#include "unit.h"
#include "fleet/plan_fleet.h"
#include "base/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* What a worker prints for a target with one pending migration of one statement. */
struct fake {
	const char *version;
	const char *rule;        /* its lint finding; NULL: none */
	int allowed;
	double rows;             /* the size of the table it touches */
	const char *warning;     /* a statement warning (a lock holder); NULL: none */
	int dirty;               /* a dirty version; 0: none */
};

static json_t *fake_doc(const struct fake *f)
{
	json_t *findings = json_array(), *warnings = json_array(), *dirty = json_array();

	if (f->rule)
		json_array_append_new(findings, json_pack("{s:s, s:s, s:i, s:i, s:s, s:b}", "rule", f->rule,
							  "severity", "error", "line", 1, "column", 1,
							  "message", "m", "allowed", f->allowed));
	if (f->warning)
		json_array_append_new(warnings, json_string(f->warning));
	if (f->dirty)
		json_array_append_new(dirty, json_integer(f->dirty));
	return json_pack("{s:o, s:[], s:{s:s, s:[], s:[{s:s, s:s, s:s, s:[], s:[{s:i, s:i, s:[{s:s, s:f}], "
			 "s:o, s:o}]}], s:{s:i, s:i}}, s:s}",
			 "dirty", dirty, "drifted",
			 "plan", "direction", "up", "warnings",
			 "migrations", "version", f->version, "file", "tenant/x.up.sql", "transaction", "transaction",
			 "warnings",
			 "statements", "line", 1, "column", 1, "locks", "name", "accounts", "rows", f->rows,
			 "findings", findings, "warnings", warnings,
			 "summary", "errors", f->rule && !f->allowed, "warnings", 0,
			 "rendered", f->version);
}

static char *key_of(const struct fake *f, int64_t from)
{
	json_t *d = fake_doc(f);
	char *k = plan_fleet_key(d, from);

	json_decref(d);
	return k;
}

START_TEST(same_plan_whatever_the_sizes_and_holders)
{
	struct fake a = { "8", "create-index-non-concurrently", 0, 10, "will wait: pid 1 holds ROW EXCLUSIVE", 0 };
	struct fake b = { "8", "create-index-non-concurrently", 0, 1e9, "will wait: pid 2 holds SHARE", 0 };
	char *ka = key_of(&a, 7), *kb = key_of(&b, 7);

	ck_assert_str_eq(ka, kb);
	free(ka);
	free(kb);
}
END_TEST

START_TEST(what_sets_plans_apart)
{
	static const struct fake base = { "8", "create-index-non-concurrently", 0, 10, NULL, 0 };
	struct fake other[5];
	char *k0 = key_of(&base, 7), *k;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(other); i++)
		other[i] = base;
	other[0].version = "9";                  /* another migration */
	other[1].rule = "drop-table";            /* another finding */
	other[2].allowed = 1;                    /* the finding allowed */
	other[3].warning = "will wait: pid 3";   /* a lock held right now */
	other[4].dirty = 6;                      /* a dirty version */
	for (i = 0; i < ARRAY_SIZE(other); i++) {
		k = key_of(&other[i], 7);
		ck_assert_msg(strcmp(k, k0), "case %zu: same key %s", i, k);
		free(k);
	}
	k = key_of(&base, 6);                    /* another version applied */
	ck_assert_str_ne(k, k0);
	free(k);
	free(k0);
}
END_TEST

START_TEST(names_cut_short)
{
	const char *names[] = { "a", "b", "c", "d", "e" };
	struct strbuf sb = STRBUF_INIT;

	plan_fleet_names(&sb, names, 5, 3, 0);
	ck_assert_str_eq(sb.buf, "a, b, c and 2 more");
	strbuf_reset(&sb);
	plan_fleet_names(&sb, names, 3, 3, 1);
	ck_assert_str_eq(sb.buf, "`a`, `b`, `c`");
	strbuf_reset(&sb);
	plan_fleet_names(&sb, names, 5, 0, 0);
	ck_assert_str_eq(sb.buf, "a, b, c, d, e");
	strbuf_release(&sb);
}
END_TEST

/* Five targets: three with the same plan, one behind, one that could not connect. */
struct run {
	struct fleet_outcome o[5];
	char *out[5];
	struct plan_fleet pf;
	int rc;
};

static void run_init(struct run *r, enum plan_format fmt)
{
	static const char *const names[] = { "t1", "t2", "t3", "t4", "t5" };
	struct fake same = { "8", "create-index-non-concurrently", 0, 10, NULL, 0 };
	struct fake behind = { "7", NULL, 0, 10, NULL, 0 };
	size_t i;

	memset(r, 0, sizeof(*r));
	r->pf.fmt = fmt;
	r->pf.direction = 1;
	for (i = 0; i < 5; i++) {
		json_t *d = fake_doc(i == 2 ? &behind : &same);

		r->o[i].name = names[i];
		r->o[i].kind = TARGET_SCHEMA;
		r->o[i].got_result = 1;
		r->o[i].res.from = i == 2 ? 6 : 7;
		r->o[i].res.to = 8;
		r->out[i] = json_dumps(d, JSON_COMPACT);
		r->o[i].output = r->out[i];
		json_decref(d);
	}
	r->o[4].res.rc = EXIT_CONNECT;
	r->o[4].output = "";
	r->o[4].error = "could not connect to t5";
}

static void run_release(struct run *r)
{
	size_t i;

	for (i = 0; i < 5; i++)
		free(r->out[i]);
}

static void report(void *arg)
{
	struct run *r = arg;

	r->rc = plan_fleet_report(r->o, 5, &r->pf);
}

START_TEST(report_groups_the_same_plans)
{
	struct run r;
	char *out;

	run_init(&r, PLAN_TEXT);
	out = unit_capture_stdout(report, &r);
	ck_assert_int_eq(r.rc, EXIT_FAILED);
	ck_assert_msg(strstr(out, "plan of up on 5 targets: 2 different plans, 1 target could not be planned\n"), "%s", out);
	ck_assert_msg(strstr(out, "\n[1] 3 targets at 7: 1 to apply (8), 1 lint error\n    t1, t2, t4\n"), "%s", out);
	ck_assert_msg(strstr(out, "\n[2] 1 target at 6: 1 to apply (7)\n    t3\n"), "%s", out);
	ck_assert_msg(strstr(out, "could not be planned: 1 target\n    t5: could not connect to t5\n"), "%s", out);
	ck_assert_msg(strstr(out, "the plan of t1, the same for the others"), "%s", out);
	/* each plan once: t1's for the group of three */
	ck_assert_ptr_nonnull(strstr(out, "\n8"));
	ck_assert_ptr_null(strstr(strstr(out, "\n8") + 1, "\n8"));
	free(out);
	run_release(&r);
}
END_TEST

START_TEST(report_names_the_targets_not_planned)
{
	struct run r;
	char *out;
	size_t i;

	run_init(&r, PLAN_TEXT);
	for (i = 0; i < 4; i++) {
		r.o[i].skipped = 1; /* --fail-fast after t5 */
		r.o[i].got_result = 0;
	}
	out = unit_capture_stdout(report, &r);
	ck_assert_int_eq(r.rc, EXIT_FAILED);
	ck_assert_msg(strstr(out, "plan of up on 5 targets: no plan, 1 target could not be planned, "
			     "4 not started (--fail-fast)\n"), "%s", out);
	ck_assert_msg(strstr(out, "not started (--fail-fast): 4\n    t1, t2, t3, t4\n"), "%s", out);
	ck_assert_ptr_null(strstr(out, "=="));
	free(out);
	run_release(&r);
}
END_TEST

START_TEST(report_json_has_every_target)
{
	struct run r;
	json_t *doc, *t;
	char *out;

	run_init(&r, PLAN_JSON);
	out = unit_capture_stdout(report, &r);
	doc = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(json_array_size(json_object_get(doc, "targets")), 5);
	t = json_array_get(json_object_get(doc, "targets"), 3);
	ck_assert_str_eq(json_string_value(json_object_get(t, "name")), "t4");
	ck_assert_int_eq(json_integer_value(json_object_get(t, "group")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(t, "from")), "7"); /* versions are strings */
	ck_assert_str_eq(json_string_value(json_object_get(t, "kind")), "schema");
	ck_assert_ptr_nonnull(json_object_get(json_object_get(t, "plan"), "migrations"));
	t = json_array_get(json_object_get(doc, "targets"), 4);
	ck_assert(json_is_null(json_object_get(t, "plan")));
	ck_assert(json_is_null(json_object_get(t, "group")));
	ck_assert_int_eq(json_integer_value(json_object_get(t, "exit_code")), EXIT_CONNECT);
	ck_assert_str_eq(json_string_value(json_object_get(t, "error")), "could not connect to t5");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(doc, "counts"), "plans")), 2);
	json_decref(doc);
	free(out);
	run_release(&r);
}
END_TEST

Suite *plan_fleet_suite(void)
{
	Suite *s = suite_create("plan_fleet");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, same_plan_whatever_the_sizes_and_holders);
	tcase_add_test(tc, what_sets_plans_apart);
	tcase_add_test(tc, names_cut_short);
	tcase_add_test(tc, report_groups_the_same_plans);
	tcase_add_test(tc, report_names_the_targets_not_planned);
	tcase_add_test(tc, report_json_has_every_target);
	suite_add_tcase(s, tc);
	return s;
}
