# The connected gate and plan judge by facts: the locks of PL/pgSQL bodies in the plan,
# rehearse's observations the plan missed, downs across a run, a column's type from the
# live catalog (each pair checked against the server's relfilenode), DROP ... IF EXISTS
# of what is not there.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

# every table counts as big: the verdicts are the rules' own, not the size's
printf 'lint:\n  small_table: 0\n' >migrate.yml

# ---- plan: the locks of the statements inside DO blocks and called functions ----
P="$T_WORK/p"; mkdir -p "$P"
echo "CREATE TABLE users (id bigint PRIMARY KEY, email text, n int, v varchar(10));" >"$P/1_users.up.sql"
echo "DROP TABLE users;" >"$P/1_users.down.sql"
cat >"$P/2_do.up.sql" <<'SQL'
DO $$
BEGIN
  ALTER TABLE users ALTER COLUMN n TYPE bigint;
END $$;
SQL
echo "ALTER TABLE users ALTER COLUMN n TYPE int;" >"$P/2_do.down.sql"
cat >"$P/3_fn.up.sql" <<'SQL'
CREATE FUNCTION backfill() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE users SET email = lower(email);
END $$;
SELECT backfill();
SQL
echo "DROP FUNCTION backfill();" >"$P/3_fn.down.sql"
cat >"$P/4_widen.up.sql" <<'SQL'
DO $$
BEGIN
  ALTER TABLE users ALTER COLUMN v TYPE varchar(20);
END $$;
SQL
echo "SELECT 1;" >"$P/4_widen.down.sql"
cat >"$P/5_later.up.sql" <<'SQL'
CREATE FUNCTION later() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  ALTER TABLE users ADD COLUMN z int;
END $$;
SQL
echo "DROP FUNCTION later();" >"$P/5_later.down.sql"
run --dir "$P" plan --offline --from 1
blk() { # blk FILE: the plan lines of that migration, up to the next one
	printf '%s\n' "$T_OUT" | awk -v f="$1" 'index($0, "file: ") && index($0, f) {on = 1; next}
		/^[0-9]/ {on = 0} on'
}
do_lines=$(blk 2_do.up.sql)
expect_eq "$(printf '%s\n' "$do_lines" | grep -c 'users (table): ACCESS EXCLUSIVE (blocks reads and writes), rewrite')" 1 \
	"plan: a DO block's ALTER COLUMN TYPE shows its lock and rewrite on the DO statement"
fn_lines=$(blk 3_fn.up.sql)
expect_eq "$(printf '%s\n' "$fn_lines" | sed -n '/line 5: SELECT backfill/,$p' | grep -c 'users (table): ROW EXCLUSIVE')" 1 \
	"plan: the call of a function of the migration shows the lock of its body's UPDATE"
expect_eq "$(printf '%s\n' "$fn_lines" | sed -n '/line 1: CREATE FUNCTION/,/line 5/p' | grep -c 'users (table)')" 0 \
	"plan: the CREATE FUNCTION itself locks nothing of users"
expect_eq "$(blk 4_widen.up.sql | grep -c 'users (table): ACCESS EXCLUSIVE (blocks reads and writes), no rewrite, no scan')" 1 \
	"plan: a varchar widened in a DO block is no rewrite (the model knows varchar(10))"
expect_eq "$(blk 5_later.up.sql | grep -c 'users (table)')" 0 \
	"plan: a function defined and not called locks nothing now"
expect_out "; 1 rewrite, 2 full scans;" "plan: the summary counts the rewrite of the DO block and the scan of the called function"

# ---- rehearse: an observed rewrite the plan did not predict is a finding, never clean ----
db=$(pg_fresh_db); export PGDATABASE=$db
R="$T_WORK/r"; mkdir -p "$R"
cp "$P"/1_users.* "$R/"
run --dir "$R" up
expect_rc 0 "rehearse set-up applies"
psql_q -c "INSERT INTO users SELECT g, 'a' || g, g FROM generate_series(1, 50) g"
cat >"$R/2_dyn.up.sql" <<'SQL'
DO $$
BEGIN
  EXECUTE 'ALTER TABLE ' || 'users' || ' ALTER COLUMN n TYPE bigint';
