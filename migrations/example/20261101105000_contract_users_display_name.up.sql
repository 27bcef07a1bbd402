-- Contract step of the display_name -> full_name rename: drop the sync trigger and the old column.
-- Safe once every running application version reads and writes full_name only (brief lock, no rewrite).
DROP TRIGGER users_sync_full_name ON users;
DROP FUNCTION users_sync_full_name();
-- migrate:allow drop-column every deployed application version reads and writes full_name since the expand release
ALTER TABLE users DROP COLUMN display_name;
