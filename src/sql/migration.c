/* migration.c - discover migration files, pair up/down, dbmate sections, checksums */
#include "sql/migration.h"
#include "sql/directive.h"
#include "sql/batchsql.h"
#include "sql/flyway.h"
#include "sql/migdir.h"
#include "sql/script.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *tx_mode_name(enum tx_mode m)
{
	switch (m) {
	case TX_NONE:
		return "no-transaction";
	case TX_SELF:
		return "self-managed";
	default:
		return "transaction";
	}
}

void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
		log_error("could not compute SHA-256");
		exit(EXIT_FAILED);
	}
	for (i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int migration_checksum_matches(const struct migration *m, const char *recorded)
{
	return recorded && (!strcmp(m->checksum, recorded) || !strcmp(m->checksum_bytes, recorded));
}

static int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

static enum migration_order order_mode = ORDER_VERSION;

void migration_set_order(enum migration_order order)
{
	order_mode = order;
}

enum migration_order migration_order(void)
{
	return order_mode;
}

/* The suffixes that tell the direction, longest first; then a single file. */
static const struct {
	const char *suffix;
	int direction;
} suffixes[] = { { ".up.sql", 1 }, { "_up.sql", 1 }, { ".down.sql", -1 }, { "_down.sql", -1 },
		 { ".sql", 0 } };

/* By name: the stem and direction of fname; 0 not .sql, -1 no stem. */
static int parse_stem(const char *fname, char **stem, int *direction)
{
	size_t i, len = strlen(fname);

	for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t lx = strlen(suffixes[i].suffix);

		if (!ends_with(fname, suffixes[i].suffix))
			continue;
		if (len == lx)
			return -1;
		*direction = suffixes[i].direction;
		*stem = xstrndup(fname, len - lx);
		return 1;
	}
	return 0;
}

/* The file name of the other direction: for a hint that names a file that makes sense. */
static char *twin_name(const char *path, int direction)
{
	size_t i, len = strlen(path);

	for (i = 0; i < ARRAY_SIZE(suffixes) - 1; i++) {
		const char *sx = suffixes[i].suffix;

		if (suffixes[i].direction == direction && ends_with(path, sx))
			return xasprintf("%.*s%c%s.sql", (int)(len - strlen(sx)), path, sx[0],
					 direction > 0 ? "down" : "up");
	}
	return xstrdup(path);
}

/* Is a Flyway version a version here (by version): one number of at most 18 digits? */
static int flyway_one_number(const char *v)
{
	return !strchr(v, '.') && strlen(v) <= 18;
}

int migration_parse_name(const char *fname, int64_t *version, char **version_str,
			 char **name, int *direction)
{
	const char *p = fname, *us, *rest_end;
	size_t digits;
	char *fv = NULL, *fd = NULL;

	if (!ends_with(fname, ".sql"))
		return 0;
	switch (flyway_parse(fname, &fv, &fd, direction)) {
	case FLYWAY_MIGRATION: /* V42__x.sql: a version of one number here (by name: any) */
		if (!flyway_one_number(fv)) {
			free(fv);
			free(fd);
			return -1;
		}
		*version_str = fv;
		*version = parse_int64(fv);
		*name = fd;
		return 1;
	case FLYWAY_REPEATABLE:
	case FLYWAY_BASELINE:
		return -1;
	case FLYWAY_NONE:
		break;
	}
	while (isdigit((unsigned char)*p))
		p++;
	digits = (size_t)(p - fname);
	/* sql-migrate's single files may say 20180805174141-tournaments.sql */
	if (digits == 0 || digits > 18 || !(*p == '_' || (*p == '-' && !ends_with(fname, ".up.sql") &&
							    !ends_with(fname, ".down.sql"))))
		return -1;
	us = p;
	if (ends_with(fname, ".up.sql")) {
		*direction = 1;
		rest_end = fname + strlen(fname) - strlen(".up.sql");
	} else if (ends_with(fname, ".down.sql")) {
		*direction = -1;
		rest_end = fname + strlen(fname) - strlen(".down.sql");
	} else {
		*direction = 0;
		rest_end = fname + strlen(fname) - strlen(".sql");
	}
	if (rest_end <= us + 1) /* a name is required */
		return -1;
	*version_str = xstrndup(fname, digits);
	*version = parse_int64(*version_str);
	*name = xstrndup(us + 1, (size_t)(rest_end - us - 1));
	return 1;
}

