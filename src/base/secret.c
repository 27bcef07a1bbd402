/* secret.c - scrub known secrets from stdout and stderr (one filter for every output) */
#define _GNU_SOURCE
#include "base/secret.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char **secrets;
static size_t nsecrets, secrets_alloc;
static pthread_mutex_t secrets_mu = PTHREAD_MUTEX_INITIALIZER;
static int filtered;

struct filter {
	int fd;
	struct strbuf held; /* a tail that may be the start of a secret: written later */
};

static char *scrub_locked(const char *msg, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i = 0, k;

	while (i < len) {
		for (k = 0; k < nsecrets; k++) {
			size_t ls = strlen(secrets[k]);
			if (ls <= len - i && !memcmp(msg + i, secrets[k], ls)) {
				strbuf_addstr(&sb, "***");
				i += ls;
				break;
			}
		}
		if (k == nsecrets)
			strbuf_addch(&sb, msg[i++]);
	}
	strbuf_addstr(&sb, ""); /* an empty message still gets a buffer */
	return strbuf_detach(&sb, NULL);
}

char *secret_scrub(const char *msg)
{
	char *r;

	if (!msg)
		return xstrdup("");
	pthread_mutex_lock(&secrets_mu);
	r = scrub_locked(msg, strlen(msg));
	pthread_mutex_unlock(&secrets_mu);
	return r;
}

/* The longest tail of s that is the start of a secret (and not a whole one). */
static size_t secret_prefix_tail(const char *s, size_t len)
{
	size_t k, best = 0;

	for (k = 0; k < nsecrets; k++) {
		size_t ls = strlen(secrets[k]), t = ls - 1 < len ? ls - 1 : len;

		for (; t > best; t--)
			if (!memcmp(s + len - t, secrets[k], t)) {
				best = t;
				break;
			}
	}
	return best;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static ssize_t filter_write(void *cookie, const char *buf, size_t size)
{
	struct filter *f = cookie;
	char *out;
	size_t len, hold;

	pthread_mutex_lock(&secrets_mu);
	strbuf_add(&f->held, buf, size);
	out = scrub_locked(f->held.buf, f->held.len);
	len = strlen(out);
	hold = secret_prefix_tail(out, len);
	pthread_mutex_unlock(&secrets_mu);
	write_all(f->fd, out, len - hold);
	strbuf_reset(&f->held);
	strbuf_add(&f->held, out + len - hold, hold);
	free(out);
	return (ssize_t)size;
}

static int filter_close(void *cookie)
{
	struct filter *f = cookie;

	write_all(f->fd, f->held.buf ? f->held.buf : "", f->held.len);
	strbuf_release(&f->held);
	free(f);
	return 0;
}

static FILE *filter_open(int fd, int mode)
{
	cookie_io_functions_t io = { NULL, filter_write, NULL, filter_close };
	struct filter *f = xcalloc(1, sizeof(*f));
	FILE *s;

	f->fd = fd;
	strbuf_init(&f->held, 0);
	s = fopencookie(f, "w", io);
	if (!s) {
		free(f);
		return NULL;
	}
	setvbuf(s, NULL, mode, BUFSIZ);
	return s;
}

static FILE *orig_out, *orig_err, *filter_out, *filter_err;

/* At exit: what the filters hold is written, they are closed, the secrets freed. */
static void remove_filters(void)
{
	size_t k;

	if (filter_out) {
		fflush(filter_out);
		stdout = orig_out;
		fclose(filter_out);
		filter_out = NULL;
	}
	if (filter_err) {
		fflush(filter_err);
		stderr = orig_err;
		fclose(filter_err);
		filter_err = NULL;
	}
	pthread_mutex_lock(&secrets_mu);
	for (k = 0; k < nsecrets; k++)
		free(secrets[k]);
	free(secrets);
	secrets = NULL;
	nsecrets = secrets_alloc = 0;
	pthread_mutex_unlock(&secrets_mu);
}

static void install_filters(void)
{
	fflush(stdout);
	fflush(stderr);
	orig_out = stdout;
	orig_err = stderr;
	filter_out = filter_open(STDOUT_FILENO, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF);
	filter_err = filter_open(STDERR_FILENO, _IONBF);
	if (filter_out)
		stdout = filter_out;
	if (filter_err)
		stderr = filter_err;
	filtered = 1;
	atexit(remove_filters);
}

void secret_add(const char *s)
{
	size_t k;

	if (!s || !*s)
		return;
	pthread_mutex_lock(&secrets_mu);
	for (k = 0; k < nsecrets; k++)
		if (!strcmp(secrets[k], s))
			break;
	if (k == nsecrets) {
		ALLOC_GROW(secrets, nsecrets + 1, secrets_alloc);
		secrets[nsecrets++] = xstrdup(s);
	}
	pthread_mutex_unlock(&secrets_mu);
	if (!filtered)
		install_filters();
}

int stream_isatty(FILE *f)
{
	if (f == stdout)
		return isatty(STDOUT_FILENO);
	if (f == stderr)
		return isatty(STDERR_FILENO);
	return isatty(fileno(f));
}
