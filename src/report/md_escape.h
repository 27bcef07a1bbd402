/* md_escape.h - user text (file names, identifiers, messages) inside GitHub Markdown */
#ifndef MIGRATE_REPORT_MD_ESCAPE_H
#define MIGRATE_REPORT_MD_ESCAPE_H

#include "base/strbuf.h"
#include "base/util.h"

/*
 * Each first escapes control bytes as strbuf_add_escaped(flags) does (pass 0
 * for a raw name, ESC_KEEP_BACKSLASH for a message or for text that is
 * already escaped), then what the medium would interpret: nothing can open
 * a tag, a code span, a link or emphasis, end a table cell, or @mention.
 */
/* Markdown text: &, <, > as entities; \ ` * [ ] ~ and word-edge _ backslashed;
 * @ cannot mention; in_cell: | as \| (a table cell). */
void md_add_text(struct strbuf *sb, const char *s, unsigned flags, int in_cell);
/* An inline code span whose fence no backtick in s can close; in_cell: | as \|. */
void md_add_code(struct strbuf *sb, const char *s, unsigned flags, int in_cell);
/* Text inside an HTML block (a <summary>): &, <, >, " as entities; @ cannot mention. */
void md_add_html(struct strbuf *sb, const char *s, unsigned flags);
/* A fenced code block (a fence longer than any backtick run in text), then a newline. */
void md_add_fence(struct strbuf *sb, const char *lang, const char *text);

#endif
