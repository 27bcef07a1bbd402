/* backup_meta.c - the sidecar of a backup (<file>.dump.json) and the target
 * identity in its name (see backup_meta.h) */
#include "run/backup_meta.h"
#include "sql/migration.h"
#include "base/strbuf.h"
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void backup_source_of(struct backup_source *out, PGconn *conn, const char *schema)
{
	const char *host = PQhost(conn);

	out->host = xstrdup(host && *host ? host : "localhost");
	out->port = xstrdup(PQport(conn) && *PQport(conn) ? PQport(conn) : "5432");
	out->database = xstrdup(PQdb(conn));
	out->schema = schema && *schema ? xstrdup(schema) : NULL;
}

void backup_source_release(struct backup_source *s)
{
	free(s->host);
	free(s->port);
	free(s->database);
	free(s->schema);
	memset(s, 0, sizeof(*s));
}

static int same_str(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

int backup_source_same(const struct backup_source *a, const struct backup_source *b)
{
	return same_str(a->host, b->host) && same_str(a->port, b->port) &&
	       same_str(a->database, b->database) && same_str(a->schema, b->schema);
}

char *backup_source_text(const struct backup_source *s)
{
	return xasprintf("%s%s%s on %s:%s", s->database, s->schema ? "." : "",
			 s->schema ? s->schema : "", s->host, s->port);
}

/* The readable part of a name: ASCII letters, digits, '_', '.', '-'; the rest '_'. */
char *backup_source_label(const struct backup_source *s)
{
	char *l = s->schema ? xasprintf("%s.%s", s->database, s->schema)
			    : xstrdup(*s->database ? s->database : "db");
	char *p;

	for (p = l; *p; p++)
		if (!isascii((unsigned char)*p) || (!isalnum((unsigned char)*p) && *p != '_' &&
						    *p != '.' && *p != '-'))
			*p = '_';
	if (l[0] == '.')
		l[0] = '_'; /* never a hidden file */
	if (strlen(l) > 64)
		l[64] = '\0'; /* the hash tells long names apart */
	return l;
}

void backup_source_hash(const struct backup_source *s, char hash[11])
{
	/* each part with its length: no two identities give the same text */
	char *id = xasprintf("%zu:%s %zu:%s %zu:%s %c%zu:%s", strlen(s->host), s->host,
			     strlen(s->port), s->port, strlen(s->database), s->database,
			     s->schema ? 's' : '-', s->schema ? strlen(s->schema) : 0,
			     s->schema ? s->schema : "");
	char hex[65];

	sha256_hex(id, strlen(id), hex);
	memcpy(hash, hex, 10);
	hash[10] = '\0';
	free(id);
}

char *backup_meta_path(const char *dump_path)
{
	return xasprintf("%s.json", dump_path);
}

static json_t *meta_json(const struct backup_meta *m)
{
	json_t *o = json_object(), *src = json_object();

	json_object_set_new(o, "format_version", json_string("1"));
	json_object_set_new(src, "host", json_string_or_null(m->src.host));
	json_object_set_new(src, "port", json_string_or_null(m->src.port));
	json_object_set_new(src, "database", json_string_or_null(m->src.database));
	json_object_set_new(src, "schema", json_string_or_null(m->src.schema));
	json_object_set_new(o, "source", src);
	json_object_set_new(o, "server_version", json_string_or_null(m->server_version));
	json_object_set_new(o, "scope", json_string_or_null(m->scope));
	json_object_set_new(o, "tables", json_string_or_null(m->tables));
	json_object_set_new(o, "taken_at", json_string_or_null(m->taken_at));
	json_object_set_new(o, "wal_lsn", json_string_or_null(m->wal_lsn));
	json_object_set_new(o, "run_id", json_string_or_null(m->run_id));
	return o;
}

int backup_meta_write(const char *dump_path, const struct backup_meta *m)
{
	char *path = backup_meta_path(dump_path), *slash = strrchr(path, '/');
	char *partial = slash ? xasprintf("%.*s/.%s.partial-%ld", (int)(slash - path), path, slash + 1,
					  (long)getpid())
			      : xasprintf(".%s.partial-%ld", path, (long)getpid());
	json_t *o = meta_json(m);
	char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), rc = -1, e;
	size_t len = text ? strlen(text) : 0;

	if (fd >= 0 && text && write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 &&
	    fsync(fd) == 0) {
		rc = close(fd);
		fd = -1;
		if (rc == 0)
			rc = rename(partial, path);
	}
	e = errno;
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(partial);
	json_decref(o);
	free(text);
	free(partial);
	free(path);
	errno = e;
	return rc;
}

static char *get_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

int backup_meta_read(const char *dump_path, struct backup_meta *m, const char **why)
{
	char *path = backup_meta_path(dump_path);
	json_error_t jerr;
	json_t *o, *src;

	memset(m, 0, sizeof(*m));
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		*why = "it has no sidecar file (.json): a backup taken before migrate recorded its source";
		free(path);
		return -1;
	}
	o = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	free(path);
	if (!o) {
		*why = "its sidecar file (.json) is unreadable";
		return -1;
	}
	src = json_object_get(o, "source");
	if (!json_is_object(src) || !json_is_string(json_object_get(src, "database")) ||
	    !json_is_string(json_object_get(src, "host")) || !json_is_string(json_object_get(src, "port"))) {
		*why = "its sidecar file (.json) names no source";
		json_decref(o);
		return -1;
	}
	m->src.host = get_str(src, "host");
	m->src.port = get_str(src, "port");
	m->src.database = get_str(src, "database");
	m->src.schema = get_str(src, "schema");
	m->server_version = get_str(o, "server_version");
	m->scope = get_str(o, "scope");
	m->tables = get_str(o, "tables");
	m->taken_at = get_str(o, "taken_at");
	m->wal_lsn = get_str(o, "wal_lsn");
	m->run_id = get_str(o, "run_id");
	json_decref(o);
	return 0;
}

void backup_meta_release(struct backup_meta *m)
{
	backup_source_release(&m->src);
	free(m->server_version);
	free(m->scope);
	free(m->tables);
	free(m->taken_at);
	free(m->wal_lsn);
	free(m->run_id);
	memset(m, 0, sizeof(*m));
}
