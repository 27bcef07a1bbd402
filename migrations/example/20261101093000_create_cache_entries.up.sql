-- Create cache_entries, an UNLOGGED key/value cache with an expires_at for cleanup jobs.
-- Safe: new table only. UNLOGGED skips WAL; its contents are lost on crash, which is fine for a cache.

CREATE UNLOGGED TABLE cache_entries (
    key         text PRIMARY KEY,
    value       jsonb NOT NULL,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX cache_entries_expires_at_idx ON cache_entries (expires_at);

COMMENT ON TABLE cache_entries IS
    'Unlogged cache; purge with DELETE FROM cache_entries WHERE expires_at < now();';
