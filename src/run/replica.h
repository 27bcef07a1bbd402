/* replica.h - wait while a streaming replica lags (apply.max_replica_lag) */
#ifndef MIGRATE_REPLICA_H
#define MIGRATE_REPLICA_H

#include "pg/db.h"

/*
 * Wait while any streaming replica's replay lag (pg_stat_replication.replay_lag)
 * exceeds max_lag_ms, saying so. 0 when none does (or max_lag_ms is 0), -1 on error.
 */
int replica_wait(struct db *db, long max_lag_ms);

#endif
