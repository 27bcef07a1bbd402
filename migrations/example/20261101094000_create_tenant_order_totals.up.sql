-- Create the tenant_order_totals materialized view, with a unique index so it can be
-- refreshed with REFRESH MATERIALIZED VIEW CONCURRENTLY (no lock that blocks readers).
-- Safe: building it reads orders under ACCESS SHARE only; writers are not blocked.

CREATE MATERIALIZED VIEW tenant_order_totals AS
SELECT o.tenant_id,
       count(*)                              AS order_count,
       coalesce(sum(o.total_cents), 0)::bigint AS total_cents,
       max(o.placed_at)                      AS last_order_at
  FROM orders o
 WHERE o.status <> 'cancelled'
 GROUP BY o.tenant_id;

-- Required by REFRESH ... CONCURRENTLY; the view is new, so a plain CREATE INDEX is fine.
CREATE UNIQUE INDEX tenant_order_totals_tenant_id_key ON tenant_order_totals (tenant_id);

-- Materialized views have no row-level security: applications read this view,
-- which filters on the same setting as the tenant policies.
CREATE VIEW current_tenant_order_totals WITH (security_barrier) AS
SELECT t.tenant_id, t.order_count, t.total_cents, t.last_order_at
  FROM tenant_order_totals t
 WHERE t.tenant_id = nullif(current_setting('app.tenant_id', true), '')::bigint;
