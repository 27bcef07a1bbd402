/* lint_json.c - findings as JSON and as SARIF 2.1.0, built with jansson */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report/lint_report.h"
#include "lint/catalog.h"
#include "base/jsonstr.h"
#include "base/strbuf.h"
#include "base/util.h"

#ifndef MIGRATE_VERSION
#define MIGRATE_VERSION "0.0.0"
#endif
/* where the docs are (make DOCS_URL=https://.../docs): rule pages at DOCS_URL/rules/ID.md */
#ifndef MIGRATE_DOCS_URL
#define MIGRATE_DOCS_URL "file:///usr/local/share/doc/migrate"
#endif

/*
 * A file path as a URI reference (RFC 3986): every byte but the unreserved
 * ones and '/' percent-encoded (spaces, '#', '%', '?', non-ASCII UTF-8 bytes);
 * an absolute path becomes a file:// URI.
 */
static char *path_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p;

	if (path[0] == '/')
		strbuf_addstr(&sb, "file://");
	for (p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~/", *p))
			strbuf_addch(&sb, (char)*p);
		else {
			strbuf_addch(&sb, '%');
			strbuf_addch(&sb, hex[*p >> 4]);
			strbuf_addch(&sb, hex[*p & 15]);
		}
	}
	return strbuf_detach(&sb, NULL);
}

static json_t *blocks(const struct lint_finding *f)
{
	json_t *a = json_array();

	if (f->blocks_reads)
		json_array_append_new(a, json_string("reads"));
	if (f->blocks_writes)
		json_array_append_new(a, json_string("writes"));
	return a;
}

static void dump(json_t *root, FILE *out)
{
	json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	fputc('\n', out);
	json_decref(root);
}

/* The keys of a finding, in order; o may be the previous finding's object (reused). */
static json_t *finding_json(json_t *o, const struct lint_finding *f)
{
	if (!o)
		o = json_object();

	json_object_set_new(o, "rule", json_string(f->rule));
	json_object_set_new(o, "severity", json_string(lint_severity_name(f->severity)));
	json_object_set_new(o, "file", json_string_or_null(f->file));
	json_object_set_new(o, "line", json_integer(f->line));
	json_object_set_new(o, "column", json_integer(f->col));
	json_object_set_new(o, "end_line", json_integer(f->end_line));
	json_object_set_new(o, "end_column", json_integer(f->end_col));
	json_object_set_new(o, "message", json_string_or_null(f->message));
	json_object_set_new(o, "lock", json_string_or_null(f->lock));
	json_object_set_new(o, "table", json_string_or_null(f->table));
	json_object_set_new(o, "blocks", blocks(f));
	json_object_set_new(o, "rewrite", json_boolean(f->rewrite));
	json_object_set_new(o, "scan", json_boolean(f->scan));
	json_object_set_new(o, "help", json_string_or_null(f->help));
	return o;
}

static int add_key_str(struct strbuf *sb, const char *key, const char *v)
{
	strbuf_addstr(sb, ", \"");
	strbuf_addstr(sb, key);
	strbuf_addstr(sb, "\": ");
	if (!v) {
		strbuf_addstr(sb, "null");
		return 0;
	}
	return json_str_add(sb, v);
}

/* A finding as finding_json and jansson encode it, written directly; -1 when a
 * string is not valid UTF-8 (then jansson's own encoding is used). */