END $$;
SQL
echo "ALTER TABLE users ALTER COLUMN n TYPE int;" >"$R/2_dyn.down.sql"
run --dir "$R" rehearse --with-data 50
expect_rc 1 "rehearse: an unpredicted rewrite fails the rehearsal"
expect_out "error \[not-in-plan\] 1:1: observed on the rehearsal, not in the plan: table public.users: not predicted, observed ACCESS EXCLUSIVE and a rewrite" \
	"rehearse: the rewrite the plan missed is an error finding (not-in-plan)"
expect_out "rehearsal: failed" "rehearse: the migration is not called clean"
expect_no "rehearsal: clean" "rehearse: no migration called clean"
# the same change written out statically is predicted: nothing the plan missed
cat >"$R/2_dyn.up.sql" <<'SQL'
DO $$
BEGIN
  ALTER TABLE users ALTER COLUMN n TYPE bigint;
END $$;
SQL
run --dir "$R" rehearse --with-data 50
expect_rc 0 "rehearse: a DO block's predicted rewrite rehearses cleanly"
expect_no "not-in-plan" "rehearse: no not-in-plan finding when the plan predicted it"
rm "$R"/2_dyn.*

# ---- downs across a run: a statement on a table that a later down of the run drops ----
D="$T_WORK/d"; mkdir -p "$D"
echo "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);" >"$D/1_a.up.sql"
echo "DROP TABLE accounts;" >"$D/1_a.down.sql"
echo "ALTER TABLE accounts ADD COLUMN note text; CREATE INDEX accounts_note ON accounts (note);" >"$D/2_b.up.sql"
printf 'DROP INDEX accounts_note;\nALTER TABLE accounts ALTER COLUMN email TYPE varchar(5);\n' >"$D/2_b.down.sql"
db=$(pg_fresh_db); export PGDATABASE=$db
run --dir "$D" up --unsafe
expect_rc 0 "downs set-up applies"
run --dir "$D" plan --down --all-migrations
expect_no "error \[drop-index-non-concurrently\]" "plan --down --all-migrations: DROP INDEX on a table the next down drops is no error"
expect_no "error \[change-column-type\]" "plan --down --all-migrations: ALTER TYPE on a table the next down drops is no error"
expect_out "error \[drop-table\]" "plan --down --all-migrations: the DROP TABLE itself still counts"
run --dir "$D" down --dry-run --all-migrations
expect_no "error \[drop-index-non-concurrently\]" "down --dry-run --all-migrations: the same"
run --dir "$D" plan --down
expect_out "error \[drop-index-non-concurrently\]" "plan --down (one step): the table stays, the DROP INDEX is an error"
expect_out "error \[change-column-type\]" "plan --down (one step): the rewrite is an error"

# ---- DROP ... IF EXISTS of what does not exist, connected ----
printf 'DROP INDEX accounts_note;\nDROP FUNCTION IF EXISTS nothing_here();\nDROP TYPE IF EXISTS no_type;\nDROP VIEW IF EXISTS no_view;\nDROP SCHEMA IF EXISTS no_schema CASCADE;\nDROP EXTENSION IF EXISTS no_ext CASCADE;\n' >"$D/2_b.down.sql"
psql_q -c "CREATE FUNCTION outside_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'"
echo "DROP FUNCTION IF EXISTS outside_fn();" >>"$D/2_b.down.sql"
run --dir "$D" plan --down
expect_no "error \[drop-object\] [23]:|error \[drop-object\] 4:|error \[drop-schema-cascade\]|error \[drop-cascade\]" \
	"plan --down: DROP ... IF EXISTS of a function, type, view, schema, extension that is not there is no error"
expect_out "warning \[drops-nothing\] 2:1: drops nothing: no migration creates \"nothing_here\"" \
	"plan --down: it is a drops-nothing warning"
