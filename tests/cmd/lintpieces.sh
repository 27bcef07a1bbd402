# A long file is parsed in pieces cut between statements (sql/pieces.c), on several
# threads; the findings must be those of the whole file's parse, byte for byte, and
# wherever the cuts fall: MIGRATE_PIECE_BYTES=1 cuts after every statement, a huge
# value never cuts. Quotes, comments, dollar quotes and rule bodies hold ';' that
# are no statement end.
. "$TOP/tests/lib/t.sh"

cd "$T_WORK" || exit 1
cat >tricky.sql <<'SQL'
SELECT ';' AS semi, 'it''s; here' AS q, E'back\'slash; still' AS e;
SELECT 1 AS "weird;ident";
-- a comment; with a semicolon
/* nested /* comment; */ still; comment */
ALTER TABLE t ADD COLUMN café text DEFAULT 'é;';
DO $$
BEGIN
  ALTER TABLE t ALTER COLUMN name SET NOT NULL;
  PERFORM 1; EXECUTE 'ALTER TABLE t ADD COLUMN x int NOT NULL DEFAULT 0';
END $$;
CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$
BEGIN
  UPDATE t SET note = $$a;b$$;
  ALTER TABLE t ALTER COLUMN note TYPE varchar(10);
END $body$;
SELECT f();
CREATE RULE r AS ON INSERT TO t DO ALSO (UPDATE t SET note = 'x'; DELETE FROM t WHERE id < 0);
CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;
PREPARE p AS SELECT $1::int;
ALTER TABLE t ALTER COLUMN id TYPE bigint;
CREATE INDEX t_name ON t (name);
SQL
same() { # same FILE DESC: the output with tiny pieces and with one piece agree
	MIGRATE_PIECE_BYTES=1000000000 run lint --format json "$1"
	whole=$T_OUT whole_rc=$T_RC
	for bytes in 1 40 300; do
		MIGRATE_PIECE_BYTES=$bytes run lint --format json "$1"
		expect_eq "$T_OUT" "$whole" "$2: pieces of $bytes bytes give the whole parse's findings"
		expect_eq "$T_RC" "$whole_rc" "$2: pieces of $bytes bytes, same exit status"
	done
}
same tricky.sql "quotes, comments, bodies"
run lint --format json tricky.sql
expect_out '"rule": "set-not-null"' "the DO block's statements are linted"
expect_out '"line": 21' "a finding on the last line (after the rule and BEGIN ATOMIC bodies)"

# a parse error in a later piece: the whole file's error, where it is
{ cat tricky.sql; printf 'SELEC 1;\nCREATE INDEX t2 ON t (note);\n'; } >broken.sql
same broken.sql "a syntax error"
run lint broken.sql
expect_out 'broken.sql:22:' "the error is at its line"

# what the rules read of statements in earlier pieces (a streamed file keeps only their
# positions): the transaction's first statement, a BEGIN, a directive's statement
cat >tx.sql <<'SQL'
CREATE TABLE a (id bigint PRIMARY KEY, name text);
UPDATE a SET name = 'x';
-- migrate:allow set-not-null b is empty
ALTER TABLE b ALTER COLUMN name SET NOT NULL;
CREATE INDEX CONCURRENTLY a_name ON a (name);
ALTER TABLE b ALTER COLUMN note SET NOT NULL;
SQL
same tx.sql "one transaction and a CONCURRENTLY"
MIGRATE_PIECE_BYTES=1 run lint tx.sql
expect_out 'tx.sql:5:14: error\[concurrently-in-transaction\].*\(line 1\)' "the first statement's line, pieces back"
expect_out 'tx.sql:6:1: warning\[multiple-alter-table\].*\(the first at line 4\)' "the earlier ALTER's line"
expect_out 'tx.sql:6:15: error\[set-not-null\]' "the directive allows only its own statement"
expect_no 'tx.sql:4:' "the directive, a piece before its statement, allows it"
cat >self.sql <<'SQL'
BEGIN;
ALTER TABLE a ADD COLUMN c int;
CREATE INDEX CONCURRENTLY a_c ON a (c);
COMMIT;
SELECT 1;
BEGIN;
ALTER TABLE a ADD COLUMN d int;
SQL
same self.sql "BEGIN and COMMIT in the file, a BEGIN left open"
MIGRATE_PIECE_BYTES=1 run lint self.sql
expect_out 'self.sql:3:14: error\[concurrently-in-transaction\].*\(BEGIN at line 1\)' "the BEGIN pieces back"
expect_out 'self.sql:6:1: error\[uncommitted-transaction\]: BEGIN at line 6' "the BEGIN left open"

# a file long enough to be cut by default (pieces of 256 kB): the same as one piece
i=0
while [ $i -lt 400 ]; do cat tricky.sql; i=$((i + 1)); done >long.sql
MIGRATE_PIECE_BYTES=1000000000 run lint --format json long.sql
whole=$T_OUT
run lint --format json long.sql
expect_eq "$T_OUT" "$whole" "a long file: the default pieces give the whole parse's findings"

# a long migration in a directory, between short ones, up and down
mkdir m
printf 'CREATE TABLE t (id int PRIMARY KEY, name varchar(20), note text);\n' >m/1_t.up.sql
printf 'DROP TABLE t;\n' >m/1_t.down.sql
cp long.sql m/2_long.up.sql
printf 'ALTER TABLE t DROP COLUMN note;\n' >m/2_long.down.sql
printf 'ALTER TABLE t ADD COLUMN z int;\n' >m/3_z.up.sql
for fmt in json text github; do
	MIGRATE_PIECE_BYTES=1000000000 run lint --format $fmt m
	whole=$T_OUT whole_rc=$T_RC
	run lint --format $fmt m
	expect_eq "$T_OUT" "$whole" "a directory with a long migration, $fmt: the whole parse's findings"
	expect_eq "$T_RC" "$whole_rc" "a directory with a long migration, $fmt: same exit status"
	MIGRATE_PIECE_BYTES=1 run lint --format $fmt m
	expect_eq "$T_OUT" "$whole" "a directory, every statement a piece, $fmt: the whole parse's findings"
done
t_done
