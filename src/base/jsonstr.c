/* jsonstr.c - a JSON string literal without building a jansson value (lint output) */
#include <stddef.h>
#include <stdint.h>

#include "base/jsonstr.h"
#include "base/strbuf.h"

/* The code point at s, its length in *n; -1 when it is not valid UTF-8 (as jansson checks it). */
static int32_t utf8_next(const unsigned char *s, int *n)
{
	unsigned char c = s[0];
	int32_t cp;
	int len, i;

	if (c < 0x80) {
		*n = 1;
		return c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return -1;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000))
		return -1;
	*n = len;
	return cp;
}

static void add_u(struct strbuf *sb, int32_t cp)
{
	static const char hex[] = "0123456789ABCDEF";
	char u[6] = { '\\', 'u', hex[(cp >> 12) & 15], hex[(cp >> 8) & 15], hex[(cp >> 4) & 15],
		      hex[cp & 15] };

	strbuf_add(sb, u, sizeof(u));
}

int json_str_add(struct strbuf *sb, const char *str)
{
	const unsigned char *s = (const unsigned char *)str, *run = s;
	size_t start = sb->len;
	int n;

	strbuf_addch(sb, '"');
	while (*s) {
		int32_t cp;
		const char *esc = NULL;

		if (*s >= 0x20 && *s <= 0x7F && *s != '"' && *s != '\\') {
			s++; /* the common case, without decoding */
			continue;
		}
		cp = utf8_next(s, &n);

		if (cp < 0) {
			sb->len = start;
			sb->buf[start] = '\0';
			return -1;
		}
		if (cp >= 0x20 && cp <= 0x7F && cp != '"' && cp != '\\') {
			s += n;
			continue;
		}
		strbuf_add(sb, run, (size_t)(s - run));
		switch (cp) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default: break;
		}
		if (esc) {
			strbuf_add(sb, esc, 2);
		} else if (cp < 0x10000) {
			add_u(sb, cp);
		} else {
			add_u(sb, 0xD7C0 + (cp >> 10));
			add_u(sb, 0xDC00 + (cp & 0x3FF));
		}
		s += n;
		run = s;
	}
	strbuf_add(sb, run, (size_t)(s - run));
	strbuf_addch(sb, '"');
	return 0;
}