expect_out "error \[drop-object\] 7:1: dropping function \"outside_fn\"" \
	"plan --down: dropping a function that exists stays an error"
run lint --dir "$D"
expect_out "error\[drop-object\]: dropping function \"nothing_here\"" "offline lint keeps today's judgement"

# drops-nothing (offline lint of a directory): a DROP ... IF EXISTS in a down of a name that
# no migration creates is a warning (a typo?); of a name one creates, nothing; the words in a
# string are not a statement
X="$T_WORK/x"; mkdir -p "$X"
echo "CREATE TABLE groupchannels (id bigint PRIMARY KEY);" >"$X/1_g.up.sql"
printf "DROP TABLE IF EXISTS groupchanels;\nSELECT 'DROP TABLE IF EXISTS nothing_at_all' AS text_only;\n" >"$X/1_g.down.sql"
run lint --dir "$X"
expect_out "1_g.down.sql:1:1: warning\[drops-nothing\]: drops nothing: no migration creates \"groupchanels\"; a typo\?" \
	"drops-nothing: the misspelt name"
expect_no "nothing_at_all" "drops-nothing: not the words in a string"
echo "DROP TABLE IF EXISTS groupchannels;" >"$X/1_g.down.sql"
run lint --dir "$X"
expect_no "drops-nothing" "drops-nothing: not the name the up created"

# ---- a column's current type from the catalog, each pair on the real server ----
relfile() { psql_q -c "SELECT relfilenode FROM pg_class WHERE relname = 't'"; }
# old | new | USING | what the server does (read below, after the loop)
while IFS='|' read -r old new using want; do
	db=$(pg_fresh_db); export PGDATABASE=$db
	psql_q -c "CREATE EXTENSION IF NOT EXISTS citext" >/dev/null 2>&1
	# created outside the migrations: only the catalog knows the type
	psql_q -c "CREATE TABLE t (id int, c $old); INSERT INTO t SELECT g, NULL FROM generate_series(1, 20) g"
	M="$T_WORK/tc"; rm -rf "$M"; mkdir -p "$M"
	echo "ALTER TABLE t ALTER COLUMN c TYPE $new${using:+ USING $using};" >"$M/1_t.up.sql"
	echo "SELECT 1;" >"$M/1_t.down.sql"
	before=$(relfile)
	run --dir "$M" up
	if [ "$want" = no ]; then
		expect_rc 0 "$old -> $new${using:+ using $using}: the gate lets it through"
		expect_eq "$(relfile)" "$before" "$old -> $new${using:+ using $using}: the server kept the file"
	else
		expect_rc 1 "$old -> $new${using:+ using $using}: the gate refuses the rewrite"
		run --dir "$M" up --unsafe
		[ "$(relfile)" != "$before" ] && t_ok "$old -> $new${using:+ using $using}: the server rewrote" ||
			t_not_ok "$old -> $new${using:+ using $using}: the server kept the file"
	fi
	psql_q -d postgres -c "DROP DATABASE $db" >/dev/null
done <<'P'
timestamp(3)|timestamp(6)||no
timestamp(6)|timestamp(3)||rewrite
timestamptz(3)|timestamptz||no
timestamptz|timestamptz(0)||rewrite
time(0)|time(6)||no
time(6)|time(2)||rewrite
interval(0)|interval(3)||no
interval|interval(0)||rewrite
numeric(10,2)|numeric(12,2)||no
numeric(12,2)|numeric(10,2)||rewrite
numeric(10,2)|numeric(12,3)||rewrite
varchar(10)|varchar(20)||no
varchar(20)|varchar(10)||rewrite
varchar(10)|text||no
citext|text||no
int|bigint||rewrite
varchar(10)|text|c::text|no
varchar(10)|text|lower(c)|rewrite
P

