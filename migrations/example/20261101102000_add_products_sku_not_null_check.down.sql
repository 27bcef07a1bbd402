-- Reverse of add_products_sku_not_null_check: drop the check and undo the backfill
-- (only rows whose sku is exactly the generated 'legacy-<id>' value).
ALTER TABLE products DROP CONSTRAINT products_sku_not_null;

UPDATE products
   SET sku = NULL
 WHERE sku = 'legacy-' || id::text;
