/* parsecopy.h - libpg_query's scan without packing its tokens (see parsecopy.c) */
#ifndef MIGRATE_PARSECOPY_H
#define MIGRATE_PARSECOPY_H

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

/*
 * pg_query_scan(text). Where libpg_query is linked statically, take(ud, sr) is handed the
 * scan's tokens before they would be packed, *taken is 1 and r.pbuf is empty; otherwise
 * *taken is 0 and r.pbuf holds them packed. The caller frees r (pg_query_free_scan_result).
 */
PgQueryScanResult sql_scan_with(const char *text,
				void (*take)(void *ud, const PgQuery__ScanResult *sr), void *ud,
				int *taken);

#endif
