/* util.c - allocation wrappers that die on out-of-memory, logging, small helpers */
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static int keep_first;
static char first_error[512];

void log_keep_first_error(int on)
{
	keep_first = on;
	first_error[0] = '\0';
}

const char *log_first_error(void)
{
	return first_error[0] ? first_error : NULL;
}

/* The first error's text, as printed (without "error: " when nothing precedes it). */
__attribute__((format(printf, 2, 0)))
static void keep_error(const char *lead, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (!keep_first || first_error[0])
		return;
	n = snprintf(first_error, sizeof(first_error), "%s", lead);
	if (n < 0 || (size_t)n >= sizeof(first_error))
		return;
	va_copy(cp, ap);
	vsnprintf(first_error + n, sizeof(first_error) - (size_t)n, fmt, cp);
	va_end(cp);
}

/*
 * The message, then a newline. Control bytes other than newline and tab (an
 * ESC in a name or in a server's message) are shown escaped: a log line cannot
 * colour the terminal or rewrite the line. Callers escape names (shown()), so
 * a newline in one cannot forge a line either.
 */
__attribute__((format(printf, 2, 0)))
static void put_message(FILE *out, const char *fmt, va_list ap)
{
	char small[512], *text = small;
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(small, sizeof(small), fmt, cp);
	va_end(cp);
	if (n >= (int)sizeof(small)) {
		text = xmalloc((size_t)n + 1);
		vsnprintf(text, (size_t)n + 1, fmt, ap);
	}
	if (n > 0)
		put_escaped(out, text, ESC_KEEP_NEWLINE | ESC_KEEP_TAB | ESC_KEEP_BACKSLASH);
	fputc('\n', out);
	if (text != small)
		free(text);
}

__attribute__((format(printf, 2, 0)))
static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	FILE *out = log_stream ? log_stream : stderr;

	if (!strcmp(prefix, "error: "))
		keep_error("", fmt, ap);

	fflush(stdout);
	fprintf(out, "%s", prefix);
	put_message(out, fmt, ap);
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

size_t utf8_seq_len(const unsigned char *p)
{
	size_t n, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

long utf8_invalid_at(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p) {
		if (!(n = utf8_seq_len(p)))
			return (long)(p - (const unsigned char *)s);
		p += n;
	}
	return -1;
}

int utf8_valid(const char *s)
{
	return utf8_invalid_at(s) < 0;
}

size_t escape_seq(const char *p, unsigned flags, char seq[8], size_t *len)
{
	unsigned char c = (unsigned char)*p;
	size_t n = utf8_seq_len((const unsigned char *)p);

	if (n > 1) {
		memcpy(seq, p, n);
		*len = n;
		return n;
	}
	*len = 2;
	seq[0] = '\\';
	if (c == '\n' && !(flags & ESC_KEEP_NEWLINE))
		seq[1] = 'n';
	else if (c == '\t' && !(flags & ESC_KEEP_TAB))
		seq[1] = 't';
	else if (c == '\\' && !(flags & ESC_KEEP_BACKSLASH))
		seq[1] = '\\';
	else if (n == 0 || ((c < 0x20 || c == 0x7f) && c != '\n' && c != '\t'))
		*len = (size_t)snprintf(seq, 8, "\\x%02x", c);
	else
		seq[0] = (char)c, *len = 1;
	return 1;
}

void put_escaped(FILE *out, const char *s, unsigned flags)
{
	char seq[8];
	size_t len;

	while (*s) {
		s += escape_seq(s, flags, seq, &len);
		fwrite(seq, 1, len, out);
	}
}

/* s escaped (put_escaped), freshly allocated. */
static char *escaped_dup(const char *s, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	if (!mem)
		return xstrdup(s);
	put_escaped(mem, s, flags);
	fclose(mem);
	return buf;
}

static void vlog_at(const char *kind, const char *file, int line, int col,
		    const char *fmt, va_list ap)
{
	FILE *out = log_stream ? log_stream : stderr;
	char lead[600];

	char *shown_file = file ? escaped_dup(file, 0) : NULL;

	file = shown_file;
	if (!strcmp(kind, "error")) {
		if (file && line > 0 && col > 0)
			snprintf(lead, sizeof(lead), "%s:%d:%d: error: ", file, line, col);
		else if (file && line > 0)
			snprintf(lead, sizeof(lead), "%s:%d: error: ", file, line);
		else
			snprintf(lead, sizeof(lead), "%s%serror: ", file ? file : "", file ? ": " : "");
		keep_error(file ? lead : "", fmt, ap);
	}
	fflush(stdout);
	if (file)
		fputs(file, out);
	if (file && line > 0 && col > 0)
		fprintf(out, ":%d:%d: %s: ", line, col, kind);
	else if (file && line > 0)
		fprintf(out, ":%d: %s: ", line, kind);
	else if (file)
		fprintf(out, ": %s: ", kind);
	else
		fprintf(out, "%s: ", kind);
	put_message(out, fmt, ap);
	free(shown_file);
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

struct unit {
	const char *name;
	double mult;
};

/* A non-negative number with one of units after it, not rounded; -1 on error or above max. */
static double parse_scaled(const char *s, const struct unit *units, size_t n, double max)
{
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
	for (i = 0; i < n; i++)
		if (!strcmp(end, units[i].name))
			return v * units[i].mult > max ? -1 : v * units[i].mult;
	return -1;
}

/* "500ms", "2s", ... -> milliseconds, not rounded; -1 on error. */
static double duration_exact_ms(const char *s)
{
	static const struct unit units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "sec", 1000 }, { "min", 60000 },
		{ "m", 60000 }, { "h", 3600000 }, { "", 1 },
	};

	return parse_scaled(s, units, ARRAY_SIZE(units), 2147483647.0);
}

