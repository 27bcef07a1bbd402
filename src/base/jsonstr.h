/* jsonstr.h - a JSON string literal, byte for byte as jansson writes it with JSON_ENSURE_ASCII */
#ifndef MIGRATE_JSONSTR_H
#define MIGRATE_JSONSTR_H

struct strbuf;

/*
 * Append "s" as a JSON string: \" \\ \b \f \n \r \t, other control characters and
 * every non-ASCII character as \uXXXX (a surrogate pair above U+FFFF), '/' as is.
 * Returns 0, or -1 (sb unchanged) when s is not valid UTF-8 (jansson refuses it too).
 */
int json_str_add(struct strbuf *sb, const char *s);

#endif
