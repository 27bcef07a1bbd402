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

/* Length of the valid UTF-8 sequence at p (1 to 4), 0 when it is not one. */
size_t utf8_seq_len(const unsigned char *p);
/*
 * User-controlled text (a file name, an identifier, a directive) made safe
 * for a terminal or a one-line report: control characters (a newline, ESC,
 * DEL) and bytes that are not UTF-8 become \n, \t or \xNN, and a backslash
 * \\ (so the escaping is unambiguous), unless flags say otherwise. Valid
 * UTF-8 is kept as it is.
 */
#define ESC_KEEP_NEWLINE 1u   /* multi-line text: '\n' stays */
#define ESC_KEEP_TAB 2u       /* a source line: '\t' stays (caret alignment) */
#define ESC_KEEP_BACKSLASH 4u /* a message or SQL: '\' is shown as it is */
/* The escaped form of the character at p (not NUL) into seq (*len bytes, at most
 * 4); returns how many bytes of p it stands for. */
size_t escape_seq(const char *p, unsigned flags, char seq[8], size_t *len);
/* s escaped (escape_seq) onto out. */
void put_escaped(FILE *out, const char *s, unsigned flags);

/* Offset of the first byte of s that is not part of valid UTF-8; -1 when s is valid. */
long utf8_invalid_at(const char *s);
/* Is s valid UTF-8? */
int utf8_valid(const char *s);

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
/*
 * Keep the text of the first error logged from now on (off: stop; either way
 * forget the one kept): how a fleet worker reports its target's error.
 */
void log_keep_first_error(int on);
const char *log_first_error(void); /* NULL when none */

/*
 * Print a report that many processes are likely to print alike (the lint
 * gate's findings on a fleet's shared migration files) to stderr. With
 * log_shared_marks on (a fleet worker), it is framed by LOG_SHARED_MARK lines
 * (the first with a hash of the text), so that the fleet's parent shows it for
 * the first target only. text holds whole lines.
 */
#define LOG_SHARED_MARK '\036'
extern int log_shared_marks;

/* FNV-1a, 64-bit: of len bytes, or of a NUL-terminated string (hash maps, marks). */
uint64_t fnv1a(const char *s, size_t len);
uint64_t fnv1a_str(const char *s);
void log_shared(const char *text);

void log_error_at(const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void log_warning_at(const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Parse "500ms", "2s", "1min", "0", "250" (ms) into milliseconds; -1 on error. */
long parse_duration_ms(const char *s);
/* Parse "10MB", "512kB", "1GB", "0", "8192" (bytes) into bytes, as PostgreSQL
 * spells sizes (units of 1024); -1 on error. */
long long parse_size_bytes(const char *s);
/* A lock timeout: as parse_duration_ms, but 0 for any value under 1 ms (0 is "no lock
 * timeout" to PostgreSQL: the caller refuses it). */
long parse_lock_timeout_ms(const char *s);
/* Parse a non-negative decimal integer; -1 on error. */
int64_t parse_int64(const char *s);

/* Read a whole regular file (no FIFO, device or socket: those could block or never end) of
 * at most read_file_limit bytes; NUL-terminated; *len may be NULL. NULL on error, then
 * read_file_error() says why (this thread's last failure). */
#define READ_FILE_LIMIT_DEFAULT ((size_t)256 << 20)
extern size_t read_file_limit; /* migrations.max_file_size */
char *read_file(const char *path, size_t *len);
const char *read_file_error(void);
/* Text only: refuse a NUL byte (file:line:col, -1) and drop a UTF-8 byte order mark. */
int text_check(char *buf, size_t *len, const char *name);
/* read_file + text_check; reports its own errors ("could not read ...") and returns NULL. */
char *read_text_file(const char *path, size_t *len);
/* Monotonic milliseconds. */
int64_t now_ms(void);
void sleep_ms(long ms);
/* The OS user running us (never NULL). */
const char *os_user_name(void);

/* Print a JSON document (jansson's json_t) as every --format json does, indented,
 * keys in their order, then a newline; and drop the caller's reference. */
struct json_t;
void json_print_release(struct json_t *root, FILE *out);
/* A JSON string, or null for NULL (text that is not UTF-8 has its bytes and control
 * characters as \xNN: it cannot make the document invalid); a JSON integer, or null
 * for 0 (no version, none). */

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