static int finding_line(struct strbuf *sb, const struct lint_finding *f)
{
	strbuf_reset(sb);
	strbuf_addstr(sb, "{\"rule\": ");
	if (json_str_add(sb, f->rule) < 0 ||
	    add_key_str(sb, "severity", lint_severity_name(f->severity)) < 0 ||
	    add_key_str(sb, "file", f->file) < 0)
		return -1;
	strbuf_addf(sb, ", \"line\": %d, \"column\": %d, \"end_line\": %d, \"end_column\": %d",
		    f->line, f->col, f->end_line, f->end_col);
	if (add_key_str(sb, "message", f->message) < 0 || add_key_str(sb, "lock", f->lock) < 0 ||
	    add_key_str(sb, "table", f->table) < 0)
		return -1;
	strbuf_addf(sb, ", \"blocks\": [%s%s%s], \"rewrite\": %s, \"scan\": %s",
		    f->blocks_reads ? "\"reads\"" : "", f->blocks_reads && f->blocks_writes ? ", " : "",
		    f->blocks_writes ? "\"writes\"" : "", f->rewrite ? "true" : "false",
		    f->scan ? "true" : "false");
	if (add_key_str(sb, "help", f->help) < 0)
		return -1;
	strbuf_addch(sb, '}');
	return 0;
}

/*
 * One finding per line, written as jansson would encode finding_json's object
 * (that encoding is the fallback for text that is not UTF-8); the frame around
 * them is fixed text. Printed as the findings come (lint_stream).
 */
void lint_json_begin(struct lint_stream *ls)
{
	fputs("{\n  \"format_version\": \"" JSON_FORMAT_VERSION "\",\n  \"findings\": [", ls->out);
	ls->buf = xcalloc(1, sizeof(*ls->buf));
	strbuf_init(ls->buf, 0);
}

void lint_json_finding(struct lint_stream *ls, const struct lint_finding *f)
{
	if (f->allowed)
		return;
	fputs(ls->shown++ ? ",\n    " : "\n    ", ls->out);
	if (finding_line(ls->buf, f) == 0) {
		fwrite(ls->buf->buf, 1, ls->buf->len, ls->out);
	} else {
		json_t *o = finding_json(NULL, f);

		json_dumpf(o, ls->out, JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
		json_decref(o);
	}
}

void lint_json_end(struct lint_stream *ls, const struct lint_result *r)
{
	if (!ls->buf)
		lint_json_begin(ls);
	fprintf(ls->out, "%s],\n  \"files\": %d,\n  \"statements\": %d\n}\n",
		ls->shown ? "\n  " : "", r->files, r->statements);
	strbuf_release(ls->buf);
	free(ls->buf);
	ls->buf = NULL;
}

/* ---- SARIF ---- */

static json_t *text(const char *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "text", json_string(s ? s : ""));
	return o;
}

static json_t *sarif_rule(const char *id)
{
	const struct rule_info *ri = catalog_find(id);
	json_t *o = json_object(), *cfg = json_object(), *props = json_object(), *tags = json_array();

	json_object_set_new(o, "id", json_string(id));
	if (ri) {
		char *page = xasprintf("%s/rules/%s.md", MIGRATE_DOCS_URL, id);
		char *help = xasprintf("%s%sdocs/rules/%s.md", ri->safe_alternative ? ri->safe_alternative : "",
				       ri->safe_alternative ? "\n\nSee " : "See ", id);
		char *md = xasprintf("%s%s[docs/rules/%s.md](%s)", ri->safe_alternative ?
				     ri->safe_alternative : "", ri->safe_alternative ? "\n\nSee " : "See ",
				     id, page);
		json_t *h = text(help);

		json_object_set_new(o, "shortDescription", text(ri->summary));
		json_object_set_new(o, "fullDescription", text(ri->why ? ri->why : ri->summary));
		json_object_set_new(h, "markdown", json_string(md));
		json_object_set_new(o, "help", h);
		json_object_set_new(o, "helpUri", json_string(page));
		free(page);
		free(help);
		free(md);
		json_object_set_new(cfg, "level", json_string(lint_severity_name(ri->severity)));
		json_array_append_new(tags, json_string(ri->severity == LINT_ERROR ? "lock-danger" : "style"));
	} else {
		json_object_set_new(o, "shortDescription",
				    text(!strcmp(id, "parse-error") ? "SQL the parser cannot read" :
					 "custom rule (lint.custom)"));
		json_object_set_new(cfg, "level", json_string("error"));
		json_array_append_new(tags, json_string(!strcmp(id, "parse-error") ? "parse" : "custom"));
	}
	json_array_append_new(tags, json_string("postgresql"));
	json_array_append_new(tags, json_string("migration"));
	json_object_set_new(o, "defaultConfiguration", cfg);
	json_object_set_new(props, "tags", tags);
	json_object_set_new(o, "properties", props);
	return o;
}

