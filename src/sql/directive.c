/* directive.c - the one reader of "-- migrate:WORD ARGS" comments */
#include "sql/directive.h"

#include <string.h>

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int directive_read(const char *text, size_t len, struct directive *d)
{
	const char *p = text, *e = text + len, *w;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (e - p >= 2 && p[0] == '/' && p[1] == '*') {
		p += 2;
		if (e - p >= 2 && e[-2] == '*' && e[-1] == '/')
			e -= 2;
	} else if (e - p >= 2 && p[0] == '-' && p[1] == '-') {
		p += 2;
	} else {
		return 0;
	}
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && blank(e[-1]))
		e--;
	if (e - p < 8 || strncmp(p, "migrate:", 8))
		return 0;
	p += 8;
	for (w = p; p < e && !blank(*p); p++)
		;
	d->word = w;
	d->word_len = (size_t)(p - w);
	while (p < e && blank(*p))
		p++;
	d->args = p;
	d->args_len = (size_t)(e - p);
	return 1;
}

int directive_is(const struct directive *d, const char *word)
{
	return strlen(word) == d->word_len && !strncmp(d->word, word, d->word_len);
}

int directive_split(const struct directive *d, const char **tok, size_t *tok_len,
		    const char **rest, size_t *rest_len)
{
	const char *p = d->args, *e = d->args + d->args_len;

	*tok = p;
	while (p < e && !blank(*p))
		p++;
	*tok_len = (size_t)(p - *tok);
	while (p < e && blank(*p))
		p++;
	*rest = p;
	*rest_len = (size_t)(e - p);
	return *tok_len > 0;
}
