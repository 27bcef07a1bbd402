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
}

void cli_release(struct cli *c)
{
	free(c->positional);
	c->positional = NULL;
	c->npositional = 0;
}

static void print_options(FILE *f, const struct cli_option *o)
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
		print_options(f, c->opts);
	}
	fprintf(f, "\nCommon options:\n");
	print_options(f, common_options);
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
			if (!o)
				return usage_error(c, "unknown option \"%s\"", a);
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
