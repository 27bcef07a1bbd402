/* backup_meta.h - what a backup file holds and where it came from: the
 * sidecar <file>.dump.json written next to each backup (mode 0600, never a
 * password), the target identity in its name, and pruning by recorded target */
#ifndef MIGRATE_BACKUP_META_H
#define MIGRATE_BACKUP_META_H

#include <libpq-fe.h>

/* The target a backup was taken of. schema: a fleet's tenant schema, else NULL. */
struct backup_source {
	char *host, *port, *database, *schema;
};

/* The sidecar's content. */
struct backup_meta {
	struct backup_source src;
	char *server_version; /* the server's, e.g. "15.8" */
	char *scope;          /* "database", "schema" (a tenant schema) or "tables" */
	char *tables;         /* scope tables: "a, b" as the run printed them; else NULL */
	char *taken_at;       /* the server's clock after the dump */
	char *wal_lsn;
	char *run_id;
};

/* The target conn is connected to (schema NULL: the whole database). */
void backup_source_of(struct backup_source *out, PGconn *conn, const char *schema);
void backup_source_release(struct backup_source *s);
/* Same host, port, database and schema. */
int backup_source_same(const struct backup_source *a, const struct backup_source *b);
/* "app.tenant_1 on /tmp:5432", for messages; owned by the caller. */
char *backup_source_text(const struct backup_source *s);
/*
 * The file-name parts of a target: label, its readable, file-safe form
 * ("app.tenant_x"), and hash, 10 hex digits of SHA-256 over the full identity,
 * so that targets whose labels collide ("tenant x", "tenant_x") never share a name.
 */
char *backup_source_label(const struct backup_source *s);
void backup_source_hash(const struct backup_source *s, char hash[11]);

/* dump_path + ".json" */
char *backup_meta_path(const char *dump_path);
/* Write the sidecar of dump_path atomically (a partial file renamed), mode 0600. -1 (errno) on error. */
int backup_meta_write(const char *dump_path, const struct backup_meta *m);
/* Read the sidecar of dump_path: 0, or -1 when there is none or it is unreadable (*why set, static). */
int backup_meta_read(const char *dump_path, struct backup_meta *m, const char **why);
void backup_meta_release(struct backup_meta *m);

#endif
