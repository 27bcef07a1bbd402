-- Reverse of set_products_sku_not_null: DROP NOT NULL and put back the CHECK ... NOT VALID,
-- exactly the state the previous migration left. Brief locks, no scan.
ALTER TABLE products ALTER COLUMN sku DROP NOT NULL;
ALTER TABLE products
    ADD CONSTRAINT products_sku_not_null CHECK (sku IS NOT NULL) NOT VALID;