/* --- directives ------------------------------------------------------- */

struct directive_scan {
	const char *path;
	int line_base;
	struct directives *d;
	int errors;
};

/* -- migrate:batch N: checked here, assigned to its statement by sql/batchsql.c. */
static void batch_directive(struct directive_scan *ds, const char *arg, int line, int col)
{
	if (batch_size(arg) > 0)
		return;
	log_error_at(ds->path, line, col, "invalid batch size \"%s\" in -- migrate:batch", arg);
	log_hint("write the number of rows per batch, like -- migrate:batch 10000");
	ds->errors++;
}

static void directive_comment(const char *src, int start, int end, void *ud)
{
	struct directive_scan *ds = ud;
	struct directive dv;
	char *word, *arg;
	int line, col;

	if (!directive_read(src + start, (size_t)(end - start), &dv))
		return;
	word = xstrndup(dv.word, dv.word_len);
	arg = xstrndup(dv.args, dv.args_len);
	sql_linecol(src, start, ds->line_base, &line, &col);

	if (!strcmp(word, "no-transaction")) {
		ds->d->no_transaction = 1;
	} else if (!strcmp(word, "lock-timeout") || !strcmp(word, "statement-timeout")) {
		long ms = word[0] == 'l' ? parse_lock_timeout_ms(arg) : parse_duration_ms(arg);
		if (ms == 0 && word[0] == 'l') {
			log_error_at(ds->path, line, col, "-- migrate:lock-timeout %s: at least 1ms", arg);
			log_hint("0 would wait for locks without a limit, what migrate exists to prevent");
			ds->errors++;
		} else if (ms < 0) {
			log_error_at(ds->path, line, col, "invalid duration \"%s\" in -- migrate:%s",
				     arg, word);
			log_hint("write it like 500ms, 2s or 1min");
			ds->errors++;
		} else if (word[0] == 'l') {
			ds->d->lock_timeout_ms = ms;
		} else {
			ds->d->statement_timeout_ms = ms;
		}
	} else if (!strcmp(word, "batch")) {
		batch_directive(ds, arg, line, col);
	} else if (!strcmp(word, "allow") || !strcmp(word, "disable")) {
		/* lint directives: read by the linter */
	} else if (!strcmp(word, "up") || !strcmp(word, "down")) {
		log_error_at(ds->path, line, col, "unexpected -- migrate:%s marker", word);
		log_hint("dbmate-style markers belong in a single {version}_{name}.sql file");
		ds->errors++;
	} else {
		log_error_at(ds->path, line, col, "unknown directive \"-- migrate:%s\"", word);
		log_hint("known directives: no-transaction, lock-timeout, statement-timeout, batch, "
			 "allow, disable");
		ds->errors++;
	}
	free(word);
	free(arg);
}

int directives_parse(const char *sql, const char *path, int line_base, struct directives *d)
{
	struct directive_scan ds = { path, line_base, d, 0 };

	d->no_transaction = 0;
	d->lock_timeout_ms = -1;
	d->statement_timeout_ms = -1;
	if (!strstr(sql, "migrate:"))
		return 0; /* every directive says it (directive_read): no scan of the file */
	sql_for_each_comment(sql, directive_comment, &ds);
	return ds.errors ? -1 : 0;
}

/* --- dbmate single files ------------------------------------------------ */

