-- Reverse of add_products_sku_not_null_check: drop the check.
-- The backfilled 'legacy-<id>' skus stay: undoing a backfill in the same
-- transaction would scan products while the ACCESS EXCLUSIVE lock taken by
-- DROP CONSTRAINT is held, and the up's backfill only touches NULL skus, so
-- applying the up again is unaffected.
ALTER TABLE products DROP CONSTRAINT products_sku_not_null;
