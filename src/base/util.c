/* util.c - allocation wrappers that die on out-of-memory, logging, small helpers */
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int log_verbosity;

static void die_oom(size_t n)
{
	fprintf(stderr, "migrate: error: out of memory (%zu bytes)\n", n);
	exit(EXIT_FAILED);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die_oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		die_oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die_oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void grow_array(void **items, size_t elsz, size_t n, size_t *alloc)
{
	size_t want;

	if (n <= *alloc)
		return;
	want = *alloc ? *alloc * 2 : 8;
	while (want < n)
		want *= 2;
	*items = xrealloc(*items, want * elsz);
	memset((char *)*items + *alloc * elsz, 0, (want - *alloc) * elsz);
	*alloc = want;
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static FILE *log_stream; /* NULL: stderr */

FILE *log_to(FILE *out)
{
	FILE *old = log_stream;

	log_stream = out;
	return old;
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	FILE *out = log_stream ? log_stream : stderr;

	fflush(stdout);
	fprintf(out, "%s", prefix);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
}

#define DEFINE_LOG(fn, prefix, min_verbosity)                      \
	void fn(const char *fmt, ...)                              \
	{                                                          \
		va_list ap;                                        \
		if (log_verbosity < (min_verbosity))               \
			return;                                    \
		va_start(ap, fmt);                                 \
		vlog(prefix, fmt, ap);                             \
		va_end(ap);                                        \
	}

DEFINE_LOG(log_error, "error: ", -10)
DEFINE_LOG(log_warning, "warning: ", 0)
DEFINE_LOG(log_detail, "detail: ", -10)
DEFINE_LOG(log_hint, "hint: ", -10)
DEFINE_LOG(log_info, "", 0)
DEFINE_LOG(log_debug, "debug: ", 1)

static void vlog_at(const char *kind, const char *file, int line, int col,
		    const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

static void vlog_at(const char *kind, const char *file, int line, int col,
		    const char *fmt, va_list ap)
{
	fflush(stdout);
	if (file && line > 0 && col > 0)
		fprintf(stderr, "%s:%d:%d: %s: ", file, line, col, kind);
	else if (file && line > 0)
		fprintf(stderr, "%s:%d: %s: ", file, line, kind);
	else if (file)
		fprintf(stderr, "%s: %s: ", file, kind);
	else
		fprintf(stderr, "%s: ", kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_error_at(const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog_at("error", file, line, col, fmt, ap);
	va_end(ap);
}

void log_warning_at(const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	if (log_verbosity < 0)
		return;
	va_start(ap, fmt);
	vlog_at("warning", file, line, col, fmt, ap);
	va_end(ap);
}

long parse_duration_ms(const char *s)
{
	static const struct { const char *unit; long mult; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "sec", 1000 }, { "min", 60000 },
		{ "m", 60000 }, { "h", 3600000 }, { "", 1 },
	};
	char *end;
	double v;
	size_t i;

	if (!s)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s) && *s != '.')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || v < 0)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (!strcmp(end, units[i].unit)) {
			double ms = v * units[i].mult;
			if (ms > 2147483647.0)
				return -1;
			return (long)(ms + 0.5);
		}
	}
	return -1;
}

int64_t parse_int64(const char *s)
{
	int64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, alloc = 0, r;
	int saved;

	if (!f)
		return NULL;
	for (;;) {
		if (alloc - n < 4096) {
			alloc = alloc ? alloc * 2 : 8192;
			buf = xrealloc(buf, alloc);
		}
		r = fread(buf + n, 1, alloc - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		saved = errno ? errno : EIO;
		fclose(f);
		free(buf);
		errno = saved;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	/* a directory of small files stays loaded: keep what each holds, not 8 KB */
	if (alloc - n > 256)
		buf = xrealloc(buf, n + 1);
	if (len)
		*len = n;
	return buf;
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

const char *os_user_name(void)
{
	static char name[256];
	struct passwd *pw;
	const char *env;

	if (name[0])
		return name;
	pw = getpwuid(geteuid());
	if (pw && pw->pw_name)
		snprintf(name, sizeof(name), "%s", pw->pw_name);
	else if ((env = getenv("USER")) && *env)
		snprintf(name, sizeof(name), "%s", env);
	else
		snprintf(name, sizeof(name), "uid:%u", (unsigned)geteuid());
	return name;
}

json_t *json_string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *json_integer_or_null(int64_t v)
{
	return v ? json_integer((json_int_t)v) : json_null();
}

json_t *json_version_or_null(int64_t v)
{
	char buf[32];

	if (!v)
		return json_null();
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return json_string(buf);
}

json_t *json_with_format_version(json_t *root)
{
	json_t *out;

	if (!json_is_object(root) || json_object_get(root, "format_version"))
		return root;
	out = json_object();
	json_object_set_new(out, "format_version", json_string(JSON_FORMAT_VERSION));
	json_object_update(out, root);
	json_decref(root);
	return out;
}

void json_print_release(json_t *root, FILE *out)
{
	char *text;

	root = json_with_format_version(root);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	fprintf(out, "%s\n", text);
	free(text);
	json_decref(root);
}
