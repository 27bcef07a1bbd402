-- Backfill users.full_name from display_name, in its own transaction: it takes only row
-- locks, so reads and writes go on. Only rows still missing the value are touched, so it is
-- safe to re-run; on a large table run the same statement in id-range batches beforehand.
UPDATE users
   SET full_name = display_name
 WHERE full_name IS NULL
   AND display_name IS NOT NULL;
