/* yaml.c - reading migrate.yml's nodes: scalars with ${VAR} expanded, errors at file:line:col */
#include "config/yaml.h"
#include "base/strbuf.h"
#include "base/strmap.h"
#include "base/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int config_yaml_line(yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static int col_of(yaml_node_t *n)
{
	return (int)n->start_mark.column + 1;
}

void config_yaml_error(struct loader *ld, yaml_node_t *n, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	log_error_at(ld->file, config_yaml_line(n), col_of(n), "%s", sb.buf);
	strbuf_release(&sb);
	ld->errors++;
}

/*
 * ${VAR}, ${VAR:-default} (the default may hold references: ${A:-${B}}) and
 * $${ for a literal "${". Errors never quote the value: it may hold a secret.
 */
struct expansion {
	struct loader *ld;
	yaml_node_t *n;
	const char *key;
	char *unset;       /* first variable found unset, without a default */
	int syntax;        /* an unterminated or malformed reference */
};

static const char *expand_into(struct expansion *x, const char *p, struct strbuf *sb, int nested);

/* p after "${": the reference up to its "}"; returns the position after it, NULL on error. */
static const char *expand_ref(struct expansion *x, const char *p, struct strbuf *sb)
{
	const char *q = p;
	struct strbuf dflt = STRBUF_INIT;
	char *name, *val, *unset_before = x->unset;
	int has_default = 0;

	while (*q == '_' || (*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
	       (q > p && *q >= '0' && *q <= '9'))
		q++;
	name = xstrndup(p, (size_t)(q - p));
	if (q[0] == ':' && q[1] == '-') {
		has_default = 1;
		q = expand_into(x, q + 2, &dflt, 1);
	}
	if (!q || *q != '}' || !*name) {
		x->syntax = 1;
		free(name);
		strbuf_release(&dflt);
		return NULL;
	}
	val = getenv(name);
	if (val && *val && x->unset != unset_before) {
		free(x->unset); /* only the unused default needed it */
		x->unset = unset_before;
	}
	if (val && *val)
		strbuf_addstr(sb, val);
	else if (has_default)
		strbuf_addstr(sb, dflt.buf);
	else if (!x->unset)
		x->unset = xstrdup(name);
	free(name);
	strbuf_release(&dflt);
	return q + 1;
}

/* Copy p into sb expanding references; nested: stop at an unmatched "}". */
static const char *expand_into(struct expansion *x, const char *p, struct strbuf *sb, int nested)
{
	while (p && *p) {
		if (nested && *p == '}')
			return p;
		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			strbuf_addstr(sb, "${");
			p += 3;
		} else if (p[0] == '$' && p[1] == '{') {
			p = expand_ref(x, p + 2, sb);
		} else {
			strbuf_addch(sb, *p++);
		}
	}
	return p;
}

/* A variable unset without a default: an error only if a command uses this value. */
static void defer_unset(struct loader *ld, yaml_node_t *n, const char *key, const char *name)
{
	struct config *c = ld->c;
	struct config_pending *pe;

	ALLOC_GROW(c->pending, c->npending + 1, c->pending_alloc);
	pe = &c->pending[c->npending++];
	pe->key = xstrdup(key);
	pe->var = xstrdup(name);
	pe->line = config_yaml_line(n);
	pe->col = col_of(n);
}

