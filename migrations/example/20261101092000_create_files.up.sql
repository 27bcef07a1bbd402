-- Create files: uploaded content stored as bytea with its metadata (name, type, size, sha256).
-- Safe: new table only; the foreign keys lock tenants/users briefly and scan nothing.

CREATE TABLE files (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    uploaded_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    filename      text NOT NULL,
    content_type  text NOT NULL DEFAULT 'application/octet-stream',
    size_bytes    bigint NOT NULL,
    sha256        bytea NOT NULL,
    content       bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT files_size_matches CHECK (size_bytes = octet_length(content)),
    CONSTRAINT files_sha256_length CHECK (octet_length(sha256) = 32),
    CONSTRAINT files_filename_not_blank CHECK (btrim(filename) <> '')
);

-- Uploads are mostly compressed already (images, PDFs, zip): store out of line, uncompressed.
ALTER TABLE files ALTER COLUMN content SET STORAGE EXTERNAL;

CREATE INDEX files_tenant_id_created_at_idx ON files (tenant_id, created_at DESC);
CREATE UNIQUE INDEX files_tenant_id_sha256_key ON files (tenant_id, sha256);

ALTER TABLE files ENABLE ROW LEVEL SECURITY;

CREATE POLICY files_tenant_isolation ON files
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::bigint)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::bigint);

COMMENT ON COLUMN files.content_type IS 'MIME type as sent by the client, e.g. text/plain; charset=utf-8';