/* If line (up to eol) is "-- migrate:WHAT [options]", return the options. */
static const char *dbmate_marker(const char *line, const char *eol, const char *what)
{
	struct directive d;

	if (!directive_read(line, (size_t)(eol - line), &d) || !directive_is(&d, what) ||
	    line[strspn(line, " \t")] != '-')
		return NULL;
	return d.args;
}

static int has_option(const char *opts, const char *eol, const char *opt)
{
	size_t n = strlen(opt);
	const char *p;

	for (p = opts; p + n <= eol; p++)
		if (!strncmp(p, opt, n))
			return 1;
	return 0;
}

/* A single file's two sections, found by the markers of dbmate or goose. */
struct marked {
	const char *up, *up_end, *down; /* up_end NULL: the up runs to the end */
	int up_line, down_line, up_notx, down_notx;
};

static void set_sections(struct migration *m, const char *path, const struct marked *k, int marks)
{
	m->dbmate = marks;
	m->up.path = xstrdup(path);
	m->up.sql = k->up_end ? xstrndup(k->up, (size_t)(k->up_end - k->up)) : xstrdup(k->up);
	m->up.line_base = k->up_line;
	m->up.dir.no_transaction = k->up_notx;
	if (k->down) {
		m->down.path = xstrdup(path);
		m->down.sql = xstrdup(k->down);
		m->down.line_base = k->down_line;
		m->down.dir.no_transaction = k->down_notx;
	}
}

/* The tools whose single files mark their sections with "-- +TAG Up" / "-- +TAG Down". */
struct marker_tool {
	const char *tag;  /* "+goose" */
	const char *name; /* for messages */
	int per_section;  /* sql-migrate: "-- +migrate Up notransaction"; goose: one NO TRANSACTION */
	int marks;        /* MARKS_* */
};

static const struct marker_tool goose_tool = { "+goose", "goose", 0, MARKS_GOOSE };
static const struct marker_tool sqlmigrate_tool = { "+migrate", "sql-migrate", 1, MARKS_SQLMIGRATE };

/* If line (up to eol) is "-- TAG WORD...", the word (case-insensitive), else NULL. */
static const char *marker_word(const char *p, const char *eol, const char *tag)
{
	size_t tl = strlen(tag);

	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	if (eol - p < (long)tl + 3 || strncmp(p, "--", 2))
		return NULL;
	p += 2;
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	if (eol - p < (long)tl + 1 || strncmp(p, tag, tl) || !isspace((unsigned char)p[tl]))
		return NULL;
	p += tl;
	while (p < eol && isspace((unsigned char)*p))
		p++;
	return p;
}

static int word_is(const char *w, const char *eol, const char *what)
{
	size_t n = strlen(what);

	return (size_t)(eol - w) >= n && !strncasecmp(w, what, n) &&
	       (w + n == eol || isspace((unsigned char)w[n]));
}

/* After the word at w (up to eol), is the next word `what`? */
static int then_word(const char *w, const char *eol, const char *what)
{
	while (w < eol && !isspace((unsigned char)*w))
		w++;
	while (w < eol && isspace((unsigned char)*w))
		w++;
	return word_is(w, eol, what);
}

/*
 * A goose or sql-migrate file: "-- +goose Up" then "-- +goose Down" sections (goose:
 * "-- +goose NO TRANSACTION" runs both without one; sql-migrate: "-- +migrate Up
 * notransaction" runs that section without one). StatementBegin/End only help the
 * tools' own splitters: PostgreSQL's parser needs no help, they stay comments.
 */
