/* cli.c - one option table per command drives both getopt_long and --help */
#include "base/cli.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_CONFIG = 1000, OPT_URL, OPT_DIR, OPT_TABLE, OPT_VERBOSE, OPT_QUIET, OPT_HELP };

static const struct cli_option common_options[] = {
	{ OPT_CONFIG, 'c', "config", "FILE", "configuration file (default: migrate.yml when present)" },
	{ OPT_URL, 'd', "database-url", "URL", "database to migrate (default: $DATABASE_URL, the config, libpq's PG* variables)" },
	{ OPT_DIR, 0, "dir", "DIR", "migrations directory (default: migrations)" },
	{ OPT_TABLE, 0, "table", "NAME", "history table (default: public.schema_migrations)" },
	{ OPT_VERBOSE, 'v', "verbose", NULL, "more output, including server notices" },
	{ OPT_QUIET, 'q', "quiet", NULL, "only errors" },
	{ OPT_HELP, 'h', "help", NULL, "show this help and exit" },
	CLI_END
};

static struct cli_doc *describing;

void cli_describe(struct cli_doc *doc)
{
	describing = doc;
}

const struct cli_option *cli_common_options(void)
{
	return common_options;
}

void cli_init(struct cli *c, const char *cmd, const char *synopsis, const char *description,
	      const struct cli_option *opts, struct common_opts *common, int argc, char **argv)
{
	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	c->synopsis = synopsis;
	c->description = description;
	c->opts = opts;
	c->common = common;
	c->argc = argc;
	c->argv = argv;
	c->pos = 1;
	if (describing) {
		describing->cmd = cmd;
		describing->synopsis = synopsis;
		describing->description = description;
		describing->opts = opts;
	}
}

void cli_release(struct cli *c)
{
	free(c->positional);
	c->positional = NULL;
	c->npositional = 0;
}

void cli_print_options(FILE *f, const struct cli_option *o)
{
	for (; o->id; o++) {
		struct strbuf sb = STRBUF_INIT;

		if (o->short_name)
			strbuf_addf(&sb, "-%c, ", o->short_name);
		else
			strbuf_addstr(&sb, "    ");
		strbuf_addf(&sb, "--%s", o->long_name);
		if (o->arg_name)
			strbuf_addf(&sb, " %s", o->arg_name);
		fprintf(f, "  %-28s %s\n", sb.buf, o->help);
		strbuf_release(&sb);
	}
}

void cli_usage(const struct cli *c, int to_stderr)
{
	FILE *f = to_stderr ? stderr : stdout;

	fprintf(f, "usage: migrate %s [options]%s%s\n", c->cmd, c->synopsis && *c->synopsis ? " " : "",
		c->synopsis ? c->synopsis : "");
	if (to_stderr) {
		fprintf(f, "Try \"migrate %s --help\" for more information.\n", c->cmd);
		return;
	}
	if (c->description)
		fprintf(f, "\n%s\n", c->description);
	if (c->opts && c->opts->id) {
		fprintf(f, "\nOptions:\n");
		cli_print_options(f, c->opts);
	}
	fprintf(f, "\nCommon options:\n");
	cli_print_options(f, common_options);
	fprintf(f, "\nExit codes: 0 success, 1 failed, 2 usage/config/file error, "
		   "3 cannot connect or lock\n");
}

static void add_positional(struct cli *c, char *arg)
{
	if (c->npositional + 1 > c->positional_alloc) {
		c->positional_alloc = c->positional_alloc ? c->positional_alloc * 2 : 8;
		c->positional = xrealloc(c->positional, sizeof(char *) * (size_t)c->positional_alloc);
	}
	c->positional[c->npositional++] = arg;
}

static const struct cli_option *find_long(const struct cli_option *o, const char *name, size_t len)
{
	for (; o && o->id; o++)
		if (strlen(o->long_name) == len && !strncmp(o->long_name, name, len))
			return o;
	return NULL;
}

static const struct cli_option *find_short(const struct cli_option *o, char ch)
{
	for (; o && o->id; o++)
		if (o->short_name && o->short_name == ch)
			return o;
	return NULL;
}

static int handle_common(struct cli *c, const struct cli_option *o, const char *arg)
{
	struct common_opts *co = c->common;

	switch (o->id) {
	case OPT_CONFIG:
		co->config_path = arg;
		break;
	case OPT_URL:
		co->database_url = arg;
		break;
	case OPT_DIR:
		co->dir = arg;
		break;
	case OPT_TABLE:
		co->table = arg;
		break;
	case OPT_VERBOSE:
		co->verbose++;
		log_verbosity = co->verbose;
		break;
	case OPT_QUIET:
		co->quiet = 1;
		log_verbosity = -1;
		break;
	case OPT_HELP:
		cli_usage(c, 0);
		return CLI_HELP;
	}
	return 0;
}

