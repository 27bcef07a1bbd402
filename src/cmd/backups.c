/* backups.c - migrate backups: the backups in backup.dir, newest first */
#include "run/backup.h"
#include "cmd/commands.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { O_FORMAT = 1 };

static const struct cli_option backups_options[] = {
	{ O_FORMAT, 0, "format", "FORMAT", "text (default) or json" },
	CLI_END
};

/* 20261121T143000.123Z -> 2026-11-21T14:30:00.123Z */
static const char *pretty_stamp(const char *s, char buf[32])
{
	snprintf(buf, 32, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s.%.3sZ", s, s + 4, s + 6, s + 9, s + 11,
		 s + 13, s + 16);
	return buf;
}

/* The sidecar's source, or null when the backup has none (taken before migrate recorded it). */
static json_t *source_json(const struct backup_entry *e)
{
	json_t *o;

	if (!e->has_meta)
		return json_null();
	o = json_object();
	json_object_set_new(o, "host", json_string(e->meta.src.host));
	json_object_set_new(o, "port", json_string(e->meta.src.port));
	json_object_set_new(o, "database", json_string(e->meta.src.database));
	json_object_set_new(o, "schema", e->meta.src.schema ? json_string(e->meta.src.schema) : json_null());
	json_object_set_new(o, "scope", e->meta.scope ? json_string(e->meta.scope) : json_null());
	json_object_set_new(o, "server_version",
			    e->meta.server_version ? json_string(e->meta.server_version) : json_null());
	return o;
}

static void print_json(const char *dir, struct backup_entry *e, size_t n)
{
	json_t *root = json_object(), *arr = json_array();
	char when[32];
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "path", json_string_or_null(e[i].path));
		json_object_set_new(o, "database", json_string_or_null(e[i].name.database));
		json_object_set_new(o, "taken_at", json_string(pretty_stamp(e[i].name.stamp, when)));
		json_object_set_new(o, "from_version", json_version_or_null(e[i].name.from));
		json_object_set_new(o, "to_version", json_version_or_null(e[i].name.to));
		json_object_set_new(o, "bytes", json_integer(e[i].size));
		json_object_set_new(o, "source", source_json(&e[i]));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "dir", json_string(dir));
	json_object_set_new(root, "backups", arr);
	json_print_release(root, stdout);
}

int cmd_backups(int argc, char **argv, struct app *app)
{
	struct cli c;
	struct backup_entry *e = NULL;
	const char *format = "text", *dir;
	size_t n = 0, i;
	int rc, opt;

	cli_init(&c, "backups", "", "List the backups that up, down, redo and restore took before their\n"
		 "first change (backup.dir, default backups/), newest first: the database, when,\n"
		 "the versions before and after the run, and the source (server, database,\n"
		 "schema) its sidecar file records. \"migrate restore FILE\" restores one.",
		 backups_options, &app->opts, argc, argv);
	while ((opt = cli_next(&c)) > 0)
		if (opt == O_FORMAT)
			format = c.arg;
	opt = cli_check_format(opt, format);
	rc = cli_done(&c, opt, 0);
	cli_release(&c);
	if (rc >= 0)
		return rc;
	if (app_config(app) < 0 || config_require(&app->cfg, "backup.") < 0)
		return EXIT_USAGE;
	dir = backup_dir(&app->cfg);
	if (backup_list(dir, &e, &n) < 0) {
		log_error("could not read backup directory \"%s\": %s", dir, strerror(errno));
		return EXIT_USAGE;
	}
	if (!strcmp(format, "json")) {
		print_json(dir, e, n);
	} else if (n == 0) {
		printf("no backups in \"%s\"\n", shown(dir));
	} else {
		printf("%-25s %-20s %-16s %-16s %10s  %-30s  %s\n", "TAKEN (UTC)", "DATABASE",
		       "FROM VERSION", "TO VERSION", "SIZE", "SOURCE", "FILE");
		for (i = 0; i < n; i++) {
			char when[32], sz[32];
			char *src = e[i].has_meta ? backup_source_text(&e[i].meta.src)
						  : xstrdup("unknown (no sidecar)");

			printf("%-25s %-20s %-16lld %-16lld %10s  %-30s  %s\n",
			       pretty_stamp(e[i].name.stamp, when), shown(e[i].name.database),
			       (long long)e[i].name.from, (long long)e[i].name.to, human_size(e[i].size, sz),
			       shown(src), shown(e[i].path));
			free(src);
		}
	}
	backup_list_free(e, n);
	return EXIT_OK;
}