static int load_marked(struct migration *m, const char *path, const char *text,
		       const struct marker_tool *tool)
{
	const char *p = text, *up = NULL, *up_end = NULL, *down = NULL;
	int line = 1, up_line = 0, down_line = 0, notx = 0, up_notx = 0, down_notx = 0;

	while (*p) {
		const char *eol = strchr(p, '\n'), *w;
		const char *next;

		if (!eol)
			eol = p + strlen(p);
		next = *eol ? eol + 1 : eol;
		if ((w = marker_word(p, eol, tool->tag))) {
			if (word_is(w, eol, "up") && !up) {
				up = next;
				up_line = line + 1;
				up_notx = tool->per_section && then_word(w, eol, "notransaction");
			} else if (word_is(w, eol, "down") && up && !down) {
				up_end = p;
				down = next;
				down_line = line + 1;
				down_notx = tool->per_section && then_word(w, eol, "notransaction");
			} else if (word_is(w, eol, "up") || word_is(w, eol, "down")) {
				log_error_at(path, line, 1, "unexpected \"-- %s %.*s\" marker", tool->tag,
					     (int)(eol - w), w);
				log_hint("a %s file has one -- %s Up and then at most one -- %s Down", tool->name,
					 tool->tag, tool->tag);
				return -1;
			} else if (!tool->per_section && word_is(w, eol, "no")) {
				const char *t = w + 2;

				while (t < eol && isspace((unsigned char)*t))
					t++;
				notx |= word_is(t, eol, "transaction");
			}
		}
		line++;
		p = next;
	}
	{
		struct marked k = { up, up_end, down, up_line, down_line, notx || up_notx, notx || down_notx };

		set_sections(m, path, &k, tool->marks);
	}
	return 0;
}

/* The tool whose "-- +TAG Up" line the text holds (goose's, sql-migrate's), or NULL. */
static const struct marker_tool *marked_tool(const char *text)
{
	const struct marker_tool *tools[] = { &goose_tool, &sqlmigrate_tool };
	const char *p = text;
	size_t k;

	while (*p) {
		const char *eol = strchr(p, '\n'), *w;

		if (!eol)
			eol = p + strlen(p);
		for (k = 0; k < sizeof(tools) / sizeof(*tools); k++)
			if ((w = marker_word(p, eol, tools[k]->tag)) && word_is(w, eol, "up"))
				return tools[k];
		p = *eol ? eol + 1 : eol;
	}
	return NULL;
}

static int load_dbmate(struct migration *m, const char *path, const char *text)
{
	const struct marker_tool *tool;
	const char *p = text, *up_start = NULL, *up_end = NULL, *down_start = NULL;
	int line = 1, up_line = 0, down_line = 0, up_notx = 0, down_notx = 0;

	while (*p) {
		const char *eol = strchr(p, '\n'), *opts;

		if (!eol)
			eol = p + strlen(p);
		if ((opts = dbmate_marker(p, eol, "up"))) {
			if (up_start) {
				log_error_at(path, line, 1, "second -- migrate:up marker");
				return -1;
			}
			up_start = *eol ? eol + 1 : eol;
			up_line = line + 1;
			up_notx = has_option(opts, eol, "transaction:false");
		} else if ((opts = dbmate_marker(p, eol, "down"))) {
			if (down_start) {
				log_error_at(path, line, 1, "second -- migrate:down marker");
				return -1;
			}
			if (!up_start) {
				log_error_at(path, line, 1, "-- migrate:down comes before -- migrate:up");
				return -1;
			}
			up_end = p;
			down_start = *eol ? eol + 1 : eol;
			down_line = line + 1;
			down_notx = has_option(opts, eol, "transaction:false");
		}
		line++;
		p = *eol ? eol + 1 : eol;
	}
	if (!up_start && (tool = marked_tool(text)))
		return load_marked(m, path, text, tool);
	if (!up_start) {
		log_error_at(path, 0, 0, "no \"-- migrate:up\" section");
		if (ends_with(path, "_up.sql") || ends_with(path, "_down.sql"))
			log_hint("files named ..._up.sql and ..._down.sql ordered by name: set "
				 "migrations.order: name in migrate.yml");
		else
			log_hint("a single-file migration has -- migrate:up and -- migrate:down (dbmate), "
				 "-- +goose Up and -- +goose Down (goose) or -- +migrate Up and -- +migrate "
				 "Down (sql-migrate) sections; two-file migrations are named "
				 "{version}_{name}.up.sql and .down.sql");
		return -1;
	}
	{
		struct marked k = { up_start, up_end, down_start, up_line, down_line, up_notx, down_notx };

		set_sections(m, path, &k, MARKS_DBMATE);
	}
	return 0;
}

