-- Validate the constraints added NOT VALID by the previous migration.
-- Safe: VALIDATE CONSTRAINT scans under SHARE UPDATE EXCLUSIVE, so reads and writes continue.
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey;
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_cents_nonnegative;
