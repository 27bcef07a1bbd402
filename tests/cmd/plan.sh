# migrate plan (and up/down --dry-run): golden files for every format without a database;
# with one, exactly the pending migrations, sizes, current lock holders and long-running
# transactions, and proof that it changes nothing (catalog, history, locks).
# UPDATE_GOLDEN=1 rewrites the golden files from the current output.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

# relative paths as a user writes them (golden files hold them), in a directory of
# our own so nothing (backups/) is left in the source tree
cd "$T_WORK" && ln -s "$TOP/migrations" migrations && mkdir tests && ln -s "$TOP/tests/fixtures" tests/fixtures || exit 1
G="$TOP/tests/golden/plan"
mkdir -p "$G"

golden() { # golden NAME DESC: stdout of the last run against $G/NAME
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		printf '%s\n' "$T_OUT" >"$G/$1"
	fi
	printf '%s\n' "$T_OUT" >"$T_WORK/golden.out"
	if diff -u "$G/$1" "$T_WORK/golden.out" >"$T_WORK/golden.diff" 2>&1; then
		t_ok "$2 (golden $1)"
	else
		t_not_ok "$2 (golden $1)" "$(head -40 "$T_WORK/golden.diff")"
	fi
}

# --- without a database ----------------------------------------------------------
# no database configured at all: offline by itself
offline() { PGHOST= PGDATABASE= PGSERVICE= PGHOSTADDR= DATABASE_URL= run "$@"; }

for fmt in text markdown json; do
	offline --dir migrations/example plan --format "$fmt"
	expect_rc 0 "example, offline, $fmt"
	golden "example.$fmt" "example, offline, $fmt"
	offline --dir tests/fixtures/plan plan --from 1 --format "$fmt"
	expect_rc 1 "crafted migrations after --from 1, $fmt: up would refuse, and the exit code says so"
	[ "$fmt" = text ] || expect_err '^up would refuse: 5 lint errors$' "the verdict on stderr: stdout stays $fmt"
	golden "crafted.$fmt" "crafted migrations after --from 1, $fmt"
done
offline --dir tests/fixtures/plan plan --from 1
expect_out "offline: no database, the migrations after version 1" "says what it planned"
[ "$(printf '%s\n' "$T_OUT" | tail -1)" = "up would refuse: 5 lint errors" ] && t_ok "the plan ends with the gate's verdict" \
	|| t_not_ok "the verdict is the last line" "$(printf '%s\n' "$T_OUT" | tail -2)"
expect_out "error \[change-column-type\] 2:22: changing \"accounts\".\"balance\" from integer to bigint rewrites" \
	"a lint finding with file position"
expect_out "accounts \(table\): ACCESS EXCLUSIVE \(blocks reads and writes\), rewrite, full scan" \
	"int to bigint: predicted rewrite"
expect_out "accounts \(table\): ACCESS EXCLUSIVE \(blocks reads and writes\), no rewrite, no scan" \
	"varchar(50) to varchar(100): the linter's knowledge of the old type refines the prediction"
expect_out "CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts \(email\);" "the safe alternative"
expect_out "allowed \[drop-column\] 2:22: dropping" "an allowed finding"
expect_out "reason: the application stopped reading plan in release 42" "with its reason"
expect_out "undo: none \(no down migration\)" "a migration without a down says so"
expect_out "undo with tests/fixtures/plan/3_safe_index.down.sql" "the down SQL that would undo it"

offline --dir migrations/example plan
[ "$(printf '%s\n' "$T_OUT" | tail -1)" = "up would run 13 migrations" ] && t_ok "a plan up would run says so" \
	|| t_not_ok "the verdict when up would run" "$(printf '%s\n' "$T_OUT" | tail -2)"

# down, offline: newest first, and what each down destroys
offline --dir tests/fixtures/plan plan --down --all
expect_rc 0 "offline down --all"
expect_out "plan: 5 migrations to revert" "every migration, the one without a down too"
expect_out "warning: destroys data: drops table accounts and its rows" "DROP TABLE destroys data"
expect_out "warning: destroys data: drops column accounts.referrer and its values" "DROP COLUMN destroys data"
expect_out "warning: no down migration: \"migrate down\" refuses it" "no down for version 5"
[ "$(printf '%s\n' "$T_OUT" | grep -E '^[0-9]+ ' | cut -d' ' -f1 | tr '\n' ' ')" = "5 4 3 2 1 " ] \
	&& t_ok "newest first" || t_not_ok "down order" "$(printf '%s\n' "$T_OUT" | grep -E '^[0-9]+ ')"
offline --dir tests/fixtures/plan plan --down --all --format markdown
golden "crafted-down.markdown" "offline down --all, markdown"

# usage errors
offline --dir tests/fixtures/plan plan --format yaml
expect_rc 2 "unknown format"
expect_err 'unknown format "yaml"' "names the format"
offline --dir tests/fixtures/plan plan --steps 2
expect_rc 2 "--steps without --down"
run --dir tests/fixtures/plan plan --from 1
expect_rc 2 "--from with a database"
expect_err "hint: add --offline" "--from hints at --offline"

