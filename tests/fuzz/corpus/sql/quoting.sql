CREATE TABLE t (a text DEFAULT 'x;y', b text DEFAULT E'it\'s;');
/* block /* nested */ ; */
DO $$ BEGIN RAISE NOTICE 'a;b'; END $$;
SELECT "we;ird" FROM (SELECT 1 AS "we;ird") s
