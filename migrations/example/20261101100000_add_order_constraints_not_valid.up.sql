-- Add orders.currency (constant default) and, as NOT VALID, the orders.user_id foreign key
-- and a non-negative total check. Safe: constant default = no rewrite (PG11+); NOT VALID = no scan.
-- New and updated rows are checked from now on; existing rows are validated in the next migration.

ALTER TABLE orders ADD COLUMN currency text NOT NULL DEFAULT 'USD';

ALTER TABLE orders
    ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;

ALTER TABLE orders
    ADD CONSTRAINT orders_total_cents_nonnegative CHECK (total_cents >= 0) NOT VALID;
