/* test_util.c - durations, integers, strbuf */
#include "unit.h"
#include "base/jsonstr.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "report/md_escape.h"

#include <jansson.h>
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

START_TEST(sizes)
{
	struct strbuf sb = STRBUF_INIT;

	ck_assert(parse_size_bytes("10MB") == 10LL << 20);
	ck_assert(parse_size_bytes("512kB") == 512 * 1024);
	ck_assert(parse_size_bytes("1.5GB") == 3LL << 29);
	ck_assert(parse_size_bytes("0") == 0);
	ck_assert(parse_size_bytes("8192") == 8192);
	ck_assert(parse_size_bytes("10 MB") == 10LL << 20);
	ck_assert(parse_size_bytes("10mb") == -1);
	ck_assert(parse_size_bytes("-1MB") == -1);
	ck_assert(parse_size_bytes("MB") == -1);
	strbuf_add_size(&sb, 16384);
	strbuf_addch(&sb, ' ');
	strbuf_add_size(&sb, 13LL << 20);
	strbuf_addch(&sb, ' ');
	strbuf_add_count(&sb, 1234567);
	ck_assert_str_eq(sb.buf, "16 kB 13 MB 1,234,567");
	strbuf_release(&sb);
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

/* log_to() takes every log line, file:line ones too; the first error is kept */
START_TEST(log_lines_follow_log_to)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len), *was;

	ck_assert_ptr_nonnull(out);
	was = log_to(out);
	log_keep_first_error(1);
	log_warning("plain");
	log_error_at("m.up.sql", 3, 7, "bad %s", "thing");
	log_error("second");
	log_to(was);
	fclose(out);
	ck_assert_str_eq(text, "warning: plain\nm.up.sql:3:7: error: bad thing\nerror: second\n");
	ck_assert_str_eq(log_first_error(), "m.up.sql:3:7: error: bad thing");
	log_keep_first_error(0);
	ck_assert_ptr_null(log_first_error());
	free(text);
}
END_TEST

START_TEST(names_escaped)
{
	struct strbuf sb = STRBUF_INIT;
	char *e = escape_name("a\nb\x1b[31m\tc\\d\xff\xc3\xa9");
	char *text = NULL;
	size_t len = 0;
	FILE *out, *was;

	ck_assert_str_eq(e, "a\\nb\\x1b[31m\\tc\\\\d\\xffé");
	free(e);
	e = escape_text("l1\nl2\t\\\x7f", ESC_KEEP_NEWLINE | ESC_KEEP_TAB);
	ck_assert_str_eq(e, "l1\nl2\t\\\\x7f");
	free(e);
	ck_assert_int_eq(utf8_invalid_at("caf\xc3\xa9"), -1);
	ck_assert_int_eq(utf8_invalid_at("caf\xe9!"), 3);
	ck_assert_int_eq(utf8_invalid_at("\xc0\x80"), 0); /* overlong */
	/* a log line: the file escaped, an ESC in the message escaped, a newline kept */
	out = open_memstream(&text, &len);
	was = log_to(out);
	log_error_at("a\nb.sql", 1, 0, "x\x1b[31m %s", "y");
	log_to(was);
	fclose(out);
	ck_assert_str_eq(text, "a\\nb.sql:1: error: x\\x1b[31m y\n");
	free(text);

	md_add_text(&sb, "<b>&@team `x` *y* a_b _c_ [l](u)|\n", 0, 1);
	ck_assert_str_eq(sb.buf, "&lt;b&gt;&amp;@<!-- -->team \\`x\\` \\*y\\* a_b \\_c\\_ \\[l\\](u)\\|\\\\n");
	strbuf_reset(&sb);
	md_add_code(&sb, "a`b``c|", 0, 1);
	ck_assert_str_eq(sb.buf, "```a`b``c\\|```");
	strbuf_reset(&sb);
	md_add_code(&sb, "`x", 0, 0);
	ck_assert_str_eq(sb.buf, "`` `x ``");
	strbuf_reset(&sb);
	md_add_html(&sb, "<i>\"@x\"\x1b", 0);
	ck_assert_str_eq(sb.buf, "&lt;i&gt;&quot;@<!-- -->x&quot;\\x1b");
	strbuf_reset(&sb);
	md_add_fence(&sb, "sql", "SELECT '```';");
	ck_assert_str_eq(sb.buf, "````sql\nSELECT '```';\n````\n");
	strbuf_release(&sb);
}
/* json_str_add writes what jansson writes (lint --format json relies on it), byte for byte. */
static void json_same(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *j = json_string(s);
	char *want = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
	int rc = json_str_add(&sb, s);

	if (!j) {
		ck_assert_int_eq(rc, -1);
		ck_assert_uint_eq(sb.len, 0);
	} else {
		ck_assert_int_eq(rc, 0);
		ck_assert_str_eq(sb.buf, want);
	}
	free(want);
	json_decref(j);
	strbuf_release(&sb);
}

START_TEST(json_strings_as_jansson)
{
	static const char *fixed[] = {
		"", "plain", "quote \" and \\ backslash / slash", "\b\f\n\r\t\x01\x1f\x7f",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", "bad \xc3", "\xc0\xaf",
		"\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "x\xe2\x82",
	};
	unsigned seed = 7;
	size_t i, k;

	for (i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
		json_same(fixed[i]);
	for (i = 0; i < 5000; i++) {
		char buf[24];
		size_t n = 1 + (i % 23);

		for (k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[k] = (char)(1 + (seed >> 16) % 255);
		}
		buf[n] = '\0';
		json_same(buf);
	}
}
END_TEST

Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, durations);
	tcase_add_test(tc, integers);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, strbuf_invariants);
	tcase_add_test(tc, log_lines_follow_log_to);
	tcase_add_test(tc, names_escaped);
	tcase_add_test(tc, json_strings_as_jansson);
	suite_add_tcase(s, tc);
	return s;
}
