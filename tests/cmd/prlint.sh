# Pull-request lint: --changed-since REF lints what a branch adds, with the earlier
# files as context; --pending lints what up would run on the database.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
cd "$T_WORK" && git init -q repo && cd repo || exit 1
git config user.email t@example.com && git config user.name t
mkdir m
# an old finding (int id) that nobody wants reported again
printf 'CREATE TABLE t (id int, v varchar(50));\n' >m/1_t.up.sql
printf 'DROP TABLE t;\n' >m/1_t.down.sql
git add m && git commit -qm base
git branch base
# the branch: one migration changed to fail lint, that needs the context of 1_t
printf 'ALTER TABLE t ALTER COLUMN v TYPE varchar(100);\n' >m/2_widen.up.sql
printf 'ALTER TABLE t ALTER COLUMN id TYPE bigint;\n' >m/3_bigint.up.sql
printf 'SELECT 1;\n' >m/3_bigint.down.sql
git add m && git commit -qm branch

run --dir m lint --changed-since base
expect_rc 1 "an error in a changed file fails the job"
expect_out "m/3_bigint.up.sql:1:.*change-column-type" "the changed file is linted"
expect_no "m/1_t.up.sql" "the file from before the branch is not reported"
expect_no "2_widen.up.sql:1:.*error" "varchar(50) to (100) is fine: 1_t was read as context"
expect_out "in 3 files" "three files linted (two ups, one down)"
run --dir m lint --changed-since HEAD
expect_rc 0 "nothing changed since HEAD"
expect_out "in 0 files" "no file linted"
printf 'CREATE INDEX ti ON t (v);\n' >m/4_idx.up.sql
run --dir m lint --changed-since HEAD
expect_rc 1 "an untracked new file counts as added"
expect_out "m/4_idx.up.sql:1:.*create-index-non-concurrently" "and is linted"
rm m/4_idx.up.sql
run --dir m lint --changed-since no-such-ref
expect_rc 2 "a revision git does not know"
expect_err "git diff failed: .*no-such-ref" "git's complaint is shown"
expect_no "0 errors, 0 warnings" "and no summary of a lint that linted nothing"
cd m && run --dir . lint --changed-since base; cd ..
expect_rc 1 "from inside the directory too"

# --pending: what up would run on this database
printf 'CREATE TABLE t (id bigint);\n' >m/1_t.up.sql
run --dir m up --to 1 --no-backup
expect_rc 0 "version 1 applied"
printf -- '-- a later comment\nCREATE TABLE t (id int);\n' >m/1_t.up.sql
run --dir m lint --pending
expect_rc 1 "pending: the error in 3 fails"
expect_out "3_bigint.up.sql:1:.*change-column-type" "a pending file is linted"
expect_no "1_t.up.sql" "the applied one is not"
expect_err "^database \"$db\"" "says which database it read"
PGDATABASE=no_such_db_xyz run --dir m lint --pending
expect_rc 3 "--pending needs the database"
t_done
