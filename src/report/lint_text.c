/* lint_text.c - findings for people (text, with the source line and a caret)
 * and for GitHub Actions (workflow-command annotations) */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/lint_report.h"
#include "lint/catalog.h"
#include "base/strbuf.h"
#include "base/secret.h"
#include "base/util.h"

struct colors {
	const char *err, *warn, *bold, *dim, *caret, *reset;
};

static const struct colors plain = { "", "", "", "", "", "" };
static const struct colors ansi = { "\033[1;31m", "\033[1;33m", "\033[1m", "\033[2m", "\033[1;36m",
				    "\033[0m" };

int lint_format_parse(const char *name)
{
	if (!strcmp(name, "text"))
		return LINT_FORMAT_TEXT;
	if (!strcmp(name, "json"))
		return LINT_FORMAT_JSON;
	if (!strcmp(name, "github"))
		return LINT_FORMAT_GITHUB;
	if (!strcmp(name, "sarif"))
		return LINT_FORMAT_SARIF;
	return -1;
}

/* Byte offset of character column col (1-based) in s. */
static size_t byte_of_col(const char *s, int col)
{
	size_t i = 0;
	int k = 1;

	while (s[i] && k < col) {
		i++;
		while (((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		k++;
	}
	return i;
}

/*
 * Columns the first n bytes of a source line take once escaped (a control
 * byte or a byte that is not UTF-8 is shown as \xNN); with pad, print that
 * many spaces (a tab stays a tab, so the caret lines up).
 */
static int shown_cols(FILE *pad, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	int cols = 0, w;

	while (i < n && p[i]) {
		k = utf8_seq_len(p + i);
		w = k == 0 || (k == 1 && p[i] != '\t' && (p[i] < 0x20 || p[i] == 0x7f)) ? 4 : 1;
		cols += w;
		while (pad && w--)
			fputc(p[i] == '\t' ? '\t' : ' ', pad);
		i += k ? k : 1;
	}
	return cols;
}

static void print_caret(FILE *out, const struct lint_finding *f, const struct colors *co, int width)
{
	const char *src = f->source;
	size_t start, end;
	int n;

	if (!src)
		return;
	start = byte_of_col(src, f->col);
	end = f->end_line == f->line ? byte_of_col(src, f->end_col) : strlen(src);
	if (end <= start)
		end = start + 1;
	fprintf(out, " %s%*d |%s %s\n", co->dim, width, f->line, co->reset, shown_line(src));
	fprintf(out, " %*s %s|%s ", width, "", co->dim, co->reset);
	start = start < strlen(src) ? start : strlen(src);
	shown_cols(out, src, start);
	fputs(co->caret, out);
	n = shown_cols(NULL, src + start, end - start);
	if (n < 1)
		n = 1;
	while (n--)
		fputc('^', out);
	fprintf(out, "%s\n", co->reset);
}

static void print_lock(FILE *out, const struct lint_finding *f, const struct colors *co)
{
	struct strbuf sb = STRBUF_INIT;

	if (!f->lock && !f->rewrite && !f->scan)
		return;
	if (f->lock) {
		strbuf_addstr(&sb, f->lock);
		if (f->table)
			strbuf_addf(&sb, " on \"%s\"", shown(f->table));
		if (f->blocks_reads || f->blocks_writes)
			strbuf_addf(&sb, " (blocks %s)", f->blocks_reads ? "reads and writes" : "writes");
		else
			strbuf_addstr(&sb, " (blocks neither reads nor writes)");
	}
	if (f->rewrite)
		strbuf_addf(&sb, "%srewrites the table", sb.len ? "; " : "");
	else if (f->scan)
		strbuf_addf(&sb, "%sscans the table", sb.len ? "; " : "");
	fprintf(out, "  %s= lock:%s %s\n", co->bold, co->reset, sb.buf);
	strbuf_release(&sb);
}

static void print_help(FILE *out, const char *help, const struct colors *co)
{
	const char *p = help;

	fprintf(out, "  %s= safe alternative:%s\n", co->bold, co->reset);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n) {
			char *line = xstrndup(p, n);

			fprintf(out, "      %s\n", shown_line(line));
			free(line);
		}
		else
			fputc('\n', out);
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* One finding as text; counted in ls (allowed ones only counted). */
static void text_finding(struct lint_stream *ls, const struct lint_finding *f)
{
	const struct colors *co = ls->color ? &ansi : &plain;
	FILE *out = ls->out;
	int parse = !strcmp(f->rule, "parse-error");
	int width = snprintf(NULL, 0, "%d", f->line);

	if (f->allowed) {
		ls->allowed++;
		return;
	}
	if (f->severity == LINT_ERROR)
		ls->errors++;
	else
		ls->warnings++;
	if (parse)
		fprintf(out, "%s%s:%d:%d:%s %sparse error:%s %s%s%s\n", co->bold, shown(f->file),
			f->line, f->col, co->reset, co->err, co->reset, co->bold,
			shown_text(f->message), co->reset);
	else
		fprintf(out, "%s%s:%d:%d:%s %s%s[%s]:%s %s%s%s\n", co->bold, shown(f->file),
			f->line, f->col, co->reset, f->severity == LINT_ERROR ? co->err : co->warn,
			lint_severity_name(f->severity), f->rule, co->reset,
			co->bold, shown_text(f->message), co->reset);
	print_caret(out, f, co, width);
	print_lock(out, f, co);
	if (f->help)
		print_help(out, f->help, co);
	fputc('\n', out);
}

static void text_summary(const struct lint_stream *ls, const struct lint_result *r)
{
	FILE *out = ls->out;

	fprintf(out, "%zu error%s, %zu warning%s", ls->errors, ls->errors == 1 ? "" : "s", ls->warnings,
		ls->warnings == 1 ? "" : "s");
	if (ls->allowed)
		fprintf(out, " (%zu allowed by -- migrate:allow)", ls->allowed);
	fprintf(out, " in %d file%s, %d statement%s\n", r->files, r->files == 1 ? "" : "s",
		r->statements, r->statements == 1 ? "" : "s");
}

/*
 * GitHub workflow commands: data escapes %, CR, LF; properties also ':' and
 * ','. Other control bytes (an ESC would colour the job's log) and bytes that
 * are not UTF-8 are shown as \xNN.
 */
static void gh_escape(struct strbuf *sb, const char *s, int property)
{
	for (; *s; s++) {
		size_t n = utf8_seq_len((const unsigned char *)s);

		if (n > 1) {
			strbuf_add(sb, s, n);
			s += n - 1;
		} else if (*s == '%')
			strbuf_addstr(sb, "%25");
		else if (*s == '\r')
			strbuf_addstr(sb, "%0D");
		else if (*s == '\n')
			strbuf_addstr(sb, "%0A");
		else if (property && *s == ':')
			strbuf_addstr(sb, "%3A");
		else if (property && *s == ',')
			strbuf_addstr(sb, "%2C");
		else if (n == 0 || (unsigned char)*s < 0x20 || *s == 0x7f)
			strbuf_addf(sb, "\\x%02x", (unsigned char)*s);
		else

			strbuf_addch(sb, *s);
	}
}

static void github_finding(FILE *out, const struct lint_finding *f)
{
	struct strbuf sb = STRBUF_INIT, msg = STRBUF_INIT;

	if (f->allowed)
		return;
	strbuf_addf(&sb, "::%s file=", lint_severity_name(f->severity));
	gh_escape(&sb, f->file, 1);
	strbuf_addf(&sb, ",line=%d,col=%d,endLine=%d,endColumn=%d,title=", f->line, f->col,
		    f->end_line, f->end_col);
	gh_escape(&sb, !strcmp(f->rule, "parse-error") ? "parse error" : f->rule, 1);
	strbuf_addstr(&sb, "::");
	strbuf_addstr(&msg, f->message);
	if (f->lock)
		strbuf_addf(&msg, "\nlock: %s%s%s (blocks %s)%s", f->lock, f->table ? " on " : "",
			    f->table ? f->table : "",
			    f->blocks_reads ? "reads and writes" : f->blocks_writes ? "writes" : "neither reads nor writes",
			    f->rewrite ? "; rewrites the table" : f->scan ? "; scans the table" : "");
	if (f->help)
		strbuf_addf(&msg, "\nsafe alternative:\n%s", f->help);
	gh_escape(&sb, msg.buf, 0);
	fprintf(out, "%s\n", sb.buf);
	strbuf_release(&sb);
	strbuf_release(&msg);
}

void lint_stream_begin(struct lint_stream *ls, enum lint_format fmt, FILE *out, int color)
{
	memset(ls, 0, sizeof(*ls));
	if (color < 0) {
		const char *nc = getenv("NO_COLOR");

		color = stream_isatty(out) && !(nc && *nc);
	}
	ls->fmt = fmt;
	ls->out = out;
	ls->color = color;
}

void lint_stream_finding(void *arg, const struct lint_finding *f)
{
	struct lint_stream *ls = arg;

	if (!ls->started && ls->fmt == LINT_FORMAT_JSON)
		lint_json_begin(ls);
	ls->started = 1;
	switch (ls->fmt) {
	case LINT_FORMAT_TEXT:
		text_finding(ls, f);
		break;
	case LINT_FORMAT_GITHUB:
		github_finding(ls->out, f);
		break;
	case LINT_FORMAT_JSON:
		lint_json_finding(ls, f);
		break;
	case LINT_FORMAT_SARIF:
		break;
	}
}

void lint_stream_end(struct lint_stream *ls, const struct lint_result *r, int print)
{
	size_t i;

	if (!print && !ls->started)
		return;
	for (i = 0; i < r->n; i++)
		lint_stream_finding(ls, &r->items[i]);
	if (ls->fmt == LINT_FORMAT_TEXT)
		text_summary(ls, r);
	else if (ls->fmt == LINT_FORMAT_JSON)
		lint_json_end(ls, r);
}

void lint_result_print(const struct lint_result *r, enum lint_format fmt, FILE *out, int color)
{
	struct lint_stream ls;

	if (fmt == LINT_FORMAT_SARIF) {
		lint_print_sarif(r, out);
		return;
	}
	lint_stream_begin(&ls, fmt, out, color);
	lint_stream_end(&ls, r, 1);
}