# the catalog wins over the migrations when the column was changed outside them
db=$(pg_fresh_db); export PGDATABASE=$db
M="$T_WORK/tm"; mkdir -p "$M"
echo "CREATE TABLE t (id int, c varchar(10));" >"$M/1_t.up.sql"
echo "DROP TABLE t;" >"$M/1_t.down.sql"
run --dir "$M" up
psql_q -c "ALTER TABLE t ALTER COLUMN c TYPE varchar(30)"
echo "ALTER TABLE t ALTER COLUMN c TYPE varchar(20);" >"$M/2_t.up.sql"
echo "SELECT 1;" >"$M/2_t.down.sql"
run --dir "$M" plan
expect_out "error \[change-column-type\] 1:[0-9]+: changing \"t\".\"c\" from varchar\(30\) to varchar\(20\) rewrites" \
	"plan: the current type is the catalog's (varchar(30)), not the migrations' (varchar(10))"
run --dir "$M" up
expect_rc 1 "up: narrowing what the catalog holds is refused"
# ... and a change earlier in the same run wins over the catalog
echo "ALTER TABLE t ALTER COLUMN c TYPE varchar(40);" >"$M/2_t.up.sql"
echo "ALTER TABLE t ALTER COLUMN c TYPE varchar(35);" >"$M/3_t.up.sql"
echo "SELECT 1;" >"$M/3_t.down.sql"
run --dir "$M" plan
expect_out "error \[change-column-type\] 1:[0-9]+: changing \"t\".\"c\" from varchar\(40\) to varchar\(35\) rewrites" \
	"plan: a type changed earlier in the run is the run's"
# a table outside the migrations changed twice in one run
echo "CREATE TABLE o (id int, c varchar(10))" | psql_q
rm "$M"/2_t.* "$M"/3_t.*
echo "ALTER TABLE o ALTER COLUMN c TYPE varchar(30);" >"$M/2_o.up.sql"
echo "ALTER TABLE o ALTER COLUMN c TYPE varchar(20);" >"$M/3_o.up.sql"
run --dir "$M" plan
expect_eq "$(blk 2_o.up.sql | grep -c change-column-type)" 0 "plan: widening the catalog's varchar(10) is no finding"
expect_out "error \[change-column-type\] 1:[0-9]+: changing \"o\".\"c\" from varchar\(30\) to varchar\(20\) rewrites" \
	"plan: the second change of a table outside the migrations sees the first"


# ---- dropping a foreign key locks the table it references (its triggers go) ----
db=$(pg_fresh_db); export PGDATABASE=$db
K="$T_WORK/k"; mkdir -p "$K"
cat >"$K/1_parent.up.sql" <<'SQL'
CREATE TABLE parent (id bigint PRIMARY KEY);
CREATE TABLE child (id bigint, parent_id bigint REFERENCES parent (id));
CREATE TABLE child2 (id bigint, p bigint, CONSTRAINT child2_p_fk FOREIGN KEY (p) REFERENCES parent (id));
SQL
echo "DROP TABLE child2, child, parent;" >"$K/1_parent.down.sql"
run --dir "$K" up
psql_q -c "INSERT INTO parent SELECT generate_series(1, 10)"
echo "ALTER TABLE child2 DROP CONSTRAINT child2_p_fk;" >"$K/2_unlink.up.sql"
echo "ALTER TABLE child2 ADD CONSTRAINT child2_p_fk FOREIGN KEY (p) REFERENCES parent (id);" >"$K/2_unlink.down.sql"
echo "DROP TABLE child;" >"$K/3_drop.up.sql"
echo "CREATE TABLE child (id bigint, parent_id bigint REFERENCES parent (id));" >"$K/3_drop.down.sql"
run --dir "$K" plan
expect_eq "$(printf '%s\n' "$T_OUT" | grep -c 'parent (table): ACCESS EXCLUSIVE (blocks reads and writes)')" 2 \
	"plan: DROP CONSTRAINT of a foreign key, and DROP TABLE of its table, lock the referenced table"
run --dir "$K" rehearse --with-data 10
expect_rc 0 "rehearse: what the plan predicts for them is what the server does"
expect_no "not-in-plan|DIFFERENT FROM THE PLAN" "rehearse: no difference from the plan"

