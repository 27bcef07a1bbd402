-- Step 1 of making products.sku NOT NULL: backfill legacy NULL skus, then add
-- CHECK (sku IS NOT NULL) NOT VALID. Safe: the check's ACCESS EXCLUSIVE lock is taken last and is
-- brief, and NOT VALID skips the scan. The application already always writes a sku.

UPDATE products
   SET sku = 'legacy-' || id::text
 WHERE sku IS NULL;

ALTER TABLE products
    ADD CONSTRAINT products_sku_not_null CHECK (sku IS NOT NULL) NOT VALID;
