/* cmdline.c - the command line around the command name (see cmdline.h) */
#include "app/cmdline.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

void cmdline_describe(const struct cmd_entry *cmds, size_t n, struct cli_doc *docs)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *argv[2] = { (char *)cmds[i].name, NULL };
		struct app app;

		memset(&app, 0, sizeof(app));
		memset(&docs[i], 0, sizeof(docs[i]));
		cli_describe(&docs[i]);
		cmds[i].fn(1, argv, &app);
		cli_describe(NULL);
		if (!docs[i].cmd)
			docs[i].cmd = cmds[i].name;
	}
}

/* The option named by arg in table, or NULL ("--name", "--name=v", "-x", "-xVALUE"). */
static const struct cli_option *lookup(const struct cli_option *o, const char *arg)
{
	for (; o && o->id; o++) {
		if (arg[1] == '-') {
			size_t len = strcspn(arg + 2, "=");

			if (strlen(o->long_name) == len && !strncmp(o->long_name, arg + 2, len))
				return o;
		} else if (o->short_name && o->short_name == arg[1]) {
			return o;
		}
	}
	return NULL;
}

/*
 * Does arg name an option, and does it take the next word as its value? 0/1;
 * -1 unknown. *owner: the first command that declares it (NULL: common or none).
 */
static int takes_value(const char *arg, const struct cli_doc *docs, size_t n, const char **owner)
{
	static const struct cli_option global[] = {
		{ 1, 0, "version", NULL, "" }, { 2, 0, "list-commands", NULL, "" },
		{ 3, 0, "generate", "WHAT", "" }, CLI_END
	};
	const struct cli_option *o = lookup(cli_common_options(), arg);
	int found = 0, value = 0;
	size_t i;

	*owner = NULL;
	if (!o)
		o = lookup(global, arg);
	if (o)
		return o->arg_name && !strchr(arg, '=') && (arg[1] == '-' || !arg[2]);
	for (i = 0; i < n; i++)
		if ((o = lookup(docs[i].opts, arg))) {
			if (!found)
				*owner = docs[i].cmd;
			found = 1;
			value |= o->arg_name != NULL;
		}
	if (!found)
		return -1;
	return value && !strchr(arg, '=') && (arg[1] == '-' || !arg[2]);
}

int cmdline_find_command(int argc, char **argv, const struct cmd_entry *cmds, size_t n,
			 const char **unknown, const char **unknown_owner)
{
	struct cli_doc *docs = NULL;
	const char *owner;
	int i, at = -1;

	*unknown = NULL;
	*unknown_owner = NULL;
	for (i = 1; i < argc; i++) {
		int v;

		if (argv[i][0] != '-' || !argv[i][1]) {
			at = i;
			break;
		}
		if (!docs) {
			docs = xcalloc(n, sizeof(*docs));
			cmdline_describe(cmds, n, docs);
		}
		v = takes_value(argv[i], docs, n, &owner);
		if ((v < 0 || owner) && !*unknown) {
			*unknown = argv[i];
			*unknown_owner = owner;
		}
		if (v > 0)
			i++;
	}
	free(docs);
	return at;
}

char *cmdline_option_owners(const char *arg, const struct cmd_entry *cmds, size_t n,
			    const char *not_of)
{
	struct cli_doc *docs = xcalloc(n, sizeof(*docs));
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int mine = 0;

	cmdline_describe(cmds, n, docs);
	for (i = 0; i < n; i++) {
		if (!lookup(docs[i].opts, arg))
			continue;
		mine |= !strcmp(docs[i].cmd, not_of);
		strbuf_addf(&sb, "%s\"migrate %s\"", sb.len ? ", " : "", docs[i].cmd);
	}
	free(docs);
	if (mine || !sb.len) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

char **cmdline_reorder(int argc, char **argv, int at)
{
	char **out = xcalloc((size_t)argc + 1, sizeof(*out));
	int i, k = 0;

	out[k++] = argv[at];
	for (i = 1; i < argc; i++)
		if (i != at)
			out[k++] = argv[i];
	out[k] = NULL;
	return out;
}

void cmdline_unknown_command(const char *name, const struct cmd_entry *cmds, size_t n)
{
	const char **names = xcalloc(n + 1, sizeof(*names));
	const char *near;
	size_t i;

	for (i = 0; i < n; i++)
		names[i] = cmds[i].name;
	log_error("unknown command \"%s\"", name);
	if ((near = cli_nearest(name, names)))
		log_hint("did you mean \"migrate %s\"?", near);
	else
		log_hint("\"migrate --help\" lists the commands");
	free(names);
}
