-- migrate:no-transaction
-- Reverse of add_indexes_concurrently: drop the three indexes without blocking reads or writes.
-- DROP INDEX CONCURRENTLY cannot run in a transaction block and takes one index per statement.
DROP INDEX CONCURRENTLY IF EXISTS products_tenant_id_sku_key;
DROP INDEX CONCURRENTLY IF EXISTS orders_user_id_idx;
DROP INDEX CONCURRENTLY IF EXISTS orders_tenant_id_placed_at_idx;
