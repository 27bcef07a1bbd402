/* util.h - allocation wrappers, logging, exit codes, small helpers */
#ifndef MIGRATE_UTIL_H
#define MIGRATE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>

/* Documented exit codes (docs/exit-codes.md, `migrate --help`). */
enum exit_code {
	EXIT_OK = 0,      /* success, also "nothing to do" */
	EXIT_FAILED = 1,  /* a migration failed, or lint found errors */
	EXIT_USAGE = 2,   /* usage, configuration, file or parse error */
	EXIT_CONNECT = 3, /* cannot connect or cannot take the runner lock */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED(x) ((void)(x))

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *items (element size elsz) so that it holds at least n; *alloc tracks capacity. */
void grow_array(void **items, size_t elsz, size_t n, size_t *alloc);
#define ALLOC_GROW(items, n, alloc) \
	grow_array((void **)&(items), sizeof(*(items)), (n), &(alloc))

/* Logging: messages start lowercase, no full stop. Everything goes to stderr. */
extern int log_verbosity; /* 0 normal, 1 -v, -1 -q */
/* Send log_error ... log_debug to out (NULL: stderr again); returns the previous one. */
FILE *log_to(FILE *out);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "file:line:col: error: ..." (line/col 0 are omitted) */
void log_error_at(const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void log_warning_at(const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Parse "500ms", "2s", "1min", "0", "250" (ms) into milliseconds; -1 on error. */
long parse_duration_ms(const char *s);
/* Parse a non-negative decimal integer; -1 on error. */
int64_t parse_int64(const char *s);

/* Read a whole file; NUL-terminated; *len may be NULL. NULL + errno on error. */
char *read_file(const char *path, size_t *len);
/* Monotonic milliseconds. */
int64_t now_ms(void);
void sleep_ms(long ms);
/* The OS user running us (never NULL). */
const char *os_user_name(void);

/* Print a JSON document (jansson's json_t) as every --format json does, indented,
 * keys in their order, then a newline; and drop the caller's reference. */
struct json_t;
void json_print_release(struct json_t *root, FILE *out);
/* A JSON string, or null for NULL; a JSON integer, or null for 0 (no version, none). */
struct json_t *json_string_or_null(const char *s);
struct json_t *json_integer_or_null(int64_t v);
/* A migration version as JSON: a string ("20261121143000"), or null when 0. */
struct json_t *json_version_or_null(int64_t v);
/*
 * The "format_version" of every JSON document migrate prints (a string, first
 * key); raised when a key changes meaning or goes away.
 */
#define JSON_FORMAT_VERSION "1"
/* root with "format_version" first: root's own keys follow (root is released). */
struct json_t *json_with_format_version(struct json_t *root);

#endif
