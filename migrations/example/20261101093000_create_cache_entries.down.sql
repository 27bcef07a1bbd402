-- Reverse of create_cache_entries: drop the cache table.
-- Safe: a cache holds nothing that cannot be recomputed.
DROP TABLE cache_entries;