static json_t *sarif_result(const struct lint_finding *f, size_t rule_index)
{
	json_t *o = json_object(), *loc = json_object(), *phys = json_object(), *art = json_object(),
	       *reg = json_object(), *locs = json_array(), *props = json_object();
	size_t len = strlen(f->message) + (f->help ? strlen(f->help) : 0) + 64;
	char *msg = xmalloc(len);

	snprintf(msg, len, "%s%s%s", f->message, f->help ? "\nSafe alternative:\n" : "",
		 f->help ? f->help : "");
	json_object_set_new(o, "ruleId", json_string(f->rule));
	json_object_set_new(o, "ruleIndex", json_integer((json_int_t)rule_index));
	json_object_set_new(o, "level", json_string(lint_severity_name(f->severity)));
	json_object_set_new(o, "message", text(msg));
	free(msg);
	{
		char *uri = path_uri(f->file);

		json_object_set_new(art, "uri", json_string(uri));
		free(uri);
	}
	json_object_set_new(reg, "startLine", json_integer(f->line));
	json_object_set_new(reg, "startColumn", json_integer(f->col));
	json_object_set_new(reg, "endLine", json_integer(f->end_line));
	json_object_set_new(reg, "endColumn", json_integer(f->end_col));
	json_object_set_new(phys, "artifactLocation", art);
	json_object_set_new(phys, "region", reg);
	json_object_set_new(loc, "physicalLocation", phys);
	json_array_append_new(locs, loc);
	json_object_set_new(o, "locations", locs);
	json_object_set_new(props, "lock", json_string_or_null(f->lock));
	json_object_set_new(props, "table", json_string_or_null(f->table));
	json_object_set_new(props, "blocks", blocks(f));
	json_object_set_new(props, "rewrite", json_boolean(f->rewrite));
	json_object_set_new(props, "scan", json_boolean(f->scan));
	json_object_set_new(o, "properties", props);
	return o;
}

void lint_print_sarif(const struct lint_result *r, FILE *out)
{
	json_t *root = json_object(), *runs = json_array(), *run = json_object(), *tool = json_object(),
	       *driver = json_object(), *rules = json_array(), *results = json_array(), *props;
	size_t i;

	json_object_set_new(root, "$schema", json_string("https://json.schemastore.org/sarif-2.1.0.json"));
	json_object_set_new(root, "version", json_string("2.1.0"));
	json_object_set_new(driver, "name", json_string("migrate"));
	json_object_set_new(driver, "version", json_string(MIGRATE_VERSION));
	json_object_set_new(driver, "informationUri", json_string(MIGRATE_DOCS_URL "/lint.md"));
	for (i = 0; i < r->n; i++) {
		const struct lint_finding *f = &r->items[i];
		size_t k, n = json_array_size(rules);

		if (f->allowed)
			continue;
		for (k = 0; k < n; k++)
			if (!strcmp(json_string_value(json_object_get(json_array_get(rules, k), "id")), f->rule))
				break;
		if (k == n)
			json_array_append_new(rules, sarif_rule(f->rule));
		json_array_append_new(results, sarif_result(f, k));
	}
	json_object_set_new(driver, "rules", rules);
	json_object_set_new(tool, "driver", driver);
	json_object_set_new(run, "tool", tool);
	json_object_set_new(run, "results", results);
	json_array_append_new(runs, run);
	json_object_set_new(root, "runs", runs);
	/* SARIF has no room for keys of ours at the top: its property bag holds it */
	props = json_object();
	json_object_set_new(props, "format_version", json_string(JSON_FORMAT_VERSION));
	json_object_set_new(root, "properties", props);
	dump(root, out);
}
