# The generators' concurrent index builds get the memory to sort the table at once
# (docs/recipes.md): a SET maintenance_work_mem sized from the table's row estimate
# before the CREATE INDEX CONCURRENTLY and a RESET after it, when the session's setting
# is too small; nothing on a table that fits, nor offline. The steps lint clean and apply.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
U="--database-url dbname=$db"

# 1MB is the least maintenance_work_mem: 20,000 rows (64 bytes each: 1.22 MB) need more
psql_q -c "ALTER DATABASE $db SET maintenance_work_mem = '1MB'" >/dev/null
cat >"$D/1_base.up.sql" <<'SQL'
CREATE TABLE parents (id int PRIMARY KEY);
INSERT INTO parents SELECT g FROM generate_series(1, 50) g;
CREATE TABLE big (id int PRIMARY KEY, v int, parent_id int, code text);
INSERT INTO big SELECT g, g, 1 + g % 50, 'c' || g FROM generate_series(1, 20000) g;
CREATE INDEX big_v_idx ON big (v);
CREATE TABLE small (id int PRIMARY KEY, v int);
INSERT INTO small SELECT g, g FROM generate_series(1, 100) g;
CREATE INDEX small_v_idx ON small (v);
CREATE TABLE "odd
name" (id int PRIMARY KEY, v int);
INSERT INTO "odd
name" SELECT g, g FROM generate_series(1, 20000) g;
ANALYZE;
SQL
echo 'DROP TABLE big, small, parents, "odd
name";' >"$D/1_base.down.sql"
run --dir $D --no-backup up
expect_rc 0 "the base migration applies"

sortmem() { sed -n "s/^SET maintenance_work_mem = '\(.*\)';$/\1/p" "$@"; }

run --dir $D new $U --change-type big.v bigint
expect_rc 0 "--change-type on the 20,000-row table"
f=$(ls "$D"/*_index_big_v_idx_new.up.sql)
expect_eq "$(sortmem "$f")" 2MB "its index build sets maintenance_work_mem for 20,000 rows (whole MB)"
expect_eq "$(grep -v '^--' "$f")" "SET maintenance_work_mem = '2MB';
CREATE INDEX CONCURRENTLY IF NOT EXISTS big_v_idx_new ON big (v_new);
RESET maintenance_work_mem;" "SET, the build, RESET: in that order, nothing else"
expect_eq "$(grep -c '~20000 rows at once (1024 kB now)' "$f")" 1 "the comment gives the estimate and the setting"
expect_eq "$(ls "$D" | grep -c index_big_pkey_new)" 0 "nothing for the primary key: it is not on v"

run --dir $D new $U --add-unique 'big(code)'
expect_rc 0 "--add-unique with a connection"
expect_eq "$(sortmem "$D"/*_big_code_key_index.up.sql)" 2MB "--add-unique's build gets it too"
expect_eq "$(grep -c '^RESET maintenance_work_mem;$' "$D"/*_big_code_key_index.up.sql)" 1 "and resets it"

run --dir $D new $U --add-foreign-key big.parent_id parents
expect_rc 0 "--add-foreign-key"
expect_eq "$(sortmem "$D"/*_big_parent_id_idx.up.sql)" 2MB "the referencing column's index build gets it too"

run --dir $D new $U --change-type small.v bigint
expect_rc 0 "--change-type on the 100-row table"
expect_eq "$(sortmem "$D"/*_index_small_v_idx_new.up.sql)" "" "a table that fits the setting: no SET"
expect_eq "$(grep -c maintenance_work_mem "$D"/*_index_small_v_idx_new.up.sql)" 0 "nor a RESET"

# names go into the files' comments: a line break in one would end its comment
n=$(ls "$D" | wc -l)
run --dir $D new $U --add-unique '"odd
name"(v)'
expect_rc 2 "--add-unique on a table whose quoted name has a line break is refused"
expect_err 'odd\?name.* holds a line break or another control character' "says why, the break shown as ?"
run --dir $D new --add-unique 'a
DROP TABLE parents;--(v)'
expect_rc 2 "offline too: a line break in the table part"
run --dir $D new $U --rename-column big.code 'co
de'
expect_rc 2 "--rename-column to a name with a line break"
run --dir $D new $U --add-foreign-key big.parent_id '"odd
name"'
expect_rc 2 "--add-foreign-key to a quoted table whose name has a line break"
expect_err 'odd\?name.* holds a line break' "says why"
expect_eq "$(ls "$D" | wc -l)" "$n" "no file written by the refused ones"
run --dir $D new $U --add-not-null big.code --default "'x'
|| 'y'"
expect_rc 0 "a --default expression may span lines"
expect_eq "$(grep -c "^-- migrate new --add-not-null big.code --default 'x' || 'y'$" "$D"/*_backfill_big_code.up.sql)" 1 \
	"its line break is a space in the comment that names the command"
expect_eq "$(grep -c "^|| 'y'" "$D"/*_backfill_big_code.up.sql)" 2 "and stays in the SQL (the default, the backfill)"
psql_q -c 'CREATE TABLE "odd\nidx" (id int PRIMARY KEY, v int)' -c "CREATE INDEX \"v
ix\" ON \"odd\\nidx\" (v)" >/dev/null
run --dir $D new $U --change-type 'odd\nidx.v' bigint
expect_rc 2 "an index read from the server whose name has a line break"
expect_err 'an index of the table: "v\?ix" holds a line break' "names it"
expect_eq "$(ls "$D" | wc -l)" "$((n + 2 * 4))" "nothing else written (the --add-not-null's 4 steps only)"

run --dir $D new --add-unique 'big(id, code)'
expect_rc 0 "--add-unique offline"
expect_eq "$(grep -c maintenance_work_mem "$D"/*_big_id_code_key_index.up.sql)" 0 "offline: no estimate, no SET"

run --dir $D lint
expect_rc 0 "every generated migration lints clean"
run --dir $D --no-backup up --database-url "dbname=$db"
expect_rc 0 "they all apply"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_index WHERE NOT indisvalid")" 0 "every index built is valid"
expect_eq "$(psql_q -c "SELECT format_type(atttypid, atttypmod) FROM pg_attribute
	WHERE attrelid = 'big'::regclass AND attname = 'v'")" bigint "big.v is bigint afterwards"
t_done
