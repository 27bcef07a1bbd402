/* test_util.c - durations, integers, strbuf */
#include "unit.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

START_TEST(durations)
{
	ck_assert_int_eq(parse_duration_ms("500ms"), 500);
	ck_assert_int_eq(parse_duration_ms("2s"), 2000);
	ck_assert_int_eq(parse_duration_ms("1.5s"), 1500);
	ck_assert_int_eq(parse_duration_ms("1min"), 60000);
	ck_assert_int_eq(parse_duration_ms("0"), 0);
	ck_assert_int_eq(parse_duration_ms("250"), 250);
	ck_assert_int_eq(parse_duration_ms(" 3 s"), 3000);
	ck_assert_int_eq(parse_duration_ms("-1s"), -1);
	ck_assert_int_eq(parse_duration_ms("2 parsecs"), -1);
	ck_assert_int_eq(parse_duration_ms(""), -1);
	/* a lock timeout: anything under 1ms is 0, which the callers refuse */
	ck_assert_int_eq(parse_lock_timeout_ms("0"), 0);
	ck_assert_int_eq(parse_lock_timeout_ms("0.6ms"), 0);
	ck_assert_int_eq(parse_lock_timeout_ms("0.0001s"), 0);
	ck_assert_int_eq(parse_lock_timeout_ms("1ms"), 1);
	ck_assert_int_eq(parse_lock_timeout_ms("2s"), 2000);
	ck_assert_int_eq(parse_lock_timeout_ms("soon"), -1);
	ck_assert_int_eq(parse_duration_ms("s"), -1);
	ck_assert_int_eq(parse_duration_ms("99999999h"), -1);
}
END_TEST

START_TEST(integers)
{
	ck_assert(parse_int64("000042") == 42);
	ck_assert(parse_int64("20261121143000") == 20261121143000LL);
	ck_assert(parse_int64("") == -1);
	ck_assert(parse_int64("12a") == -1);
	ck_assert(parse_int64("-3") == -1);
	ck_assert(parse_int64("99999999999999999999") == -1);
}
END_TEST

START_TEST(strbuf_invariants)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;
	size_t len;

	ck_assert_ptr_nonnull(sb.buf);
	ck_assert_str_eq(sb.buf, "");
	strbuf_addstr(&sb, "abc");
	strbuf_addf(&sb, "-%d-", 42);
	strbuf_addch(&sb, 'x');
	ck_assert_str_eq(sb.buf, "abc-42-x");
	strbuf_addstr(&sb, "  \n");
	strbuf_rtrim(&sb);
	ck_assert_str_eq(sb.buf, "abc-42-x");
	s = strbuf_detach(&sb, &len);
	ck_assert_uint_eq(len, 8);
	ck_assert_str_eq(s, "abc-42-x");
	ck_assert_str_eq(sb.buf, "");
	free(s);
	strbuf_release(&sb);
	strbuf_release(&sb); /* twice is safe */
}
END_TEST

Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, durations);
	tcase_add_test(tc, integers);
	tcase_add_test(tc, strbuf_invariants);
	suite_add_tcase(s, tc);
	return s;
}
