/* strbuf.h - growable string; buf is never NULL, release twice is safe */
#ifndef MIGRATE_STRBUF_H
#define MIGRATE_STRBUF_H

#include <stddef.h>
#include <stdarg.h>

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { 0, 0, strbuf_slopbuf }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void strbuf_rtrim(struct strbuf *sb);
/* 49152 -> "48 kB", rounded as pg_size_pretty does */
void strbuf_add_size(struct strbuf *sb, long long bytes);
/* 1234567 -> "1,234,567" */
void strbuf_add_count(struct strbuf *sb, double n);
/* A number of seconds as an age: 45s, 5m12s, 2h03m. */
void strbuf_add_age(struct strbuf *sb, long seconds);

/* s escaped as escape_seq (base/util.h) does, with flags ESC_KEEP_*. */
void strbuf_add_escaped(struct strbuf *sb, const char *s, unsigned flags);
/* A name, escaped unambiguously (freshly allocated). */
char *escape_name(const char *s);
/* A message or SQL text: control bytes escaped, backslashes kept (freshly allocated). */
char *escape_text(const char *s, unsigned flags);
/*
 * escape_name / escape_text(s, 0) for one printf: the result stays valid until
 * 16 more calls of either in this thread. shown(NULL) is "(none)", shown_text(NULL) "".
 */
const char *shown(const char *s);
const char *shown_text(const char *s);
/* A source line: as shown_text, but a tab stays a tab. */
const char *shown_line(const char *s);
/* Free this thread's shown strings (a thread that used them, before it ends). */
void shown_release(void);

#endif
