# migrate new --add-not-null / --add-foreign-key / --add-unique (docs/recipes.md): each
# writes its safe sequence as ordinary migrations that lint clean, apply, rehearse (also
# with data), go down all the way and up again, and leave the same table (pg_dump -s,
# normalised) and the same rows as the naive single statement on a twin table.
. "$TOP/tests/lib/t.sh"
. "$TOP/tests/lib/pg.sh"

db=$(pg_fresh_db); export PGDATABASE=$db
D="$T_WORK/m"; mkdir -p "$D"
A="--dir $D --no-backup"
U="--database-url dbname=$db"

# dump TABLE: its schema with the table's own name as "T" (constraint and index names too)
dump() {
	"$PG_BIN/pg_dump" --schema-only -t "$1" "$db" | grep -v '^\\\(un\)\?restrict' | grep -v '^--' |
		sed "s/\b$1\b/T/g; s/\b$1_/T_/g"
}
rows() { psql_q -c "SELECT * FROM $1 ORDER BY 1"; }
same() { # TABLE TWIN DESC: same schema and rows
	expect_eq "$(dump "$1")" "$(dump "$2")" "$3: the table's schema equals the naive statement's"
	expect_eq "$(rows "$1")" "$(rows "$2")" "$3: the rows equal the naive statement's"
}

# a table and its twin, with data
cat >"$D/1_base.up.sql" <<'SQL'
CREATE TABLE parents (id int PRIMARY KEY);
INSERT INTO parents SELECT g FROM generate_series(1, 50) g;
SQL
for t in users users_n; do cat >>"$D/1_base.up.sql" <<SQL
CREATE TABLE $t (id int PRIMARY KEY, email text, score int, parent_id int, code text);
INSERT INTO $t SELECT g, CASE WHEN g % 4 <> 0 THEN 'u' || g END, g, 1 + g % 50, 'c' || g
  FROM generate_series(1, 700) g;
SQL
done
echo "DROP TABLE users, users_n, parents;" >"$D/1_base.down.sql"
run $A up
expect_rc 0 "the base migration applies"

# --- offline: what cannot be known without a connection is refused ----------------------
run --dir $D new --add-foreign-key users.parent_id parents
expect_rc 2 "offline, a foreign key without the referenced column is refused"
expect_err "without a database connection the referenced column cannot be read; give parents.COLUMN" \
	"says what to give"
run --dir $D new --add-unique 'users(email'
expect_rc 2 "a malformed --add-unique is refused"
expect_err 'expected TABLE\(COLUMN, ...\)' "says the expected form"
run --dir $D new --add-not-null users --default 1
expect_rc 2 "--add-not-null needs TABLE.COLUMN"
run --dir $D new --add-unique 'users(code)' --default 1
expect_rc 2 "--default only goes with --add-not-null"
run --dir $D new $U --add-not-null users.nosuch
expect_rc 2 "a column the server does not have is refused"
expect_err "column users.nosuch does not exist" "names the column"
expect_eq "$(ls "$D" | wc -l)" 2 "no file was written by a refused generator"

# --- generate --------------------------------------------------------------------------
run --dir $D new $U --add-not-null users.email --default "'none'"
expect_rc 0 "--add-not-null --default writes its steps"
expect_eq "$(ls "$D" | grep -c 'up.sql')" 5 "backfill, check, validate, set not null: four steps"
expect_out "backfill_users_email.up.sql" "the backfill step"
expect_eq "$(grep -l 'migrate:batch' "$D"/*backfill_users_email.up.sql | wc -l)" 1 "the backfill is batched"
run --dir $D new $U --add-not-null users.score
expect_rc 0 "--add-not-null without a default"
run --dir $D new $U --add-foreign-key users.parent_id parents
expect_rc 0 "--add-foreign-key reads the referenced key from the server"
expect_out "users_parent_id_idx.up.sql" "an index on the referencing column, as there is none"
expect_eq "$(grep -h 'REFERENCES' "$D"/*users_parent_id_fkey.up.sql)" \
	"ALTER TABLE users ADD CONSTRAINT users_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parents (id) NOT VALID;" \
	"NOT VALID, to the referenced primary key"
