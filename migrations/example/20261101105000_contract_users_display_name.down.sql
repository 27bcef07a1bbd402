-- Reverse of contract_users_display_name: bring display_name back, in its original column
-- position, with the sync trigger. The column holding the data is renamed back to display_name
-- and a fresh full_name is added after it, so the table's column order is exactly as before.
-- migrate:allow rename-column rollback path: the application version being restored reads display_name
ALTER TABLE users RENAME COLUMN full_name TO display_name;
ALTER TABLE users ADD COLUMN full_name text;

CREATE FUNCTION users_sync_full_name() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Old code writes display_name; new code writes full_name; keep them equal.
    IF TG_OP = 'INSERT' THEN
        NEW.full_name := coalesce(NEW.full_name, NEW.display_name);
        NEW.display_name := coalesce(NEW.display_name, NEW.full_name);
    ELSIF NEW.full_name IS DISTINCT FROM OLD.full_name THEN
        NEW.display_name := NEW.full_name;
    ELSIF NEW.display_name IS DISTINCT FROM OLD.display_name THEN
        NEW.full_name := NEW.display_name;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER users_sync_full_name
    BEFORE INSERT OR UPDATE OF display_name, full_name ON users
    FOR EACH ROW EXECUTE FUNCTION users_sync_full_name();

-- migrate:allow slow-statement-after-lock rollback path only: both application versions need full_name filled
UPDATE users
   SET full_name = display_name
 WHERE full_name IS NULL
   AND display_name IS NOT NULL;