long parse_duration_ms(const char *s)
{
	double ms = duration_exact_ms(s);

	return ms < 0 ? -1 : (long)(ms + 0.5);
}

long parse_lock_timeout_ms(const char *s)
{
	double ms = duration_exact_ms(s);

	if (ms < 0)
		return -1;
	return ms < 1 ? 0 : (long)(ms + 0.5);
}

long long parse_size_bytes(const char *s)
{
	static const struct unit units[] = {
		{ "", 1 }, { "B", 1 }, { "bytes", 1 }, { "kB", 1024.0 }, { "KB", 1024.0 },
		{ "MB", 1048576.0 }, { "GB", 1073741824.0 }, { "TB", 1099511627776.0 },
	};
	double b = parse_scaled(s, units, ARRAY_SIZE(units), 9e18);

	return b < 0 ? -1 : (long long)(b + 0.5);
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

size_t read_file_limit = READ_FILE_LIMIT_DEFAULT;
static __thread char read_why[160];

const char *read_file_error(void)
{
	return read_why;
}

/*
 * Open path for reading if it is a regular file within the limit (its size in *size);
 * -1 and read_why if not. O_NONBLOCK stays set: it keeps a FIFO's open from blocking
 * and means nothing to a regular file's reads.
 */
static int open_regular(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(read_why, sizeof(read_why), "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		snprintf(read_why, sizeof(read_why), "%s", strerror(EISDIR));
	else if (!S_ISREG(st.st_mode))
		snprintf(read_why, sizeof(read_why), "not a regular file (%s): migrate reads "
			 "regular files only", S_ISFIFO(st.st_mode) ? "a FIFO" :
			 S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "a socket");
	else if ((uint64_t)st.st_size > read_file_limit)
		snprintf(read_why, sizeof(read_why), "%lld bytes, more than the limit of %zu bytes "
			 "(raise it with migrations.max_file_size)", (long long)st.st_size, read_file_limit);
	else {
		*size = (size_t)st.st_size;
		return fd;
	}
	close(fd);
	return -1;
}

char *read_file(const char *path, size_t *len)
{
	size_t n = 0, alloc = 0, size = 0;
	int fd = open_regular(path, &size);
	char *buf = NULL;
	ssize_t r = 0;

	if (fd < 0)
		return NULL;
	if (size) /* the size it has now, read in one go (a file that says 0, as /proc's, is read to its end) */
		buf = xmalloc(alloc = size + 1);
	for (;;) {
		if (alloc - n < 4096 && !(size && n < size)) {
			alloc = alloc ? alloc * 2 : 8192;
			buf = xrealloc(buf, alloc);
		}
		r = read(fd, buf + n, alloc - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n > read_file_limit) /* it grew while we read */
			break;
		if (size && n == size)
			break;
	}
	if (r < 0 || n > read_file_limit) {
		if (r < 0)
			snprintf(read_why, sizeof(read_why), "%s", strerror(errno));
		else
			snprintf(read_why, sizeof(read_why), "more than the limit of %zu bytes "
				 "(raise it with migrations.max_file_size)", read_file_limit);
		close(fd);
		free(buf);
		return NULL;
	}
	close(fd);
	buf[n] = '\0';
	/* a directory of small files stays loaded: keep what each holds, not 8 KB */
	if (alloc - n > 256)
		buf = xrealloc(buf, n + 1);
	if (len)
		*len = n;
	return buf;
}

int text_check(char *buf, size_t *len, const char *name)
{
	const char *nul = memchr(buf, '\0', *len), *p;
	int line = 1, col = 1;

	if (nul) {
		for (p = buf; p < nul; p++) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)*p & 0xC0) != 0x80) {
				col++;
			}
		}
		log_error_at(name, line, col, "NUL byte: this is not a text file");
		log_hint("a migration, a lint input and migrate.yml are text; remove the NUL byte "
			 "(an editor or a transfer in UTF-16 leaves them)");
		return -1;
	}
	if (*len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) { /* a UTF-8 byte order mark */
		memmove(buf, buf + 3, *len - 2);
		*len -= 3;
		log_debug("%s: UTF-8 byte order mark ignored", name);
	}
	return 0;
}

char *read_text_file(const char *path, size_t *len)
{
	size_t n;
	char *buf = read_file(path, &n);

	if (!buf) {
		log_error("could not read \"%s\": %s", path, read_file_error());
		return NULL;
	}
	if (text_check(buf, &n, path) < 0) {
		free(buf);
		return NULL;
	}
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
	json_t *j;
	char *e;

	if (!s)
		return json_null();
	if (utf8_valid(s))
		return json_string(s);
	e = escaped_dup(s, 0); /* not UTF-8 (a history row, a path): its bytes as \xNN */
	j = json_string(e);
	free(e);
	return j;
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

int log_shared_marks;

uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

uint64_t fnv1a_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

void log_shared(const char *text)
{
	size_t len = strlen(text);

	fflush(stdout);
	if (log_shared_marks)
		fprintf(stderr, "%c%016llx\n", LOG_SHARED_MARK, (unsigned long long)fnv1a(text, len));
	fputs(text, stderr);
	if (len && text[len - 1] != '\n')
		fputc('\n', stderr);
	if (log_shared_marks)
		fprintf(stderr, "%c\n", LOG_SHARED_MARK);
	fflush(stderr);
}