# ---- CREATE TABLE IF NOT EXISTS of a table that exists never makes it new ----
db=$(pg_fresh_db); export PGDATABASE=$db
N="$T_WORK/n"; mkdir -p "$N"
echo "CREATE TABLE users (id bigint PRIMARY KEY, legacy text);" >"$N/1_users.up.sql"
echo "DROP TABLE users;" >"$N/1_users.down.sql"
run --dir "$N" up
psql_q -c "CREATE TABLE outside (id bigint, legacy text)"
echo "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, legacy text);" >"$N/2_again.up.sql"
printf 'DO $$\nBEGIN\n  CREATE TABLE IF NOT EXISTS outside (id bigint, legacy text);\nEND $$;\n' >"$N/3_again_do.up.sql"
echo "ALTER TABLE users DROP COLUMN legacy; ALTER TABLE outside DROP COLUMN legacy;" >"$N/4_drop.up.sql"
for f in 2_again 3_again_do 4_drop; do echo "SELECT 1;" >"$N/$f.down.sql"; done
run --dir "$N" up
expect_rc 1 "IF NOT EXISTS: up refuses the later DROP COLUMN"
expect_err "4_drop.up.sql:1:19: error\[drop-column\]: dropping \"users\".\"legacy\"" \
	"IF NOT EXISTS of a table the migrations created: not new"
expect_err "4_drop.up.sql:1:[0-9]+: error\[drop-column\]: dropping \"outside\".\"legacy\"" \
	"IF NOT EXISTS in a DO block of a table created outside the migrations: not new"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 1 "IF NOT EXISTS: nothing applied"

# ---- a project's life in 33 migrations (tests/fixtures/lifecycle): tables created, altered,
# renamed and dropped later, DO blocks, functions called, DROP ... IF EXISTS of what no
# migration created. Plain up on an empty database applies it all, and the schema is
# plain psql's ----
L="$TOP/tests/fixtures/lifecycle"
db=$(pg_fresh_db); export PGDATABASE=$db
rm -f migrate.yml # the default lint.small_table
# rehearsed first: the only lock the plan cannot see is the DO block's dynamic CREATE TABLE
# ... PARTITION OF (ACCESS EXCLUSIVE on the parent, a scan of its DEFAULT partition)
run --dir "$L" rehearse
expect_rc 1 "lifecycle: rehearse fails the one migration whose locks the plan could not see"
expect_out "32 of 33 migrations rehearsed cleanly" "lifecycle: every other one is clean (owned sequences go with their table)"
expect_out "error \[not-in-plan\] 1:1: observed on the rehearsal, not in the plan: table public.events_default: not predicted, observed ACCESS EXCLUSIVE" \
	"lifecycle: the dynamic partition's lock on the DEFAULT partition is a not-in-plan error"
run --dir "$L" up
expect_rc 0 "lifecycle: plain up applies 33 migrations to an empty database"
expect_out "33 migrations applied" "lifecycle: all of them"
ref=$(pg_fresh_db)
for f in "$L"/*.up.sql; do
	psql_q -d "$ref" -1 -f "$f" >/dev/null 2>&1 || t_not_ok "lifecycle: psql could not apply $f"
done
dump() { pg_dump -s "$@" | grep -v '^\\\(un\)\{0,1\}restrict '; }
if dump -T 'schema_migrations*' "$db" >"$T_WORK/a.sql" && dump "$ref" >"$T_WORK/b.sql" &&
   diff "$T_WORK/a.sql" "$T_WORK/b.sql" >"$T_WORK/ab.diff"; then
	t_ok "lifecycle: the schema equals plain psql's (pg_dump -s, $(wc -l <"$T_WORK/a.sql") lines)"
else
	t_not_ok "lifecycle: the schema differs from plain psql's" "$(head -20 "$T_WORK/ab.diff")"
fi
run --dir "$L" down --all-migrations
expect_rc 0 "lifecycle: down --all-migrations reverts them all"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relname NOT LIKE 'schema_migrations%'")" 0 \
	"lifecycle: nothing left behind"
run --dir "$L" up
expect_rc 0 "lifecycle: and up again"

t_done
