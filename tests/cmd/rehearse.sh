# migrate rehearse: up, down (schema compared), up again on a scratch copy of the target;
# the target is never written, the scratch database is always dropped (also after a failure
# or Ctrl-C); downs that do not undo their up fail with a diff that names what is left.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

# relative paths as a user writes them (golden files hold them), in a directory of
# our own so nothing (backups/) is left in the source tree
cd "$T_WORK" && ln -s "$TOP/migrations" migrations && mkdir tests && ln -s "$TOP/tests/fixtures" tests/fixtures || exit 1
scratch_left() { psql_q -d postgres -c "SELECT count(*) FROM pg_database WHERE datname LIKE 'migrate_rehearse_%'"; }
dump() { "$PG_BIN/pg_dump" --schema-only "$1" | grep -v '^\\\(un\)\?restrict'; }

# --- the example: clean, and the target untouched ------------------------------------
db=$(pg_fresh_db); export PGDATABASE=$db
dump "$db" >"$T_WORK/before"
run --dir migrations/example rehearse
expect_rc 0 "the example rehearses cleanly"
expect_out "13 of 13 migrations rehearsed cleanly" "all thirteen, up, down and up again"
expect_out "observed from a second connection:" "CREATE INDEX CONCURRENTLY observed from a second connection"
expect_out "public.orders \(table\): SHARE UPDATE EXCLUSIVE \(blocks other DDL and VACUUM only\), no rewrite, full scan" \
	"its SHARE UPDATE EXCLUSIVE and its scan were seen"
expect_no "DIFFERENT FROM THE PLAN" "every observation as predicted"
expect_err "rehearsing on the scratch database \"migrate_rehearse_" "says where it rehearses"
dump "$db" >"$T_WORK/after"
cmp -s "$T_WORK/before" "$T_WORK/after" && t_ok "the target's schema is untouched" \
	|| t_not_ok "the target changed" "$(diff "$T_WORK/before" "$T_WORK/after" | head)"
expect_eq "$(psql_q -c "SELECT to_regclass('schema_migrations') IS NULL")" t "no history table in the target"
expect_eq "$(scratch_left)" 0 "the scratch database is dropped"

run -q --dir migrations/example up --to 20261101100000 --unsafe
run --dir migrations/example rehearse --format json
expect_rc 0 "the rest of the example, json"
expect_out '"command": "rehearse"' "json names the command"
expect_out '"outcome": "clean"' "json has outcomes"
expect_out '"from_second_connection": false' "json says how it observed"
expect_no '"version": "20261101095000"' "applied migrations are not rehearsed (history copied)"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 7 "the target's history is unchanged"
run --dir migrations/example rehearse --format markdown
expect_out "^## migrate rehearsal of 6 pending migrations" "markdown title"
expect_out "\*\*Rehearsal: clean\*\* :white_check_mark: up, down \(schema restored\), up again" "markdown outcome"
run -q --dir migrations/example up --unsafe
run --dir migrations/example rehearse
expect_rc 0 "nothing pending"
expect_out "nothing to rehearse" "says so"

# --- downs that do not undo their up ---------------------------------------------------
db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
cat >"$D/1_items.up.sql" <<'SQL'
CREATE TABLE items (id bigint PRIMARY KEY, name text, price int);
CREATE INDEX items_name_idx ON items (name);
SQL
echo "DROP TABLE items;" >"$D/1_items.down.sql"
cat >"$D/2_sku.up.sql" <<'SQL'
ALTER TABLE items ADD COLUMN sku text;
SQL
echo "SELECT 1; -- forgets to drop sku" >"$D/2_sku.down.sql"
run -q --dir "$D" up --to 1
run --dir "$D" rehearse
expect_rc 1 "a down that forgets a column fails the rehearsal"
expect_out "the down did not restore the schema the up started from \(1 difference\)" "says the down did not restore"
expect_out "left behind by the down: column public.items.sku \(text\)" "the diff names the column"
expect_out "up failed after the down: .*2_sku.up.sql:1:1: column \"sku\" of relation \"items\" already exists" \
	"and up again fails, at file:line:col"
expect_out "0 of 1 migration rehearsed cleanly" "summary"
expect_eq "$(scratch_left)" 0 "scratch dropped after a failed rehearsal"

cat >"$D/2_sku.up.sql" <<'SQL'
CREATE INDEX items_price_idx ON items (price);
SQL
echo "DROP INDEX items_name_idx;" >"$D/2_sku.down.sql"
run --dir "$D" rehearse --format markdown
expect_rc 1 "a down that drops the wrong index fails"
expect_out "  - not restored by the down: index public.items_name_idx \(CREATE INDEX items_name_idx ON public.items USING btree \(name\)\)" \
	"names the index it dropped"
expect_out "  - left behind by the down: index public.items_price_idx" "and the index it left"