/* --- the directory ------------------------------------------------------ */

static int cmp_migration(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;
	return x->version < y->version ? -1 : x->version > y->version;
}

struct migration *migration_set_find(struct migration_set *set, int64_t version)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (set->items[mid].version == version)
			return &set->items[mid];
		if (set->items[mid].version < version)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct migration *find_loaded(struct migration_set *set, int64_t version)
{
	size_t i;

	/* files come in name order: a down's up (or a dbmate file's twin) was the
	 * last one added, and a new version is usually the newest */
	if (set->n && set->items[set->n - 1].version == version)
		return &set->items[set->n - 1];
	if (set->n && set->items[set->n - 1].version < version && !set->unordered)
		return NULL;
	for (i = 0; i < set->n; i++)
		if (set->items[i].version == version)
			return &set->items[i];
	return NULL;
}

static void migration_release(struct migration *m)
{
	free(m->first_file);
	free(m->version_str);
	free(m->name);
	free(m->up.path);
	free(m->up.sql);
	free(m->down.path);
	free(m->down.sql);
}

/* A file of the directory: rel its path under it, logical the name it is loaded as. */
struct entry {
	char *rel, *logical;
	int no_transaction;
};

static int sort_entries(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return strcmp(x->logical, y->logical);
}

/* By name: the migration of this stem, read already (usually the last one). */
static struct migration *find_stem(struct migration_set *set, const char *stem)
{
	size_t i;

	for (i = set->n; i-- > 0;)
		if (!strcmp(set->items[i].version_str, stem))
			return &set->items[i];
	return NULL;
}

/* A Flyway name migrate refuses (R__, B, V1.1 by version): said; -1. 0 for any other. */
static int flyway_refused(const char *path, const char *fname)
{
	char *fv = NULL, *fd = NULL;
	int d;

	switch (flyway_parse(fname, &fv, &fd, &d)) {
	case FLYWAY_REPEATABLE:
		log_error_at(path, 0, 0, "a Flyway repeatable migration (R__): migrate runs each "
			     "migration once, in version order");
		log_hint("when it changes, write the change as a new versioned migration "
			 "(CREATE OR REPLACE ... in V<next>__...sql)");
		return -1;
	case FLYWAY_BASELINE:
		log_error_at(path, 0, 0, "a Flyway baseline migration (B...): not supported");
		log_hint("on a database already at that version, record it with \"migrate baseline VERSION\"");
		return -1;
	case FLYWAY_MIGRATION:
		d = order_mode != ORDER_NAME && !flyway_one_number(fv);
		if (d) {
			log_error_at(path, 0, 0, "Flyway version %s is not one number", fv);
			log_hint("set migrations.order: name in migrate.yml: Flyway's versions are then "
				 "ordered part by part (1.2 before 1.10)");
		}
		free(fv);
		free(fd);
		return d ? -1 : 0;
	default:
		return 0;
	}
}

/* By name, a Flyway file: its stem is <version>__<description>, shared by its V and U. */
static int flyway_stem(const char *fname, char **vstr, int *direction)
{
	char *fv = NULL, *fd = NULL;

	if (flyway_parse(fname, &fv, &fd, direction) != FLYWAY_MIGRATION)
		return 0;
	*vstr = xasprintf("%s__%s", fv, fd);
	free(fv);
	free(fd);
	return 1;
}

