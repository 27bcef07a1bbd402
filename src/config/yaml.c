/* yaml.c - reading migrate.yml's nodes: scalars with ${VAR} expanded, errors at file:line:col */
#include "config/yaml.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <ctype.h>
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

/* Is [p, close) "NAME" or "NAME:-default", NAME made of letters, digits and _? */
static int valid_var(const char *p, const char *close)
{
	const char *q = p;

	while (q < close && (isalnum((unsigned char)*q) || *q == '_'))
		q++;
	return q > p && (q == close || (close - q >= 2 && q[0] == ':' && q[1] == '-'));
}

/* Expand ${VAR} and ${VAR:-default} from the environment. NULL on error. */
static char *expand_env(struct loader *ld, yaml_node_t *n, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = s;

	while (*p) {
		const char *close, *dflt;
		char *name, *val;

		if (p[0] != '$' || p[1] != '{') {
			strbuf_addch(&sb, *p++);
			continue;
		}
		close = strchr(p + 2, '}');
		if (!close || !valid_var(p + 2, close)) {
			/* the value is never quoted: it may hold an inline password */
			config_yaml_error(ld, n, close ? "invalid variable name in \"${...}\" at "
					  "character %d of the value" : "unterminated \"${\" at "
					  "character %d of the value", (int)(p - s) + 1);
			log_hint("write ${NAME} or ${NAME:-default}; NAME: letters, digits and _");
			strbuf_release(&sb);
			return NULL;
		}
		dflt = strstr(p + 2, ":-");
		if (dflt && dflt > close)
			dflt = NULL;
		name = xstrndup(p + 2, (size_t)((dflt ? dflt : close) - (p + 2)));
		val = getenv(name);
		if (val && *val)
			strbuf_addstr(&sb, val);
		else if (dflt)
			strbuf_add(&sb, dflt + 2, (size_t)(close - dflt - 2));
		else {
			config_yaml_error(ld, n, "environment variable %s is not set", name);
			log_hint("set it, or give a default: ${%s:-value}", name);
			free(name);
			strbuf_release(&sb);
			return NULL;
		}
		free(name);
		p = close + 1;
	}
	return strbuf_detach(&sb, NULL);
}

char *config_yaml_scalar(struct loader *ld, yaml_node_t *n, const char *key)
{
	if (n->type != YAML_SCALAR_NODE) {
		config_yaml_error(ld, n, "\"%s\" must be a single value", key);
		return NULL;
	}
	return expand_env(ld, n, (const char *)n->data.scalar.value);
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