# a validated constraint re-added NOT VALID is a difference; columns are compared by name
cat >"$D/2_sku.up.sql" <<'SQL'
ALTER TABLE items DROP COLUMN name;
ALTER TABLE items ADD CONSTRAINT items_price_check CHECK (price > 0) NOT VALID;
SQL
cat >"$D/2_sku.down.sql" <<'SQL'
ALTER TABLE items DROP CONSTRAINT items_price_check;
ALTER TABLE items ADD COLUMN name text;
CREATE INDEX items_name_idx ON items (name);
SQL
run --dir "$D" rehearse
expect_rc 0 "a column re-added last counts as restored (compared by name)"
cat >"$D/3_validate.up.sql" <<'SQL'
ALTER TABLE items VALIDATE CONSTRAINT items_price_check;
SQL
cat >"$D/3_validate.down.sql" <<'SQL'
SELECT 1; -- a validation cannot be undone without dropping and re-adding NOT VALID
SQL
run --dir "$D" rehearse
expect_rc 1 "a down that leaves a constraint validated fails"
expect_out "changed: constraint public.items.items_price_check: was CHECK \(\(price > 0\)\) NOT VALID, now CHECK \(\(price > 0\)\)" \
	"validity is compared"
rm "$D"/3_*

# keys longer than 63 bytes (schema.table.name): two constraints whose names share their
# first 31 bytes on a table of 25 were one key cut to 63 bytes (openmeter's ledger tables),
# their differences mixed up or hidden
cat >"$D/3_long.up.sql" <<'SQL'
CREATE TABLE ledger_breakage_records_x (id int, a int, b int);
ALTER TABLE ledger_breakage_records_x ADD CONSTRAINT ledger_breakage_records_x_long_constraint_a CHECK (a > 0),
	ADD CONSTRAINT ledger_breakage_records_x_long_constraint_b CHECK (b > 0);
SQL
echo "ALTER TABLE ledger_breakage_records_x DROP CONSTRAINT ledger_breakage_records_x_long_constraint_a;" >"$D/3_long.down.sql"
run --dir "$D" rehearse
expect_rc 1 "a down that leaves one of two long-named constraints fails"
expect_out "left behind by the down: constraint public.ledger_breakage_records_x.ledger_breakage_records_x_long_constraint_b \\(CHECK \\(\\(b > 0\\)\\)\\)" \
	"names the one left, its whole name"
expect_no "(left behind|not restored|changed).*long_constraint_a" "and not the one it dropped"
rm "$D"/3_*

# no down at all
echo "ALTER TABLE items ADD COLUMN note text;" >"$D/3_note.up.sql"
run --dir "$D" rehearse --to 3
expect_rc 1 "a migration without a down fails"
expect_out "no down migration: nothing proves it can be reverted" "says why"
rm "$D"/3_*

# --- what really happens: a rewrite, and a failing up -----------------------------------
cat >"$D/3_bigint.up.sql" <<'SQL'
-- migrate:allow change-column-type rehearsal test
ALTER TABLE items ALTER COLUMN price TYPE bigint;
SQL
echo "ALTER TABLE items ALTER COLUMN price TYPE int;" >"$D/3_bigint.down.sql"
run --dir "$D" rehearse
expect_rc 0 "rewrite migration rehearses"
expect_out "price TYPE bigint
       items \(table\): ACCESS EXCLUSIVE \(blocks reads and writes\), rewrite, full scan" "predicted a rewrite"
expect_out "public.items \(table\): ACCESS EXCLUSIVE \(blocks reads and writes\), rewrite, full scan" "observed the rewrite"
expect_out "indexes rebuilt: public.items_pkey" "observed the rebuilt index"
expect_no "DIFFERENT FROM THE PLAN" "observation matches the prediction"

cat >"$D/4_broken.up.sql" <<'SQL'
CREATE TABLE extra (id int);
INSERT INTO extra VALUES ('not a number');
SQL
echo "DROP TABLE extra;" >"$D/4_broken.down.sql"
echo "CREATE TABLE later (id int);" >"$D/5_later.up.sql"
echo "DROP TABLE later;" >"$D/5_later.down.sql"
run --dir "$D" rehearse
expect_rc 1 "a failing up fails the rehearsal"
expect_out "up failed: .*4_broken.up.sql:2:27: invalid input syntax for type integer: \"not a number\" \(SQLSTATE 22P02\)" \
	"the failure with file:line:col and SQLSTATE"
expect_out "rehearsal: not run" "later migrations are not run"
expect_eq "$(scratch_left)" 0 "scratch database dropped after the failing up"
expect_eq "$(psql_q -c "SELECT to_regclass('extra') IS NULL AND to_regclass('later') IS NULL")" t "target untouched"
rm "$D"/4_* "$D"/5_*

