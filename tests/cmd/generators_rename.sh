# migrate new --rename-column (docs/recipes.md): expand/contract, a two-way sync trigger
# while both names are in use. Renames a serial primary key that another table's foreign
# key references, and an indexed NOT NULL column with a default. The generated migrations
# lint clean, rehearse (also with data), apply, go down all the way and up again, and
# leave the same tables (pg_dump -s, sorted, names normalised: the renamed column is last)
# and rows as the naive RENAME COLUMN on twins. While both names exist, a write through
# either one is seen through the other.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/lib/twins.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
A="--dir $D --no-backup"
U="--database-url dbname=$db"

rows() { psql_q -c "SELECT a.account_no, a.name, a.points, i.id, i.account_id FROM $1 a LEFT JOIN $2 i ON i.account_id = a.account_no ORDER BY 1, 4"; }
same() { twins_same "$1" RENAME; }

twins_base

run --dir $D new --rename-column accounts.id account_no
expect_rc 2 "offline, --rename-column is refused"
expect_err "needs a database connection" "says why"
run --dir $D new $U --rename-column accounts.id
expect_rc 2 "the NEW name is required"
expect_eq "$(ls "$D" | wc -l)" 2 "nothing was written"

run --dir $D new $U --rename-column accounts.id account_no
expect_rc 0 "--rename-column of the primary key"
expect_out "switch_accounts_id" "a switch migration"
expect_eq "$(grep -v '^--' "$(ls "$D"/*_switch_accounts_id.up.sql)" | head -1)" \
	"LOCK TABLE accounts, invoices IN ACCESS EXCLUSIVE MODE;" "the switch takes its strongest lock on both tables first"
expect_out "contract_accounts_id" "a contract migration"
run --dir $D new $U --rename-column accounts.score points
expect_rc 0 "--rename-column of an indexed column with a default"
run --dir $D lint
expect_rc 0 "every generated migration lints clean"
expect_no "error\[" "no error-level finding"

# both names in use: up to the migration before the first switch
before=$(ls "$D" | grep 'up.sql$' | sort | grep -B1 switch_accounts_id | head -1 | cut -d_ -f1)
run $A up --to "$before"
expect_rc 0 "up to the switch"
psql_q -c "INSERT INTO accounts (account_no, name) VALUES (9999, 'x')"
psql_q -c "INSERT INTO accounts (id, name) VALUES (9998, 'y')"
psql_q -c "UPDATE accounts SET account_no = 5000 WHERE id = 400"
expect_eq "$(psql_q -c "SELECT count(*) FROM accounts WHERE id IS DISTINCT FROM account_no")" 0 \
	"a write through either name is seen through the other"
psql_q -c "INSERT INTO accounts_n (id, name) VALUES (9999, 'x'), (9998, 'y'); UPDATE accounts_n SET id = 5000 WHERE id = 400"
psql_q -c "ALTER TABLE accounts_n RENAME COLUMN id TO account_no; ALTER TABLE accounts_n RENAME COLUMN score TO points;"

run --dir $D rehearse
expect_rc 0 "rehearse passes"
run --dir $D rehearse --with-data 1000
expect_rc 0 "rehearse --with-data passes"
run $A up
expect_rc 0 "up applies the rest of the sequence"
same "after up"
run $A down --to 1
expect_rc 0 "down all the way to the base"
run $A up
expect_rc 0 "up again"
same "after down and up"

t_done
