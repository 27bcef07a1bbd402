/* md_escape.c - user text (file names, identifiers, messages) inside GitHub Markdown */
#include "report/md_escape.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/*
 * An @ followed by a name would notify that user or team: an empty HTML
 * comment after it splits the text, so GitHub sees no mention (it renders as
 * nothing).
 */
#define NO_MENTION "@<!-- -->"

static int word_char(char c)
{
	return isalnum((unsigned char)c) || ((unsigned char)c & 0x80);
}

/* &, <, > (and " in an attribute) as entities, @ made no mention: 1 when c was one of them. */
static int add_entity(struct strbuf *sb, char c, int quote)
{
	if (c == '&')
		strbuf_addstr(sb, "&amp;");
	else if (c == '<')
		strbuf_addstr(sb, "&lt;");
	else if (c == '>')
		strbuf_addstr(sb, "&gt;");
	else if (c == '"' && quote)
		strbuf_addstr(sb, "&quot;");
	else if (c == '@')
		strbuf_addstr(sb, NO_MENTION);
	else
		return 0;
	return 1;
}

void md_add_text(struct strbuf *sb, const char *s, unsigned flags, int in_cell)
{
	struct strbuf e = STRBUF_INIT;
	size_t i;

	strbuf_add_escaped(&e, s, flags);
	for (i = 0; i < e.len; i++) {
		char c = e.buf[i];

		if (add_entity(sb, c, 0))
			continue;
		if (c == '|' && in_cell)
			strbuf_addstr(sb, "\\|");
		else if (strchr("\\`*[]~", c) ||
			 (c == '_' && !(i && word_char(e.buf[i - 1]) && word_char(e.buf[i + 1])))) {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, c);
		} else
			strbuf_addch(sb, c);
	}
	strbuf_release(&e);
}

/* The longest run of backticks in s. */
static size_t longest_run(const char *s, char c)
{
	size_t best = 0, run = 0;

	for (; *s; s++) {
		run = *s == c ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

void md_add_code(struct strbuf *sb, const char *s, unsigned flags, int in_cell)
{
	struct strbuf e = STRBUF_INIT;
	size_t n, i;
	int pad;

	strbuf_add_escaped(&e, s, flags);
	n = longest_run(e.buf, '`') + 1;
	/* a span that starts or ends with a backtick or a space needs a space inside its fence */
	pad = e.len && (e.buf[0] == '`' || e.buf[e.len - 1] == '`' || e.buf[0] == ' ');
	for (i = 0; i < n; i++)
		strbuf_addch(sb, '`');
	if (pad)
		strbuf_addch(sb, ' ');
	for (i = 0; i < e.len; i++)
		if (e.buf[i] == '|' && in_cell)
			strbuf_addstr(sb, "\\|");
		else
			strbuf_addch(sb, e.buf[i]);
	if (pad)
		strbuf_addch(sb, ' ');
	for (i = 0; i < n; i++)
		strbuf_addch(sb, '`');
	strbuf_release(&e);
}

void md_add_html(struct strbuf *sb, const char *s, unsigned flags)
{
	struct strbuf e = STRBUF_INIT;
	size_t i;

	strbuf_add_escaped(&e, s, flags);
	for (i = 0; i < e.len; i++) {
		char c = e.buf[i];

		if (!add_entity(sb, c, 1))
			strbuf_addch(sb, c);
	}
	strbuf_release(&e);
}

void md_add_fence(struct strbuf *sb, const char *lang, const char *text)
{
	struct strbuf e = STRBUF_INIT;
	size_t n, i;

	strbuf_add_escaped(&e, text, ESC_KEEP_NEWLINE | ESC_KEEP_TAB | ESC_KEEP_BACKSLASH);
	n = longest_run(e.buf, '`') + 1;
	if (n < 3)
		n = 3;
	for (i = 0; i < n; i++)
		strbuf_addch(sb, '`');
	strbuf_addf(sb, "%s\n%s%s", lang, e.buf, e.len && e.buf[e.len - 1] == '\n' ? "" : "\n");
	for (i = 0; i < n; i++)
		strbuf_addch(sb, '`');
	strbuf_addch(sb, '\n');
	strbuf_release(&e);
}
