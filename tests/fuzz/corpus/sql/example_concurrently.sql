-- migrate:no-transaction
-- Index the existing orders and products tables without blocking writes.
-- Safe: CREATE INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE only; it cannot run in a
-- transaction block, so this file holds nothing else. If it fails, drop the INVALID index and re-run.

CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_tenant_id_placed_at_idx
    ON orders (tenant_id, placed_at DESC);

-- Supports the orders.user_id foreign key added in the next migration (deleting a user
-- would otherwise scan orders).
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx
    ON orders (user_id);

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS products_tenant_id_sku_key
    ON products (tenant_id, sku);