# --- with a database --------------------------------------------------------------
db=$(pg_fresh_db); export PGDATABASE=$db
EX=migrations/example
psql_q -c "CREATE TABLE outsider (id int)" >/dev/null
snap() { # the whole catalog as pg_dump sees it, and the advisory locks held
	"$PG_BIN/pg_dump" --schema-only "$db" | grep -v '^\\\(un\)\?restrict'
	psql_q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
}
snap >"$T_WORK/before"
run --dir "$EX" plan
expect_rc 0 "plan on a fresh database"
expect_out "plan: 13 migrations to apply" "all thirteen pending"
snap >"$T_WORK/after"
cmp -s "$T_WORK/before" "$T_WORK/after" && t_ok "plan changed nothing (catalog, no history table, no advisory lock)" \
	|| t_not_ok "plan changed the database" "$(diff "$T_WORK/before" "$T_WORK/after" | head -20)"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'migrate'")" 0 \
	"no session left behind"

run -q --dir "$EX" up --to 20261101094000 --unsafe
expect_rc 0 "five migrations applied"
psql_q -c "INSERT INTO tenants (slug, name) SELECT 't' || i, 'T' FROM generate_series(1, 500) i; ANALYZE tenants, orders" >/dev/null
snap >"$T_WORK/before"
run --dir "$EX" plan
expect_rc 0 "plan with applied history"
expect_out "plan: 8 migrations to apply" "exactly the eight pending"
expect_no "20261101094000 create_tenant_order_totals" "applied migrations are not planned"
expect_out "orders \(table\): SHARE UPDATE EXCLUSIVE \(blocks other DDL and VACUUM only\), no rewrite, full scan; ~0 rows, [0-9]+ kB" \
	"rows and size of a touched table"
snap >"$T_WORK/after"
cmp -s "$T_WORK/before" "$T_WORK/after" && t_ok "plan changed nothing with history either" \
	|| t_not_ok "plan changed the database" "$(diff "$T_WORK/before" "$T_WORK/after" | head -20)"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 5 "history unchanged"

run --dir "$EX" up --dry-run
expect_rc 0 "up --dry-run"
cp "$T_WORK/out" "$T_WORK/dry"
run --dir "$EX" plan
cmp -s "$T_WORK/out" "$T_WORK/dry" && t_ok "up --dry-run prints the plan" || t_not_ok "up --dry-run differs from plan"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 5 "up --dry-run applied nothing"
run --dir "$EX" up --dry-run --to 20261101100000 --format json
expect_out '"version": "20261101100000"' "up --dry-run --to, json"
expect_no '"version": "20261101101000"' "stops at --to"

run --dir "$EX" down --dry-run --steps 2
expect_rc 0 "down --dry-run"
expect_out "plan: 2 migrations to revert" "two to revert"
expect_out "20261101094000 create_tenant_order_totals \(down" "the newest first"
expect_out "destroys data: drops table files and its rows|destroys data" "a down that drops data warns"
expect_eq "$(psql_q -c "SELECT count(*) FROM schema_migrations")" 5 "down --dry-run reverted nothing"
run --dir "$EX" down --dry-run --to 20261101090000 --format markdown
expect_out "## migrate plan: 4 migrations to revert" "down --dry-run --to, markdown"
expect_out ":warning: line 3: destroys data: drops table order_items and its rows" \
	"markdown names the data a down destroys"

# a lock held right now: plan does not queue behind it and names the holder
"$PG_BIN/psql" -qAtX -c "BEGIN; LOCK TABLE orders IN ACCESS SHARE MODE; SELECT pg_sleep(4); COMMIT" >/dev/null 2>&1 &
holder=$!
sleep 1.5
run --dir "$EX" plan --long-running 1s
expect_rc 0 "plan while a transaction holds a lock"
expect_out "will wait: pid [0-9]+ \(psql, user postgres, .*transaction open [0-9]+s\) holds ACCESS SHARE on orders right now; ACCESS EXCLUSIVE cannot be granted" \
	"names the session whose lock a statement would wait for"
expect_out "long-running transaction: pid [0-9]+ \(psql" "long-running transaction warned about"
expect_out "will wait: 1 transaction is open right now .* must end before this statement can finish" \
	"CONCURRENTLY waits for open transactions"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null

# ACCESS EXCLUSIVE held: even the size cannot be read, and plan still finishes at once
"$PG_BIN/psql" -qAtX -c "BEGIN; LOCK TABLE products IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(5); COMMIT" >/dev/null 2>&1 &
holder=$!
sleep 1.5
start=$(date +%s)
run --dir "$EX" plan
end=$(date +%s)
expect_rc 0 "plan while ACCESS EXCLUSIVE is held"
[ $((end - start)) -lt 3 ] && t_ok "plan did not queue behind the lock" || t_not_ok "plan waited $((end - start))s"
expect_out "holds ACCESS EXCLUSIVE on products right now" "names the holder of ACCESS EXCLUSIVE"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
t_done
