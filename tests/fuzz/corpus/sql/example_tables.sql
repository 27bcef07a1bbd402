-- Create tenants and users, with row-level security on users keyed by app.tenant_id.
-- Safe: only new tables; nothing existing is locked, scanned or rewritten.

-- Refuse to run on servers older than 12: later migrations rely on SET NOT NULL
-- skipping its scan when a validated CHECK (col IS NOT NULL) exists.
DO $$
BEGIN
    IF current_setting('server_version_num')::bigint < 120000 THEN
        RAISE EXCEPTION 'PostgreSQL 12 or newer required; this server is %', version()
            USING HINT = 'Upgrade first; then re-run: migrate up';
    END IF;
END
$$;

CREATE TABLE tenants (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL,
    name        text NOT NULL,
    settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$')
);

COMMENT ON TABLE tenants IS 'One row per customer account; every tenant table references it.';

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email         text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    display_name  text
);

-- Indexes on a table created in this same migration: plain CREATE INDEX is fine.
CREATE UNIQUE INDEX users_tenant_id_email_key ON users (tenant_id, lower(email));

ALTER TABLE users ENABLE ROW LEVEL SECURITY;

CREATE POLICY users_tenant_isolation ON users
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::bigint)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::bigint);

COMMENT ON POLICY users_tenant_isolation ON users IS
    'Rows are visible only when app.tenant_id matches; set it per request: SET app.tenant_id = ''42''; then query.';