# --- --with-data: rows that a new constraint rejects -------------------------------------
db=$(pg_fresh_db); export PGDATABASE=$db
W="$T_WORK/w"; mkdir -p "$W"
cat >"$W/1_people.up.sql" <<'SQL'
CREATE TABLE teams (id bigint PRIMARY KEY);
CREATE TABLE people (id bigint PRIMARY KEY, email text, team_id bigint REFERENCES teams (id));
CREATE TABLE badges (id bigint PRIMARY KEY, person_id bigint CONSTRAINT badges_person_fk REFERENCES people (id));
SQL
echo "DROP TABLE badges; DROP TABLE people; DROP TABLE teams;" >"$W/1_people.down.sql"
cat >"$W/2_email_required.up.sql" <<'SQL'
-- migrate:allow set-not-null rehearsal test
ALTER TABLE people ALTER COLUMN email SET NOT NULL;
SQL
echo "ALTER TABLE people ALTER COLUMN email DROP NOT NULL;" >"$W/2_email_required.down.sql"
run -q --dir "$W" up --to 1
psql_q -c "INSERT INTO teams SELECT generate_series(1, 50);
           INSERT INTO people SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE 'p' || i END, i FROM generate_series(1, 50) i;
           INSERT INTO badges SELECT j, 51 - j FROM generate_series(1, 20) j" >/dev/null
run --dir "$W" rehearse
expect_rc 0 "schema-only: the NOT NULL passes"
run --dir "$W" rehearse --with-data 20
expect_rc 1 "with data: rows without an email fail it"
expect_out "up failed: .*2_email_required.up.sql:2:1: column \"email\" of relation \"people\" contains null values \(SQLSTATE 23502\)" \
	"the data-dependent failure shows up in rehearsal"
expect_out "with up to 20 rows per table copied" "says how much data was copied"
# the 20 sampled badges point at people 31..50, who were not sampled: they are left out,
# so the foreign key re-added on the sample still validates
cat >"$W/2_email_required.up.sql" <<'SQL'
ALTER TABLE badges DROP CONSTRAINT badges_person_fk;
-- migrate:allow add-foreign-key rehearsal test
ALTER TABLE badges ADD CONSTRAINT badges_person_fk FOREIGN KEY (person_id) REFERENCES people (id);
SQL
cat >"$W/2_email_required.down.sql" <<'SQL'
SELECT 1;
SQL
run --dir "$W" rehearse --with-data 20
expect_rc 0 "sampled rows whose referenced row was not sampled are left out"
expect_eq "$(psql_q -c "SELECT count(*) FROM people") $(psql_q -c "SELECT count(*) FROM badges")" "50 20" \
	"the target's rows are untouched"
expect_eq "$(scratch_left)" 0 "scratch dropped"

# --- another server for the scratch database, and passwords ------------------------------
url="postgresql://pwuser:$PG_TEST_PASSWORD@/$db?host=$PGHOST&port=$PGPORT"
run -d "$url" --dir "$W" rehearse --scratch-url "postgresql://pwuser:$PG_TEST_PASSWORD@/postgres?host=$PGHOST&port=$PGPORT"
expect_rc 0 "with --scratch-url and password authentication (pg_dump and psql get it in the environment)"
expect_out "target: database \"$db\" on socket .* as pwuser" "target named without its password"
run -d "postgresql://pwuser:wrong@/$db?host=$PGHOST&port=$PGPORT" --dir "$W" rehearse
expect_rc 3 "a wrong password: exit 3"
run --dir "$W" rehearse --scratch-url "postgresql:///nosuchdb?host=$PGHOST&port=$PGPORT"
expect_rc 3 "an unreachable scratch server: exit 3"
expect_eq "$(scratch_left)" 0 "nothing left behind"

# --- Ctrl-C: the query is cancelled and the scratch database dropped -----------------------
cat >"$W/3_slow.up.sql" <<'SQL'
SELECT pg_sleep(30);
SQL
echo "SELECT 1;" >"$W/3_slow.down.sql"
for sig in INT TERM; do
	# a background job of sh ignores SIGINT: give it back its default, as a terminal's would be
	env --default-signal=INT,TERM "$MIGRATE" --dir "$W" rehearse >"$T_WORK/sig.out" 2>"$T_WORK/sig.err" &
	pid=$!
	i=0
	while [ "$(psql_q -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'")" = 0 ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -$sig $pid
	wait $pid; rc=$?
	cat "$T_WORK/sig.out" "$T_WORK/sig.err" >>"$T_ALL_OUTPUT"
	want=130; [ $sig = TERM ] && want=143
	expect_eq "$rc" $want "SIG$sig during a statement: exit $want (docs/exit-codes.md)"
	grep -q "interrupted; the scratch database was dropped" "$T_WORK/sig.err" && t_ok "SIG$sig: says so" \
		|| t_not_ok "SIG$sig: message" "$(cat "$T_WORK/sig.err")"
	expect_eq "$(scratch_left)" 0 "SIG$sig: the scratch database is gone"
done
rm "$W"/3_*

# --- refusals --------------------------------------------------------------------------
psql_q -c "INSERT INTO schema_migrations (version, name, checksum, tx_mode, state) VALUES (9, 'x', 'x', 'no-transaction', 'dirty')" >/dev/null
run --dir "$W" rehearse
expect_rc 1 "a dirty version stops it"
expect_err "version 9 \(x\) is dirty" "names it"
run --dir "$W" rehearse --with-data lots
expect_rc 2 "bad --with-data"
t_done