/* Edit distance with adjacent transpositions (optimal string alignment); words are short. */
static size_t typo_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t *d, r;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	d = xcalloc((la + 1) * (lb + 1), sizeof(*d));
#define D(x, y) d[(x) * (lb + 1) + (y)]
	for (i = 0; i <= la; i++)
		D(i, 0) = i;
	for (j = 0; j <= lb; j++)
		D(0, j) = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t best = D(i - 1, j - 1) + (a[i - 1] != b[j - 1]);

			if (D(i - 1, j) + 1 < best)
				best = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < best)
				best = D(i, j - 1) + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    D(i - 2, j - 2) + 1 < best)
				best = D(i - 2, j - 2) + 1;
			D(i, j) = best;
		}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

const char *cli_nearest(const char *word, const char *const *cands)
{
	const char *best = NULL, *prefixed = NULL;
	size_t len = strlen(word), best_d = (size_t)-1, limit, nprefixed = 0;
	int tie = 0;

	limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
	for (; *cands; cands++) {
		size_t dist = typo_distance(word, *cands);

		if (len >= 2 && !strncmp(*cands, word, len)) {
			prefixed = *cands;
			nprefixed++;
		}
		if (dist < best_d) {
			best_d = dist;
			best = *cands;
			tie = 0;
		} else if (dist == best_d) {
			tie = 1;
		}
	}
	if (best && best_d <= limit && !tie)
		return best;
	return nprefixed == 1 ? prefixed : NULL;
}

/* "did you mean" for an unknown long option, among the command's and the common ones. */
static void hint_option(const struct cli *c, const char *a)
{
	const char *cands[128];
	const struct cli_option *tables[2] = { c->opts, common_options };
	const char *word = a + 2, *eq = strchr(word, '='), *near;
	char *bare = eq ? xstrndup(word, (size_t)(eq - word)) : xstrdup(word);
	size_t n = 0, t;

	for (t = 0; t < 2; t++) {
		const struct cli_option *o;

		for (o = tables[t]; o && o->id && n + 1 < ARRAY_SIZE(cands); o++)
			cands[n++] = o->long_name;
	}
	cands[n] = NULL;
	if (a[0] == '-' && a[1] == '-' && (near = cli_nearest(bare, cands)))
		log_hint("did you mean \"--%s\"?", near);
	free(bare);
}

static int usage_error(struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage_error(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	cli_usage(c, 1);
	return CLI_ERROR;
}

/* Small hand-written parser (getopt keeps global state; this keeps none). */
int cli_next(struct cli *c)
{
	if (describing)
		return CLI_HELP;
	while (c->pos < c->argc) {
		char *a = c->argv[c->pos++];
		const struct cli_option *o;
		const char *arg = NULL;
		int common = 0;

		if (c->stop_opts || a[0] != '-' || !strcmp(a, "-")) {
			add_positional(c, a);
			continue;
		}
		if (!strcmp(a, "--")) {
			c->stop_opts = 1;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			o = find_long(c->opts, name, len);
			if (!o && (o = find_long(common_options, name, len)))
				common = 1;
			if (!o) {
				fflush(stdout);
				fprintf(stderr, "error: unknown option \"%s\"\n", a);
				hint_option(c, a);
				cli_usage(c, 1);
				return CLI_ERROR;
			}
			if (eq) {
				if (!o->arg_name)
					return usage_error(c, "option \"--%s\" takes no value", o->long_name);
				arg = eq + 1;
			}
		} else {
			o = find_short(c->opts, a[1]);
			if (!o && (o = find_short(common_options, a[1])))
				common = 1;
			if (!o)
				return usage_error(c, "unknown option \"%s\"", a);
			if (a[2]) {
				if (!o->arg_name)
					return usage_error(c, "unknown option \"%s\"", a);
				arg = a + 2;
			}
		}
		if (o->arg_name && !arg) {
			if (c->pos >= c->argc)
				return usage_error(c, "option \"%s\" needs a value", a);
			arg = c->argv[c->pos++];
		}
		if (common) {
			int r = handle_common(c, o, arg);
			if (r)
				return r;
			continue;
		}
		c->arg = arg;
		return o->id;
	}
	return CLI_DONE;
}

int cli_check_format(int opt, const char *format)
{
	if (opt == CLI_DONE && strcmp(format, "text") && strcmp(format, "json")) {
		log_error("unknown format \"%s\": text or json", format);
		return CLI_ERROR;
	}
	return opt;
}

int cli_exit_code(int r)
{
	return r == CLI_HELP ? EXIT_OK : EXIT_USAGE;
}

int cli_done(struct cli *c, int r, int max_positional)
{
	if (r == CLI_HELP)
		return EXIT_OK;
	if (r == CLI_ERROR || r > 0)
		return EXIT_USAGE;
	if (c->npositional > max_positional) {
		usage_error(c, "unexpected argument \"%s\"", c->positional[max_positional]);
		return EXIT_USAGE;
	}
	return -1;
}
