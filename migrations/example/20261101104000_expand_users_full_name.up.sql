-- Expand step of renaming users.display_name to users.full_name: add the new column and keep
-- both in sync with a trigger. Safe: nullable column without default (no rewrite, brief lock);
-- old and new application versions both work while this is deployed. The backfill is the next
-- migration, in its own transaction, so it never runs under this one's ACCESS EXCLUSIVE lock.

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
