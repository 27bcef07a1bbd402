-- Reverse of validate_order_constraints: return both constraints to the NOT VALID state
-- (there is no "unvalidate", so drop and re-add them NOT VALID: brief locks, no scan).
ALTER TABLE orders DROP CONSTRAINT orders_total_cents_nonnegative;
ALTER TABLE orders
    ADD CONSTRAINT orders_total_cents_nonnegative CHECK (total_cents >= 0) NOT VALID;
ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;
ALTER TABLE orders
    ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