/* Parse fname as the order wants; 1, 0 (not a migration file) or -1 (reported). */
static int name_of(const char *path, const char *fname, int64_t *version, char **vstr,
		   char **name, int *direction)
{
	int r;

	if (flyway_refused(path, fname) < 0)
		return -1;
	if (order_mode == ORDER_NAME) {
		*version = 0; /* its position, once every file is read */
		r = flyway_stem(fname, vstr, direction) ? 1 : parse_stem(fname, vstr, direction);
		if (r == 1)
			*name = xstrdup(*vstr);
	} else {
		r = migration_parse_name(fname, version, vstr, name, direction);
	}
	if (r < 0 || (r > 0 && *version < 0)) {
		log_error_at(path, 0, 0, "file name is not a migration name");
		if (order_mode == ORDER_NAME)
			log_hint("a name-ordered migration is {name}.up.sql, {name}_up.sql (and .down.sql, "
				 "_down.sql) or {name}.sql");
		else
			log_hint("name migrations {version}_{name}.up.sql and {version}_{name}.down.sql "
				 "(version: digits, at most 18), or {version}_{name}.sql with "
				 "-- migrate:up / -- migrate:down sections; for files ordered by name, "
				 "set migrations.order: name");
		return -1;
	}
	return r;
}

/* A second file for one version: both files named. */
static void clash(const char *path, const struct migration *m)
{
	if (order_mode == ORDER_NAME) {
		log_error_at(path, 0, 0, "\"%s\" is also the name of \"%s\"", shown(m->version_str),
			     shown(m->first_file));
		log_hint("a name has one up file and at most one down file");
	} else {
		log_error_at(path, 0, 0, "version %lld is also used by \"%s\"", (long long)m->version,
			     shown(m->first_file));
		log_hint("each version must be unique: rename one of them with a new version, or, "
			 "if the directory orders its files by name, set migrations.order: name");
	}
}

static struct migration *new_migration(struct migration_set *set, int64_t version, char **vstr,
				       char **name, const char *path)
{
	struct migration *m;

	if (set->n && set->items[set->n - 1].version > version)
		set->unordered = 1;
	ALLOC_GROW(set->items, set->n + 1, set->alloc);
	m = &set->items[set->n++];
	memset(m, 0, sizeof(*m));
	m->version = version;
	m->version_str = *vstr;
	m->name = *name;
	m->first_file = xstrdup(path);
	*vstr = *name = NULL;
	return m;
}

/* Attach one file to the set (e->logical: the name it is loaded as); -1 on a reported error. */
static int add_file(struct migration_set *set, const char *dir, const struct entry *e)
{
	int64_t version;
	const char *fname = e->logical;
	char *vstr = NULL, *name = NULL, *path, *text = NULL;
	int direction = 0, r, rc = -1;
	struct migration *m;
	struct section *sec;

	path = xasprintf("%s/%s", dir, e->rel);
	r = name_of(path, fname, &version, &vstr, &name, &direction);
	if (r <= 0) {
		rc = r;
		goto done;
	}
	if (utf8_invalid_at(fname) >= 0) {
		long at = utf8_invalid_at(fname);

		log_error_at(path, 0, 0, "the file name is not valid UTF-8: byte 0x%02x at byte %ld of \"%s\"",
			     (unsigned char)fname[at], at + 1, shown(fname));
		log_hint("rename it: names are printed in reports, history and pull-request comments");
		rc = -1;
		goto done;
	}
	text = read_text_file(path, NULL);
	if (!text)
		goto done;
	m = order_mode == ORDER_NAME ? find_stem(set, vstr) : find_loaded(set, version);
	if (!m) {
		m = new_migration(set, version, &vstr, &name, path);
	} else if (direction == 0 || m->dbmate || strcmp(m->version_str, vstr) ||
		   (strcmp(m->name, name) && order_mode == ORDER_NAME) ||
		   (direction > 0 ? m->up.path != NULL : m->down.path != NULL) || !(m->up.path || m->down.path)) {
		clash(path, m);
		goto done;
	} else if (strcmp(m->name, name) && direction > 0) {
		/* golang-migrate pairs an up and a down by version alone ("30_add_x.up.sql",
		 * "30_drop_x.down.sql"): the migration is named after its up */
		free(m->name);
		m->name = name;
		name = NULL;
	}
	if (direction == 0) {
		rc = load_dbmate(m, path, text);
		goto done;
	}
	sec = direction > 0 ? &m->up : &m->down;
	sec->path = path;
	sec->sql = text;
	sec->line_base = 1;
	sec->dir.no_transaction = e->no_transaction;
	path = text = NULL;
	rc = 0;
done:
	if (rc < 0)
		set->errors++;
	free(text);
	free(path);
	free(vstr);
	free(name);
	return rc;
}

