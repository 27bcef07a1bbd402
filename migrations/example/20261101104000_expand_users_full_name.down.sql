-- Reverse of expand_users_full_name: drop the sync trigger, its function and the new column.
-- Safe while application code still reads display_name (it always did during the expand phase).
DROP TRIGGER users_sync_full_name ON users;
DROP FUNCTION users_sync_full_name();
ALTER TABLE users DROP COLUMN full_name;
