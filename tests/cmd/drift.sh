# Drift: an applied file edited since is "modified" and stops up; a vanished one is "missing"
# and reverts with its recorded down SQL.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
echo "CREATE TABLE a (id bigint);" >"$D/1_a.up.sql"
echo "DROP TABLE a;" >"$D/1_a.down.sql"
echo "CREATE TABLE b (id bigint);" >"$D/2_b.up.sql"
echo "DROP TABLE b;" >"$D/2_b.down.sql"
run --dir "$D" up
expect_rc 0 "up"

# comments and layout of an applied file are not drift: silencing a finding later is fine
printf -- '-- migrate:allow prefer-bigint-pk\nCREATE TABLE b (\n    id bigint\n)   ;\n' >"$D/2_b.up.sql"
run --dir "$D" status
expect_out "^2 +applied" "a comment and whitespace added to an applied file: still applied"
run --dir "$D" up
expect_rc 0 "up does not call it drift"
# a row recorded by an older migrate (checksum of the bytes) still matches its unchanged file
echo "CREATE TABLE b (id bigint);" >"$D/2_b.up.sql"
psql_q -c "UPDATE schema_migrations SET checksum = '$(sha256sum "$D/2_b.up.sql" | cut -c1-64)' WHERE version = 2"
run --dir "$D" status
expect_out "^2 +applied" "an old-style checksum of the unchanged file matches"
# ... and a change to a statement, even a literal's spacing, is drift
echo "CREATE TABLE b (id  bigint, x text);" >"$D/2_b.up.sql"
run --dir "$D" status
expect_out "^2 +modified" "a changed statement is drift"
echo "CREATE TABLE b (id bigint);" >"$D/2_b.up.sql"

echo "CREATE TABLE a (id bigint, extra text);" >"$D/1_a.up.sql"
echo "CREATE TABLE c (id bigint);" >"$D/3_c.up.sql"
echo "DROP TABLE c;" >"$D/3_c.down.sql"
run --dir "$D" status
expect_out "1 +modified" "status reports the edited file as modified"
run --dir "$D" up
expect_rc 2 "up refuses on drift"
expect_err "1_a.up.sql: error: modified since it was applied" "names the edited file"
expect_err "allow-drift" "says how to override"
expect_eq "$(psql_q -c "SELECT to_regclass('c') IS NULL")" t "nothing ran"
run --dir "$D" up --allow-drift
expect_rc 0 "--allow-drift overrides"
expect_eq "$(psql_q -c "SELECT note FROM schema_migrations_log WHERE version = 3")" "--allow-drift" "the override is logged"

# the file of version 2 vanishes; its recorded down SQL still reverts it
rm "$D"/2_b.*
run --dir "$D" status
expect_out "2 +missing" "status reports a vanished file as missing"
run --dir "$D" down --steps 2
expect_rc 0 "down through a missing file"
expect_eq "$(psql_q -c "SELECT to_regclass('b') IS NULL AND to_regclass('c') IS NULL")" t "recorded down SQL ran"

# the down of a modified migration uses the recorded down SQL
echo "DROP TABLE a; SELECT 'this is the new down';" >"$D/1_a.down.sql"
run --dir "$D" down
expect_rc 0 "down of a modified migration"
expect_err "recorded when it was applied" "says it used the recorded down SQL"

# an up without a down: down refuses, naming it
db2=$(pg_fresh_db); export PGDATABASE=$db2
E="$T_WORK/e"; mkdir -p "$E"
echo "CREATE TABLE x (id bigint);" >"$E/1_x.up.sql"
run --dir "$E" up
expect_err "no down migration for version 1" "missing down is a warning at load"
run --dir "$E" down
expect_rc 2 "down refuses without a down"
expect_err "version 1 \(x\) has no down migration" "names the version"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 1 "history kept"
run --dir "$E" down --force-irreversible
expect_rc 0 "--force-irreversible forgets it"
expect_eq "$(psql_q -c "SELECT to_regclass('x') IS NOT NULL")" t "its changes stay"
t_done
