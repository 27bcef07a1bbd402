-- Reverse of create_files: drop the table with its indexes and policy.
-- Safe only before any application code depends on it; the stored content is lost.
DROP TABLE files;