static char *expand_env(struct loader *ld, yaml_node_t *n, const char *key, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	struct expansion x = { ld, n, key, NULL, 0 };
	const char *end = expand_into(&x, s, &sb, 0);

	if (!end || x.syntax) {
		config_yaml_error(ld, n, "malformed ${...} reference in the value of \"%s\"", key);
		log_hint("write ${VAR}, ${VAR:-default} or $${ for a literal \"${\"");
	} else if (x.unset) {
		defer_unset(ld, n, key, x.unset);
	}
	free(x.unset);
	if (!end || x.syntax || x.unset) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

char *config_yaml_scalar(struct loader *ld, yaml_node_t *n, const char *key)
{
	if (n->type != YAML_SCALAR_NODE) {
		config_yaml_error(ld, n, "\"%s\" must be a single value", key);
		return NULL;
	}
	return expand_env(ld, n, key, (const char *)n->data.scalar.value);
}

void config_yaml_unique_keys(struct loader *ld, yaml_node_t *map, const char *section)
{
	struct strmap seen = STRMAP_INIT; /* key -> its first line: linear in the keys */
	yaml_node_pair_t *b;
	size_t first;

	if (map->type != YAML_MAPPING_NODE)
		return;
	for (b = map->data.mapping.pairs.start; b < map->data.mapping.pairs.top; b++) {
		yaml_node_t *kb = yaml_document_get_node(&ld->doc, b->key);
		const char *key = (const char *)kb->data.scalar.value;

		if (kb->type != YAML_SCALAR_NODE)
			continue;
		if (strmap_get(&seen, key, &first))
			config_yaml_error(ld, kb, "\"%s%s%s\" is given twice: on line %d and on line %d",
					  section ? section : "", section ? "." : "", key, (int)first,
					  config_yaml_line(kb));
		else
			strmap_put(&seen, key, (size_t)config_yaml_line(kb));
	}
	strmap_release(&seen);
}

int config_yaml_is_null(yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*v || !strcmp(v, "~") || !strcmp(v, "null"));
}

yaml_node_t *config_yaml_node(struct loader *ld, int id)
{
	return yaml_document_get_node(&ld->doc, id);
}

/* Skip a quoted scalar starting at p (at its quote); returns the byte after it. */
static const char *skip_quoted(const char *p, const char *end, int *line, int *col)
{
	char q = *p++;

	for (; p < end; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 0;
		} else if (q == '"' && *p == '\\' && p + 1 < end && p[1] != '\n') {
			p++;
		} else if (*p == q) {
			if (q == '\'' && p + 1 < end && p[1] == '\'') /* '' inside '...' */
				p++;
			else
				return p + 1;
		}
	}
	return end;
}

int config_yaml_depth_check(const char *text, size_t len, const char *path)
{
	const char *p = text, *end = text + len;
	int depth = 0, line = 1, col = 0;
	char prev = '\n'; /* the last byte that was not a blank, on this line */

	for (; p < end; p++, col++) {
		char ch = *p;

		if (ch == '\n') {
			line++;
			col = -1;
			prev = '\n';
			continue;
		}
		if (ch == ' ' || ch == '\t')
			continue;
		if (prev == '\n' && depth == 0 && col / 2 > CONFIG_YAML_MAX_DEPTH)
			break; /* block nesting: indentation */
		if (ch == '#' && (prev == '\n' || p[-1] == ' ' || p[-1] == '\t')) {
			while (p + 1 < end && p[1] != '\n')
				p++;
			continue;
		}
		/* a value starts: after "key:", "- ", a flow '[', '{' or ',', or at a line start */
		if (strchr(":-\n[{,", prev) && (ch == '\'' || ch == '"')) {
			p = skip_quoted(p, end, &line, &col) - 1;
		} else if ((ch == '[' || ch == '{') && (depth > 0 || strchr(":-\n[{,", prev))) {
			if (++depth > CONFIG_YAML_MAX_DEPTH) {
				log_error_at(path, line, col + 1, "nested deeper than %d levels",
					     CONFIG_YAML_MAX_DEPTH);
				log_hint("a migrate.yml nests a few levels; this is not one");
				return -1;
			}
		} else if ((ch == ']' || ch == '}') && depth > 0) {
			depth--;
		}
		prev = ch;
	}
	if (p < end) {
		log_error_at(path, line, col + 1, "indented deeper than %d levels",
			     CONFIG_YAML_MAX_DEPTH);
		return -1;
	}
	return 0;
}