/* Checks after all files are read: pairs, directives, checksums, warnings. */
static void finish_migration(struct migration_set *set, struct migration *m, int quiet)
{
	int notx;

	if (!m->up.sql) {
		char *up;

		if (!m->down.path)
			return; /* its file was reported already */
		up = twin_name(m->down.path, -1);
		log_error_at(m->down.path, 0, 0, "down migration without an up migration");
		log_hint("add %s, or remove the down file", shown(up));
		free(up);
		set->errors++;
		return;
	}
	notx = m->up.dir.no_transaction;
	if (directives_parse(m->up.sql, m->up.path, m->up.line_base, &m->up.dir) < 0)
		set->errors++;
	m->up.dir.no_transaction |= notx;
	if (m->down.sql) {
		notx = m->down.dir.no_transaction;
		if (directives_parse(m->down.sql, m->down.path, m->down.line_base, &m->down.dir) < 0)
			set->errors++;
		m->down.dir.no_transaction |= notx;
	}
	if (!set->no_checksums) {
		char *norm = sql_normalized_text(m->up.sql);

		sha256_hex(norm, strlen(norm), m->checksum);
		free(norm);
		sha256_hex(m->up.sql, strlen(m->up.sql), m->checksum_bytes);
	}
	if (quiet)
		return;
	if (!m->down.sql && !ends_with(m->up.path, "/migration.sql")) { /* Prisma's have none */
		log_warning_at(m->up.path, 0, 0, "no down migration for version %s",
			       shown(m->version_str));
		set->warnings++;
	}
	if (sql_is_blank(m->up.sql)) {
		log_warning_at(m->up.path, 0, 0,
			       "up migration is empty; it will be recorded as applied (a no-op)");
		set->warnings++;
	}
}

/* The up file's name (a lone down's, else the first file's) decides the place. */
static const char *order_key(const struct migration *m)
{
	return m->up.path ? m->up.path : m->down.path ? m->down.path : m->first_file;
}

/* Byte order of the file names; Flyway's files (both) by their versions, part by part. */
static int cmp_by_name(const void *a, const void *b)
{
	const char *x = order_key(a), *y = order_key(b), *bx = strrchr(x, '/'), *by = strrchr(y, '/');
	char *vx = NULL, *vy = NULL, *dx = NULL, *dy = NULL;
	int d, c;

	if (flyway_parse(bx ? bx + 1 : x, &vx, &dx, &d) == FLYWAY_MIGRATION &&
	    flyway_parse(by ? by + 1 : y, &vy, &dy, &d) == FLYWAY_MIGRATION &&
	    (c = flyway_cmp(vx, vy)) != 0) {
		free(vx), free(vy), free(dx), free(dy);
		return c;
	}
	free(vx), free(vy), free(dx), free(dy);
	return strcmp(x, y);
}

/* By name: the up file of the same numeric prefix as stem ("0026_..."), or NULL. */
static const struct migration *same_prefix_up(const struct migration_set *set, const char *stem)
{
	size_t len = strspn(stem, "0123456789"), i;

	for (i = 0; len && i < set->n; i++)
		if (set->items[i].up.path && !strncmp(set->items[i].version_str, stem, len) &&
		    set->items[i].version_str[len] == stem[len])
			return &set->items[i];
	return NULL;
}

/*
 * By name, a down file whose name no up file has is not a migration: never
 * run (as the tools that order by name ignore it), said with a warning and
 * dropped; a mistyped name (0026_..._join_id for 0026_..._job_id) gets its hint.
 */
