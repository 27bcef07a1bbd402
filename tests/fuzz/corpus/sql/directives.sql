-- migrate:no-transaction
-- migrate:lock-timeout 2s
-- migrate:statement-timeout 5min
-- migrate:allow prefer-bigint reason here
REINDEX INDEX CONCURRENTLY i;
VACUUM t;
