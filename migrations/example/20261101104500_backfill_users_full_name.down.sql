-- Reverse of backfill_users_full_name: nothing to undo. The backfill only copied
-- display_name into full_name; the down of 20261101104000 drops full_name. Clearing it
-- here would fire the sync trigger and clear display_name too.
SELECT 'full_name backfill kept' AS note;
