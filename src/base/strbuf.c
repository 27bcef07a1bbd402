/* strbuf.c - growable string with git strbuf's invariants */
#include "base/strbuf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char strbuf_slopbuf[1];

void strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->alloc = sb->len = 0;
	sb->buf = strbuf_slopbuf;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, 0);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *res;

	strbuf_grow(sb, 0);
	res = sb->buf;
	if (len)
		*len = sb->len;
	strbuf_init(sb, 0);
	return res;
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t want = sb->len + extra + 1;

	if (want <= sb->alloc)
		return;
	if (!sb->alloc)
		sb->buf = NULL;
	if (want < sb->alloc * 2)
		want = sb->alloc * 2;
	if (want < 64)
		want = 64;
	sb->buf = xrealloc(sb->buf, want);
	sb->alloc = want;
	sb->buf[sb->len] = '\0';
}

void strbuf_reset(struct strbuf *sb)
{
	if (sb->alloc) {
		sb->len = 0;
		sb->buf[0] = '\0';
	}
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, char c)
{
	strbuf_add(sb, &c, 1);
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	/* formatted once into the room there is; again only when it did not fit */
	strbuf_grow(sb, 64);
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0) {
		sb->buf[sb->len] = '\0';
		return;
	}
	if ((size_t)n >= sb->alloc - sb->len) {
		strbuf_grow(sb, (size_t)n);
		vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	}
	sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_rtrim(struct strbuf *sb)
{
	while (sb->len > 0 && (sb->buf[sb->len - 1] == ' ' || sb->buf[sb->len - 1] == '\t' ||
			       sb->buf[sb->len - 1] == '\n' || sb->buf[sb->len - 1] == '\r'))
		sb->len--;
	if (sb->alloc)
		sb->buf[sb->len] = '\0';
}

/* 49152 -> "48 kB", as pg_size_pretty rounds. */
void strbuf_add_size(struct strbuf *sb, long long bytes)
{
	static const char *const units[] = { "bytes", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 10240 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	strbuf_addf(sb, "%lld %s", (long long)(v + 0.5), units[u]);
}

/* 1234567 -> "1,234,567" */
void strbuf_add_count(struct strbuf *sb, double rows)
{
	char buf[32];
	int len, i;

	snprintf(buf, sizeof(buf), "%.0f", rows);
	len = (int)strlen(buf);
	for (i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			strbuf_addch(sb, ',');
		strbuf_addch(sb, buf[i]);
	}
}

/* A number of seconds as an age: 45s, 5m12s, 2h03m. */
void strbuf_add_age(struct strbuf *sb, long s)
{
	if (s >= 3600)
		strbuf_addf(sb, "%ldh%02ldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		strbuf_addf(sb, "%ldm%02lds", s / 60, s % 60);
	else
		strbuf_addf(sb, "%lds", s);
}

void strbuf_add_escaped(struct strbuf *sb, const char *s, unsigned flags)
{
	char seq[8];
	size_t len;

	while (*s) {
		s += escape_seq(s, flags, seq, &len);
		strbuf_add(sb, seq, len);
	}
}

char *escape_name(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_add_escaped(&sb, s, 0);
	return strbuf_detach(&sb, NULL);
}

char *escape_text(const char *s, unsigned flags)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_add_escaped(&sb, s, flags | ESC_KEEP_BACKSLASH);
	return strbuf_detach(&sb, NULL);
}

/* The last few strings shown() and shown_text() returned, freed in turn. */
#define SHOWN_RING 16
static __thread char *shown_ring[SHOWN_RING];
static __thread unsigned shown_next;

static const char *keep_shown(char *e)
{
	unsigned k = shown_next++ % SHOWN_RING;

	free(shown_ring[k]);
	shown_ring[k] = e;
	return e;
}

void shown_release(void)
{
	unsigned k;

	for (k = 0; k < SHOWN_RING; k++) {
		free(shown_ring[k]);
		shown_ring[k] = NULL;
	}
}

const char *shown(const char *s)
{
	return s ? keep_shown(escape_name(s)) : "(none)";
}

const char *shown_text(const char *s)
{
	return s ? keep_shown(escape_text(s, 0)) : "";
}

const char *shown_line(const char *s)
{
	return s ? keep_shown(escape_text(s, ESC_KEEP_TAB)) : "";
}
