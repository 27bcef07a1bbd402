-- Create products, orders and order_items, all tenant-scoped with row-level security.
-- Safe: new tables only. Foreign keys from new tables take a brief SHARE ROW EXCLUSIVE
-- lock on the referenced tables (tenants, users) but scan nothing, since the new tables are empty.

CREATE TABLE products (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sku          text,
    name         text NOT NULL,
    price_cents  bigint NOT NULL CHECK (price_cents >= 0),
    attributes   jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX products_tenant_id_idx ON products (tenant_id);

-- orders.user_id has no foreign key yet: orders are imported from a legacy system
-- whose user ids are cleaned up first (see ..._add_order_constraints_not_valid).
CREATE TABLE orders (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id      bigint,
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
    total_cents  bigint NOT NULL DEFAULT 0,
    placed_at    timestamptz NOT NULL DEFAULT now(),
    metadata     jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE order_items (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id         bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    order_id          bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id        bigint NOT NULL REFERENCES products (id),
    quantity          bigint NOT NULL CHECK (quantity > 0),
    unit_price_cents  bigint NOT NULL CHECK (unit_price_cents >= 0)
);

CREATE INDEX order_items_order_id_idx ON order_items (order_id);
CREATE INDEX order_items_product_id_idx ON order_items (product_id);

ALTER TABLE products ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE order_items ENABLE ROW LEVEL SECURITY;

CREATE POLICY products_tenant_isolation ON products
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::bigint)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::bigint);

CREATE POLICY orders_tenant_isolation ON orders
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::bigint)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::bigint);

CREATE POLICY order_items_tenant_isolation ON order_items
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::bigint)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::bigint);