static void drop_lone_downs(struct migration_set *set, int quiet)
{
	size_t i, kept = 0;

	for (i = 0; i < set->n; i++) {
		struct migration *m = &set->items[i];
		const struct migration *near;

		if (m->up.path || !m->down.sql) {
			set->items[kept++] = *m;
			continue;
		}
		if (!quiet) {
			log_warning_at(m->down.path, 0, 0, "down file without an up file \"%s\": it is "
				       "not used", m->version_str);
			if ((near = same_prefix_up(set, m->version_str)))
				log_hint("if it reverts %s, name it after that one's up file",
					 near->up.path);
			set->warnings++;
		}
		migration_release(m);
	}
	set->n = kept;
}

/* By name: files in byte order of their names, each version its position. */
static void number_by_name(struct migration_set *set, int quiet)
{
	size_t i;

	drop_lone_downs(set, quiet);
	qsort(set->items, set->n, sizeof(*set->items), cmp_by_name);
	for (i = 0; i < set->n; i++)
		set->items[i].version = (int64_t)i + 1;
}

static int load(struct migration_set *set, const char *dir, int quiet, int sums);

int migration_set_load(struct migration_set *set, const char *dir, int quiet)
{
	return load(set, dir, quiet, 1);
}

int migration_set_load_unsummed(struct migration_set *set, const char *dir, int quiet)
{
	return load(set, dir, quiet, 0);
}

/* A directory entry that is not a .sql file: a migration directory (Prisma's, Diesel's)? */
static void add_entry_dir(const char *dir, const struct dirent *de, struct entry **v, size_t *n,
			  size_t *alloc)
{
	struct migdir_file f[2];
	int k, got;

	if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
		return;
	got = migdir_files(dir, de->d_name, f);
	for (k = 0; k < got; k++) {
		ALLOC_GROW(*v, *n + 1, *alloc);
		(*v)[*n].rel = f[k].rel;
		(*v)[*n].logical = f[k].logical;
		(*v)[(*n)++].no_transaction = f[k].no_transaction;
	}
}

static int load(struct migration_set *set, const char *dir, int quiet, int sums)
{
	DIR *d;
	struct dirent *de;
	struct entry *names = NULL;
	size_t nnames = 0, alloc = 0, i;

	memset(set, 0, sizeof(*set));
	set->no_checksums = !sums;
	set->dir = xstrdup(dir);
	d = opendir(dir);
	if (!d) {
		log_error("could not open migrations directory \"%s\": %s", shown(dir),
 strerror(errno));
		if (errno == ENOENT)
			log_hint("create it with \"migrate init\", or point --dir at your migrations");
		set->errors++;
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (!ends_with(de->d_name, ".sql")) {
			add_entry_dir(dir, de, &names, &nnames, &alloc);
			continue;
		}
		ALLOC_GROW(names, nnames + 1, alloc);
		names[nnames].rel = names[nnames].logical = xstrdup(de->d_name);
		names[nnames++].no_transaction = 0;
	}
	closedir(d);
	/* deterministic order, so messages do not depend on readdir */
	if (nnames)
		qsort(names, nnames, sizeof(*names), sort_entries);
	for (i = 0; i < nnames; i++) {
		add_file(set, dir, &names[i]);
		if (names[i].rel != names[i].logical)
			free(names[i].rel);
		free(names[i].logical);
	}
	free(names);
	if (set->n && order_mode == ORDER_NAME)
		number_by_name(set, quiet);
	else if (set->n)
		qsort(set->items, set->n, sizeof(*set->items), cmp_migration);
	for (i = 0; i < set->n; i++)
		finish_migration(set, &set->items[i], quiet);
	return set->errors ? -1 : 0;
}

void migration_set_release(struct migration_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		migration_release(&set->items[i]);
	free(set->items);
	free(set->dir);
	memset(set, 0, sizeof(*set));
}
