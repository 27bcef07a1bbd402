/* observe.h - what one statement really did on a scratch database: the locks it
 * took (pg_locks), the tables and indexes it rewrote (relfilenode) and the
 * tables it read in full (seq_scan deltas), as ../shared/LOCKS.md describes */
#ifndef MIGRATE_OBSERVE_H
#define MIGRATE_OBSERVE_H

#include "pg/db.h"
#include "plan/plan.h"

/* The user relations and types of a database, with their storage. */
struct obs_rel {
	unsigned oid, filenode, table; /* table: an index's table, else 0 */
	char relkind;                  /* pg_class.relkind; 'T' for a type */
	int has_data;                  /* storage not empty (obs_catalog_sizes) */
	char *schema, *name;
};
struct obs_catalog {
	struct obs_rel *v;
	size_t n;
};

/* Locks held (or waited for) by one backend: relation locks and type locks. */
struct obs_lock {
	unsigned oid;  /* pg_locks.relation, or objid of a pg_type object lock */
	enum lock_mode mode;
	int granted;
	int is_type;
};
struct obs_locks {
	struct obs_lock *v;
	size_t n, alloc;
	int waited;    /* some lock (any type) was not granted at some point */
};

/* seq_scan per table. */
struct obs_scans {
	unsigned *oid;
	long *count;
	size_t n;
};

int obs_catalog_take(struct db *db, struct obs_catalog *c);
/* Mark the tables whose storage is not empty (takes ACCESS SHARE: not inside the migration). */
int obs_catalog_sizes(struct db *db, struct obs_catalog *c);
void obs_catalog_release(struct obs_catalog *c);

/* Add the locks that backend pid holds now (0: our own backend) to l; 0 or -1. */
int obs_locks_read(struct db *db, int pid, struct obs_locks *l);
void obs_locks_release(struct obs_locks *l);

/*
 * seq_scan of every user table. in_tx: the current transaction's counts
 * (pg_stat_xact_user_tables); else the totals, after making the server flush
 * this backend's pending statistics (PostgreSQL 15+; -1 before).
 */
int obs_scans_read(struct db *db, int in_tx, struct obs_scans *s);
void obs_scans_release(struct obs_scans *s);

/* What one statement did: the difference of the before and after readings. */
struct obs_reading {
	struct obs_catalog cat;
	struct obs_locks locks;
	struct obs_scans scans;
	int have_scans;
};
void obs_reading_release(struct obs_reading *r);

/*
 * Fill st->seen and st->rebuilt from the readings taken before and after the
 * statement; start: the catalog before the migration (to mark what it created).
 */
void observe_statement(struct plan_stmt *st, const struct obs_reading *before,
		       const struct obs_reading *after, const struct obs_catalog *start);

/* Compare st->seen with st->effects; each difference goes to st->diffs. */
void observe_compare(struct plan_stmt *st);

/*
 * Keep what matters to a reader: objects the statement newly locked, rewrote
 * or scanned, except indexes locked no more strongly than their table (a
 * rebuilt index stays in st->rebuilt).
 */
void observe_prune(struct plan_stmt *st);

#endif