run --dir $D new --add-unique 'users(code)'
expect_rc 0 "--add-unique (offline: it needs nothing from the server)"
expect_eq "$(ls "$D"/*.up.sql | wc -l)" 13 "twelve generated migrations"

run --dir $D lint
expect_rc 0 "every generated migration lints clean"
expect_no "error\[" "no error-level finding"

# the naive statements, on the twin
psql_q <<'SQL'
ALTER TABLE users_n ALTER COLUMN email SET DEFAULT 'none';
UPDATE users_n SET email = 'none' WHERE email IS NULL;
ALTER TABLE users_n ALTER COLUMN email SET NOT NULL;
ALTER TABLE users_n ALTER COLUMN score SET NOT NULL;
CREATE INDEX users_n_parent_id_idx ON users_n (parent_id);
ALTER TABLE users_n ADD CONSTRAINT users_n_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parents (id);
ALTER TABLE users_n ADD CONSTRAINT users_n_code_key UNIQUE (code);
SQL

run --dir $D rehearse
expect_rc 0 "rehearse passes"
run --dir $D rehearse --with-data 1000
expect_rc 0 "rehearse --with-data passes"
run $A up
expect_rc 0 "up applies the generated sequence"
same users users_n "after up"
expect_eq "$(psql_q -c "SELECT count(*) FROM users WHERE email = 'none'")" 175 "the NULLs were backfilled"

run $A down --to 1
expect_rc 0 "down all the way to the base"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_constraint WHERE conrelid = 'users'::regclass AND contype <> 'p'")" 0 \
	"no constraint is left after down"
expect_eq "$(psql_q -c "SELECT count(*) FROM pg_index WHERE indrelid = 'users'::regclass")" 1 \
	"only the primary key's index is left after down"
run $A up
expect_rc 0 "up again"
same users users_n "after down and up"

# --- a schema-qualified table is quoted part by part --------------------------------------
Q="$T_WORK/q"; mkdir -p "$Q"
run --dir "$Q" new --add-unique 'public.Users(code)'
expect_rc 0 "--add-unique of schema.table"
expect_eq "$(grep -h '^CREATE' "$Q"/*.up.sql)" 'CREATE UNIQUE INDEX CONCURRENTLY "Users_code_key" ON public."Users" (code);' \
	"schema and table quoted each on its own"

# --- lint's safe alternative names the generator, with the statement's own names ----------
L="$T_WORK/l"; mkdir -p "$L"
cat >"$L/1_naive.up.sql" <<'SQL'
ALTER TABLE accounts ALTER COLUMN owner_email SET NOT NULL;
SQL
cat >"$L/2_naive.up.sql" <<'SQL'
ALTER TABLE invoices ADD CONSTRAINT inv_fk FOREIGN KEY (account_id) REFERENCES accounts (id);
SQL
cat >"$L/3_naive.up.sql" <<'SQL'
ALTER TABLE accounts ADD CONSTRAINT accounts_slug_key UNIQUE (slug, region);
SQL
cat >"$L/4_naive.up.sql" <<'SQL'
ALTER TABLE accounts ALTER COLUMN id TYPE bigint;
ALTER TABLE accounts RENAME COLUMN owner_email TO email;
SQL
run --dir "$L" lint
expect_rc 1 "the naive statements are errors"
expect_out "migrate new --add-not-null accounts.owner_email" "set-not-null names --add-not-null with its table and column"
expect_out "migrate new --add-foreign-key invoices.account_id accounts" "add-foreign-key names --add-foreign-key"
expect_out "migrate new --add-unique 'accounts\(slug, region\)'" "add-unique-constraint names --add-unique"
expect_out "migrate new --change-type accounts.id 'bigint'" "change-column-type names --change-type"
expect_out "migrate new --rename-column accounts.owner_email email" "rename-column names --rename-column"

t_done
