# migrate new --change-type (docs/recipes.md): int -> bigint of a serial primary key that
# another table's foreign key references, and of an indexed NOT NULL column with a
# default. The generated migrations lint clean, rehearse (also with data), apply, go down
# all the way and up again, and leave the same tables (pg_dump -s, sorted, names
# normalised: the new column is last) and rows as the naive ALTER COLUMN TYPE on twins.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"
. "$TOP/tests/lib/twins.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
A="--dir $D --no-backup"
U="--database-url dbname=$db"

rows() { psql_q -c "SELECT a.id, a.name, a.score, i.id, i.account_id FROM $1 a LEFT JOIN $2 i ON i.account_id = a.id ORDER BY 1, 4"; }
same() { twins_same "$1" ALTER; }

twins_base

run --dir $D new --change-type accounts.id bigint
expect_rc 2 "offline, --change-type is refused"
expect_err "needs a database connection" "says why"
run --dir $D new $U --change-type accounts.nosuch bigint
expect_rc 2 "an unknown column is refused"
expect_eq "$(ls "$D" | wc -l)" 2 "nothing was written"

run --dir $D new $U --change-type accounts.id bigint
expect_rc 0 "--change-type of the primary key"
expect_out "swap_accounts_id" "a swap migration"
expect_out "validate_invoices_account_id_fkey" "the referencing foreign key validated again"
expect_out "contract_accounts_id" "a contract migration"
swap=$(ls "$D"/*_swap_accounts_id.up.sql)
expect_eq "$(grep -v '^--' "$swap" | head -1)" "LOCK TABLE accounts, invoices IN ACCESS EXCLUSIVE MODE;" \
	"the swap's first statement takes its strongest lock on both tables at once (no upgrade half way)"
expect_eq "$(grep -c '^-- migrate:lock-timeout 50ms$' "$swap")" 1 "the swap waits for its lock at most 50ms (then retried)"
run --dir $D new $U --change-type accounts.score bigint
expect_rc 0 "--change-type of an indexed column with a default"
run --dir $D lint
expect_rc 0 "every generated migration lints clean"
expect_no "error\[" "no error-level finding"

psql_q -c "ALTER TABLE accounts_n ALTER COLUMN id TYPE bigint; ALTER TABLE accounts_n ALTER COLUMN score TYPE bigint;"

run --dir $D rehearse
expect_rc 0 "rehearse passes"
run --dir $D rehearse --with-data 1000
expect_rc 0 "rehearse --with-data passes"
run $A up
expect_rc 0 "up applies the generated sequence"
same "after up"
psql_q -c "INSERT INTO accounts (name) VALUES ('new')"
psql_q -c "INSERT INTO accounts_n (name) VALUES ('new')"
same "an insert after up takes the moved sequence and default"
run $A down --to 1
expect_rc 0 "down all the way to the base"
expect_eq "$(psql_q -c "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'id'")" \
	integer "after down the key is an integer again"
run $A up
expect_rc 0 "up again"
same "after down and up"

t_done
