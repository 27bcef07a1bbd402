-- Reverse of create_tenant_order_totals: drop the filtering view, then the materialized view.
-- Safe: derived data only.
DROP VIEW current_tenant_order_totals;
DROP MATERIALIZED VIEW tenant_order_totals;
