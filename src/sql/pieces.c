/* pieces.c - where a long SQL text can be cut between statements (a lexer of its quotes) */
#define _GNU_SOURCE
#include <string.h>
#include <strings.h>

#include "sql/pieces.h"
#include "base/util.h"

static int ident_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '$' || (unsigned char)ch >= 0x80;
}

/* Past a '...' string at i (E'...' when esc: backslash escapes), or len. */
static size_t skip_string(const char *s, size_t i, size_t len, int esc)
{
	for (i++; i < len; i++) {
		if (esc && s[i] == '\\')
			i++;
		else if (s[i] == '\'') {
			if (i + 1 < len && s[i + 1] == '\'')
				i++;
			else
				return i + 1;
		}
	}
	return len;
}

/* Past a comment at i ("--" or a nested block comment). */
static size_t skip_comment(const char *s, size_t i, size_t len)
{
	int depth = 0;

	if (s[i] == '-') {
		const char *nl = memchr(s + i, '\n', len - i);

		return nl ? (size_t)(nl - s) + 1 : len;
	}
	for (; i < len; i++) {
		if (i + 1 < len && s[i] == '/' && s[i + 1] == '*') {
			depth++;
			i++;
		} else if (i + 1 < len && s[i] == '*' && s[i + 1] == '/') {
			i++;
			if (--depth == 0)
				return i + 1;
		}
	}
	return len;
}

/* Past a $tag$...$tag$ at i; i + 1 when it is not one ($1); 0 when it never closes. */
static size_t skip_dollar(const char *s, size_t i, size_t len)
{
	size_t k = i + 1, tl;
	const char *close;

	if (k < len && s[k] >= '0' && s[k] <= '9')
		return i + 1;
	while (k < len && s[k] != '$' && ident_char(s[k]))
		k++;
	if (k >= len || s[k] != '$')
		return i + 1;
	tl = k + 1 - i;
	close = memmem(s + k + 1, len - k - 1, s + i, tl);
	return close ? (size_t)(close - s) + tl : 0;
}

size_t sql_pieces(const char *s, size_t len, size_t target, size_t **ends)
{
	size_t i = 0, last = 0, n = 0, alloc = 0;
	int depth = 0, atomic = 0, cases = 0; /* in BEGIN ATOMIC ... END, CASE ... END open */

	*ends = NULL;
	while (i < len) {
		char ch = s[i];

		if (ch == '\'') {
			i = skip_string(s, i, len, i > 0 && (s[i - 1] == 'e' || s[i - 1] == 'E') &&
					(i < 2 || !ident_char(s[i - 2])));
		} else if (ch == '"') {
			const char *q = memchr(s + i + 1, '"', len - i - 1);

			i = q ? (size_t)(q - s) + 1 : len;
		} else if ((ch == '-' && i + 1 < len && s[i + 1] == '-') ||
			   (ch == '/' && i + 1 < len && s[i + 1] == '*')) {
			i = skip_comment(s, i, len);
		} else if (ch == '$') {
			if (!(i = skip_dollar(s, i, len)))
				break; /* an unterminated dollar quote: no more cuts */
		} else if (ident_char(ch)) {
			size_t w = i;

			while (i < len && ident_char(s[i]))
				i++;
			if (i - w == 6 && !strncasecmp(s + w, "atomic", 6))
				atomic = 1;
			else if (atomic && i - w == 4 && !strncasecmp(s + w, "case", 4))
				cases++;
			else if (atomic && i - w == 3 && !strncasecmp(s + w, "end", 3) && !cases--)
				atomic = cases = 0;
		} else {
			if (ch == '(')
				depth++;
			else if (ch == ')')
				depth--;
			else if (ch == ';' && depth == 0 && !atomic && i + 1 - last >= target && i + 1 < len) {
				ALLOC_GROW(*ends, n + 1, alloc);
				(*ends)[n++] = last = i + 1;
			}
			i++;
		}
	}
	ALLOC_GROW(*ends, n + 1, alloc);
	(*ends)[n++] = len;
	return n;
}
