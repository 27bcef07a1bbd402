-- Reverse of add_order_constraints_not_valid: drop both constraints and the currency column.
-- Brief ACCESS EXCLUSIVE locks only; nothing is scanned or rewritten.
ALTER TABLE orders DROP CONSTRAINT orders_total_cents_nonnegative;
ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;
ALTER TABLE orders DROP COLUMN currency;
