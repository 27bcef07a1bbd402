-- Step 2 of making products.sku NOT NULL: validate the check, SET NOT NULL, drop the check.
-- Safe on PG12+: VALIDATE scans under SHARE UPDATE EXCLUSIVE; SET NOT NULL then sees the
-- validated CHECK (sku IS NOT NULL) and skips its own full-table scan, so its lock is brief.
ALTER TABLE products VALIDATE CONSTRAINT products_sku_not_null;
ALTER TABLE products ALTER COLUMN sku SET NOT NULL;
ALTER TABLE products DROP CONSTRAINT products_sku_not_null;
